import { GaugeArgumentError } from "./errors.js";

/**
 * Irreducible real representations of SO(2). The order-`n` irrep turns `n` times as fast as the
 * frame: `ρ_n(φ) = [[cos nφ, −sin nφ], [sin nφ, cos nφ]]` for `n ≥ 1`, `ρ_0(φ) = [1]`
 * (docs/conventions.md). Matrices are row-major `Float64Array`s.
 */

/** Throws unless `order` is a non-negative safe integer; `argument` names the parameter in the error. */
export function assertOrder(order: number, argument = "order"): void {
  if (!Number.isSafeInteger(order) || order < 0) {
    throw new GaugeArgumentError(argument, `an irrep order must be a non-negative integer, got ${order}`);
  }
}

/** Dimension of `ρ_n`: 1 for `n = 0`, 2 otherwise. */
export function irrepDim(order: number): 1 | 2 {
  assertOrder(order);
  return order === 0 ? 1 : 2;
}

/**
 * `ρ_n(angle)`, the counter-clockwise rotation by `n·angle` (radians), as a row-major
 * `dim × dim` matrix: `[1]` for `n = 0`, `[cos, −sin, sin, cos]` of `n·angle` otherwise.
 */
export function irrepMatrix(order: number, angle: number): Float64Array {
  const dim = irrepDim(order);
  if (!Number.isFinite(angle)) throw new GaugeArgumentError("angle", `must be finite, got ${angle}`);
  if (dim === 1) return Float64Array.of(1);
  const c = Math.cos(order * angle);
  const s = Math.sin(order * angle);
  return Float64Array.of(c, -s, s, c);
}

/**
 * Product `a · b` of two order-`n` representation matrices (row-major, `dim × dim`). Since
 * `ρ_n` is a homomorphism, `irrepCompose(n, ρ_n(α), ρ_n(β))` equals `ρ_n(α + β)`.
 */
export function irrepCompose(order: number, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const dim = irrepDim(order);
  assertSquare(a, dim, "a");
  assertSquare(b, dim, "b");
  if (dim === 1) return Float64Array.of(a[0] * b[0]);
  return Float64Array.of(
    a[0] * b[0] + a[1] * b[2],
    a[0] * b[1] + a[1] * b[3],
    a[2] * b[0] + a[3] * b[2],
    a[2] * b[1] + a[3] * b[3],
  );
}

/**
 * Inverse of an order-`n` representation matrix. Representation matrices are orthogonal, so this
 * is the transpose: `irrepInverse(n, ρ_n(α))` equals `ρ_n(−α)`. Not valid for general matrices.
 */
export function irrepInverse(order: number, matrix: ArrayLike<number>): Float64Array {
  const dim = irrepDim(order);
  assertSquare(matrix, dim, "matrix");
  if (dim === 1) return Float64Array.of(matrix[0]);
  return Float64Array.of(matrix[0], matrix[2], matrix[1], matrix[3]);
}

function assertSquare(matrix: ArrayLike<number>, dim: number, argument: string): void {
  if (matrix.length !== dim * dim) {
    throw new GaugeArgumentError(
      argument,
      `expected a ${dim}×${dim} matrix (${dim * dim} entries), got ${matrix.length}`,
    );
  }
}
