import { MeshError, type MeshProblem } from "../mesh/errors.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { describeValue } from "./printable.js";

/** What the parse functions accept: the text itself, or the bytes of a file. */
export type MeshInput = string | Uint8Array | ArrayBuffer;

/** The source name used in messages when a parse function is given none. */
export const DEFAULT_SOURCE = "<input>";

/** A decimal number as the text formats write it (no `nan`, `inf` or hexadecimal). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const INTEGER = /^[+-]?\d+$/;

/** `OFF` with the optional prefixes for texture coordinates, colours, normals and dimension. */
export const OFF_KEYWORD = /^(ST)?(C)?(N)?(4)?(n)?OFF$/;

const utf8 = new TextDecoder("utf-8");

/**
 * The text of `input` (bytes as UTF-8). Throws a `MeshParseError` naming `source` for an input
 * that is neither text nor bytes, and for bytes too many to make one JavaScript string of (V8's
 * limit is 2^29 − 24 characters, about 512 MiB).
 */
export function decodeText(input: MeshInput, source: string = DEFAULT_SOURCE): string {
  if (typeof input === "string") return input;
  const bytes = toBytes(input, source);
  try {
    return utf8.decode(bytes);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_STRING_TOO_LONG" && !(error instanceof RangeError)) {
      throw error;
    }
    throw new MeshParseError(
      source,
      {},
      `the file is too large to read as text: ${bytes.length} bytes, more than the ${MAX_STRING_LENGTH} characters a JavaScript string can hold (write such meshes as binary PLY)`,
      { cause: error },
    );
  }
}

/** The longest string V8 (Node 20, Chromium) can make: `2^29 − 24` UTF-16 code units. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** The bytes of `input` (text as UTF-8); a `MeshParseError` naming `source` for anything else. */
export function toBytes(input: MeshInput, source: string = DEFAULT_SOURCE): Uint8Array {
  if (typeof input === "string") return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new MeshParseError(
    source,
    {},
    `expected the file's text (a string) or bytes (a Uint8Array or an ArrayBuffer), got ${describeValue(input)}`,
  );
}

/**
 * Calls `visit` with the whitespace-separated tokens of every line (comments from `#` removed)
 * and its 1-based number. A line ends at `\n`, `\r\n` or a lone `\r` (old Mac OS files end
 * their lines with `\r` only; read as one line, such a file would be all comment or one error).
 */
export function forEachLine(text: string, visit: (tokens: string[], line: number) => void): void {
  const lineEnd = /\r\n?|\n/g;
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    lineEnd.lastIndex = start;
    const match = lineEnd.exec(text);
    const end = match ? match.index : text.length;
    line++;
    let content = text.slice(start, end);
    const hash = content.indexOf("#");
    if (hash >= 0) content = content.slice(0, hash);
    content = content.trim();
    visit(content === "" ? [] : content.split(/\s+/), line);
    start = match ? lineEnd.lastIndex : text.length + 1;
  }
}

/**
 * Writes a number so that reading it back gives the same float64 (`String` gives the shortest
 * such text), keeping the sign of −0; with `fractionDigits`, rounded to that many decimals first.
 */
export function formatNumber(x: number, fractionDigits?: number): string {
  if (fractionDigits !== undefined) return String(Number(x.toFixed(fractionDigits)) + 0);
  return Object.is(x, -0) ? "-0" : String(x);
}

/**
 * Checks that `data` can be written to a file that reads back as the same mesh: arrays of whole
 * triples, finite coordinates, indices in range. Throws a `MeshError` otherwise.
 */
export function assertWritable(data: TriangleMeshData, target: string): void {
  const { positions, triangles } = data;
  const problems: MeshProblem[] = [];
  if (positions.length % 3 !== 0 || triangles.length % 3 !== 0) {
    problems.push({
      kind: "malformed-array",
      message: `positions (length ${positions.length}) and triangles (length ${triangles.length}) must hold whole triples`,
    });
    throw new MeshError(problems, target);
  }
  const nVertices = positions.length / 3;
  for (let i = 0; i < positions.length && problems.length === 0; i++) {
    if (!Number.isFinite(positions[i])) {
      const v = Math.floor(i / 3);
      problems.push({
        kind: "non-finite-coordinate",
        element: { type: "vertex", index: v },
        message: `vertex ${v} has a non-finite coordinate (${positions[i]}): it cannot be written`,
      });
    }
  }
  for (let i = 0; i < triangles.length && problems.length === 0; i++) {
    const v = triangles[i];
    if (!(Number.isInteger(v) && v >= 0 && v < nVertices)) {
      const f = Math.floor(i / 3);
      problems.push({
        kind: "index-out-of-range",
        element: { type: "face", index: f },
        message: `face ${f} refers to vertex ${v}, but vertices are numbered 0 to ${nVertices - 1}`,
      });
    }
  }
  if (problems.length > 0) throw new MeshError(problems, target);
}
