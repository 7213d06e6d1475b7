import { GaugeArgumentError } from "./errors.js";
import type { FieldType, FloatArray } from "./field-type.js";
import { randomGaugeAngles, SeededRandom } from "./random.js";

/**
 * Equivariance checks, shipped with the package so that other packages (and users' own layers)
 * check gauge equivariance the same way: relative errors and assertions with tolerances that
 * depend on the float type, on the random gauges and fields of `random.ts`.
 */

/** The float types a field can be computed in. */
export type FloatDtype = "float32" | "float64";

/**
 * Default relative tolerances of the equivariance assertions.
 * - float64: 1e-9. Rounding alone gives about 1e-15 per operation; 1e-9 leaves six orders of
 *   magnitude for long sums while any convention bug (wrong sign, wrong order) gives O(1).
 * - float32: 1e-4. The unit roundoff is 2⁻²⁴ ≈ 6e-8; a value summed from K terms carries a
 *   relative error up to about K·6e-8 (√K·6e-8 typically), and both sides of an equivariance
 *   check are rounded independently (the gauge action included). K up to ~10³ (neighbours ×
 *   channels × basis elements) stays below 1e-4, while the negative controls sit at 1e-1 or more.
 */
export const EQUIVARIANCE_TOLERANCE: Readonly<Record<FloatDtype, number>> = Object.freeze({
  float64: 1e-9,
  float32: 1e-4,
});

/** The dtype of a float array. */
export function dtypeOf(array: FloatArray): FloatDtype {
  return array instanceof Float32Array ? "float32" : "float64";
}

/**
 * `‖actual − expected‖₂ / ‖expected‖₂` over the whole arrays, in float64; `‖actual‖₂` when
 * `expected` is zero. NaN anywhere gives NaN (which fails every assertion).
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new GaugeArgumentError(
      "actual",
      `length ${actual.length} differs from expected length ${expected.length}`,
    );
  }
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = actual[i] - expected[i];
    diff += d * d;
    norm += expected[i] * expected[i];
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/** Thrown by the assertions below; carries the measured error and the tolerance it exceeded. */
export class EquivarianceError extends Error {
  readonly relativeError: number;
  readonly tolerance: number;

  constructor(label: string, relativeError: number, tolerance: number) {
    super(
      `${label}: relative error ${relativeError.toExponential(3)} exceeds tolerance ${tolerance.toExponential(1)}`,
    );
    this.name = "EquivarianceError";
    this.relativeError = relativeError;
    this.tolerance = tolerance;
  }
}

/** Options shared by the assertions. */
export interface ToleranceOptions {
  /** Float type whose default tolerance applies (`EQUIVARIANCE_TOLERANCE`); default float64. */
  readonly dtype?: FloatDtype;
  /** Explicit relative tolerance, overriding the dtype default. */
  readonly tolerance?: number;
  /** Names the check in the error message. */
  readonly label?: string;
}

/** Throws `EquivarianceError` unless `relativeError(actual, expected)` is within tolerance; returns the error. */
export function assertRelativelyClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: ToleranceOptions = {},
): number {
  const tolerance = options.tolerance ?? EQUIVARIANCE_TOLERANCE[options.dtype ?? "float64"];
  const error = relativeError(actual, expected);
  if (!(error <= tolerance)) throw new EquivarianceError(options.label ?? "values differ", error, tolerance);
  return error;
}

/** A map between packed fields that acts vertex by vertex (a nonlinearity, a self-interaction). */
export type FieldMap = <T extends FloatArray>(field: T) => T;

/** Options of `checkFieldMapEquivariance`. */
export interface FieldMapCheckOptions extends ToleranceOptions {
  /** Vertices of the random input (default 64). */
  readonly nVertices?: number;
  /** Seed of the random input and angles (default 1). */
  readonly seed?: number;
  /** Input field; default standard normal of `dtype`. */
  readonly input?: FloatArray;
  /** Per-vertex angles to act by; default uniform random. */
  readonly angles?: ArrayLike<number>;
}

/**
 * Measures how far `map` is from gauge equivariance: the relative error between
 * `map(ρ_in(α) x)` and `ρ_out(α) map(x)` for random `x` and random per-vertex `α`.
 */
export function checkFieldMapEquivariance(
  map: FieldMap,
  inType: FieldType,
  outType: FieldType,
  options: FieldMapCheckOptions = {},
): { relativeError: number; tolerance: number } {
  const rng = new SeededRandom(options.seed ?? 1);
  const dtype = options.input ? dtypeOf(options.input) : (options.dtype ?? "float64");
  const input = options.input ?? rng.gaussianArray((options.nVertices ?? 64) * inType.dim, dtype);
  const nVertices = input.length / inType.dim;
  const angles = options.angles ?? randomGaugeAngles(nVertices, rng);
  const mapThenAct = outType.actOnField(map(input), angles);
  const actThenMap = map(inType.actOnField(input, angles));
  return {
    relativeError: relativeError(actThenMap, mapThenAct),
    tolerance: options.tolerance ?? EQUIVARIANCE_TOLERANCE[dtype],
  };
}

/** `checkFieldMapEquivariance`, throwing `EquivarianceError` when the error exceeds the tolerance. */
export function assertFieldMapEquivariant(
  map: FieldMap,
  inType: FieldType,
  outType: FieldType,
  options: FieldMapCheckOptions = {},
): number {
  const { relativeError: error, tolerance } = checkFieldMapEquivariance(map, inType, outType, options);
  if (!(error <= tolerance)) {
    throw new EquivarianceError(
      options.label ?? `map "${inType}" → "${outType}" is not gauge equivariant`,
      error,
      tolerance,
    );
  }
  return error;
}
