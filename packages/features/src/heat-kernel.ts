import { laplacianEigenpairs, type MeshGeometry, symmetricEigen } from "@gemcnn/geometry";
import { FeatureError } from "./errors.js";

/** Eigenpairs of the Laplacian behind the heat-kernel signature by default (as DiffusionNet). */
export const DEFAULT_HKS_EIGENPAIRS = 128;

/** Heat-kernel times by default, log-spaced over the range `heatKernelTimes` gives. */
export const DEFAULT_HKS_TIME_COUNT = 4;

/**
 * Memory guard: the largest `vertices × eigenpairs` the heat-kernel signature takes on. The
 * eigensolver keeps a Krylov basis of about `2k + 16` vectors of length V and a temporary as large
 * during restarts, and the result holds `V × k` more: about 50 bytes per vertex and eigenpair in
 * all (measured at 100k vertices, k = 128: see the README's benchmark), so the limit, 2²⁸
 * (2.1 million vertices at k = 128), means about 13 GB. Far above any ordinary mesh; it exists to
 * refuse with a clear `FeatureError` what would otherwise exhaust the machine's memory.
 */
export const MAX_HKS_VERTEX_EIGENPAIRS = 2 ** 28;

/** Bytes per vertex and eigenpair that the eigensolve holds at its peak (for the guard's message). */
const BYTES_PER_VERTEX_EIGENPAIR = 50;

/**
 * `4 ln 10`: Sun et al.'s times run from `4 ln 10 / λ_max` to `4 ln 10 / λ₁`, where
 * `exp(−λ_max t_min) = exp(−λ₁ t_max) = 10⁻⁴`.
 */
const RANGE_DECAY = 4 * Math.LN10;

/**
 * An eigenvalue at most this fraction of the largest computed one counts as zero: the constants
 * of each connected component, which the sparse solver returns as exactly 0 and the dense path
 * as round-off of about 1e-15 of the largest. A component joined to the rest only through
 * faces so thin that its first eigenvalue falls below this is treated as a separate component.
 */
export const ZERO_EIGENVALUE_TOLERANCE = 1e-8;

/**
 * Eigenvalues within this fraction of the largest computed one are left out with it, so that
 * an eigenspace of several dimensions (a symmetric mesh: a sphere's `2l + 1`, an icosphere's
 * groups of up to 5) that the `k`-th pair cuts through is left out whole rather than in part,
 * which would make the signature depend on the basis the solver happened to pick inside it and so,
 * after a rigid motion, change. The solver's eigenvalues are accurate to about 1e-10 of their
 * size, so members of one eigenspace agree far closer than this; distinct eigenvalues this close
 * have eigenvectors that round-off turns by at most about 1e-16 / 1e-8.
 */
const CLUSTER_TOLERANCE = 1e-8;

/**
 * The relative residual the signature asks of the eigensolver (`smallestEigenpairs`'
 * `tolerance`: `‖Aφ − θφ‖_M ≤ τ θ` for `A = (L − σM)⁻¹ M`, `θ = 1/(λ − σ)`), looser than the
 * solver's default 1e-10, which took 3 thick restarts where this takes 2 on a 6.8k-vertex sphere
 * (k = 128). What it costs the signature, for M-orthonormal Rayleigh-Ritz pairs with that
 * residual and `g_j` the gap from `θ_j` to the rest of A's spectrum relative to `θ_j` (an
 * eigenspace counting as one eigenvalue, since the signature does not depend on the basis
 * inside it; `g_j` is about `1/j` for eigenvalues growing linearly, so at least about `1/k`):
 * - eigenvalues: `|Δθ_j| ≤ (τ θ_j)² / (g_j θ_j)` (Kato-Temple), so `|Δλ_j| / λ_j ≤ τ² / g_j`,
 *   about `k τ² = 1.3e-10` at k = 128: far inside `CLUSTER_TOLERANCE`, so an eigenspace's
 *   members still agree closely enough to be kept or cut together, and each weight
 *   `exp(−λ_j t)` moves by a factor `exp(±λ_j t · k τ²)`, at most `1 ± k τ² / e` of the constant's
 *   weight, since `x e^(−x) ≤ 1/e`;
 * - eigenvectors: `sin ∠(φ_j, its eigenspace) ≤ τ / g_j` (Davis-Kahan), so
 *   `Σ_i m_i |φ̃_j(i)² − φ_j(i)²| ≤ 2 ‖φ̃_j − φ_j‖_M ≤ 2√2 τ / g_j`; weighted by
 *   `exp(−λ_j t) / Σ_l exp(−λ_l t)` (which sum to 1) and times the area, the area-weighted mean
 *   of `|Δh(i, t)|` is at most `2√2 τ max_j 1/g_j`, about `2√2 k τ = 3.6e-4` of `h`'s mean (1).
 * That worst case is of the order of the truncation error at `t_min` (see `heatKernelSignature`)
 * and below the resolution error; the pairs come out far more accurate than their bound,
 * because all but the last to converge overshoot τ. Measured against τ = 1e-12 (k = 128, all
 * times): `ln h` moved by at most 3.2e-9 on a 6,762-vertex sphere and 4.6e-9 on the 1,839-vertex
 * bunny, eigenvalues by 1.4e-13 and 1.5e-12 relative. At τ = 1e-4 the sphere's top eigenspace
 * was no longer cut whole; 1e-6 leaves two orders of magnitude below that.
 */
export const HKS_EIGENPAIR_TOLERANCE = 1e-6;

/** Options of `heatKernelSignature`. */
export interface HeatKernelOptions {
  /** Eigenpairs `k` of the Laplacian (default `DEFAULT_HKS_EIGENPAIRS`, 128). */
  readonly eigenpairs?: number;
  /** Number of times (default `DEFAULT_HKS_TIME_COUNT`, 4), log-spaced as `heatKernelTimes` says. */
  readonly timeCount?: number;
}

/** The spectrum the signature is computed from: ascending eigenvalues, M-orthonormal eigenvectors. */
export interface LaplacianSpectrum {
  /** Ascending, ≥ 0 up to round-off. */
  readonly values: Float64Array;
  /** Row-major `V × values.length`: `vectors[i * k + j]` is eigenvector `j` at vertex `i`. */
  readonly vectors: Float64Array;
}

/** A heat-kernel signature and the part of the spectrum it came from. */
export interface HeatKernelSignature {
  /** Row-major `V × times.length`: `ln h(i, t)`, see `heatKernelSignature`. */
  readonly values: Float64Array;
  /** The times, ascending, in the mesh's units of length². */
  readonly times: Float64Array;
  /** Eigenpairs summed (the computed ones less the cluster at the top, see `heatKernelSignature`). */
  readonly pairsUsed: number;
  /** `λ₁`: the smallest eigenvalue that is not zero (`ZERO_EIGENVALUE_TOLERANCE`). */
  readonly firstNonzeroEigenvalue: number;
  /** `λ_max`: the largest eigenvalue computed. */
  readonly largestEigenvalue: number;
}

/**
 * The heat-kernel signature (Sun, Ovsjanikov and Guibas 2009) from the `k` smallest eigenpairs
 * of `L φ = λ M φ` (geometry's `laplacianEigenpairs`: cotangent stiffness, lumped mass), scaled
 * and logged so that it depends neither on the mesh's size nor on its resolution:
 *
 *   h(i, t) = A · Σ_j exp(−λ_j t) φ_j(i)²  /  Σ_j exp(−λ_j t),   value ln h(i, t),
 *
 * summed over the eigenpairs used, with `A` the total area. `Σ_i m_i φ_j(i)² = 1` makes the
 * area-weighted mean of the numerator's sum `Σ_j exp(−λ_j t) / A`, so `h` has area-weighted mean
 * exactly 1 at every `t` (Sun et al.'s "scaled" signature, times the area). The times are
 * `heatKernelTimes`: `timeCount` of them, log-spaced from `t_min = 4 ln 10 / λ_max` to
 * `t_max = 4 ln 10 / λ₁` (Sun et al.'s range), `λ_max` the largest eigenvalue computed and `λ₁`
 * the first one that is not zero.
 *
 * - **Scale**: scaling the mesh by `s` leaves the cotangent weights unchanged and multiplies `M`
 *   by `s²`, so `λ → λ/s²`, `φ → φ/s`, `t → s² t`, `A → s² A`: every `λ t`, and `A φ²`, is
 *   unchanged, so `h` is too. Rigid motions change nothing the operator sees. Tested to 1e-9 in
 *   float64 for scalings by 0.01 and 100 with rigid motions (the eigensolver's residual,
 *   `HKS_EIGENPAIR_TOLERANCE`, is what is left); the features compute it on a unit-area copy.
 * - **Truncation**: every pair left out has `λ ≥ λ_max (1 − 1e-8)`, so at any `t ≥ t_min` its
 *   weight is at most `exp(−λ_max t_min) = 10⁻⁴` of the constant's. Were the eigenvalues to grow
 *   linearly in their index (Weyl's law, `λ_j ≈ 4π j / A`), the whole tail would be about
 *   `exp(−λ t)` of the sum, 10⁻⁴ at `t_min` and far less later. Measured against all pairs of a
 *   dense decomposition, `ln h` differs by at most 7.6e-5 at `t_min` on a 2,562-vertex mesh and
 *   3.2e-4 on a 642-vertex one (k a fifth of its spectrum, where the discrete eigenvalues grow
 *   more slowly), by under 1e-9 at the later times.
 * - **Resolution**: `λ₁` and `λ_k` converge as a mesh is refined, once it resolves the first `k`
 *   eigenfunctions, and so do the times and `h`. Measured on one smooth surface, compared vertex
 *   by vertex at the same point of the other mesh: two unrelated triangulations of 2,562
 *   vertices agree within 2.4e-3 in `ln h` (6e-4 at 10,242 vertices); 642 against 2,562 vertices
 *   within 5.2e-2 at `t_min` and 1e-2 later, 2,562 against 10,242 within 1.4e-2 at `t_min`: on a
 *   coarse mesh `λ_k` is 5–13% off, and `t_min` with it.
 * - **Eigenspaces**: the pairs used are those with `λ < λ_max (1 − 1e-8)`, so a multiple
 *   eigenvalue cut by the `k`-th pair is left out whole (see `CLUSTER_TOLERANCE`).
 * - **Components**: each has eigenvalue 0 with its constant; "zero" is `λ ≤ 1e-8 λ_max`, and `λ₁`
 *   the smallest eigenvalue above that. A mesh of at most `k + 1` vertices is decomposed densely,
 *   all its pairs (no truncation).
 *
 * Throws a `FeatureError`: `"too-large"` when `V × k` exceeds `MAX_HKS_VERTEX_EIGENPAIRS` (the
 * memory guard), `"zero-area"` for a vertex of zero area (its mass would be 0), `"no-time-scale"`
 * when every eigenvalue used is zero (at least `k` components); geometry's `SparseSolverError`
 * when the eigensolver fails (a stiffness it cannot factor, no convergence).
 */
export function heatKernelSignature(
  geometry: MeshGeometry,
  options: HeatKernelOptions = {},
): HeatKernelSignature {
  const k = options.eigenpairs ?? DEFAULT_HKS_EIGENPAIRS;
  const timeCount = options.timeCount ?? DEFAULT_HKS_TIME_COUNT;
  const where = geometry.source ? `${geometry.source}: ` : "";
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new RangeError(`${where}heat-kernel eigenpairs must be a positive integer, got ${k}`);
  }
  checkTimeCount(timeCount, where);
  const n = geometry.nVertices;
  // A mesh of at most k + 1 vertices is decomposed whole: V pairs, however large k is.
  if (n * Math.min(k, n) > MAX_HKS_VERTEX_EIGENPAIRS) {
    const gigabytes = (n * Math.min(k, n) * BYTES_PER_VERTEX_EIGENPAIR) / 1e9;
    throw new FeatureError(
      "too-large",
      `${where}the heat-kernel signature of ${n.toLocaleString("en")} vertices with ${k} eigenpairs would need about ${gigabytes.toFixed(0)} GB; its limit is ${MAX_HKS_VERTEX_EIGENPAIRS.toLocaleString("en")} vertices × eigenpairs (${Math.floor(MAX_HKS_VERTEX_EIGENPAIRS / k).toLocaleString("en")} vertices at ${k}): use fewer eigenpairs or leave out the hks features`,
    );
  }
  const areas = geometry.vertexAreas;
  for (let i = 0; i < n; i++) {
    if (!(areas[i] > 0)) {
      throw new FeatureError(
        "zero-area",
        `${where}vertex ${i} has zero area (all its faces are degenerate), so the heat-kernel signature's mass matrix is singular; repair the mesh (repairMesh drops zero-area faces)`,
      );
    }
  }
  const spectrum =
    n <= k + 1
      ? allEigenpairs(geometry)
      : laplacianEigenpairs(geometry, k, { tolerance: HKS_EIGENPAIR_TOLERANCE });
  return heatKernelSignatureOfSpectrum(spectrum, areas, { timeCount, source: geometry.source });
}

/** Options of `heatKernelSignatureOfSpectrum`. */
export interface SpectrumSignatureOptions {
  /** Number of log-spaced times (default `DEFAULT_HKS_TIME_COUNT`); ignored when `times` is given. */
  readonly timeCount?: number;
  /** Times to evaluate at instead of `heatKernelTimes`' (positive, in the mesh's units of length²). */
  readonly times?: ArrayLike<number>;
  /** Names the mesh in error messages. */
  readonly source?: string;
}

/**
 * `heatKernelSignature` from a given spectrum (the smallest eigenpairs of `L φ = λ M φ`, or all
 * of them) and the vertex areas it is M-orthonormal for, at `heatKernelTimes` or at given times.
 */
export function heatKernelSignatureOfSpectrum(
  spectrum: LaplacianSpectrum,
  vertexAreas: Float64Array,
  options: SpectrumSignatureOptions = {},
): HeatKernelSignature {
  const where = options.source ? `${options.source}: ` : "";
  const n = vertexAreas.length;
  const k = spectrum.values.length;
  if (k === 0 || spectrum.vectors.length !== n * k) {
    throw new RangeError(
      `${where}a spectrum of ${k} eigenvalues needs ${n} × ${k} vector entries, got ${spectrum.vectors.length}`,
    );
  }
  const lambdaMax = spectrum.values[k - 1];
  const zero = ZERO_EIGENVALUE_TOLERANCE * lambdaMax;
  // A full spectrum has nothing beyond it to cut; a partial one loses its top cluster.
  let used = k;
  if (k < n && lambdaMax > 0) {
    while (used > 0 && spectrum.values[used - 1] >= lambdaMax * (1 - CLUSTER_TOLERANCE)) used--;
  }
  const lambda = new Float64Array(used);
  let firstNonzero = -1;
  for (let j = 0; j < used; j++) {
    const value = spectrum.values[j];
    lambda[j] = value > zero ? value : 0;
    if (lambda[j] > 0 && firstNonzero < 0) firstNonzero = j;
  }
  if (firstNonzero < 0) {
    throw new FeatureError(
      "no-time-scale",
      `${where}every eigenvalue of the Laplacian below the largest of the ${k} computed is 0 (the mesh has about as many connected components as there are eigenpairs), so the heat-kernel signature has no time scale: keep the largest component or use more eigenpairs`,
    );
  }
  const times = options.times
    ? Float64Array.from(options.times)
    : heatKernelTimes(lambda[firstNonzero], lambdaMax, options.timeCount ?? DEFAULT_HKS_TIME_COUNT);
  for (const t of times) {
    if (!(t > 0 && Number.isFinite(t)))
      throw new RangeError(`${where}heat-kernel times must be positive, got ${t}`);
  }
  let area = 0;
  for (let i = 0; i < n; i++) area += vertexAreas[i];
  const T = times.length;
  const weights = new Float64Array(used * T);
  for (let c = 0; c < T; c++) {
    let trace = 0;
    for (let j = 0; j < used; j++) trace += Math.exp(-lambda[j] * times[c]);
    // Each time's weights carry its scale A / trace, so a vertex costs one pass over its row.
    for (let j = 0; j < used; j++) weights[j * T + c] = (Math.exp(-lambda[j] * times[c]) * area) / trace;
  }
  const values = new Float64Array(n * T);
  const sums = new Float64Array(T);
  const { vectors } = spectrum;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const row = i * k;
    for (let j = 0; j < used; j++) {
      const phi = vectors[row + j];
      const square = phi * phi;
      for (let c = 0; c < T; c++) sums[c] += weights[j * T + c] * square;
    }
    for (let c = 0; c < T; c++) values[i * T + c] = Math.log(sums[c]);
  }
  return {
    values,
    times,
    pairsUsed: used,
    firstNonzeroEigenvalue: lambda[firstNonzero],
    largestEigenvalue: lambdaMax,
  };
}

/**
 * `count` times log-spaced from `4 ln 10 / λ_max` to `4 ln 10 / λ₁` (Sun et al. 2009), ascending;
 * one time is the geometric middle of that range. Scale-free in the sense that `λ t` is.
 */
export function heatKernelTimes(
  firstNonzeroEigenvalue: number,
  largestEigenvalue: number,
  count: number,
): Float64Array {
  checkTimeCount(count, "");
  if (!(firstNonzeroEigenvalue > 0 && largestEigenvalue >= firstNonzeroEigenvalue)) {
    throw new RangeError(
      `heat-kernel times need 0 < λ₁ ≤ λ_max, got λ₁ = ${firstNonzeroEigenvalue}, λ_max = ${largestEigenvalue}`,
    );
  }
  const logMin = Math.log(RANGE_DECAY / largestEigenvalue);
  const logMax = Math.log(RANGE_DECAY / firstNonzeroEigenvalue);
  return Float64Array.from({ length: count }, (_, c) =>
    Math.exp(count === 1 ? (logMin + logMax) / 2 : logMin + ((logMax - logMin) * c) / (count - 1)),
  );
}

function checkTimeCount(count: number, where: string): void {
  if (!(Number.isInteger(count) && count >= 1 && count <= 64)) {
    throw new RangeError(
      `${where}the number of heat-kernel times must be an integer from 1 to 64, got ${count}`,
    );
  }
}

/**
 * Every eigenpair of a small mesh (at most `k + 1` vertices, where geometry's solver, which finds
 * at most `V − 1`, would leave out the top one): `M^(−1/2) L M^(−1/2)` decomposed densely by
 * geometry's `symmetricEigen`, `φ = M^(−1/2) ψ`. O(V³) on at most `k + 1` rows.
 */
function allEigenpairs(geometry: MeshGeometry): LaplacianSpectrum {
  const n = geometry.nVertices;
  const areas = geometry.vertexAreas;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = 1 / Math.sqrt(areas[i]);
  const L = geometry.cotanLaplacian;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = L.rowOffsets[i]; p < L.rowOffsets[i + 1]; p++) {
      const j = L.columnIndices[p];
      a[i * n + j] = L.values[p] * s[i] * s[j];
    }
  }
  const { values, vectors: psi } = symmetricEigen(a, n);
  // symmetricEigen's rows are eigenvectors; the spectrum's layout is one row per vertex.
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) vectors[i * n + j] = psi[j * n + i] * s[i];
  return { values, vectors };
}
