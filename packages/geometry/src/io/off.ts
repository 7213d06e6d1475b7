import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { readableText } from "./content.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { quote } from "./printable.js";
import {
  assertWritable,
  DECIMAL,
  DEFAULT_SOURCE,
  forEachLine,
  formatNumber,
  INTEGER,
  type MeshInput,
  OFF_KEYWORD,
} from "./text.js";

// Parsed by hand: three has no OFF loader, and the format is a header, a counts line, one line
// per vertex and one per face.

/**
 * Reads an OFF file: the `OFF` keyword (also `COFF`, `NOFF`, `STOFF`, … whose extra vertex
 * columns are ignored), the counts `nVertices nFaces [nEdges]` (on the keyword's line or the
 * next), one vertex per line (`x y z` then any further numbers), one face per line (`k i1 … ik`
 * with 0-based indices, then an optional colour). Polygons are triangulated as fans from their
 * first corner. `#` starts a comment; blank lines are skipped. Binary OFF and 4-D or n-D
 * variants are refused. Lines end at `\n`, `\r\n` or a lone `\r`. Throws a `MeshParseError`
 * naming `source` and the line for anything malformed; counts that do not match the body are
 * named as such at the counts line, and content that is not OFF text at all is refused first.
 */
export function parseOff(input: MeshInput, source: string = DEFAULT_SOURCE): TriangleMeshData {
  const text = readableText(input, "off", source);
  const header: OffHeader = {
    countsLine: 0,
    nVertices: 0,
    nFaces: 0,
    vertexColumns: 0,
    unevenVertexLines: false,
  };
  let data: TriangleMeshData;
  try {
    data = readOff(text, source, header);
  } catch (error) {
    // A wrong count makes the reader take a face for a vertex or the other way round, and its
    // error then names a line that is fine: say which count is wrong instead, when the body shows it.
    if (error instanceof MeshParseError && header.countsLine > 0) {
      const mismatch = countMismatch(text, source, header, error.line);
      if (mismatch) throw mismatch;
    }
    throw error;
  }
  // Counts that are both wrong can still add up: the last "vertices" are then faces, and they
  // usually have another number of columns than the vertices before them.
  if (header.unevenVertexLines) {
    const mismatch = countMismatch(text, source, header, undefined);
    if (mismatch) throw mismatch;
  }
  return data;
}

/** What `readOff` learnt of the header and the vertex lines, for `countMismatch`. */
interface OffHeader {
  /** Line of the counts (0 before it was read). */
  countsLine: number;
  nVertices: number;
  nFaces: number;
  /** Numbers on the first vertex line. */
  vertexColumns: number;
  /** Whether a later vertex line had another number of columns. */
  unevenVertexLines: boolean;
}

function readOff(text: string, source: string, header: OffHeader): TriangleMeshData {
  const positions: number[] = [];
  const triangles: number[] = [];
  // Widened on purpose: the callback below advances it, which the compiler cannot see.
  let stage = "keyword" as "keyword" | "counts" | "vertices" | "faces" | "done";
  let nVertices = 0;
  let nFaces = 0;
  let facesRead = 0;
  let lastLine = 0;

  const readCounts = (tokens: string[], line: number, fail: (detail: string) => MeshParseError) => {
    if (
      tokens.length < 2 ||
      tokens.length > 3 ||
      !tokens.every((t) => INTEGER.test(t) && !t.startsWith("-"))
    ) {
      throw fail(`expected the counts 'nVertices nFaces [nEdges]', found ${quote(tokens.join(" "))}`);
    }
    nVertices = Number(tokens[0]);
    nFaces = Number(tokens[1]);
    header.countsLine = line;
    header.nVertices = nVertices;
    header.nFaces = nFaces;
    stage = nVertices > 0 ? "vertices" : nFaces > 0 ? "faces" : "done";
  };

  forEachLine(text, (tokens, line) => {
    lastLine = line;
    if (tokens.length === 0) return;
    const fail = (detail: string) => new MeshParseError(source, { line }, detail);
    switch (stage) {
      case "keyword": {
        const match = OFF_KEYWORD.exec(tokens[0]);
        if (!match) throw fail(`expected the 'OFF' keyword, found ${quote(tokens[0])}`);
        if (match[4] || match[5]) throw fail(`${quote(tokens[0])} is not supported: only 3-D OFF files are`);
        if (tokens[1] === "BINARY") throw fail("binary OFF is not supported");
        stage = "counts";
        if (tokens.length > 1) readCounts(tokens.slice(1), line, fail);
        return;
      }
      case "counts":
        readCounts(tokens, line, fail);
        return;
      case "vertices": {
        if (tokens.length < 3) throw fail(`a vertex needs 3 coordinates, got ${tokens.length}`);
        if (header.vertexColumns === 0) header.vertexColumns = tokens.length;
        else if (tokens.length !== header.vertexColumns) header.unevenVertexLines = true;
        for (let i = 0; i < tokens.length; i++) {
          if (!DECIMAL.test(tokens[i])) throw fail(`${quote(tokens[i])} is not a number`);
          const value = Number(tokens[i]);
          if (!Number.isFinite(value)) throw fail(`coordinate ${quote(tokens[i])} is out of range`);
          if (i < 3) positions.push(value);
        }
        if (positions.length === 3 * nVertices) stage = nFaces > 0 ? "faces" : "done";
        return;
      }
      case "faces": {
        if (!INTEGER.test(tokens[0]))
          throw fail(`expected the corner count of a face, found ${quote(tokens[0])}`);
        const k = Number(tokens[0]);
        if (k < 3) throw fail(`a face needs at least 3 corners, got ${k}`);
        if (tokens.length < k + 1) throw fail(`the face lists ${tokens.length - 1} of its ${k} corners`);
        const corners: number[] = [];
        for (let i = 1; i <= k; i++) {
          const index = Number(tokens[i]);
          if (!INTEGER.test(tokens[i]) || index < 0 || index >= nVertices) {
            throw fail(`face corner ${quote(tokens[i])} is not a vertex index from 0 to ${nVertices - 1}`);
          }
          corners.push(index);
        }
        for (let i = k + 1; i < tokens.length; i++) {
          if (!DECIMAL.test(tokens[i]))
            throw fail(`${quote(tokens[i])} after the corners is not a colour component`);
        }
        for (let i = 1; i + 1 < k; i++) triangles.push(corners[0], corners[i], corners[i + 1]);
        if (++facesRead === nFaces) stage = "done";
        return;
      }
      case "done":
        throw fail(
          `unexpected ${quote(tokens[0])} after the last face (the header declares ${nFaces} faces)`,
        );
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

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** A line that can only be a face: `k` (≥ 3), `k` indices below `nVertices`, at most a colour after. */
function isFaceLine(tokens: readonly string[], nVertices: number): boolean {
  if (!INTEGER.test(tokens[0])) return false;
  const k = Number(tokens[0]);
  if (k < 3 || tokens.length < k + 1 || tokens.length > k + 5) return false;
  for (let i = 1; i <= k; i++) {
    if (!INTEGER.test(tokens[i]) || Number(tokens[i]) < 0 || Number(tokens[i]) >= nVertices) return false;
  }
  for (let i = k + 1; i < tokens.length; i++) if (!DECIMAL.test(tokens[i])) return false;
  return true;
}

/**
 * When the body after the counts line is a run of vertex lines (all with the first one's number
 * of columns) followed by a run of face lines, and the vertex count is not the length of the
 * first run, an error at the counts line saying which count is wrong and what the line should
 * read. `undefined` when the body does not show that (the reader's own error is then the right one).
 */
function countMismatch(
  text: string,
  source: string,
  header: OffHeader,
  failedLine: number | undefined,
): MeshParseError | undefined {
  const lines: string[][] = [];
  const lineNumbers: number[] = [];
  forEachLine(text, (tokens, line) => {
    if (line > header.countsLine && tokens.length > 0) {
      lines.push(tokens);
      lineNumbers.push(line);
    }
  });
  const { nVertices, nFaces } = header;
  const columns = lines[0]?.length ?? 0;
  let vertexLines = 0;
  while (
    vertexLines < lines.length &&
    lines[vertexLines].length === columns &&
    columns >= 3 &&
    lines[vertexLines].every((t) => DECIMAL.test(t)) &&
    !(vertexLines > 0 && isFaceLine(lines[vertexLines], vertexLines))
  ) {
    vertexLines++;
  }
  for (let i = vertexLines; i < lines.length; i++) if (!isFaceLine(lines[i], vertexLines)) return undefined;
  const faceLines = lines.length - vertexLines;
  if (failedLine !== undefined && lines.length === nVertices + nFaces) {
    // The counts add up, so the reader may well have met a malformed face where the vertices
    // end ("3 0 1" could be either): blame the counts only when it failed on a line that is
    // followed by more vertex-like lines.
    const failed = lineNumbers.indexOf(failedLine);
    if (!(failed >= 0 && failed < vertexLines - 1)) return undefined;
  }
  // A right vertex count leaves the reader's own error right ("the file ends after 1 of its 2
  // faces", "unexpected '3' after the last face"), and a body of vertices only may just be cut off.
  if (vertexLines === nVertices || (faceLines === 0 && nFaces > 0)) return undefined;
  const should = `the counts line should start '${vertexLines} ${faceLines}'`;
  let detail: string;
  if (faceLines === nFaces) {
    detail = `the header declares ${plural(nVertices, "vertex", "vertices")}, but the body has ${plural(vertexLines, "vertex line", "vertex lines")} before its ${plural(faceLines, "face line", "face lines")}: ${should}`;
  } else {
    const swapped = vertexLines === nFaces && faceLines === nVertices ? " (the two counts are swapped)" : "";
    detail = `the header declares ${plural(nVertices, "vertex", "vertices")} and ${plural(nFaces, "face", "faces")}, but the body has ${plural(vertexLines, "vertex line", "vertex lines")} and then ${plural(faceLines, "face line", "face lines")}${swapped}: ${should}`;
  }
  return new MeshParseError(source, { line: header.countsLine }, detail);
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
