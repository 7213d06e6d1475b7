import {
  faceLabelsToVertexLabels,
  LABEL_EXTENSIONS,
  labelElementOf,
  parseLabels,
  type TriangleMeshData,
} from "@gemcnn/geometry";

/** A mesh's true per-vertex labels, from a label file beside it. */
export interface TrueLabels {
  /** The file they came from. */
  readonly source: string;
  /** Whether the file held one label per face (`.seg`) or per vertex (`.vseg`). */
  readonly from: "face" | "vertex";
  /** One label per vertex; −1 for a vertex no face uses (a `.seg` file labels faces only). */
  readonly labels: Int32Array;
}

/** Whether a file name is a label file (`.seg`, `.vseg`). */
export function isLabelFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(LABEL_EXTENSIONS.face) || lower.endsWith(LABEL_EXTENSIONS.vertex);
}

/**
 * Reads a label file for `mesh` with the geometry package's reader: `.vseg` one label per vertex,
 * `.seg` one per face, made per vertex by the area majority of each vertex's faces (geometry's
 * `faceLabelsToVertexLabels`, the rule the command line trains with). A file of the wrong count
 * or with a line that is not a label is a `LabelFileError` naming the file (and the line).
 */
export function readTrueLabels(name: string, bytes: ArrayBuffer, mesh: TriangleMeshData): TrueLabels {
  const element = labelElementOf(name);
  const count = element === "face" ? mesh.triangles.length / 3 : mesh.positions.length / 3;
  const labels = parseLabels(new Uint8Array(bytes), { source: name, count, element });
  return {
    source: name,
    from: element,
    labels: element === "face" ? faceLabelsToVertexLabels(mesh, labels) : labels,
  };
}

/**
 * Fraction of the labelled vertices (true label ≥ 0 and a prediction ≥ 0) whose predicted label
 * is the true one, and how many were counted. Written here, not taken from nn's
 * `perVertexAccuracy`: importing nn loads tfjs, and the page loads tfjs only with a model.
 */
export function vertexAccuracy(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): { accuracy: number; counted: number; correct: number } {
  if (predicted.length !== truth.length) {
    throw new RangeError(`vertexAccuracy: ${predicted.length} predictions for ${truth.length} true labels`);
  }
  let counted = 0;
  let correct = 0;
  for (let v = 0; v < truth.length; v++) {
    if (truth[v] < 0 || predicted[v] < 0) continue;
    counted++;
    if (predicted[v] === truth[v]) correct++;
  }
  return { accuracy: counted === 0 ? Number.NaN : correct / counted, counted, correct };
}

/** `1` where the prediction equals the truth, `0` where it differs, NaN where either is unknown (−1). */
export function agreement(predicted: ArrayLike<number>, truth: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: truth.length }, (_, v) =>
    truth[v] < 0 || predicted[v] < 0 ? Number.NaN : predicted[v] === truth[v] ? 1 : 0,
  );
}

/** Total area of a triangle mesh. */
export function surfaceArea(data: TriangleMeshData): number {
  const { positions: p, triangles: t } = data;
  let area = 0;
  for (let f = 0; f < t.length; f += 3) {
    const [a, b, c] = [3 * t[f], 3 * t[f + 1], 3 * t[f + 2]];
    const ux = p[b] - p[a];
    const uy = p[b + 1] - p[a + 1];
    const uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a];
    const vy = p[c + 1] - p[a + 1];
    const vz = p[c + 2] - p[a + 2];
    area += 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return area;
}

/**
 * The correspondence error of every vertex: the Euclidean distance on the template between the
 * predicted template vertex and the true one, divided by the square root of the template's area
 * (the normalisation of Kim et al. 2011 that the geodesic error curve uses). Euclidean, not
 * geodesic: exact geodesic distances from every mispredicted vertex would cost far more than the
 * page can spend on its main thread, and for the small errors that matter the two agree to first
 * order. NaN where the prediction or the truth is unknown (−1).
 */
export function correspondenceErrors(
  template: TriangleMeshData,
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
): Float64Array {
  const scale = Math.sqrt(surfaceArea(template)) || 1;
  const p = template.positions;
  const n = p.length / 3;
  return Float64Array.from({ length: truth.length }, (_, v) => {
    const a = predicted[v];
    const b = truth[v];
    if (!(a >= 0 && a < n && b >= 0 && b < n)) return Number.NaN;
    return Math.hypot(p[3 * a] - p[3 * b], p[3 * a + 1] - p[3 * b + 1], p[3 * a + 2] - p[3 * b + 2]) / scale;
  });
}

/** A correspondence mesh's true labels: vertex `i` is template vertex `i` when the counts match, else none. */
export function correspondenceTruth(nVertices: number, templateVertices: number): Int32Array | undefined {
  return nVertices === templateVertices ? Int32Array.from({ length: nVertices }, (_, v) => v) : undefined;
}
