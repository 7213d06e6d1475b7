import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { DEFAULT_SOURCE, decodeText, type MeshInput } from "./text.js";

/**
 * Per-element label files beside a mesh, one non-negative integer per line in element order:
 * `<name>.seg` per face (the Princeton segmentation benchmark's and COSEG's files) and
 * `<name>.vseg` per vertex.
 */
export type LabelElement = "face" | "vertex";

/** The extension of each kind of label file. */
export const LABEL_EXTENSIONS: Readonly<Record<LabelElement, string>> = Object.freeze({
  face: ".seg",
  vertex: ".vseg",
});

/** Every problem with a label file: the message starts with the file and, where there is one, the 1-based line. */
export class LabelFileError extends Error {
  override name = "LabelFileError";
  readonly file: string;
  readonly line: number | undefined;
  /** The problem, without the location prefix. */
  readonly detail: string;

  constructor(file: string, line: number | undefined, detail: string, options?: ErrorOptions) {
    super(`${file}${line === undefined ? "" : `, line ${line}`}: ${detail}`, options);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** What a label file is for, as `labelElementOf` tells it from the name (`.seg` faces, `.vseg` vertices). */
export function labelElementOf(path: string): LabelElement {
  const lower = path.toLowerCase();
  if (lower.endsWith(LABEL_EXTENSIONS.vertex)) return "vertex";
  if (lower.endsWith(LABEL_EXTENSIONS.face)) return "face";
  throw new LabelFileError(
    path,
    undefined,
    `not a label file: expected the extension ${LABEL_EXTENSIONS.face} (one label per face) or ${LABEL_EXTENSIONS.vertex} (one per vertex)`,
  );
}

const LABEL = /^\+?\d+$/;

/** Largest label accepted: labels index classes, and 2³¹ − 1 keeps them in an `Int32Array`. */
const MAX_LABEL = 2 ** 31 - 1;

export interface ParseLabelsOptions {
  /** Names the file in errors (default `"<input>"`). */
  readonly source?: string;
  /** The number of labels the file must hold (its mesh's faces or vertices), checked when given. */
  readonly count?: number;
  /** What the labels are for, named in the count error (default `"face"`). */
  readonly element?: LabelElement;
}

/**
 * Reads a label file: one non-negative integer per line, in element order. Blank lines are
 * skipped (files often end with one); anything else that is not a single integer from 0 to
 * 2³¹ − 1 is a `LabelFileError` naming the file and line, and so is a count other than
 * `options.count`.
 */
export function parseLabels(input: MeshInput, options: ParseLabelsOptions = {}): Int32Array {
  const source = options.source ?? DEFAULT_SOURCE;
  const text = decodeText(input);
  const values: number[] = [];
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    const content = text.slice(start, end).trim();
    start = end + 1;
    if (content === "") continue;
    if (!LABEL.test(content)) {
      const shown = content.length > 40 ? `${content.slice(0, 40)}…` : content;
      const why = /\s/.test(content)
        ? "expected one label per line"
        : /^-\d+$/.test(content)
          ? "labels must not be negative"
          : "expected a non-negative integer label";
      throw new LabelFileError(source, line, `${why}, got '${shown}'`);
    }
    const value = Number(content);
    if (value > MAX_LABEL) {
      throw new LabelFileError(source, line, `label ${content} is larger than ${MAX_LABEL}`);
    }
    values.push(value);
  }
  if (options.count !== undefined && values.length !== options.count) {
    const element = options.element ?? "face";
    throw new LabelFileError(
      source,
      undefined,
      `${values.length} labels for a mesh of ${options.count} ${element === "face" ? "faces" : "vertices"}; a ${LABEL_EXTENSIONS[element]} file holds one label per ${element}, in the mesh's ${element} order`,
    );
  }
  return Int32Array.from(values);
}

/** A label file's text: one label per line, each line ended by `\n`. Labels must be integers from 0. */
export function formatLabels(labels: ArrayLike<number>): string {
  const lines = new Array<string>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label <= MAX_LABEL)) {
      throw new RangeError(`formatLabels: label ${i} is ${label}, not an integer from 0 to ${MAX_LABEL}`);
    }
    lines[i] = String(label);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function faceArea(data: TriangleMeshData, f: number): number {
  const { positions: p, triangles: t } = data;
  const [a, b, c] = [3 * t[3 * f], 3 * t[3 * f + 1], 3 * t[3 * f + 2]];
  const ux = p[b] - p[a];
  const uy = p[b + 1] - p[a + 1];
  const uz = p[b + 2] - p[a + 2];
  const vx = p[c] - p[a];
  const vy = p[c + 1] - p[a + 1];
  const vz = p[c + 2] - p[a + 2];
  return 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
}

/**
 * Labels that win by weight, with ties broken towards the smaller label: weights within 1e-9 of
 * the largest (relative to the total) count as equal, so that summing the same weights in
 * another order (another face order in the file) cannot change the winner.
 */
function heaviest(labels: number[], weights: number[]): number {
  let total = 0;
  const sums = new Map<number, number>();
  labels.forEach((label, i) => {
    sums.set(label, (sums.get(label) ?? 0) + weights[i]);
    total += weights[i];
  });
  let best = Number.NEGATIVE_INFINITY;
  for (const w of sums.values()) best = Math.max(best, w);
  let winner = -1;
  for (const [label, w] of sums) {
    if (w >= best - 1e-9 * total && (winner < 0 || label < winner)) winner = label;
  }
  return winner;
}

/**
 * Per-vertex labels from per-face labels (a `.seg` file): each vertex takes the label with the
 * largest total area among its incident faces (ties within 1e-9 of the vertex's incident area go
 * to the smaller label; a vertex whose faces all have zero area counts faces instead). A vertex
 * that no face uses gets −1 (unlabelled). Throws a `RangeError` for a label count other than the
 * number of faces, or a negative label.
 */
export function faceLabelsToVertexLabels(data: TriangleMeshData, faceLabels: ArrayLike<number>): Int32Array {
  const nVertices = data.positions.length / 3;
  const nFaces = data.triangles.length / 3;
  if (faceLabels.length !== nFaces) {
    throw new RangeError(`faceLabelsToVertexLabels: ${faceLabels.length} labels for ${nFaces} faces`);
  }
  const labels: number[][] = Array.from({ length: nVertices }, () => []);
  const areas: number[][] = Array.from({ length: nVertices }, () => []);
  for (let f = 0; f < nFaces; f++) {
    const label = faceLabels[f];
    if (!(Number.isInteger(label) && label >= 0)) {
      throw new RangeError(`faceLabelsToVertexLabels: face ${f} has label ${label}, not an integer from 0`);
    }
    const area = faceArea(data, f);
    for (let c = 0; c < 3; c++) {
      const v = data.triangles[3 * f + c];
      if (!(v < nVertices)) {
        throw new RangeError(
          `faceLabelsToVertexLabels: face ${f} names vertex ${v}, beyond the ${nVertices}`,
        );
      }
      labels[v].push(label);
      areas[v].push(area);
    }
  }
  const out = new Int32Array(nVertices);
  for (let v = 0; v < nVertices; v++) {
    if (labels[v].length === 0) {
      out[v] = -1;
      continue;
    }
    const weights = areas[v].some((a) => a > 0) ? areas[v] : areas[v].map(() => 1);
    out[v] = heaviest(labels[v], weights);
  }
  return out;
}

/**
 * Per-face labels from per-vertex labels (to write predictions as a `.seg` file): the label that
 * at least two of the face's corners have; when all three differ, the corner label with the
 * highest `confidence` (e.g. the predicted probability; ties, or no confidences, to the smallest
 * label). Corners labelled −1 (unlabelled) do not vote; a face whose corners are all unlabelled
 * gets −1.
 */
export function vertexLabelsToFaceLabels(
  triangles: ArrayLike<number>,
  vertexLabels: ArrayLike<number>,
  confidence?: ArrayLike<number>,
): Int32Array {
  const nFaces = Math.floor(triangles.length / 3);
  if (confidence !== undefined && confidence.length !== vertexLabels.length) {
    throw new RangeError(
      `vertexLabelsToFaceLabels: ${confidence.length} confidences for ${vertexLabels.length} vertex labels`,
    );
  }
  const out = new Int32Array(nFaces);
  for (let f = 0; f < nFaces; f++) {
    const corners = [triangles[3 * f], triangles[3 * f + 1], triangles[3 * f + 2]];
    for (const v of corners) {
      if (!(v < vertexLabels.length)) {
        throw new RangeError(
          `vertexLabelsToFaceLabels: face ${f} names vertex ${v}, beyond the ${vertexLabels.length} labels`,
        );
      }
    }
    const voters = corners.filter((v) => vertexLabels[v] >= 0);
    const labels = voters.map((v) => vertexLabels[v]);
    if (labels.length === 0) {
      out[f] = -1;
    } else if (labels.length === 3 && (labels[0] === labels[1] || labels[0] === labels[2])) {
      out[f] = labels[0];
    } else if (labels.length === 3 && labels[1] === labels[2]) {
      out[f] = labels[1];
    } else {
      out[f] = heaviest(
        labels,
        voters.map((v) => (confidence === undefined ? 1 : confidence[v])),
      );
    }
  }
  return out;
}
