import * as tf from "@tensorflow/tfjs";
import type { MeshBatch } from "../multiscale/batch.js";

/**
 * One replica's part of a data-parallel step. The whole batch (meshes `0 … B − 1`) is cut into
 * consecutive runs of meshes, one per replica; each replica runs the model on its run only, as a
 * batch of its own. Layers whose result depends on the whole batch read the active share:
 * `FieldNormalization` combines its statistics over all replicas (`combinedFieldStatistics`),
 * and the dropout layers draw the masks of the whole batch and keep their own rows
 * (`shareRowsOf`), so that a step split over replicas computes what one step over the whole batch
 * computes, up to float32 rounding.
 */
export interface BatchShare {
  /** This replica's index (its run of meshes comes after those of lower ranks). */
  readonly rank: number;
  /** Replicas taking part in the step. */
  readonly replicas: number;
  /** Per level of the batch: where this replica's vertices sit among the whole batch's. */
  readonly levels: readonly ShareRows[];
  /** Where this replica's meshes sit among the whole batch's (rows of per-mesh tensors). */
  readonly meshes: ShareRows;
  /** The sum of `values` over all replicas, the same on every replica (see `Collective.allReduce`). */
  allReduce(values: ArrayLike<number>): Float64Array;
}

/** Rows `offset … offset + rows − 1` of a whole-batch tensor of `total` rows. */
export interface ShareRows {
  readonly offset: number;
  readonly rows: number;
  readonly total: number;
}

/**
 * The share of a replica whose part of the batch is `batch`, given a synchronous all-gather over
 * the replicas of the step (one call: every replica's row counts, level by level).
 */
export function batchShareOf(
  batch: MeshBatch,
  collective: {
    readonly rank: number;
    readonly replicas: number;
    allGather(values: ArrayLike<number>): Float64Array[];
    allReduce(values: ArrayLike<number>): Float64Array;
  },
): BatchShare {
  const own = [batch.size, ...batch.levels.map((l) => l.meshOffsets[l.meshOffsets.length - 1])];
  const all = collective.allGather(own);
  const rowsAt = (k: number): ShareRows => {
    let offset = 0;
    let total = 0;
    all.forEach((counts, r) => {
      if (r < collective.rank) offset += counts[k];
      total += counts[k];
    });
    return { offset, rows: own[k], total };
  };
  return {
    rank: collective.rank,
    replicas: collective.replicas,
    meshes: rowsAt(0),
    levels: batch.levels.map((_, level) => rowsAt(level + 1)),
    allReduce: (values) => collective.allReduce(values),
  };
}

const shares: BatchShare[] = [];

/** Runs `fn` with `share` active (nested calls stack); see `BatchShare`. */
export function withBatchShare<T>(share: BatchShare, fn: () => T): T {
  shares.push(share);
  try {
    return fn();
  } finally {
    shares.pop();
  }
}

/** The innermost share set by `withBatchShare`, or `undefined` outside a data-parallel step. */
export function activeBatchShare(): BatchShare | undefined {
  return shares.at(-1);
}

/**
 * Where the `rows` rows of a tensor of the active share sit in the whole batch, or `undefined`
 * when no share is active. `level` says which level a per-vertex tensor lives on; without it the
 * rows are recognised by their count among the levels and the meshes (per-mesh tensors), and a
 * count that fits none or several (different) of them is an error naming `layer`.
 */
export function shareRowsOf(rows: number, level: number | undefined, layer: string): ShareRows | undefined {
  const share = activeBatchShare();
  if (share === undefined) return undefined;
  if (level !== undefined) {
    const at = share.levels[level];
    if (at === undefined || at.rows !== rows) {
      throw new RangeError(
        `${layer}: ${rows} rows at level ${level}, but this replica's share has ${at === undefined ? "no such level" : `${at.rows} rows there`}`,
      );
    }
    return at;
  }
  const fits = [share.meshes, ...share.levels].filter((l) => l.rows === rows);
  const distinct = fits.filter(
    (l, i) => fits.findIndex((m) => m.offset === l.offset && m.total === l.total) === i,
  );
  if (distinct.length !== 1) {
    throw new RangeError(
      `${layer}: cannot tell where a tensor of ${rows} rows lives in a data-parallel step (${distinct.length === 0 ? "no level and not the meshes" : "several levels or the meshes"}); pass the level in the call's kwargs`,
    );
  }
  return distinct[0];
}

/**
 * `share.allReduce` as a differentiable op on a 1-D tensor: the forward sums the replicas'
 * vectors, and since every replica's loss depends on the sum, the gradient with respect to each
 * replica's own vector is the sum of the replicas' upstream gradients (a second all-reduce in the
 * backward pass; every replica runs the same backward, so the calls pair up).
 */
export function allReduceSum(x: tf.Tensor1D, share: BatchShare): tf.Tensor1D {
  const reduce = (t: tf.Tensor) =>
    tf.tensor1d(Float32Array.from(share.allReduce(t.dataSync() as Float32Array)), "float32");
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: reduce(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => reduce(dy),
  }));
  return op(x) as tf.Tensor1D;
}

/**
 * `FieldNormalization`'s training statistics over the whole batch of a data-parallel step, from
 * this replica's part: the scalars' means (all-reduced sums over all-reduced counts), then their
 * variances as the mean squared deviation from that mean (a second all-reduce, as `tf.moments`
 * computes it, rather than E[x²] − E[x]², which loses digits when the mean is large), and the
 * non-scalar copies' mean squared norms. Returns per copy (scalars first) the mean (0 for
 * non-scalars) and the variance or mean squared norm, as the layer's single-batch path does.
 */
export function combinedFieldStatistics(
  scalars: tf.Tensor2D | null,
  pairs: tf.Tensor3D | null,
  share: BatchShare,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const nScalars = scalars?.shape[1] ?? 0;
  const nPairs = pairs?.shape[1] ?? 0;
  const rows = scalars?.shape[0] ?? pairs?.shape[0] ?? 0;
  const parts: tf.Tensor1D[] = [];
  if (scalars !== null) parts.push(tf.sum(scalars, 0) as tf.Tensor1D);
  if (pairs !== null) parts.push(tf.sum(tf.sum(tf.square(pairs), 2), 0) as tf.Tensor1D);
  parts.push(tf.tensor1d([rows], "float32"));
  const sums = allReduceSum(tf.concat(parts) as tf.Tensor1D, share);
  const count = tf.slice(sums, [nScalars + nPairs], [1]);
  const means: tf.Tensor1D[] = [];
  const statistics: tf.Tensor1D[] = [];
  if (scalars !== null) {
    const mean = tf.div(tf.slice(sums, [0], [nScalars]), count) as tf.Tensor1D;
    const squares = tf.sum(tf.square(tf.sub(scalars, mean)), 0) as tf.Tensor1D;
    means.push(mean);
    statistics.push(tf.div(allReduceSum(squares, share), count) as tf.Tensor1D);
  }
  if (pairs !== null) {
    means.push(tf.zeros([nPairs]));
    statistics.push(tf.div(tf.slice(sums, [nScalars], [nPairs]), count) as tf.Tensor1D);
  }
  return { mean: tf.concat(means) as tf.Tensor1D, variance: tf.concat(statistics) as tf.Tensor1D };
}
