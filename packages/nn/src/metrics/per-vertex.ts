import { exactGeodesicDistancesTo, type MeshGeometry, mulberry32 } from "@gemcnn/geometry";

/*
 * Metrics of per-vertex predictions: plain functions on label arrays, accumulated in float64
 * (no tensors: wasm sums in float32). A vertex counts where `mask` is non-zero; without a mask,
 * where its true label is not negative (−1 marks an unlabelled vertex).
 */

/** A bad argument to a metric; the message names the metric and the problem. */
export class MetricError extends Error {
  override name = "MetricError";
}

function countedVertices(
  metric: string,
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  mask: ArrayLike<number | boolean> | undefined,
): number[] {
  if (predicted.length !== truth.length) {
    throw new MetricError(`${metric}: ${predicted.length} predictions for ${truth.length} true labels`);
  }
  if (mask !== undefined && mask.length !== truth.length) {
    throw new MetricError(`${metric}: a mask of ${mask.length} entries for ${truth.length} labels`);
  }
  const counted: number[] = [];
  for (let v = 0; v < truth.length; v++) {
    if (mask === undefined ? truth[v] >= 0 : Boolean(mask[v])) counted.push(v);
  }
  if (counted.length === 0) throw new MetricError(`${metric}: no vertex is labelled`);
  return counted;
}

/** The fraction of counted vertices whose predicted label is the true one. */
export function perVertexAccuracy(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  mask?: ArrayLike<number | boolean>,
): number {
  const counted = countedVertices("perVertexAccuracy", predicted, truth, mask);
  let correct = 0;
  for (const v of counted) if (predicted[v] === truth[v]) correct++;
  return correct / counted.length;
}

/** Counts of (true, predicted) label pairs: `counts[truth · classes + predicted]`. */
export interface ConfusionMatrix {
  readonly classes: number;
  readonly counts: Float64Array;
}

/**
 * The confusion matrix of the counted vertices (rows: true class, columns: predicted class).
 * Labels must be integers from 0 to `classes − 1`; accumulate several meshes by passing the
 * previous matrix as `into`.
 */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  classes: number,
  options: { mask?: ArrayLike<number | boolean>; into?: ConfusionMatrix } = {},
): ConfusionMatrix {
  if (!(Number.isSafeInteger(classes) && classes >= 1)) {
    throw new MetricError(`confusionMatrix: classes must be a positive integer, got ${classes}`);
  }
  const into = options.into;
  if (into !== undefined && into.classes !== classes) {
    throw new MetricError(
      `confusionMatrix: accumulating into a matrix of ${into.classes} classes, not ${classes}`,
    );
  }
  const counts = into?.counts ?? new Float64Array(classes * classes);
  for (const v of countedVertices("confusionMatrix", predicted, truth, options.mask)) {
    const [t, p] = [truth[v], predicted[v]];
    for (const [name, label] of [
      ["true", t],
      ["predicted", p],
    ] as const) {
      if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
        throw new MetricError(
          `confusionMatrix: vertex ${v} has ${name} label ${label}, not a class from 0 to ${classes - 1}`,
        );
      }
    }
    counts[t * classes + p]++;
  }
  return { classes, counts };
}

/** Per-class intersection over union, and its mean. */
export interface IntersectionOverUnion {
  /**
   * `|truth = c ∧ predicted = c| / |truth = c ∨ predicted = c|` per class; `NaN` for a class that
   * neither the truth nor the prediction has (0/0).
   */
  readonly perClass: Float64Array;
  /** The mean over the classes that the truth or the prediction has (those with a number). */
  readonly mean: number;
  /** Number of classes in that mean. */
  readonly present: number;
}

/**
 * Intersection over union per class from a confusion matrix. A class absent from both the truth
 * and the prediction has no IoU (`NaN`) and is left out of the mean, as in the usual mean IoU of
 * segmentation benchmarks over a dataset; a class present in only one of them has IoU 0.
 */
export function intersectionOverUnion(confusion: ConfusionMatrix): IntersectionOverUnion {
  const { classes, counts } = confusion;
  const perClass = new Float64Array(classes);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    let row = 0;
    let column = 0;
    for (let k = 0; k < classes; k++) {
      row += counts[c * classes + k];
      column += counts[k * classes + c];
    }
    const intersection = counts[c * classes + c];
    const union = row + column - intersection;
    perClass[c] = union > 0 ? intersection / union : Number.NaN;
    if (union > 0) {
      sum += perClass[c];
      present++;
    }
  }
  return { perClass, mean: present > 0 ? sum / present : Number.NaN, present };
}

/**
 * Geodesic distances on a mesh from vertex `source` to each of `targets` (one number per target;
 * `Infinity` beyond `maxDistance`, which the caller does not need resolved).
 */
export type GeodesicDistances = (source: number, targets: Uint32Array, maxDistance: number) => Float64Array;

/** Exact polyhedral distances on `geometry` (`exactGeodesicDistancesTo` of the geometry package). */
export function exactGeodesics(geometry: MeshGeometry): GeodesicDistances {
  return (source, targets, maxDistance) => exactGeodesicDistancesTo(geometry, source, targets, maxDistance);
}

export interface GeodesicErrorOptions {
  /** Distances on the mesh the points lie on (e.g. `exactGeodesics(geometry)`). */
  readonly distances: GeodesicDistances;
  /** The mesh's surface area: errors are divided by its square root (Kim et al. 2011). */
  readonly area: number;
  /** Normalised radii of the curve, increasing from 0 (default 0, 0.0025, …, 0.25: 101 values). */
  readonly radii?: ArrayLike<number>;
  readonly mask?: ArrayLike<number | boolean>;
  /**
   * The mesh's vertex positions (x, y, z per vertex). With them, a wrong vertex whose predicted
   * point is farther from the true one in space than the largest radius is beyond every radius
   * without asking `distances` (a geodesic is never shorter than the straight line): exact, and
   * it spares the most expensive queries, those that sweep the whole ball of the largest radius.
   */
  readonly positions?: ArrayLike<number>;
  /**
   * The most wrong vertices whose distance is asked (default: all). Where more are left after the
   * straight-line test, a seeded uniform sample of this many stands for them on the curve (each
   * weighs `left / maxQueries`), which bounds the cost of a poorly trained model's curve; the
   * value at r = 0 is exact whatever the sample. With `maxQueries` at least the number of wrong
   * vertices the curve is exact.
   */
  readonly maxQueries?: number;
  /** Seed of that sample (default 0). */
  readonly seed?: number;
}

/** The geodesic error curve of a correspondence (`geodesicErrorCurve`). */
export interface GeodesicErrorCurve {
  readonly radii: Float64Array;
  /** Fraction of the counted vertices whose normalised error is at most each radius. */
  readonly fraction: Float64Array;
  /** Fraction exactly right (error 0): the first value of the curve. */
  readonly atZero: number;
  /**
   * Normalised error of every vertex: 0 where right, the geodesic distance over √area where
   * wrong, `Infinity` where beyond the largest radius (not resolved), `NaN` where not counted or
   * left out of the sample (`maxQueries`).
   */
  readonly errors: Float64Array;
  readonly counted: number;
  /** Wrong vertices whose distance had to be asked (not decided by the straight-line test). */
  readonly undecided: number;
  /** How many of those were asked: `undecided` unless `maxQueries` sampled them. */
  readonly queried: number;
}

/**
 * The geodesic error curve of a dense correspondence (Kim, Lipman and Funkhouser, "Blended
 * intrinsic maps", 2011): for each vertex, the distance on the mesh between the point it was
 * matched to (`predicted[v]`, a vertex of the same mesh: with registrations of shared
 * connectivity, template vertex `c` is vertex `c` of every mesh) and the right one (`truth[v]`),
 * divided by the square root of the mesh's area; the curve is the fraction of vertices within each
 * radius. Distances are asked only for the wrong vertices, once per true vertex with all the
 * points wrongly matched to it, and only up to the largest radius, so that a good prediction
 * costs little; with `positions`, pairs farther apart in space than the largest radius are not
 * asked at all, and `maxQueries` bounds the rest by a seeded sample (see the options).
 */
export function geodesicErrorCurve(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: GeodesicErrorOptions,
): GeodesicErrorCurve {
  const metric = "geodesicErrorCurve";
  const counted = countedVertices(metric, predicted, truth, options.mask);
  if (!(options.area > 0 && Number.isFinite(options.area))) {
    throw new MetricError(`${metric}: area must be a positive number, got ${options.area}`);
  }
  const radii = Float64Array.from(options.radii ?? Array.from({ length: 101 }, (_, i) => (0.25 * i) / 100));
  if (radii.length === 0 || !(radii[0] >= 0) || radii.some((r, i) => i > 0 && !(r > radii[i - 1]))) {
    throw new MetricError(`${metric}: radii must increase from a first value ≥ 0`);
  }
  const maxQueries = options.maxQueries ?? Number.POSITIVE_INFINITY;
  if (!(maxQueries >= 1 && (Number.isSafeInteger(maxQueries) || maxQueries === Number.POSITIVE_INFINITY))) {
    throw new MetricError(`${metric}: maxQueries must be a positive integer, got ${options.maxQueries}`);
  }
  const positions = options.positions;
  if (positions !== undefined && positions.length !== 3 * truth.length) {
    throw new MetricError(
      `${metric}: ${positions.length / 3} vertex positions for a mesh of ${truth.length} vertices`,
    );
  }
  const scale = Math.sqrt(options.area);
  const maxDistance = radii[radii.length - 1] * scale;
  // A straight line longer than this is surely longer than the largest radius: the margin covers
  // the rounding of the propagation's float64 distances (relative 1e-15 or so).
  const beyondInSpace = maxDistance * (1 + 1e-9);
  const errors = new Float64Array(truth.length).fill(Number.NaN);
  const undecided: number[] = [];
  for (const v of counted) {
    const [p, t] = [predicted[v], truth[v]];
    for (const label of [p, t]) {
      if (!(Number.isInteger(label) && label >= 0 && label < truth.length)) {
        throw new MetricError(
          `${metric}: vertex ${v} is matched to ${label}, not a vertex of the ${truth.length}-vertex mesh`,
        );
      }
    }
    if (p === t) {
      errors[v] = 0;
    } else if (positions !== undefined && straightLine(positions, p, t) > beyondInSpace) {
      errors[v] = Number.POSITIVE_INFINITY;
    } else {
      undecided.push(v);
    }
  }
  // A partial Fisher-Yates shuffle: the first `queried` of `undecided` are a uniform sample.
  const queried = Math.min(undecided.length, maxQueries);
  if (queried < undecided.length) {
    const random = mulberry32(options.seed ?? 0);
    for (let i = 0; i < queried; i++) {
      const j = i + Math.floor(random() * (undecided.length - i));
      [undecided[i], undecided[j]] = [undecided[j], undecided[i]];
    }
  }
  const wrongBySource = new Map<number, number[]>();
  for (const v of undecided.slice(0, queried)) {
    const t = truth[v];
    let list = wrongBySource.get(t);
    if (list === undefined) {
      list = [];
      wrongBySource.set(t, list);
    }
    list.push(v);
  }
  for (const [source, vertices] of wrongBySource) {
    const d = options.distances(
      source,
      Uint32Array.from(vertices, (v) => predicted[v]),
      maxDistance,
    );
    vertices.forEach((v, i) => {
      errors[v] = d[i] <= maxDistance ? d[i] / scale : Number.POSITIVE_INFINITY;
    });
  }
  // Vertices decided without a query count once; each queried one stands for undecided / queried.
  const sampled = new Set(undecided.slice(0, queried));
  const exact = Float64Array.from(
    counted.filter((v) => !Number.isNaN(errors[v]) && !sampled.has(v)),
    (v) => errors[v],
  ).sort();
  const fromSample = Float64Array.from(sampled, (v) => errors[v]).sort();
  const weight = queried > 0 ? undecided.length / queried : 0;
  const fraction = new Float64Array(radii.length);
  let [k, m] = [0, 0];
  radii.forEach((r, i) => {
    while (k < exact.length && exact[k] <= r) k++;
    while (m < fromSample.length && fromSample[m] <= r) m++;
    fraction[i] = Math.min(1, (k + weight * m) / counted.length);
  });
  const zero = counted.filter((v) => errors[v] === 0).length / counted.length;
  fraction[0] = radii[0] === 0 ? zero : fraction[0];
  return {
    radii,
    fraction,
    atZero: zero,
    errors,
    counted: counted.length,
    undecided: undecided.length,
    queried,
  };
}

function straightLine(positions: ArrayLike<number>, a: number, b: number): number {
  const [dx, dy, dz] = [0, 1, 2].map((c) => positions[3 * a + c] - positions[3 * b + c]);
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}
