/** What went wrong in a sparse factorisation or eigensolve. */
export type SparseSolverErrorKind =
  /** An argument has the wrong size, range or type (k ≥ n, a mass that is not positive, …). */
  | "invalid-argument"
  /** The LDLᵀ factorisation met a pivot that is not positive (or not finite). */
  | "not-positive-definite"
  /** The eigensolver did not reach its tolerance within its iteration limit. */
  | "no-convergence";

/**
 * Thrown by the sparse matrix, factorisation and eigensolver code; the message names the
 * argument, row or pivot at fault and what to do about it.
 */
export class SparseSolverError extends Error {
  readonly kind: SparseSolverErrorKind;

  constructor(kind: SparseSolverErrorKind, message: string) {
    super(message);
    this.name = "SparseSolverError";
    this.kind = kind;
  }
}
