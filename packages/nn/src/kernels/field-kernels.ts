import * as tf from "@tensorflow/tfjs";
import type { BatchShare } from "../parallel/batch-share.js";
import { defineJsKernel } from "./js-kernel.js";

/**
 * Whole-field kernels for the layers that act copy by copy on a packed field `[V × dim]`
 * (scalars in the first `s` columns, then `c` two-dimensional copies, two columns each):
 * FieldNormalization, FieldDropout and GatedNonlinearity. Written with tfjs ops, each of these
 * layers splits the field into scalars and copies, works on both and joins them again: 20 to 80
 * kernel calls per layer forward and as many backward, and at the batch sizes of training
 * tfjs's fixed cost per kernel call (tens of microseconds of JavaScript) outweighed the
 * arithmetic (see the README's data-parallel section). Each function here is one JavaScript loop
 * forward and one backward (inside `tf.customGrad`, whose forward is not taped), on the tensors'
 * memory in place (tensor-memory.ts). The loops accumulate sums in float64.
 *
 * `setFusedFieldKernels(false)` makes the layers take their former op-by-op paths, which the
 * tests compare against and `pnpm bench:classifier` times beside these.
 */

let fused = true;

/** Whether the field layers use the kernels of this file (default) or their op-by-op paths. */
export function fusedFieldKernels(): boolean {
  return fused;
}

/** Switches the field layers between the kernels of this file and their op-by-op paths; returns the old setting. */
export function setFusedFieldKernels(enabled: boolean): boolean {
  const old = fused;
  fused = enabled;
  return old;
}

interface FieldLayout {
  readonly rows: number;
  readonly nScalars: number;
  readonly nPairs: number;
}

const dimOf = ({ nScalars, nPairs }: FieldLayout) => nScalars + 2 * nPairs;

// ---- FieldNormalization: statistics ------------------------------------------------------------

interface StatisticsAttrs extends FieldLayout {
  readonly share: BatchShare | undefined;
  /** Filled by the forward loop: the number of rows the statistics are over (all replicas'). */
  readonly total: { value: number };
}

const statisticsKernel = defineJsKernel<StatisticsAttrs>({
  name: "GemcnnFieldStatistics",
  inputNames: ["x"],
  outputShapes: ({ nScalars, nPairs }) => [[2 * (nScalars + nPairs)]],
  body: (attrs, [x], [statistics]) => {
    const { rows, nScalars: s, nPairs: c, share } = attrs;
    const mean = statistics.subarray(0, s + c);
    const variance = statistics.subarray(s + c);
    const dim = s + 2 * c;
    // Sums of the scalars, of their squares, of the copies' squared norms, and the row count.
    let sums: Float64Array<ArrayBufferLike> = new Float64Array(2 * s + c + 1);
    for (let v = 0; v < rows; v++) {
      const row = v * dim;
      for (let j = 0; j < s; j++) {
        const value = x[row + j];
        sums[j] += value;
        sums[s + j] += value * value;
      }
      for (let k = 0; k < c; k++) {
        const a = x[row + s + 2 * k];
        const b = x[row + s + 2 * k + 1];
        sums[2 * s + k] += a * a + b * b;
      }
    }
    sums[2 * s + c] = rows;
    if (share !== undefined) sums = share.allReduce(sums);
    const total = sums[2 * s + c];
    attrs.total.value = total;
    for (let j = 0; j < s; j++) {
      const m = sums[j] / total;
      mean[j] = m;
      // float64 sums of float32 values: the cancellation in Q/N − m² costs no float32 digits.
      variance[j] = Math.max(0, sums[s + j] / total - m * m);
    }
    for (let k = 0; k < c; k++) variance[s + k] = sums[2 * s + k] / total;
  },
});

interface StatisticsGradAttrs extends FieldLayout {
  readonly total: number;
}

const statisticsGradKernel = defineJsKernel<StatisticsGradAttrs>({
  name: "GemcnnFieldStatisticsGrad",
  inputNames: ["dStatistics", "x", "statistics"],
  outputShapes: (attrs) => [[attrs.rows, dimOf(attrs)]],
  body: ({ rows, nScalars: s, nPairs: c, total }, [dStatistics, x, mean], [dx]) => {
    const dim = s + 2 * c;
    const dMean = dStatistics.subarray(0, s + c);
    const dVariance = dStatistics.subarray(s + c);
    for (let v = 0; v < rows; v++) {
      const row = v * dim;
      for (let j = 0; j < s; j++) {
        dx[row + j] = (dMean[j] + 2 * dVariance[j] * (x[row + j] - mean[j])) / total;
      }
      for (let k = 0; k < c; k++) {
        const g = (2 * dVariance[s + k]) / total;
        dx[row + s + 2 * k] = g * x[row + s + 2 * k];
        dx[row + s + 2 * k + 1] = g * x[row + s + 2 * k + 1];
      }
    }
  },
});

/**
 * FieldNormalization's training statistics of a packed field `x`, `[2(s + c)]`: per copy
 * (scalars first) the mean (0 for the two-dimensional copies), then per copy the variance or
 * mean squared norm, over the rows of `x`, or with `share` over the whole batch of a
 * data-parallel step (one all-reduce forward, one backward; `combinedFieldStatistics` computes
 * the same from split tensors).
 */
export function fieldStatistics(
  x: tf.Tensor2D,
  nScalars: number,
  nPairs: number,
  share: BatchShare | undefined,
): tf.Tensor1D {
  const layout = { rows: x.shape[0], nScalars, nPairs };
  const total = { value: 0 };
  const statistics = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [value] = statisticsKernel([input], { ...layout, share, total });
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        let d = dy as tf.Tensor;
        if (share !== undefined) {
          // Every replica's loss depends on the shared statistics: their gradients add up.
          d = tf.tensor1d(Float32Array.from(share.allReduce(d.dataSync() as Float32Array)), "float32");
        }
        return [statisticsGradKernel([d, saved[0], saved[1]], { ...layout, total: total.value })[0]];
      },
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;
  return statistics(x);
}

// ---- FieldNormalization: the affine map ---------------------------------------------------------

interface NormalizeAttrs extends FieldLayout {
  readonly epsilon: number;
  readonly hasBeta: boolean;
}

const normalizeKernel = defineJsKernel<NormalizeAttrs>({
  name: "GemcnnNormalizeFields",
  outputShapes: (attrs) => [[attrs.rows, dimOf(attrs)]],
  body: ({ rows, nScalars: s, nPairs: c, epsilon, hasBeta }, [x, statistics, gamma, beta], [y]) => {
    const dim = s + 2 * c;
    const mean = statistics.subarray(0, s + c);
    const variance = statistics.subarray(s + c);
    const scale = new Float64Array(s + c);
    for (let k = 0; k < s + c; k++) scale[k] = gamma[k] / Math.sqrt(variance[k] + epsilon);
    for (let v = 0; v < rows; v++) {
      const row = v * dim;
      for (let j = 0; j < s; j++) {
        y[row + j] = (x[row + j] - mean[j]) * scale[j] + (hasBeta ? beta[j] : 0);
      }
      for (let k = 0; k < c; k++) {
        y[row + s + 2 * k] = x[row + s + 2 * k] * scale[s + k];
        y[row + s + 2 * k + 1] = x[row + s + 2 * k + 1] * scale[s + k];
      }
    }
  },
});

const normalizeGradKernel = defineJsKernel<NormalizeAttrs>({
  name: "GemcnnNormalizeFieldsGrad",
  outputShapes: (attrs) => {
    const n = attrs.nScalars + attrs.nPairs;
    return [[attrs.rows, dimOf(attrs)], [2 * n], [n], [attrs.nScalars]];
  },
  body: (
    { rows, nScalars: s, nPairs: c, epsilon },
    [dy, x, statistics, gamma],
    [dx, dStatistics, dGamma, dBeta],
  ) => {
    const dim = s + 2 * c;
    const n = s + c;
    const mean = statistics.subarray(0, n);
    const variance = statistics.subarray(n);
    const dMean = dStatistics.subarray(0, n);
    const dVariance = dStatistics.subarray(n);
    const r = new Float64Array(n);
    for (let k = 0; k < n; k++) r[k] = 1 / Math.sqrt(variance[k] + epsilon);
    // Per copy: Σ dy, Σ dy·(x − mean) (scalars) or Σ dy·x (copies).
    const sumDy = new Float64Array(s);
    const sumDyX = new Float64Array(n);
    for (let v = 0; v < rows; v++) {
      const row = v * dim;
      for (let j = 0; j < s; j++) {
        const d = dy[row + j];
        dx[row + j] = d * gamma[j] * r[j];
        sumDy[j] += d;
        sumDyX[j] += d * (x[row + j] - mean[j]);
      }
      for (let k = 0; k < c; k++) {
        const i = row + s + 2 * k;
        const g = gamma[s + k] * r[s + k];
        dx[i] = dy[i] * g;
        dx[i + 1] = dy[i + 1] * g;
        sumDyX[s + k] += dy[i] * x[i] + dy[i + 1] * x[i + 1];
      }
    }
    for (let k = 0; k < n; k++) {
      if (k < s) {
        dMean[k] = -sumDy[k] * gamma[k] * r[k];
        dBeta[k] = sumDy[k];
      }
      // ∂/∂var of γ·(x − m)/√(var + ε) is −½ γ (x − m) (var + ε)^(−3/2).
      dVariance[k] = -0.5 * gamma[k] * sumDyX[k] * r[k] * r[k] * r[k];
      dGamma[k] = sumDyX[k] * r[k];
    }
  },
});

/**
 * `(s − mean)·γ/√(var + ε) + β` on every scalar channel and `x·γ/√(var + ε)` on every
 * two-dimensional copy of a packed field (`statistics` as `fieldStatistics` gives them: per-copy
 * means, then variances; `gamma` per copy, scalars first; `beta` per scalar, or `null` when the
 * field has no scalars; the copies' means are not read), differentiable in all four.
 */
export function normalizeFields(
  x: tf.Tensor2D,
  statistics: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D | null,
  nScalars: number,
  nPairs: number,
  epsilon: number,
): tf.Tensor2D {
  const attrs: NormalizeAttrs = { rows: x.shape[0], nScalars, nPairs, epsilon, hasBeta: beta !== null };
  const inputs = beta === null ? [x, statistics, gamma] : [x, statistics, gamma, beta];
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ins = args.slice(0, -1) as tf.Tensor[];
    save(ins.slice(0, 3));
    return {
      value: normalizeKernel(ins, attrs)[0],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const grads = normalizeGradKernel([dy as tf.Tensor, ...saved], attrs);
        return beta === null ? grads.slice(0, 3) : grads;
      },
    };
  }) as unknown as (...t: tf.Tensor[]) => tf.Tensor2D;
  return normalize(...inputs);
}

interface MovingAttrs {
  readonly n: number;
  readonly momentum: number;
}

const movingKernel = defineJsKernel<MovingAttrs>({
  name: "GemcnnMovingStatistics",
  outputShapes: ({ n }) => [[n], [n]],
  body: ({ n, momentum }, [oldMean, oldVariance, statistics], [newMean, newVariance]) => {
    const mean = statistics.subarray(0, n);
    const variance = statistics.subarray(n);
    for (let k = 0; k < n; k++) {
      newMean[k] = oldMean[k] * momentum + mean[k] * (1 - momentum);
      newVariance[k] = oldVariance[k] * momentum + variance[k] * (1 - momentum);
    }
  },
});

/** `old·m + new·(1 − m)` for the moving mean and variance at once, from `fieldStatistics` (not differentiated). */
export function movingStatistics(
  oldMean: tf.Tensor1D,
  oldVariance: tf.Tensor1D,
  statistics: tf.Tensor1D,
  momentum: number,
): [tf.Tensor1D, tf.Tensor1D] {
  const [m, v] = movingKernel([oldMean, oldVariance, statistics], { n: oldMean.shape[0], momentum });
  return [m as tf.Tensor1D, v as tf.Tensor1D];
}

// ---- FieldDropout -------------------------------------------------------------------------------

interface DropAttrs extends FieldLayout {
  /** The first row of `uniform` that belongs to this field's first row. */
  readonly rowOffset: number;
  readonly rate: number;
}

const dropKernel = defineJsKernel<DropAttrs>({
  name: "GemcnnDropFields",
  inputNames: ["x", "uniform"],
  outputShapes: (attrs) => [[attrs.rows, dimOf(attrs)]],
  body: ({ rows, nScalars: s, nPairs: c, rowOffset, rate }, [x, uniform], [y]) => {
    const dim = s + 2 * c;
    // The kept scale as tfjs's float32 division makes it, so that both paths multiply by the same number.
    const kept = Math.fround(1 / Math.fround(1 - rate));
    for (let v = 0; v < rows; v++) {
      const row = v * dim;
      const u = (v + rowOffset) * (s + c);
      for (let j = 0; j < s; j++) y[row + j] = x[row + j] * (uniform[u + j] >= rate ? kept : 0);
      for (let k = 0; k < c; k++) {
        const keep = uniform[u + s + k] >= rate ? kept : 0;
        y[row + s + 2 * k] = x[row + s + 2 * k] * keep;
        y[row + s + 2 * k + 1] = x[row + s + 2 * k + 1] * keep;
      }
    }
  },
});

/** 32-bit integer mixing (good avalanche for consecutive inputs); a hash, not a stream. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  h = Math.imul(h, 0x735a2d97);
  h ^= h >>> 15;
  return h >>> 0;
}

/**
 * Uniform numbers in [0, 1) for the dropout masks of `FieldDropout`: rows `rowOffset … rowOffset
 * + rows − 1` of a `[total × columns]` array whose entry `i` (row-major) depends only on `seed`
 * (its integer part, modulo 2³²) and `i`, through two rounds of integer mixing, and is a multiple
 * of 2⁻²⁴ (exact in float32). Written by hand, and not drawn with `tf.randomUniform`, because a
 * data-parallel replica needs only its own rows of the whole batch's mask: a counter-based draw
 * costs each replica its rows, where a sequential generator makes every replica draw the whole
 * batch (at a batch of 16 SHREC meshes, 6 ms per dropout layer and step in every worker).
 */
export function dropoutUniforms(
  seed: number,
  rowOffset: number,
  rows: number,
  columns: number,
): Float32Array {
  const key = mix32(Math.floor(seed) ^ 0x5bd1e995);
  const key2 = mix32(key + 0x9e3779b9);
  const out = new Float32Array(rows * columns);
  const start = rowOffset * columns;
  for (let i = 0; i < out.length; i++) {
    out[i] = (mix32(mix32((start + i) ^ key) + key2) >>> 8) * 2 ** -24;
  }
  return out;
}

/**
 * A packed field with each copy at each vertex zeroed where `uniform` (one number per copy and
 * vertex, `[≥ rowOffset + V × (s + c)]`) is below `rate` and scaled by 1/(1 − rate) elsewhere;
 * differentiable in `x` (the gradient is the same mask applied to `dy`).
 */
export function dropFields(
  x: tf.Tensor2D,
  uniform: tf.Tensor2D,
  rowOffset: number,
  nScalars: number,
  nPairs: number,
  rate: number,
): tf.Tensor2D {
  const attrs: DropAttrs = { rows: x.shape[0], nScalars, nPairs, rowOffset, rate };
  const drop = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([uniform]);
    return {
      value: dropKernel([input, uniform], attrs)[0],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        dropKernel([dy as tf.Tensor, saved[0]], attrs)[0],
      ],
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return drop(x);
}

// ---- GatedNonlinearity --------------------------------------------------------------------------

/** A scalar function and its derivative, both of the input. */
interface ScalarFunction {
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The built-in activations (nonlinearities.ts's ACTIVATIONS) as number functions with their
 * derivatives, as tfjs differentiates them (relu's derivative is 0 at 0).
 */
const SCALAR_FUNCTIONS: Record<string, ScalarFunction> = {
  linear: { f: (x) => x, df: () => 1 },
  relu: { f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0) },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)) },
  sigmoid: {
    f: sigmoid,
    df: (x) => {
      const s = sigmoid(x);
      return s * (1 - s);
    },
  },
  tanh: {
    f: Math.tanh,
    df: (x) => {
      const t = Math.tanh(x);
      return 1 - t * t;
    },
  },
  softplus: { f: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), df: sigmoid },
  swish: {
    f: (x) => x * sigmoid(x),
    df: (x) => {
      const s = sigmoid(x);
      return s + x * s * (1 - s);
    },
  },
};

/** Whether `gatedFields` can apply the activation `name` (the built-ins; not registered ones). */
export function hasFusedActivation(name: string): boolean {
  return Object.hasOwn(SCALAR_FUNCTIONS, name);
}

interface GatedAttrs extends FieldLayout {
  readonly scalar: ScalarFunction;
  readonly gate: ScalarFunction;
}

const gatedKernel = defineJsKernel<GatedAttrs>({
  name: "GemcnnGatedFields",
  inputNames: ["x"],
  outputShapes: (attrs) => [[attrs.rows, dimOf(attrs)]],
  body: ({ rows, nScalars: s, nPairs: c, scalar, gate }, [x], [y]) => {
    const inDim = s + 3 * c;
    const outDim = s + 2 * c;
    for (let v = 0; v < rows; v++) {
      const from = v * inDim;
      const to = v * outDim;
      for (let j = 0; j < s; j++) y[to + j] = scalar.f(x[from + j]);
      for (let k = 0; k < c; k++) {
        const g = gate.f(x[from + s + k]);
        y[to + s + 2 * k] = x[from + s + c + 2 * k] * g;
        y[to + s + 2 * k + 1] = x[from + s + c + 2 * k + 1] * g;
      }
    }
  },
});

const gatedGradKernel = defineJsKernel<GatedAttrs>({
  name: "GemcnnGatedFieldsGrad",
  inputNames: ["dy", "x"],
  outputShapes: ({ rows, nScalars, nPairs }) => [[rows, nScalars + 3 * nPairs]],
  body: ({ rows, nScalars: s, nPairs: c, scalar, gate }, [dy, x], [dx]) => {
    const inDim = s + 3 * c;
    const outDim = s + 2 * c;
    for (let v = 0; v < rows; v++) {
      const from = v * inDim;
      const to = v * outDim;
      for (let j = 0; j < s; j++) dx[from + j] = dy[to + j] * scalar.df(x[from + j]);
      for (let k = 0; k < c; k++) {
        const t = x[from + s + k];
        const g = gate.f(t);
        const i = from + s + c + 2 * k;
        const o = to + s + 2 * k;
        dx[i] = dy[o] * g;
        dx[i + 1] = dy[o + 1] * g;
        dx[from + s + k] = (dy[o] * x[i] + dy[o + 1] * x[i + 1]) * gate.df(t);
      }
    }
  },
});

/**
 * The gated nonlinearity on a packed field `[V × (s + c + 2c)]` (own scalars, gates, copies) to
 * `[V × (s + 2c)]`: `scalarActivation` of the scalars, each copy times `gateActivation` of its
 * gate. Both activations must be built-in (`hasFusedActivation`).
 */
export function gatedFields(
  x: tf.Tensor2D,
  nScalars: number,
  nPairs: number,
  scalarActivation: string,
  gateActivation: string,
): tf.Tensor2D {
  const attrs: GatedAttrs = {
    rows: x.shape[0],
    nScalars,
    nPairs,
    scalar: SCALAR_FUNCTIONS[scalarActivation],
    gate: SCALAR_FUNCTIONS[gateActivation],
  };
  if (attrs.scalar === undefined || attrs.gate === undefined) {
    throw new Error(`gatedFields: no fused kernel for "${scalarActivation}" or "${gateActivation}"`);
  }
  const gated = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([input]);
    return {
      value: gatedKernel([input], attrs)[0],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        gatedGradKernel([dy as tf.Tensor, saved[0]], attrs)[0],
      ],
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return gated(x);
}

// ---- Invariants (InvariantPooling) --------------------------------------------------------------

const invariantsKernel = defineJsKernel<FieldLayout>({
  name: "GemcnnFieldInvariants",
  inputNames: ["x"],
  outputShapes: ({ rows, nScalars, nPairs }) => [[rows, nScalars + nPairs]],
  body: ({ rows, nScalars: s, nPairs: c }, [x], [y]) => {
    const dim = s + 2 * c;
    for (let v = 0; v < rows; v++) {
      const from = v * dim;
      const to = v * (s + c);
      for (let j = 0; j < s; j++) y[to + j] = x[from + j];
      for (let k = 0; k < c; k++) {
        const a = x[from + s + 2 * k];
        const b = x[from + s + 2 * k + 1];
        y[to + s + k] = Math.sqrt(a * a + b * b + 1e-24);
      }
    }
  },
});

const invariantsGradKernel = defineJsKernel<FieldLayout>({
  name: "GemcnnFieldInvariantsGrad",
  inputNames: ["dy", "x", "y"],
  outputShapes: (attrs) => [[attrs.rows, dimOf(attrs)]],
  body: ({ rows, nScalars: s, nPairs: c }, [dy, x, y], [dx]) => {
    const dim = s + 2 * c;
    for (let v = 0; v < rows; v++) {
      const from = v * dim;
      const to = v * (s + c);
      for (let j = 0; j < s; j++) dx[from + j] = dy[to + j];
      for (let k = 0; k < c; k++) {
        const g = dy[to + s + k] / y[to + s + k];
        dx[from + s + 2 * k] = g * x[from + s + 2 * k];
        dx[from + s + 2 * k + 1] = g * x[from + s + 2 * k + 1];
      }
    }
  },
});

/**
 * Per-vertex invariants of a packed field `[V × (s + 2c)] → [V × (s + c)]`: the scalars, then the
 * norm `√(a² + b² + 1e-24)` of each two-dimensional copy (differentiable at zero).
 */
export function fieldInvariants(x: tf.Tensor2D, nScalars: number, nPairs: number): tf.Tensor2D {
  const attrs: FieldLayout = { rows: x.shape[0], nScalars, nPairs };
  const invariants = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [value] = invariantsKernel([input], attrs);
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        invariantsGradKernel([dy as tf.Tensor, saved[0], saved[1]], attrs)[0],
      ],
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return invariants(x);
}
