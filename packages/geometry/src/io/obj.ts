import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { assertObjStatements, readableText } from "./content.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObjFast } from "./obj-fast.js";
import { quote } from "./printable.js";
import {
  assertWritable,
  DECIMAL,
  DEFAULT_SOURCE,
  decodeText,
  forEachLine,
  formatNumber,
  type MeshInput,
} from "./text.js";

// Parsed by hand: three's OBJLoader returns an unindexed triangle soup (one vertex per face
// corner), so the connectivity would have to be guessed back by welding equal positions, which
// also merges distinct vertices that happen to coincide. The part of OBJ needed here (`v` and `f`
// records) is a few lines.

/** A face corner: `v`, `v/vt`, `v/vt/vn` or `v//vn`; only the vertex index is used. */
const CORNER = /^([+-]?\d+)(?:\/[+-]?\d+(?:\/[+-]?\d+)?|\/\/[+-]?\d+)?$/;

/**
 * Reads the vertices (`v x y z [more numbers]`) and faces (`f` with 3 or more corners, in any of
 * the forms `v`, `v/vt`, `v/vt/vn`, `v//vn`) of an OBJ file. Indices are 1-based; negative ones
 * count back from the last vertex defined so far, and positive ones must refer to a vertex
 * defined before the face. Polygons are triangulated as fans from their first corner. Comments
 * (`#`) and every other record (`vt`, `vn`, `o`, `g`, `s`, `usemtl`, `l`, …) are ignored. Lines
 * end at `\n`, `\r\n` or a lone `\r`. Throws a `MeshParseError` naming `source` and the line for
 * anything malformed, and first for content that is not OBJ text at all (compressed, binary,
 * UTF-16, another mesh format, HTML; see `assertContentIs`), which OBJ would otherwise read as
 * empty, and for a text without vertices whose first line is no OBJ statement.
 */
export function parseObj(input: MeshInput, source: string = DEFAULT_SOURCE): TriangleMeshData {
  const text = readableText(input, "obj", source);
  // Ordinary files take the one-pass reader; anything unusual, errors included, this careful one.
  const data = parseObjFast(text) ?? parseObjCarefully(text, source);
  if (data.positions.length === 0) assertObjStatements(text, source);
  return data;
}

/** `parseObj` line by line, with a precise message for every error (exported for tests). */
export function parseObjCarefully(input: MeshInput, source: string = DEFAULT_SOURCE): TriangleMeshData {
  const text = decodeText(input, source);
  const positions: number[] = [];
  const triangles: number[] = [];
  const corners: number[] = [];
  forEachLine(text, (tokens, line) => {
    const fail = (detail: string) => new MeshParseError(source, { line }, detail);
    if (tokens[0] === "v") {
      if (tokens.length < 4) throw fail(`a vertex needs 3 coordinates, got ${tokens.length - 1}`);
      for (let i = 1; i < tokens.length; i++) {
        if (!DECIMAL.test(tokens[i])) throw fail(`${quote(tokens[i])} is not a number`);
        const value = Number(tokens[i]);
        if (!Number.isFinite(value)) throw fail(`coordinate ${quote(tokens[i])} is out of range`);
        if (i <= 3) positions.push(value);
      }
    } else if (tokens[0] === "f") {
      if (tokens.length < 4) throw fail(`a face needs at least 3 corners, got ${tokens.length - 1}`);
      const defined = positions.length / 3;
      corners.length = 0;
      for (let i = 1; i < tokens.length; i++) {
        const match = CORNER.exec(tokens[i]);
        if (!match) throw fail(`${quote(tokens[i])} is not a face corner (v, v/vt, v/vt/vn or v//vn)`);
        const index = Number(match[1]);
        if (index === 0) throw fail("vertex index 0 is invalid: OBJ indices start at 1");
        const resolved = index > 0 ? index - 1 : defined + index;
        if (resolved < 0 || resolved >= defined) {
          throw fail(
            `face corner ${quote(tokens[i])} refers to a vertex that does not exist: ${defined} vertices are defined before this line`,
          );
        }
        corners.push(resolved);
      }
      for (let i = 1; i + 1 < corners.length; i++) triangles.push(corners[0], corners[i], corners[i + 1]);
    }
  });
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

export interface WriteObjOptions {
  /** A comment written at the top of the file (each line prefixed with `# `). */
  readonly comment?: string;
  /**
   * Round coordinates to this many digits after the decimal point (0 to 100). By default they
   * are written exactly: reading the file back gives the same float64 values.
   */
  readonly fractionDigits?: number;
}

/**
 * The mesh as OBJ text: one `v x y z` per vertex, one `f a b c` (1-based) per face. Throws a
 * `MeshError` for data that would not read back (non-finite coordinates, bad indices).
 */
export function writeObj(data: TriangleMeshData, options: WriteObjOptions = {}): string {
  assertWritable(data, "OBJ output");
  const { positions, triangles } = data;
  const digits = options.fractionDigits;
  if (digits !== undefined && !(Number.isInteger(digits) && digits >= 0 && digits <= 100)) {
    throw new RangeError(`fractionDigits must be an integer from 0 to 100, got ${digits}`);
  }
  const out: string[] = [];
  if (options.comment !== undefined) {
    for (const line of options.comment.split("\n")) out.push(`# ${line}`.trimEnd());
  }
  for (let i = 0; i < positions.length; i += 3) {
    out.push(
      `v ${formatNumber(positions[i], digits)} ${formatNumber(positions[i + 1], digits)} ${formatNumber(positions[i + 2], digits)}`,
    );
  }
  for (let i = 0; i < triangles.length; i += 3) {
    out.push(`f ${triangles[i] + 1} ${triangles[i + 1] + 1} ${triangles[i + 2] + 1}`);
  }
  return `${out.join("\n")}\n`;
}
