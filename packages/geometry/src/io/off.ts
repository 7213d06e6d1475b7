import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { MeshParseError } from "./mesh-parse-error.js";
import {
  assertWritable,
  DECIMAL,
  DEFAULT_SOURCE,
  decodeText,
  forEachLine,
  formatNumber,
  INTEGER,
  type MeshInput,
} from "./text.js";

// Parsed by hand: three has no OFF loader, and the format is a header, a counts line, one line
// per vertex and one per face.

/** `OFF` with the optional prefixes for texture coordinates, colours, normals and dimension. */
const OFF_KEYWORD = /^(ST)?(C)?(N)?(4)?(n)?OFF$/;

/**
 * Reads an OFF file: the `OFF` keyword (also `COFF`, `NOFF`, `STOFF`, … whose extra vertex
 * columns are ignored), the counts `nVertices nFaces [nEdges]` (on the keyword's line or the
 * next), one vertex per line (`x y z` then any further numbers), one face per line (`k i1 … ik`
 * with 0-based indices, then an optional colour). Polygons are triangulated as fans from their
 * first corner. `#` starts a comment; blank lines are skipped. Binary OFF and 4-D or n-D
 * variants are refused. Throws a `MeshParseError` naming `source` and the line for anything
 * malformed.
 */
export function parseOff(input: MeshInput, source: string = DEFAULT_SOURCE): TriangleMeshData {
  const text = decodeText(input);
  const positions: number[] = [];
  const triangles: number[] = [];
  // Widened on purpose: the callback below advances it, which the compiler cannot see.
  let stage = "keyword" as "keyword" | "counts" | "vertices" | "faces" | "done";
  let nVertices = 0;
  let nFaces = 0;
  let facesRead = 0;
  let lastLine = 0;

  const readCounts = (tokens: string[], fail: (detail: string) => MeshParseError) => {
    if (
      tokens.length < 2 ||
      tokens.length > 3 ||
      !tokens.every((t) => INTEGER.test(t) && !t.startsWith("-"))
    ) {
      throw fail(`expected the counts 'nVertices nFaces [nEdges]', found '${tokens.join(" ")}'`);
    }
    nVertices = Number(tokens[0]);
    nFaces = Number(tokens[1]);
    stage = nVertices > 0 ? "vertices" : nFaces > 0 ? "faces" : "done";
  };

  forEachLine(text, (tokens, line) => {
    lastLine = line;
    if (tokens.length === 0) return;
    const fail = (detail: string) => new MeshParseError(source, { line }, detail);
    switch (stage) {
      case "keyword": {
        const match = OFF_KEYWORD.exec(tokens[0]);
        if (!match) throw fail(`expected the 'OFF' keyword, found '${tokens[0]}'`);
        if (match[4] || match[5]) throw fail(`'${tokens[0]}' is not supported: only 3-D OFF files are`);
        if (tokens[1] === "BINARY") throw fail("binary OFF is not supported");
        stage = "counts";
        if (tokens.length > 1) readCounts(tokens.slice(1), fail);
        return;
      }
      case "counts":
        readCounts(tokens, fail);
        return;
      case "vertices": {
        if (tokens.length < 3) throw fail(`a vertex needs 3 coordinates, got ${tokens.length}`);
        for (let i = 0; i < tokens.length; i++) {
          if (!DECIMAL.test(tokens[i])) throw fail(`'${tokens[i]}' is not a number`);
          const value = Number(tokens[i]);
          if (!Number.isFinite(value)) throw fail(`coordinate '${tokens[i]}' is out of range`);
          if (i < 3) positions.push(value);
        }
        if (positions.length === 3 * nVertices) stage = nFaces > 0 ? "faces" : "done";
        return;
      }
      case "faces": {
        if (!INTEGER.test(tokens[0])) throw fail(`expected the corner count of a face, found '${tokens[0]}'`);
        const k = Number(tokens[0]);
        if (k < 3) throw fail(`a face needs at least 3 corners, got ${k}`);
        if (tokens.length < k + 1) throw fail(`the face lists ${tokens.length - 1} of its ${k} corners`);
        const corners: number[] = [];
        for (let i = 1; i <= k; i++) {
          const index = Number(tokens[i]);
          if (!INTEGER.test(tokens[i]) || index < 0 || index >= nVertices) {
            throw fail(`face corner '${tokens[i]}' is not a vertex index from 0 to ${nVertices - 1}`);
          }
          corners.push(index);
        }
        for (let i = k + 1; i < tokens.length; i++) {
          if (!DECIMAL.test(tokens[i]))
            throw fail(`'${tokens[i]}' after the corners is not a colour component`);
        }
        for (let i = 1; i + 1 < k; i++) triangles.push(corners[0], corners[i], corners[i + 1]);
        if (++facesRead === nFaces) stage = "done";
        return;
      }
      case "done":
        throw fail(`unexpected '${tokens[0]}' after the last face (the header declares ${nFaces} faces)`);
    }
  });
  const fail = (detail: string) => new MeshParseError(source, { line: lastLine }, detail);
  switch (stage) {
    case "keyword":
      throw fail("the file is empty: expected the 'OFF' keyword");
    case "counts":
      throw fail("the file ends before the counts line");
    case "vertices":
      throw fail(`the file ends after ${positions.length / 3} of its ${nVertices} vertices`);
    case "faces":
      throw fail(`the file ends after ${facesRead} of its ${nFaces} faces`);
  }
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

/** The mesh as OFF text, coordinates written exactly. Throws a `MeshError` for data that would not read back. */
export function writeOff(data: TriangleMeshData): string {
  assertWritable(data, "OFF output");
  const { positions, triangles } = data;
  const out = ["OFF", `${positions.length / 3} ${triangles.length / 3} 0`];
  for (let i = 0; i < positions.length; i += 3) {
    out.push(
      `${formatNumber(positions[i])} ${formatNumber(positions[i + 1])} ${formatNumber(positions[i + 2])}`,
    );
  }
  for (let i = 0; i < triangles.length; i += 3) {
    out.push(`3 ${triangles[i]} ${triangles[i + 1]} ${triangles[i + 2]}`);
  }
  return `${out.join("\n")}\n`;
}
