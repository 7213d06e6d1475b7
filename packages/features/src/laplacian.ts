/** Positions and triangles of a mesh, the only input the Laplacian needs. */
export interface TriangleSoupView {
  /** `[x0, y0, z0, x1, …]`, float64. */
  readonly positions: Float64Array;
  /** Three vertex indices per face, counter-clockwise seen from outside. */
  readonly triangles: Uint32Array;
}

/**
 * The cotangent Laplacian in the form the features need: the stiffness matrix `L` as a list of
 * weighted edges (`(Lx)_i = Σ_j w_ij (x_i − x_j)`, positive semi-definite) and the lumped
 * (barycentric) mass `m_i` (a third of the area of each incident face). `L` and `m` together
 * discretise `−Δ` as `M⁻¹ L` (the sign that makes eigenvalues non-negative).
 */
export interface CotanLaplacian {
  readonly nVertices: number;
  /** Edge endpoints `[i0, j0, i1, j1, …]`, each undirected edge once. */
  readonly edges: Uint32Array;
  /** `w_ij = (cot α + cot β) / 2` over the one or two corners opposite each edge. */
  readonly weights: Float64Array;
  /** Barycentric vertex areas. */
  readonly mass: Float64Array;
}

/**
 * Cotangents are clamped to this magnitude: a sliver triangle (angle near 0 or π) would otherwise
 * give weights that swamp the rest of the matrix. cot(0.06°) ≈ 1000.
 */
const MAX_COTANGENT = 1000;

/**
 * Builds the cotangent Laplacian. Written here because the geometry package stops at per-corner
 * quantities and no maintained JS library assembles it; the cotangent of each corner is computed
 * as `(u·v) / |u×v|` from the corner's edge vectors, which stays accurate for small angles.
 */
export function cotanLaplacian(mesh: TriangleSoupView): CotanLaplacian {
  const { positions: x, triangles } = mesh;
  const nVertices = x.length / 3;
  const nFaces = triangles.length / 3;
  const mass = new Float64Array(nVertices);
  const edgeIndex = new Map<number, number>();
  const edges: number[] = [];
  const weights: number[] = [];
  for (let f = 0; f < nFaces; f++) {
    const corners = [triangles[3 * f], triangles[3 * f + 1], triangles[3 * f + 2]];
    const doubleArea = crossNorm(x, corners[0], corners[1], corners[2]);
    for (const v of corners) mass[v] += doubleArea / 6;
    for (let k = 0; k < 3; k++) {
      const a = corners[k];
      const b = corners[(k + 1) % 3];
      const c = corners[(k + 2) % 3];
      // Corner at a is opposite edge (b, c).
      const dot =
        (x[3 * b] - x[3 * a]) * (x[3 * c] - x[3 * a]) +
        (x[3 * b + 1] - x[3 * a + 1]) * (x[3 * c + 1] - x[3 * a + 1]) +
        (x[3 * b + 2] - x[3 * a + 2]) * (x[3 * c + 2] - x[3 * a + 2]);
      const cot = doubleArea > 0 ? clamp(dot / doubleArea, MAX_COTANGENT) : 0;
      const key = b < c ? b * nVertices + c : c * nVertices + b;
      let e = edgeIndex.get(key);
      if (e === undefined) {
        e = weights.length;
        edgeIndex.set(key, e);
        edges.push(Math.min(b, c), Math.max(b, c));
        weights.push(0);
      }
      weights[e] += cot / 2;
    }
  }
  return { nVertices, edges: Uint32Array.from(edges), weights: Float64Array.from(weights), mass };
}

/** `L x` for `columns` interleaved columns (`x[i * columns + c]`). */
export function applyStiffness(laplacian: CotanLaplacian, x: Float64Array, columns: number): Float64Array {
  const out = new Float64Array(x.length);
  const { edges, weights } = laplacian;
  for (let e = 0; e < weights.length; e++) {
    const i = edges[2 * e];
    const j = edges[2 * e + 1];
    const w = weights[e];
    for (let c = 0; c < columns; c++) {
      const d = w * (x[i * columns + c] - x[j * columns + c]);
      out[i * columns + c] += d;
      out[j * columns + c] -= d;
    }
  }
  return out;
}

/**
 * The symmetrically scaled operator `M^(−1/2) L M^(−1/2)` as a dense row-major `V × V` array:
 * it has the eigenvalues of the generalised problem `L φ = λ M φ`, with `φ = M^(−1/2) ψ`.
 */
export function scaledStiffnessDense(laplacian: CotanLaplacian): Float64Array {
  const n = laplacian.nVertices;
  const { edges, weights, mass } = laplacian;
  const a = new Float64Array(n * n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = mass[i] > 0 ? 1 / Math.sqrt(mass[i]) : 0;
  for (let e = 0; e < weights.length; e++) {
    const i = edges[2 * e];
    const j = edges[2 * e + 1];
    const w = weights[e];
    a[i * n + i] += w * s[i] * s[i];
    a[j * n + j] += w * s[j] * s[j];
    a[i * n + j] -= w * s[i] * s[j];
    a[j * n + i] -= w * s[i] * s[j];
  }
  return a;
}

function crossNorm(x: Float64Array, a: number, b: number, c: number): number {
  const ux = x[3 * b] - x[3 * a];
  const uy = x[3 * b + 1] - x[3 * a + 1];
  const uz = x[3 * b + 2] - x[3 * a + 2];
  const vx = x[3 * c] - x[3 * a];
  const vy = x[3 * c + 1] - x[3 * a + 1];
  const vz = x[3 * c + 2] - x[3 * a + 2];
  return Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
}

function clamp(x: number, limit: number): number {
  return Math.min(limit, Math.max(-limit, x));
}
