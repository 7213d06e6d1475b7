import type { PreprocessedMesh } from "@gemcnn/features";
import { pooledStatistics } from "./pooled-statistics.js";

/**
 * Where the training meshes lie in the space of their pooled invariant features (see
 * `pooledStatistics`: per-channel means, spreads and quantiles over the vertices, invariant to
 * gauge, rigid motions and scale). Saved with a model, so that `predict` can say when a mesh lies
 * far from everything the model was trained on: a classifier's softmax is confident far outside
 * its data as well, so its probabilities alone do not tell.
 */
export interface TrainingDistribution {
  /** Training meshes the statistics were taken over. */
  readonly count: number;
  /** Mean of each pooled statistic over the training meshes. */
  readonly mean: readonly number[];
  /** Standard deviation of each; 0 marks a statistic that was constant and is left out. */
  readonly std: readonly number[];
  /** The largest `featureDistance` of a training mesh itself: beyond it, a mesh is farther out than all of them. */
  readonly maxDistance: number;
  /** The 95% quantile of the training meshes' distances. */
  readonly p95Distance: number;
}

/** Statistics whose spread over the training set is below this are constant and not compared. */
const CONSTANT = 1e-9;

/** The training distribution of `meshes` (the training set, not validation or test meshes). */
export function fitTrainingDistribution(meshes: readonly PreprocessedMesh[]): TrainingDistribution {
  if (meshes.length === 0) throw new RangeError("fitTrainingDistribution needs at least one mesh");
  const rows = meshes.map(pooledStatistics);
  const dim = rows[0].length;
  const mean = new Array<number>(dim).fill(0);
  for (const row of rows) for (let d = 0; d < dim; d++) mean[d] += row[d] / rows.length;
  const std = mean.map((m, d) => {
    let s = 0;
    for (const row of rows) s += (row[d] - m) ** 2;
    const sd = Math.sqrt(s / rows.length);
    return sd > CONSTANT * (1 + Math.abs(m)) ? sd : 0;
  });
  const partial = { count: rows.length, mean, std };
  const distances = rows.map((row) => distanceOf(row, partial)).sort((a, b) => a - b);
  return {
    ...partial,
    maxDistance: distances.at(-1) ?? 0,
    p95Distance: distances[Math.min(distances.length - 1, Math.floor(0.95 * distances.length))] ?? 0,
  };
}

/**
 * How far a mesh's pooled features lie from the training set's: the root mean square, over the
 * statistics, of their deviation from the training mean in training standard deviations (a
 * diagonal Mahalanobis distance, scaled so that a typical training mesh is near 1).
 */
export function featureDistance(
  mesh: PreprocessedMesh,
  distribution: Pick<TrainingDistribution, "mean" | "std">,
): number {
  return distanceOf(pooledStatistics(mesh), distribution);
}

function distanceOf(row: Float64Array, { mean, std }: Pick<TrainingDistribution, "mean" | "std">): number {
  if (row.length !== mean.length)
    throw new RangeError(`expected ${mean.length} pooled statistics, got ${row.length} (other features?)`);
  let sum = 0;
  let used = 0;
  for (let d = 0; d < row.length; d++) {
    if (std[d] === 0) continue;
    sum += ((row[d] - mean[d]) / std[d]) ** 2;
    used++;
  }
  return used > 0 ? Math.sqrt(sum / used) : 0;
}

/** Entropy of class probabilities divided by its largest possible value, `ln K`: 0 certain, 1 uniform. */
export function normalizedEntropy(probabilities: ArrayLike<number>): number {
  const k = probabilities.length;
  if (k < 2) return 0;
  let h = 0;
  for (let c = 0; c < k; c++) {
    const p = probabilities[c];
    if (p > 0) h -= p * Math.log(p);
  }
  return h / Math.log(k);
}
