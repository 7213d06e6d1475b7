import { MeshError, type MeshProblem } from "../mesh/errors.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";

/** What the parse functions accept: the text itself, or the bytes of a file. */
export type MeshInput = string | Uint8Array | ArrayBuffer;

/** The source name used in messages when a parse function is given none. */
export const DEFAULT_SOURCE = "<input>";

/** A decimal number as the text formats write it (no `nan`, `inf` or hexadecimal). */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const INTEGER = /^[+-]?\d+$/;

const utf8 = new TextDecoder("utf-8");

export function decodeText(input: MeshInput): string {
  return typeof input === "string" ? input : utf8.decode(input);
}

export function toBytes(input: MeshInput): Uint8Array {
  if (typeof input === "string") return new TextEncoder().encode(input);
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/**
 * Calls `visit` with the whitespace-separated tokens of every line (comments from `#` removed)
 * and its 1-based number; lines end at `\n`, and a `\r` before it is whitespace.
 */
export function forEachLine(text: string, visit: (tokens: string[], line: number) => void): void {
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    let content = text.slice(start, end);
    const hash = content.indexOf("#");
    if (hash >= 0) content = content.slice(0, hash);
    content = content.trim();
    visit(content === "" ? [] : content.split(/\s+/), line);
    start = end + 1;
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
