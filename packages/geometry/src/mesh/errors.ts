/** What is wrong with a mesh; each kind names the element it is about. */
export type MeshProblemKind =
  | "empty-mesh"
  | "malformed-array"
  | "non-finite-coordinate"
  | "index-out-of-range"
  | "degenerate-face"
  | "duplicate-face"
  | "non-manifold-edge"
  | "non-manifold-vertex"
  | "inconsistent-orientation"
  | "unreferenced-vertex";

/** The element a problem is about: a vertex, a face or an (undirected) edge given by its two vertices. */
export type MeshElement =
  | { readonly type: "vertex"; readonly index: number }
  | { readonly type: "face"; readonly index: number }
  | { readonly type: "edge"; readonly vertices: readonly [number, number] };

export interface MeshProblem {
  readonly kind: MeshProblemKind;
  readonly element?: MeshElement;
  readonly message: string;
}

/**
 * Thrown when a mesh cannot be built or fails validation. `source` names the file (or other
 * origin) when the mesh came from one, so that the message says where the problem is.
 */
export class MeshError extends Error {
  readonly kind: MeshProblemKind;
  readonly element: MeshElement | undefined;
  readonly source: string | undefined;
  /** Every problem found; the message describes the first. */
  readonly problems: readonly MeshProblem[];

  /** How many problems were found, also those not listed in `problems` (long lists are cut). */
  readonly problemCount: number;

  /** `problemCount` (default `problems.length`) counts problems found but not listed too. */
  constructor(problems: readonly MeshProblem[], source?: string, problemCount = problems.length) {
    const first = problems[0];
    if (!first) throw new Error("MeshError needs at least one problem");
    const total = Math.max(problemCount, problems.length);
    const more = total > 1 ? ` (and ${total - 1} more problem(s))` : "";
    super(`${source ? `${source}: ` : ""}${first.message}${more}`);
    this.name = "MeshError";
    this.kind = first.kind;
    this.element = first.element;
    this.source = source;
    this.problems = problems;
    this.problemCount = total;
  }

  /** The same problems attributed to a source (a file name), for loaders that build meshes. */
  withSource(source: string): MeshError {
    return new MeshError(this.problems, source, this.problemCount);
  }
}
