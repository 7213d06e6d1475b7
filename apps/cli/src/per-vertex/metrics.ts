import { MeshGeometry } from "@gemcnn/geometry";
import {
  type ConfusionMatrix,
  confusionMatrix,
  exactGeodesics,
  geodesicErrorCurve,
  intersectionOverUnion,
} from "@gemcnn/nn";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { formatConfusion } from "../training/confusion.js";
import { type LineChart, renderLineChartSvg } from "../training/curves.js";

/** Segmentation figures over a set of meshes (every labelled vertex counts once). */
export interface PartFigures {
  readonly accuracy: number;
  readonly correct: number;
  readonly count: number;
  /** IoU per class; `null` for a class neither the truth nor the prediction has. */
  readonly iou: (number | null)[];
  /** Mean IoU over the classes present in the truth or the prediction. */
  readonly meanIoU: number;
  /** Vertex counts, rows true class, columns predicted. */
  readonly confusion: number[][];
}

/** Per-vertex accuracy, IoU per class, mean IoU and the confusion matrix of `predicted` against `truth`. */
export function partFigures(
  predicted: readonly ArrayLike<number>[],
  truth: readonly ArrayLike<number>[],
  classes: number,
): PartFigures {
  let confusion: ConfusionMatrix = { classes, counts: new Float64Array(classes * classes) };
  predicted.forEach((p, i) => {
    confusion = confusionMatrix(p, truth[i], classes, { into: confusion });
  });
  let correct = 0;
  let count = 0;
  for (let c = 0; c < classes; c++) {
    correct += confusion.counts[c * classes + c];
    for (let k = 0; k < classes; k++) count += confusion.counts[c * classes + k];
  }
  const iou = intersectionOverUnion(confusion);
  return {
    accuracy: count > 0 ? correct / count : Number.NaN,
    correct,
    count,
    iou: Array.from(iou.perClass, (x) => (Number.isNaN(x) ? null : x)),
    meanIoU: iou.mean,
    confusion: Array.from({ length: classes }, (_, t) =>
      Array.from(confusion.counts.subarray(t * classes, (t + 1) * classes)),
    ),
  };
}

/** Normalised radii of the correspondence curve that the tables show. */
export const TABLE_RADII: readonly number[] = [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25];

/**
 * Wrong vertices whose geodesic error is measured, over a whole test set (split evenly between its
 * meshes); where a mesh has more (after the straight-line test), a seeded sample of its share
 * stands for them on the curve. At FAUST's size one exact propagation to the largest radius
 * (0.25·√area) takes about 80 ms here, so this bounds the curve of even a poorly trained model
 * to a few minutes (docs/experiments.md); a model 99% right has fewer wrong vertices than this on
 * 20 meshes, and its curve is exact.
 */
export const CURVE_DISTANCE_QUERIES = 2048;

/** Correspondence figures over a set of meshes. */
export interface CorrespondenceFigures {
  /** Fraction of vertices matched to their own template vertex (geodesic error 0). */
  readonly atZero: number;
  readonly correct: number;
  readonly count: number;
  /** The geodesic error curve: radii (geodesic distance over √area) and the fraction within each. */
  readonly radii: number[];
  readonly fraction: number[];
  /** Wrong vertices whose distance was needed, and how many of them were measured (the rest sampled). */
  readonly undecided: number;
  readonly queried: number;
}

/**
 * The geodesic error curve (Kim et al. 2011) over registrations: on each mesh, the exact polyhedral
 * distance between the point a vertex was matched to (the mesh's vertex that is the predicted
 * template vertex) and the vertex itself, over the square root of the mesh's area; the curves of
 * the meshes are pooled vertex by vertex. A wrong vertex farther in space from its match than the
 * largest radius is beyond it without a distance; of the others, at most
 * `CURVE_DISTANCE_QUERIES / meshes` per mesh are measured, a seeded sample when there are more
 * (the value at r = 0 is exact over all vertices). `predicted[i][v]` is a template vertex; the truth of
 * vertex v of a preprocessed mesh is `mesh.sourceVertex[v]`. A template vertex that the mesh lost
 * in preprocessing (a repair, another component) counts as beyond every radius.
 */
export function correspondenceFigures(
  predicted: readonly ArrayLike<number>[],
  meshes: readonly SourcedMesh[],
): CorrespondenceFigures {
  const radii = Array.from({ length: 101 }, (_, i) => (0.25 * i) / 100);
  const within = new Float64Array(radii.length);
  let count = 0;
  let correct = 0;
  let undecided = 0;
  let queried = 0;
  const maxQueries = Math.max(1, Math.ceil(CURVE_DISTANCE_QUERIES / Math.max(1, meshes.length)));
  predicted.forEach((p, i) => {
    const mesh = meshes[i];
    const n = mesh.nVertices;
    const local = new Int32Array(mesh.sourceVertexCount).fill(-1);
    mesh.sourceVertex.forEach((u, v) => {
      local[u] = v;
    });
    const matched = new Int32Array(n);
    const mask = new Uint8Array(n);
    for (let v = 0; v < n; v++) {
      const k = p[v];
      const w = k >= 0 && k < local.length ? local[k] : -1;
      matched[v] = w < 0 ? v : w;
      mask[v] = w < 0 ? 0 : 1;
      if (k === mesh.sourceVertex[v]) correct++;
    }
    count += n;
    const geometry = MeshGeometry.fromData({ positions: mesh.positions, triangles: mesh.triangles });
    const area = geometry.faceAreas.reduce((a, b) => a + b, 0);
    if (!mask.some((m) => m === 1)) return;
    const truth = Int32Array.from({ length: n }, (_, v) => v);
    const curve = geodesicErrorCurve(matched, truth, {
      distances: exactGeodesics(geometry),
      area,
      radii,
      mask,
      positions: mesh.positions,
      maxQueries,
      seed: i,
    });
    undecided += curve.undecided;
    queried += curve.queried;
    curve.fraction.forEach((f, r) => {
      within[r] += f * curve.counted;
    });
  });
  return {
    atZero: count > 0 ? correct / count : Number.NaN,
    correct,
    count,
    radii,
    fraction: Array.from(within, (w) => (count > 0 ? w / count : Number.NaN)),
    undecided,
    queried,
  };
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Accuracy, IoU per class and mean IoU, then the confusion matrix. */
export function formatPartFigures(figures: PartFigures, classes: readonly string[], what: string): string {
  const width = Math.max(5, ...classes.map((c) => c.length));
  const lines = [
    `${what} per-vertex accuracy ${percent(figures.accuracy)} (${figures.correct}/${figures.count} vertices), mIoU ${percent(figures.meanIoU)}`,
    "",
    "IoU per class:",
    ...classes.map(
      (c, k) =>
        `  ${c.padEnd(width)} ${figures.iou[k] === null ? "   -" : percent(figures.iou[k] as number)}`,
    ),
    "",
    "confusion matrix (vertices):",
    formatConfusion(figures.confusion, classes).trimEnd(),
  ];
  return `${lines.join("\n")}\n`;
}

/** Accuracy at r = 0 and the curve at `TABLE_RADII`. */
export function formatCorrespondenceFigures(figures: CorrespondenceFigures, what: string): string {
  const lines = [
    `${what} accuracy at geodesic error 0: ${percent(figures.atZero)} (${figures.correct}/${figures.count} vertices)`,
    "",
    `geodesic error curve (error ≤ r · √area; exact polyhedral distances${
      figures.queried < figures.undecided
        ? `; a seeded sample of ${figures.queried} of the ${figures.undecided} wrong vertices within 0.25·√area of their match in space`
        : ""
    }):`,
    "  r       fraction",
    ...TABLE_RADII.map((r) => {
      const i = figures.radii.findIndex((x) => Math.abs(x - r) < 1e-12);
      return `  ${r.toFixed(3).padEnd(7)} ${percent(figures.fraction[i])}`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}

/** The geodesic error curve as an SVG line chart (percent within each normalised radius). */
export function correspondenceCurveSvg(figures: CorrespondenceFigures, title: string): string {
  const chart: LineChart = {
    title,
    xLabel: "geodesic error / √area",
    yLabel: "% of vertices",
    series: [
      { name: "gemcnn", points: figures.radii.map((r, i) => [r, 100 * figures.fraction[i]] as const) },
    ],
    yRange: [0, 100],
  };
  return renderLineChartSvg(chart);
}
