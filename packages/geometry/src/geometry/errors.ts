/** What went wrong in a differential-geometry computation. */
export type GeometryErrorKind =
  /** An argument has the wrong length, range or type. */
  | "invalid-argument"
  /** A method that works only along mesh edges got a pair that is not an edge. */
  | "not-an-edge";

/** Thrown for arguments a geometry function cannot work with; the message names the argument. */
export class GeometryError extends Error {
  readonly kind: GeometryErrorKind;

  constructor(kind: GeometryErrorKind, message: string) {
    super(message);
    this.name = "GeometryError";
    this.kind = kind;
  }
}
