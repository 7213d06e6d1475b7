import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { type CotanLaplacian, scaledStiffnessDense } from "./laplacian.js";

/**
 * Largest mesh whose Laplacian is decomposed densely by default: the decomposition costs O(V³)
 * time (about 0.25 s at 250 vertices, 1.4 s at 500, 8 s at 800 with ml-matrix on this machine).
 */
export const DEFAULT_HKS_MAX_VERTICES = 1000;

/** The mesh is too large for the dense eigen-decomposition behind the heat-kernel signature. */
export class FeatureSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FeatureSizeError";
  }
}

/** Eigenpairs of `L φ = λ M φ`, ascending, with `φ` orthonormal in the mass inner product. */
export interface LaplacianEigenpairs {
  /** Eigenvalues, ascending, ≥ 0 (round-off negatives clamped to 0). */
  readonly values: Float64Array;
  /** Row-major `V × V`: `vectors[i * V + k]` is `φ_k` at vertex `i`. */
  readonly vectors: Float64Array;
}

/**
 * All eigenpairs of the generalised problem `L φ = λ M φ` (cotangent stiffness, lumped mass),
 * via the symmetric matrix `M^(−1/2) L M^(−1/2)` and ml-matrix's symmetric decomposition.
 */
export function laplacianEigenpairs(
  laplacian: CotanLaplacian,
  maxVertices = DEFAULT_HKS_MAX_VERTICES,
): LaplacianEigenpairs {
  const n = laplacian.nVertices;
  if (n > maxVertices) {
    throw new FeatureSizeError(
      `the mesh has ${n} vertices; the heat-kernel signature decomposes the Laplacian densely and is limited to ${maxVertices} (raise --hks-max-vertices, or leave out hks features)`,
    );
  }
  const decomposition = new EigenvalueDecomposition(
    Matrix.from1DArray(n, n, scaledStiffnessDense(laplacian)),
    {
      assumeSymmetric: true,
    },
  );
  const lambda = decomposition.realEigenvalues;
  const psi = decomposition.eigenvectorMatrix;
  const order = Array.from(lambda.keys()).sort((a, b) => lambda[a] - lambda[b]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const s = laplacian.mass[i] > 0 ? 1 / Math.sqrt(laplacian.mass[i]) : 0;
    const row = psi.getRow(i);
    for (let k = 0; k < n; k++) vectors[i * n + k] = row[order[k]] * s;
  }
  for (let k = 0; k < n; k++) values[k] = Math.max(0, lambda[order[k]]);
  return { values, vectors };
}

/**
 * Heat-kernel signature `h(i, t) = Σ_k exp(−λ_k t) φ_k(i)²` (Sun, Ovsjanikov and Guibas 2009),
 * divided by its area-weighted mean `Σ_k exp(−λ_k t) / area` so that each time's column is a
 * dimensionless number with mean 1 over the surface (about `1 + t (K − K̄) / 3` for small `t`).
 * Times are in units of the total area (compute on a unit-area mesh for scale invariance).
 * Returns row-major `V × times.length`.
 */
export function heatKernelSignature(
  laplacian: CotanLaplacian,
  eigen: LaplacianEigenpairs,
  times: readonly number[],
): Float64Array {
  const n = laplacian.nVertices;
  const T = times.length;
  let area = 0;
  for (let i = 0; i < n; i++) area += laplacian.mass[i];
  const out = new Float64Array(n * T);
  for (const [c, t] of times.entries()) {
    if (!(t > 0)) throw new RangeError(`heat-kernel times must be positive, got ${t}`);
    const decay = eigen.values.map((lambda) => Math.exp(-lambda * t));
    let trace = 0;
    for (let k = 0; k < n; k++) trace += decay[k];
    const scale = area / trace;
    for (let i = 0; i < n; i++) {
      let h = 0;
      const base = i * n;
      for (let k = 0; k < n; k++) {
        const phi = eigen.vectors[base + k];
        h += decay[k] * phi * phi;
      }
      out[i * T + c] = h * scale;
    }
  }
  return out;
}
