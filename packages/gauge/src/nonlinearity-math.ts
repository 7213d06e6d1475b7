import { relativeError } from "./equivariance.js";
import { GaugeArgumentError } from "./errors.js";
import { assertPackedField, FieldType, type FloatArray } from "./field-type.js";
import { assertOrder } from "./irrep.js";
import { randomGaugeAngles, SeededRandom } from "./random.js";

/**
 * The mathematics of equivariant nonlinearities on packed fields, as pure functions. Each keeps
 * the precision of its input (float32 in, float32 out; the arithmetic is done in float64).
 * Which nonlinearity a field type admits is `FieldType.supportsNonlinearity`.
 */

/** Scalar function applied by a nonlinearity, e.g. `(x) => Math.max(0, x)`. */
export type ScalarFunction = (x: number) => number;

/** The `samples` angles of the regular nonlinearity: `t_k = 2πk / samples`, `k = 0…samples−1`. */
export function regularSamplingAngles(samples: number): Float64Array {
  assertSampleCount(samples, 0);
  return Float64Array.from({ length: samples }, (_, k) => (2 * Math.PI * k) / samples);
}

/**
 * The orthonormal real DFT that samples a `regular(L)` vector at `samples = N` angles `t_k`:
 * row-major `[N × (2L+1)]`, columns in packed order `(x_0, cos_1, sin_1, …, cos_L, sin_L)`:
 * `A[k, 0] = 1/√N`, `A[k, cos_l] = √(2/N) cos(l t_k)`, `A[k, sin_l] = √(2/N) sin(l t_k)`.
 * So row `k` evaluates the band-limited function `f(t) = x_0/√N + √(2/N) Σ_l (a_l cos lt + b_l sin lt)`
 * at `t_k`, and `f_{ρ(α)x}(t) = f_x(t − α)`: acting by `α` turns the function by `α`.
 * Requires `N ≥ 2L + 1`; then the columns are orthonormal (`AᵀA = I`).
 */
export function regularSamplingMatrix(maxOrder: number, samples: number): Float64Array {
  assertOrder(maxOrder, "maxOrder");
  assertSampleCount(samples, maxOrder);
  const width = 2 * maxOrder + 1;
  const out = new Float64Array(samples * width);
  const a0 = 1 / Math.sqrt(samples);
  const a = Math.sqrt(2 / samples);
  for (let k = 0; k < samples; k++) {
    const t = (2 * Math.PI * k) / samples;
    out[k * width] = a0;
    for (let l = 1; l <= maxOrder; l++) {
      out[k * width + 2 * l - 1] = a * Math.cos(l * t);
      out[k * width + 2 * l] = a * Math.sin(l * t);
    }
  }
  return out;
}

/**
 * The inverse of `regularSamplingMatrix` on band-limited functions: its transpose, row-major
 * `[(2L+1) × N]`. `reconstruction · sampling = I` exactly (to rounding) when `N ≥ 2L + 1`; on
 * arbitrary samples it returns the least-squares band-limited fit (the projection onto orders ≤ L).
 */
export function regularReconstructionMatrix(maxOrder: number, samples: number): Float64Array {
  const sampling = regularSamplingMatrix(maxOrder, samples);
  const width = 2 * maxOrder + 1;
  const out = new Float64Array(width * samples);
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < width; i++) out[i * samples + k] = sampling[k * width + i];
  }
  return out;
}

/**
 * How the copies of a `c × regular(L)` type (`"cx0+cx1+…+cxL"`) group into channels: row `j`
 * of the returned `[c × (2L+1)]` array lists the packed offsets of channel `j`'s coefficients
 * `(x_0, cos_1, sin_1, …, cos_L, sin_L)`, i.e. copy `j` of every order. Throws
 * `UnsupportedFieldTypeError` for other types.
 */
export function regularChannelOffsets(type: FieldType): Int32Array {
  type.assertSupportsNonlinearity("regular");
  const { maxOrder, channels } = type.regularStructure()!;
  const width = 2 * maxOrder + 1;
  const out = new Int32Array(channels * width);
  for (let j = 0; j < channels; j++) {
    out[j * width] = type.slice(0).start + j;
    for (let l = 1; l <= maxOrder; l++) {
      const start = type.slice(l).start + 2 * j;
      out[j * width + 2 * l - 1] = start;
      out[j * width + 2 * l] = start + 1;
    }
  }
  return out;
}

/**
 * The regular nonlinearity: for each vertex and channel (see `regularChannelOffsets`), sample
 * the channel's `regular(L)` vector at `samples = N ≥ 2L+1` angles (`regularSamplingMatrix`),
 * apply `fn` to each sample, and project back (`regularReconstructionMatrix`).
 *
 * Exactness: sampling turns acting by `α = 2πk/N` into a cyclic shift of the samples by `k`,
 * which commutes with `fn`, so the map is exactly equivariant for rotations by multiples of
 * `2π/N`. For other angles the frequencies above `N − L` that `fn` creates alias onto orders
 * ≤ L, an error that shrinks as N grows (about 1/N² for ReLU). Accepts exactly the types with
 * `supportsNonlinearity("regular")`; throws `UnsupportedFieldTypeError` otherwise.
 */
export function applyRegularNonlinearity<T extends FloatArray>(
  field: T,
  type: FieldType,
  fn: ScalarFunction,
  samples: number,
): T {
  const offsets = regularChannelOffsets(type);
  const { maxOrder, channels } = type.regularStructure()!;
  const nVertices = assertPackedField(field, type, undefined, "field");
  const sampling = regularSamplingMatrix(maxOrder, samples);
  const width = 2 * maxOrder + 1;
  const out = sameKind(field);
  const coefficients = new Float64Array(width);
  const result = new Float64Array(width);
  const values = new Float64Array(samples);
  for (let v = 0; v < nVertices; v++) {
    const row = v * type.dim;
    for (let j = 0; j < channels; j++) {
      for (let i = 0; i < width; i++) coefficients[i] = field[row + offsets[j * width + i]];
      for (let k = 0; k < samples; k++) {
        let s = 0;
        for (let i = 0; i < width; i++) s += sampling[k * width + i] * coefficients[i];
        values[k] = fn(s);
      }
      result.fill(0);
      for (let k = 0; k < samples; k++) {
        const y = values[k];
        for (let i = 0; i < width; i++) result[i] += sampling[k * width + i] * y;
      }
      for (let i = 0; i < width; i++) out[row + offsets[j * width + i]] = result[i];
    }
  }
  return out;
}

/**
 * The norm nonlinearity: every non-scalar copy `x` becomes `fn(‖x‖ + b) · x / ‖x‖` (its
 * direction kept, its norm replaced; 0 when `x = 0`), every scalar copy `s` becomes
 * `fn(s + b)`. Exactly equivariant for every field type, since rotations preserve norms.
 * `bias` is one number for all copies or one per copy in packed order (`type.copies()`).
 */
export function applyNormNonlinearity<T extends FloatArray>(
  field: T,
  type: FieldType,
  fn: ScalarFunction,
  bias: number | ArrayLike<number> = 0,
): T {
  const nVertices = assertPackedField(field, type, undefined, "field");
  const copies = type.copies();
  const biases = perCopy(bias, copies.length, "bias");
  const out = sameKind(field);
  for (let v = 0; v < nVertices; v++) {
    const row = v * type.dim;
    for (let c = 0; c < copies.length; c++) {
      const p = row + copies[c].offset;
      if (copies[c].dim === 1) {
        out[p] = fn(field[p] + biases[c]);
        continue;
      }
      const x = field[p];
      const y = field[p + 1];
      const norm = Math.hypot(x, y);
      const scale = norm > 0 ? fn(norm + biases[c]) / norm : 0;
      out[p] = scale * x;
      out[p + 1] = scale * y;
    }
  }
  return out;
}

/**
 * The gated nonlinearity: every non-scalar copy is multiplied by `fn(gate)`, where `gates` is a
 * packed `[V × type.nonScalarCount]` array with one (scalar, hence invariant) gate per
 * non-scalar copy in packed order. Scalar copies are left as they are, or mapped by
 * `options.scalarFn`. Exactly equivariant for every field type.
 */
export function applyGatedNonlinearity<T extends FloatArray>(
  field: T,
  type: FieldType,
  gates: ArrayLike<number>,
  fn: ScalarFunction,
  options: { scalarFn?: ScalarFunction } = {},
): T {
  const nVertices = assertPackedField(field, type, undefined, "field");
  const nGates = type.nonScalarCount;
  if (gates.length !== nVertices * nGates) {
    throw new GaugeArgumentError(
      "gates",
      `expected ${nVertices} vertices × ${nGates} non-scalar copies of "${type}" = ${nVertices * nGates} gates, got ${gates.length}`,
    );
  }
  const copies = type.copies();
  const scalarFn = options.scalarFn;
  const out = sameKind(field);
  for (let v = 0; v < nVertices; v++) {
    const row = v * type.dim;
    let g = v * nGates;
    for (const copy of copies) {
      const p = row + copy.offset;
      if (copy.dim === 1) {
        out[p] = scalarFn ? scalarFn(field[p]) : field[p];
        continue;
      }
      const scale = fn(gates[g++]);
      out[p] = scale * field[p];
      out[p + 1] = scale * field[p + 1];
    }
  }
  return out;
}

/** `fn` on every number: legal only on purely scalar types (`supportsNonlinearity("pointwise")`). */
export function applyPointwiseNonlinearity<T extends FloatArray>(
  field: T,
  type: FieldType,
  fn: ScalarFunction,
): T {
  type.assertSupportsNonlinearity("pointwise");
  assertPackedField(field, type, undefined, "field");
  const out = sameKind(field);
  for (let i = 0; i < field.length; i++) out[i] = fn(field[i]);
  return out;
}

function sameKind<T extends FloatArray>(field: T): T {
  return (
    field instanceof Float32Array ? new Float32Array(field.length) : new Float64Array(field.length)
  ) as T;
}

function perCopy(value: number | ArrayLike<number>, count: number, argument: string): Float64Array {
  if (typeof value === "number") return new Float64Array(count).fill(value);
  if (value.length !== count) {
    throw new GaugeArgumentError(
      argument,
      `expected one number or ${count} (one per copy), got ${value.length}`,
    );
  }
  return Float64Array.from(value);
}

function assertSampleCount(samples: number, maxOrder: number): void {
  if (!Number.isSafeInteger(samples) || samples < 2 * maxOrder + 1 || samples < 1) {
    throw new GaugeArgumentError(
      "samples",
      `the regular nonlinearity at order ${maxOrder} needs an integer number of samples ≥ ${Math.max(1, 2 * maxOrder + 1)} (2L + 1), got ${samples}`,
    );
  }
}

/**
 * How far the regular nonlinearity with `fn` and `samples = N` is from equivariance on
 * `regular(maxOrder)`: `‖σ(ρ(α)x) − ρ(α)σ(x)‖₂ / ‖ρ(α)σ(x)‖₂` over `nVertices` (default 2000)
 * standard normal vectors `x` and uniform random angles `α ∈ [−π, π)`, seeded (default 1).
 */
export function measureRegularEquivarianceError(
  maxOrder: number,
  samples: number,
  fn: ScalarFunction,
  options: { nVertices?: number; seed?: number } = {},
): number {
  const type = FieldType.regular(maxOrder);
  const nVertices = options.nVertices ?? 2000;
  const rng = new SeededRandom(options.seed ?? 1);
  const field = rng.gaussianArray(nVertices * type.dim) as Float64Array;
  const angles = randomGaugeAngles(nVertices, rng);
  const actThenMap = applyRegularNonlinearity(type.actOnField(field, angles), type, fn, samples);
  const mapThenAct = type.actOnField(applyRegularNonlinearity(field, type, fn, samples), angles);
  return relativeError(actThenMap, mapThenAct);
}
