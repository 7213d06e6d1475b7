/** Why a mesh's features cannot be computed. */
export type FeatureErrorKind =
  /** The heat-kernel signature would need more memory than its guard allows (`MAX_HKS_VERTEX_EIGENPAIRS`). */
  | "too-large"
  /** A vertex has zero area (all its faces degenerate), so the Laplacian's mass matrix is singular. */
  | "zero-area"
  /** Every eigenvalue the heat-kernel signature would use is zero: no time scale to set its times by. */
  | "no-time-scale";

/**
 * A mesh whose features cannot be computed, for a reason of the mesh (not a bug); the message
 * starts with the mesh's source and says what to change. Callers skip the mesh with the message.
 */
export class FeatureError extends Error {
  readonly kind: FeatureErrorKind;

  constructor(kind: FeatureErrorKind, message: string) {
    super(message);
    this.name = "FeatureError";
    this.kind = kind;
  }
}
