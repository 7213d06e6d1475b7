// Dense references, eigenspace comparisons and meshes that are hard for the ordering, for the
// eigensolver tests and bench:eigen (a fixture: not exported).
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import type { SparseMatrix } from "./sparse-matrix.js";

/** All eigenpairs of K φ = λ M φ with ml-matrix, through M^(−1/2) K M^(−1/2); vectors[i · n + j]. */
export function denseGeneralisedEigenpairs(
  K: SparseMatrix,
  m: Float64Array,
): { values: Float64Array; vectors: Float64Array } {
  const n = K.nRows;
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let p = K.rowOffsets[i]; p < K.rowOffsets[i + 1]; p++) {
      const j = K.columnIndices[p];
      a.set(i, j, K.values[p] / Math.sqrt(m[i] * m[j]));
    }
  }
  const decomposition = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const lambda = decomposition.realEigenvalues;
  const psi = decomposition.eigenvectorMatrix;
  const order = Array.from(lambda.keys()).sort((x, y) => lambda[x] - lambda[y]);
  const values = Float64Array.from(order, (j) => lambda[j]);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const s = 1 / Math.sqrt(m[i]);
    for (let j = 0; j < n; j++) vectors[i * n + j] = psi.get(i, order[j]) * s;
  }
  return { values, vectors };
}

/** Index ranges [start, end) of eigenvalues equal to `relativeGap` of the spectrum's scale. */
export function clusters(values: Float64Array, relativeGap: number): [number, number][] {
  const scale = Math.max(...Array.from(values.subarray(0, Math.min(values.length, 200)), Math.abs), 1e-300);
  const out: [number, number][] = [];
  let start = 0;
  for (let j = 1; j <= values.length; j++) {
    if (j === values.length || values[j] - values[j - 1] > relativeGap * scale) {
      out.push([start, j]);
      start = j;
    }
  }
  return out;
}

/**
 * Largest M-norm of the part of each computed vector (columns `start … end − 1` of the row-major
 * `n × k` array) outside the span of the reference vectors of the same indices (row-major n × n):
 * 0 when the computed vectors span the same eigenspace, whatever basis and signs they use.
 */
export function eigenspaceDistance(
  computed: Float64Array,
  k: number,
  reference: Float64Array,
  m: Float64Array,
  [start, end]: [number, number],
): number {
  const n = m.length;
  let worst = 0;
  for (let j = start; j < end; j++) {
    const rest = new Float64Array(n);
    for (let i = 0; i < n; i++) rest[i] = computed[i * k + j];
    for (let q = start; q < end; q++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += m[i] * reference[i * n + q] * rest[i];
      for (let i = 0; i < n; i++) rest[i] -= dot * reference[i * n + q];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += m[i] * rest[i] * rest[i];
    worst = Math.max(worst, Math.sqrt(norm));
  }
  return worst;
}

/** Largest |(Φᵀ M Φ − I)_ij| for row-major n × k vectors. */
export function massOrthonormalityError(vectors: Float64Array, k: number, m: Float64Array): number {
  const n = m.length;
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += m[i] * vectors[i * k + a] * vectors[i * k + b];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/** Several meshes as one, each moved by its offset along x (disjoint components). */
export function disjointUnion(meshes: TriangleMeshData[], spacing: number): TriangleMeshData {
  const positions: number[] = [];
  const triangles: number[] = [];
  meshes.forEach((mesh, index) => {
    const base = positions.length / 3;
    for (let p = 0; p < mesh.positions.length; p++) {
      positions.push(mesh.positions[p] + (p % 3 === 0 ? index * spacing : 0));
    }
    for (let t = 0; t < mesh.triangles.length; t++) triangles.push(mesh.triangles[t] + base);
  });
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

/**
 * A flat disc of `rings` rings of `spokes` vertices around one centre vertex joined to all of the
 * first ring: `rings · spokes + 1` vertices, one of degree `spokes` (a dense row and column of K).
 */
export function hubDisc(spokes: number, rings: number): TriangleMeshData {
  const positions = new Float64Array(3 * (rings * spokes + 1));
  for (let r = 0; r < rings; r++) {
    for (let s = 0; s < spokes; s++) {
      const angle = (2 * Math.PI * s) / spokes;
      const at = 3 * (1 + r * spokes + s);
      positions[at] = (r + 1) * Math.cos(angle);
      positions[at + 1] = (r + 1) * Math.sin(angle);
    }
  }
  const triangles: number[] = [];
  const ring = (r: number, s: number) => 1 + r * spokes + (s % spokes);
  for (let s = 0; s < spokes; s++) triangles.push(0, ring(0, s), ring(0, s + 1));
  for (let r = 0; r + 1 < rings; r++) {
    for (let s = 0; s < spokes; s++) {
      triangles.push(ring(r, s), ring(r + 1, s), ring(r + 1, s + 1));
      triangles.push(ring(r, s), ring(r + 1, s + 1), ring(r, s + 1));
    }
  }
  return { positions, triangles: Uint32Array.from(triangles) };
}
