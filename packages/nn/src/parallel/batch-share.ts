import * as tf from "@tensorflow/tfjs";
import type { MeshBatch } from "../multiscale/batch.js";

/**
 * One replica's part of a data-parallel step. The whole batch (meshes `0 … B − 1`) is cut into
 * consecutive runs of meshes, one per replica; each replica runs the model on its run only, as a
 * batch of its own. Layers whose result depends on the whole batch read the active share:
 * `FieldNormalization` combines its statistics over all replicas (`combinedFieldStatistics`),
 * and the dropout layers take their own rows of the whole batch's masks (`shareRowsOf`), so that a step split over replicas computes what one step over the whole batch
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
 * `FieldNormalization`'s training statistics over the whole batch of a data-parallel step, from
 * this replica's part, with one all-reduce forward and one backward (each all-reduce is a point
 * where every replica waits for the slowest). Forward: this part's sums of the scalars, of their
 * squares and of the non-scalar copies' squared norms, and its row count, added up in float64
 * (in JavaScript, from the tensors' values) and all-reduced; then per scalar channel the mean
 * `S/N` and the variance `Q/N − mean²` (in float64, where the cancellation costs no float32
 * digits), and per non-scalar copy the mean squared norm `P/N`. Backward: the upstream gradients
 * of the statistics summed over the replicas (every replica's loss depends on the shared
 * statistics), then `∂mean/∂x = 1/N`, `∂var/∂x = 2(x − mean)/N`, `∂(P/N)/∂p = 2p/N`.
 * Returns per copy (scalars first) the mean (0 for non-scalars) and the variance or mean squared
 * norm, as the layer's single-batch path does.
 */
export function combinedFieldStatistics(
  scalars: tf.Tensor2D | null,
  pairs: tf.Tensor3D | null,
  share: BatchShare,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const nScalars = scalars?.shape[1] ?? 0;
  const nPairs = pairs?.shape[1] ?? 0;
  const inputs = [scalars, pairs].filter((t): t is tf.Tensor2D | tf.Tensor3D => t !== null);
  let rows = 0;
  let meanValues = new Float64Array(nScalars);
  const statistics = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // The backward pass runs after the layer's tidy has disposed its intermediate tensors: keep them.
    (args[args.length - 1] as tf.GradSaveFunc)(args.slice(0, -1) as tf.Tensor[]);
    const local = new Float64Array(2 * nScalars + nPairs + 1);
    if (scalars !== null) {
      const x = scalars.dataSync();
      rows = scalars.shape[0];
      for (let v = 0; v < rows; v++) {
        for (let c = 0; c < nScalars; c++) {
          const value = x[v * nScalars + c];
          local[c] += value;
          local[nScalars + c] += value * value;
        }
      }
    }
    if (pairs !== null) {
      const p = pairs.dataSync();
      rows = pairs.shape[0];
      for (let v = 0; v < rows; v++) {
        for (let k = 0; k < nPairs; k++) {
          const a = p[(v * nPairs + k) * 2];
          const b = p[(v * nPairs + k) * 2 + 1];
          local[2 * nScalars + k] += a * a + b * b;
        }
      }
    }
    local[2 * nScalars + nPairs] = rows;
    const sums = share.allReduce(local);
    const total = sums[2 * nScalars + nPairs];
    const out = new Float32Array(2 * nScalars + nPairs);
    meanValues = new Float64Array(nScalars);
    for (let c = 0; c < nScalars; c++) {
      const mean = sums[c] / total;
      meanValues[c] = mean;
      out[c] = mean;
      out[nScalars + c] = Math.max(0, sums[nScalars + c] / total - mean * mean);
    }
    for (let k = 0; k < nPairs; k++) out[2 * nScalars + k] = sums[2 * nScalars + k] / total;
    return {
      value: tf.tensor1d(out, "float32"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = share.allReduce(dy.dataSync() as Float32Array);
        const grads: tf.Tensor[] = [];
        if (scalars !== null) {
          const dMean = Float32Array.from(g.subarray(0, nScalars), (d) => d / total);
          const dVariance = Float32Array.from(g.subarray(nScalars, 2 * nScalars), (d) => (2 * d) / total);
          const centred = tf.sub(saved[0], tf.tensor1d(Float32Array.from(meanValues), "float32"));
          grads.push(
            tf.add(tf.mul(centred, tf.tensor1d(dVariance, "float32")), tf.tensor1d(dMean, "float32")),
          );
        }
        if (pairs !== null) {
          const dSquares = Float32Array.from(g.subarray(2 * nScalars), (d) => (2 * d) / total);
          const p = saved[scalars !== null ? 1 : 0];
          grads.push(tf.mul(p, tf.reshape(tf.tensor1d(dSquares, "float32"), [1, nPairs, 1])));
        }
        return grads;
      },
    };
  });
  const values = statistics(...inputs) as tf.Tensor1D;
  const mean: tf.Tensor1D[] = [];
  const variance: tf.Tensor1D[] = [];
  if (scalars !== null) {
    mean.push(tf.slice(values, [0], [nScalars]));
    variance.push(tf.slice(values, [nScalars], [nScalars]));
  }
  if (pairs !== null) {
    mean.push(tf.zeros([nPairs]));
    variance.push(tf.slice(values, [2 * nScalars], [nPairs]));
  }
  return { mean: tf.concat(mean) as tf.Tensor1D, variance: tf.concat(variance) as tf.Tensor1D };
}
