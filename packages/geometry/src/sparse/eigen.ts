import { mulberry32 } from "../random.js";
import { symmetricEigen } from "./dense-eigen.js";
import { javascriptKernels, simdKernels } from "./dense-kernels.js";
import { SparseSolverError } from "./errors.js";
import { SparseLDLT, type SparseLDLTOptions } from "./ldlt.js";
import { SparseMatrix } from "./sparse-matrix.js";

/** Options of `smallestEigenpairs`. */
export interface SmallestEigenpairsOptions {
  /**
   * The shift σ < 0 of the shift-invert operator `(K − σM)⁻¹ M`. Default
   * `−1e-8 · max_i K_ii / M_ii`: below every eigenvalue of a positive semi-definite `K`, so
   * `K − σM` is positive definite even where `K` is singular, yet closer to 0 than the first
   * non-zero eigenvalue of any mesh of fewer than about 10⁷ vertices (`max K_ii/M_ii` grows like
   * `n λ₁`), which keeps the wanted eigenvalues well separated after inversion.
   */
  readonly shift?: number;
  /**
   * Whether `K` annihilates the constants on each connected component of its graph, as every
   * graph or cotangent Laplacian does (checked: each row must sum to 0). The solver then returns
   * each component's M-normalised constant, with eigenvalue exactly 0, and searches only its
   * M-orthogonal complement.
   */
  readonly constantNullSpace?: boolean;
  /** Relative residual `‖Aφ − θφ‖_M ≤ tolerance · θ` of the shift-inverted pairs. Default 1e-10. */
  readonly tolerance?: number;
  /** Vectors per block of the block Krylov method. Default 8. */
  readonly blockSize?: number;
  /**
   * Krylov basis size before a thick restart, rounded up to a multiple of the block size.
   * Default `max(2k, k + 2 · blockSize)`: the basis takes `n × (size + blockSize)` doubles, and
   * a restart as many again for a moment.
   */
  readonly maxBasisSize?: number;
  /** Thick restarts before giving up with a `"no-convergence"` error. Default 50. */
  readonly maxRestarts?: number;
  /** Seed of the random starting block. Default 1. */
  readonly seed?: number;
  /** Passed to `SparseLDLT.factor` (ordering, pivot tolerance, source). */
  readonly factorisation?: SparseLDLTOptions;
  /**
   * Use the plain JavaScript kernels, in the factorisation too, even where the WebAssembly SIMD
   * ones can run (for tests: both give the same pairs to rounding).
   */
  readonly javascriptKernels?: boolean;
}

/** What `smallestEigenpairs` found and what it cost. */
export interface Eigenpairs {
  /** The k smallest eigenvalues, ascending. */
  readonly values: Float64Array;
  /**
   * Row-major `n × k`: `vectors[i · k + j]` is eigenvector `j` at row `i`; M-orthonormal
   * (`Φᵀ M Φ = I`), each with an arbitrary sign, and an arbitrary orthonormal basis of any
   * eigenspace of multiplicity above one.
   */
  readonly vectors: Float64Array;
  /** Block solves with the factorisation (each of `blockSize` vectors). */
  readonly blockSolves: number;
  /** Vectors per block solve. */
  readonly blockSize: number;
  readonly restarts: number;
  /** Rayleigh-Ritz problems solved (convergence checks, at restarts and after blocks). */
  readonly rayleighRitzChecks: number;
  /** Passes of the orthogonalisation over the whole Krylov basis (one per block, more where DGKS repeats). */
  readonly basisPasses: number;
  /**
   * Seconds per stage: `factorisation` includes `ordering` and the `symbolic` analysis (the rest
   * is the numeric factorisation); `eigensolve` (everything after the factorisation) includes its
   * parts `solves` (block solves with the factor), `orthogonalisation` (of each new block against
   * the basis and within itself), `rayleighRitz` (the small dense problems), `thickRestarts`
   * (forming the kept Ritz vectors) and `ritzVectors` (forming and copying out the result).
   */
  readonly timings: {
    readonly ordering: number;
    readonly symbolic: number;
    readonly factorisation: number;
    readonly eigensolve: number;
    readonly solves: number;
    readonly orthogonalisation: number;
    readonly rayleighRitz: number;
    readonly thickRestarts: number;
    readonly ritzVectors: number;
  };
  /** Entries of the factors `L`, summed over the components (0 where the dense path was taken). */
  readonly factorNonzeros: number;
  /** `"sparse"` when any component took the shift-invert block Krylov path, else `"dense"`. */
  readonly method: "sparse" | "dense";
}

/**
 * The `k` smallest eigenpairs of the generalised symmetric problem `K φ = λ M φ`, `K` symmetric
 * positive semi-definite (a stiffness matrix such as the cotangent Laplacian) and `M` diagonal
 * positive (a lumped mass matrix, given as its diagonal or as a diagonal `SparseMatrix`).
 *
 * Each connected component of K's graph is solved on its own (so eigenvalues that several
 * identical components share are all found, however many copies there are), components of at
 * most 200 rows densely. A larger one is shifted by σ < 0 and `K − σM` is factored once by
 * `SparseLDLT`; then a block Krylov method (block Lanczos in the M inner product with full
 * reorthogonalisation, Rayleigh-Ritz on the projected matrix, thick restarts that keep the best
 * Ritz vectors and lock the converged ones, convergence checked at each restart and, once few
 * pairs are missing, after each block) finds the largest eigenvalues `θ = 1/(λ − σ)` of
 * `(K − σM)⁻¹ M`, which belong to the smallest λ. Blocks find eigenvalues repeated within a
 * component up to the block size, and make each pass over the factor and the basis serve several
 * vectors. Written here because no
 * maintained npm package offers a sparse symmetric eigensolver (see `SparseLDLT` for the
 * survey); the small dense problems use `symmetricEigen`. A component whose size is too close to
 * k for a Krylov basis (about `2k + 2 · blockSize`) is solved densely too, up to 3000 rows.
 *
 * Throws a `SparseSolverError`: `"invalid-argument"` for mismatched sizes, `k` outside
 * `1 … n − 1`, a mass that is not positive and finite, a non-diagonal mass, a `constantNullSpace`
 * that K's rows do not sum to zero for, or k too close to the size of a component of more than
 * 3000 rows; `"not-positive-definite"` when `K − σM` cannot be factored or the dense path finds a
 * negative eigenvalue (K not positive semi-definite); `"no-convergence"` when the restarts run
 * out.
 */
export function smallestEigenpairs(
  stiffness: SparseMatrix,
  mass: Float64Array | SparseMatrix,
  k: number,
  options: SmallestEigenpairsOptions = {},
): Eigenpairs {
  const start = performance.now();
  const n = stiffness.nRows;
  const where = options.factorisation?.source ? `${options.factorisation.source}: ` : "";
  if (stiffness.nColumns !== n) {
    throw new SparseSolverError(
      "invalid-argument",
      `${where}the stiffness matrix is ${n} × ${stiffness.nColumns}, not square`,
    );
  }
  const m = massDiagonal(mass, n, where);
  if (!(Number.isInteger(k) && k >= 1 && k < n)) {
    throw new SparseSolverError(
      "invalid-argument",
      `${where}k must be an integer from 1 to n − 1 = ${n - 1} (the matrix has ${n} rows), got ${k}`,
    );
  }
  const blockSize = options.blockSize ?? 8;
  if (!(Number.isInteger(blockSize) && blockSize >= 1)) {
    throw new SparseSolverError(
      "invalid-argument",
      `${where}blockSize must be a positive integer, got ${blockSize}`,
    );
  }
  const tolerance = options.tolerance ?? 1e-10;
  if (!(tolerance > 0 && tolerance < 1)) {
    throw new SparseSolverError("invalid-argument", `${where}tolerance must be in (0, 1), got ${tolerance}`);
  }
  if (options.shift !== undefined && !(Number.isFinite(options.shift) && options.shift < 0)) {
    throw new SparseSolverError(
      "invalid-argument",
      `${where}the shift must be negative and finite, got ${options.shift}`,
    );
  }
  if (options.constantNullSpace) checkConstantNullSpace(stiffness, where);

  // Connected components of K's graph are independent problems: solving each on its own finds
  // every copy of an eigenvalue that several components share (identical parts of one mesh),
  // which one Krylov space could not.
  const { count, label } = graphComponents(stiffness);
  const parts: ComponentPairs[] = [];
  const totals: Stats = {
    blockSolves: 0,
    blockSize,
    restarts: 0,
    rayleighRitzChecks: 0,
    basisPasses: 0,
    timings: noTimings(0),
    factorNonzeros: 0,
    method: "dense",
  };
  const members = count === 1 ? [identity(n)] : groupRows(label, count);
  const local = new Int32Array(n).fill(-1);
  for (const rows of members) {
    const sub = count === 1 ? { K: stiffness, m } : restrict(stiffness, m, rows, local);
    const part = solveComponent(sub.K, sub.m, Math.min(k, rows.length), {
      blockSize,
      tolerance,
      constantNullSpace: options.constantNullSpace ?? false,
      shift: options.shift,
      maxBasisSize: options.maxBasisSize,
      maxRestarts: options.maxRestarts ?? 50,
      seed: options.seed ?? 1,
      factorisation: options.factorisation,
      javascriptKernels: options.javascriptKernels ?? false,
      where,
    });
    parts.push({ rows, values: part.values, vectors: part.vectors });
    totals.blockSolves += part.stats.blockSolves;
    totals.restarts += part.stats.restarts;
    totals.rayleighRitzChecks += part.stats.rayleighRitzChecks;
    totals.basisPasses += part.stats.basisPasses;
    totals.factorNonzeros += part.stats.factorNonzeros;
    if (part.stats.method === "sparse") totals.method = "sparse";
    const t = totals.timings as { -readonly [key in keyof Eigenpairs["timings"]]: number };
    for (const key of Object.keys(t) as (keyof typeof t)[]) t[key] += part.stats.timings[key];
  }

  // The k smallest over all components (ties, such as the zeros, in component order).
  const candidates: { value: number; part: number; index: number }[] = [];
  parts.forEach((part, p) => {
    for (let j = 0; j < part.values.length; j++)
      candidates.push({ value: part.values[j], part: p, index: j });
  });
  candidates.sort((a, b) => a.value - b.value || a.part - b.part || a.index - b.index);
  const values = new Float64Array(k);
  let vectors: Float64Array;
  if (count === 1 && candidates.every((candidate, j) => j >= k || candidate.index === j)) {
    // One component whose pairs are already in order (the usual case): its vectors as they are.
    for (let j = 0; j < k; j++) values[j] = candidates[j].value;
    vectors = parts[0].vectors;
  } else {
    vectors = new Float64Array(n * k);
    // Per component, row by row, so that reads and writes run along rows.
    const chosen = parts.map(() => ({ columns: [] as number[], indices: [] as number[] }));
    for (let j = 0; j < k; j++) {
      const { value, part, index } = candidates[j];
      values[j] = value;
      chosen[part].columns.push(j);
      chosen[part].indices.push(index);
    }
    parts.forEach(({ rows, vectors: local, values: localValues }, p) => {
      const { columns, indices } = chosen[p];
      const width = localValues.length;
      for (let i = 0; i < rows.length; i++) {
        const to = rows[i] * k;
        const from = i * width;
        for (let c = 0; c < columns.length; c++) vectors[to + columns[c]] = local[from + indices[c]];
      }
    });
  }
  const elapsed = (performance.now() - start) / 1000;
  const timings = totals.timings as { -readonly [key in keyof Eigenpairs["timings"]]: number };
  timings.eigensolve = elapsed - timings.factorisation;
  return { values, vectors, ...totals };
}

interface ComponentPairs {
  readonly rows: Int32Array;
  readonly values: Float64Array;
  /** Row-major rows.length × values.length. */
  readonly vectors: Float64Array;
}

interface Stats {
  blockSolves: number;
  blockSize: number;
  restarts: number;
  rayleighRitzChecks: number;
  basisPasses: number;
  timings: Eigenpairs["timings"];
  factorNonzeros: number;
  method: "sparse" | "dense";
}

interface ComponentSettings {
  readonly blockSize: number;
  readonly tolerance: number;
  readonly constantNullSpace: boolean;
  readonly shift: number | undefined;
  readonly maxBasisSize: number | undefined;
  readonly maxRestarts: number;
  readonly seed: number;
  readonly factorisation: SparseLDLTOptions | undefined;
  readonly where: string;
  readonly javascriptKernels: boolean;
}

/** Components smaller than this are solved densely (cost ≤ this² per row). */
const DENSE_COMPONENT_SIZE = 200;
/** Largest component the dense path takes when k is too close to its size for Krylov. */
const MAX_DENSE_SIZE = 3000;

/** The `k` (at most the component's size) smallest pairs of one connected component. */
function solveComponent(
  K: SparseMatrix,
  m: Float64Array,
  k: number,
  settings: ComponentSettings,
): { values: Float64Array; vectors: Float64Array; stats: Stats } {
  const n = K.nRows;
  const start = performance.now();
  const b = settings.blockSize;
  // With a known constant null vector, Krylov looks for the other k − 1.
  const nNull = settings.constantNullSpace ? 1 : 0;
  const wanted = k - nNull;
  const maxBasis = roundUp(settings.maxBasisSize ?? Math.max(2 * wanted, wanted + 2 * b), b);
  if (n <= DENSE_COMPONENT_SIZE || maxBasis + 2 * b > n - nNull || maxBasis < wanted + b) {
    if (n > MAX_DENSE_SIZE) {
      throw new SparseSolverError(
        "invalid-argument",
        `${settings.where}k = ${k} is too close to the ${n} rows of a connected component for the Krylov method, and the dense one stops at ${MAX_DENSE_SIZE}: ask for fewer eigenpairs`,
      );
    }
    const dense = denseEigenpairs(K, m, settings.where);
    const values = dense.values.slice(0, k);
    const vectors = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) vectors[i * k + j] = dense.vectors[i * n + j];
    }
    if (settings.constantNullSpace) {
      // Exactly as the Krylov path returns it: the M-normalised constant, eigenvalue 0.
      let total = 0;
      for (let i = 0; i < n; i++) total += m[i];
      values[0] = 0;
      for (let i = 0; i < n; i++) vectors[i * k] = 1 / Math.sqrt(total);
    }
    return {
      values,
      vectors,
      stats: {
        blockSolves: 0,
        blockSize: b,
        restarts: 0,
        rayleighRitzChecks: 0,
        basisPasses: 0,
        timings: noTimings(0),
        factorNonzeros: 0,
        method: "dense",
      },
    };
  }

  let shift = settings.shift;
  if (shift === undefined) {
    let ratio = 0;
    const diagonal = K.diagonal();
    for (let i = 0; i < n; i++) ratio = Math.max(ratio, diagonal[i] / m[i]);
    shift = -1e-8 * (ratio > 0 ? ratio : 1);
  }
  const factor = SparseLDLT.factor(addDiagonal(K, m, -shift), {
    ...settings.factorisation,
    javascriptKernels: settings.javascriptKernels || settings.factorisation?.javascriptKernels,
  });
  const factorisation = (performance.now() - start) / 1000;
  let total = 0;
  for (let i = 0; i < n; i++) total += m[i];
  const values = new Float64Array(k);
  const vectors = new Float64Array(n * k);
  if (nNull > 0) {
    const constant = 1 / Math.sqrt(total);
    for (let i = 0; i < n; i++) vectors[i * k] = constant;
  }
  const krylov = blockKrylov(
    factor,
    m,
    nNull > 0 ? total : undefined,
    wanted,
    {
      blockSize: b,
      maxBasis,
      tolerance: settings.tolerance,
      maxRestarts: settings.maxRestarts,
      seed: settings.seed,
      where: settings.where,
      javascriptKernels: settings.javascriptKernels,
    },
    { vectors, stride: k, offset: nNull },
  );
  for (let j = 0; j < wanted; j++) {
    values[nNull + j] = shift + 1 / krylov.theta[j];
  }
  return {
    values,
    vectors,
    stats: {
      blockSolves: krylov.blockSolves,
      blockSize: b,
      restarts: krylov.restarts,
      rayleighRitzChecks: krylov.profile.rayleighRitzCalls,
      basisPasses: krylov.profile.fullPasses,
      timings: {
        ordering: factor.timings.ordering,
        symbolic: factor.timings.symbolic,
        factorisation,
        eigensolve: 0,
        solves: krylov.profile.solve / 1000,
        orthogonalisation: krylov.profile.ortho / 1000,
        rayleighRitz: krylov.profile.rayleighRitz / 1000,
        thickRestarts: krylov.profile.restart / 1000,
        ritzVectors: krylov.profile.ritzVectors / 1000,
      },
      factorNonzeros: factor.nnz,
      method: "sparse",
    },
  };
}

/** Milliseconds per part of `blockKrylov`, and counts. */
interface KrylovProfile {
  solve: number;
  ortho: number;
  rayleighRitz: number;
  /** Thick restarts: the kept Ritz vectors formed and T rebuilt. */
  restart: number;
  /** The final Ritz vectors formed and copied out. */
  ritzVectors: number;
  rayleighRitzCalls: number;
  /** Passes of the orthogonalisation over the whole basis (one per block, two where DGKS repeats). */
  fullPasses: number;
}

interface KrylovSettings {
  readonly blockSize: number;
  readonly maxBasis: number;
  readonly tolerance: number;
  readonly maxRestarts: number;
  readonly seed: number;
  readonly where: string;
  readonly javascriptKernels: boolean;
}

/**
 * The `wanted` largest eigenpairs of `A = (K − σM)⁻¹ M`, in the M-orthogonal complement of the
 * constants when `constantMass` (the total mass) is given. The basis `V` is stored by columns of
 * `ld` (n rounded up to even) doubles, blocks likewise, in one WebAssembly memory, so that the
 * products over the basis (the orthogonalisation, restarts and Ritz vectors: most of the work)
 * run on the SIMD kernels of `dense-kernels.ts`, or on the same loops in JavaScript where SIMD is
 * missing or `javascriptKernels` is set. Padding rows stay zero.
 */
function blockKrylov(
  factor: SparseLDLT,
  m: Float64Array,
  constantMass: number | undefined,
  wanted: number,
  settings: KrylovSettings,
  output: { readonly vectors: Float64Array; readonly stride: number; readonly offset: number },
): {
  theta: Float64Array;
  blockSolves: number;
  restarts: number;
  profile: KrylovProfile;
} {
  const n = factor.n;
  const ld = n + (n & 1);
  const { blockSize: b, maxBasis, tolerance, maxRestarts } = settings;
  const width = maxBasis + b;
  // Byte offsets in one memory: the basis, the block, M times the block, coefficients and their
  // negatives, a Ritz matrix, and room for the kept (or final) Ritz vectors.
  const layout = { V: 0, W: 0, MW: 0, pass: 0, negated: 0, S: 0, kept: 0, end: 0 };
  {
    let at = 0;
    const take = (doubles: number) => {
      const here = at;
      at += Math.ceil(doubles / 2) * 16;
      return here;
    };
    layout.V = take(ld * width);
    layout.W = take(ld * b);
    layout.MW = take(ld * b);
    layout.pass = take(width * b);
    layout.negated = take(width * b);
    layout.S = take(width * width);
    layout.kept = take(ld * maxBasis);
    layout.end = at;
  }
  const memory = new WebAssembly.Memory({ initial: Math.ceil(layout.end / 65536) });
  const kernels = (settings.javascriptKernels ? null : simdKernels(memory)) ?? javascriptKernels(memory);
  const view = (at: number, doubles: number) => new Float64Array(memory.buffer, at, doubles);
  const V = view(layout.V, ld * width);
  const W = view(layout.W, ld * b); // the block being built, by columns
  const MW = view(layout.MW, ld * b);
  const pass = view(layout.pass, width * b);
  const negated = view(layout.negated, width * b);
  const Smemory = view(layout.S, width * width);
  const kept = view(layout.kept, ld * maxBasis);
  // T: projected matrix, row-major width × width; T[i][j] = v_iᵀ M A v_j for computed columns.
  const T = new Float64Array(width * width);
  const random = mulberry32(settings.seed);
  const interleaved = new Float64Array(n * b);
  const coefficients = new Float64Array(width * b);
  const R = new Float64Array(b * b);
  const R2 = new Float64Array(b * b);
  const saved = new Float64Array(ld * b);
  const columnNorms = new Float64Array(b);
  const before = new Float64Array(b);
  const massSums = new Float64Array(b);
  const lockedTheta = new Float64Array(wanted); // θ of the locked columns V[:, 0 : locked]
  let locked = 0;
  let lastConverged = 0; // pairs converged at the last check
  let localFrom = 0; // first column the next block couples to in exact arithmetic
  const profile: KrylovProfile = {
    solve: 0,
    ortho: 0,
    rayleighRitz: 0,
    restart: 0,
    ritzVectors: 0,
    rayleighRitzCalls: 0,
    fullPasses: 0,
  };
  const column = (X: Float64Array, c: number) => X.subarray(c * ld, c * ld + n);

  // Starting block: random, M-orthonormal.
  for (let c = 0; c < b; c++) {
    const x = column(W, c);
    for (let i = 0; i < n; i++) x[i] = random() - 0.5;
  }
  if (constantMass !== undefined) projectOutConstant(W, b, n, ld, m, constantMass);
  for (let c = 0; c < b; c++) columnNorms[c] = mNorm(column(W, c), m);
  orthonormaliseBlock(0);
  V.set(W, 0);
  let basis = b; // columns of V in use
  let done = 0; // columns whose image under A is in T
  let blockSolves = 0;
  let restarts = 0;

  for (;;) {
    // Expand by one block: W = A V[:, done : done + b], orthogonalised against V[:, 0 : basis].
    let clock = performance.now();
    // Row by row, so that the interleaved side is written and read contiguously.
    const first = done * ld;
    for (let i = 0; i < n; i++) {
      const mi = m[i];
      for (let c = 0; c < b; c++) interleaved[i * b + c] = mi * V[first + c * ld + i];
    }
    factor.solveMany(interleaved, b, interleaved);
    // Back into columns, summing each column's mass-weighted entries for the constant's share.
    massSums.fill(0);
    for (let i = 0; i < n; i++) {
      const mi = m[i];
      for (let c = 0; c < b; c++) {
        const x = interleaved[i * b + c];
        W[c * ld + i] = x;
        massSums[c] += mi * x;
      }
    }
    blockSolves++;
    profile.solve += performance.now() - clock;
    clock = performance.now();
    // In one pass per column: the constant's share removed, M W formed for the local pass, and
    // the norm it leaves taken.
    for (let c = 0; c < b; c++) {
      const x = column(W, c);
      const mx = column(MW, c);
      const mean = constantMass !== undefined ? massSums[c] / constantMass : 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const xi = x[i] - mean;
        x[i] = xi;
        const mxi = m[i] * xi;
        mx[i] = mxi;
        sum += mxi * xi;
      }
      columnNorms[c] = Math.sqrt(sum);
    }
    orthogonaliseAgainstBasis(basis, localFrom);
    localFrom = done;
    for (let j = 0; j < basis; j++) {
      for (let c = 0; c < b; c++) T[j * width + done + c] = coefficients[j * b + c];
    }
    orthonormaliseBlock(basis);
    profile.ortho += performance.now() - clock;
    for (let r = 0; r < b; r++) {
      for (let c = 0; c < b; c++) T[(basis + r) * width + done + c] = R[r * b + c];
    }
    V.set(W, basis * ld);
    done += b;
    basis += b;

    const full = done + b > maxBasis;
    // After a restart, once few pairs are missing (at most two blocks' worth at the last check),
    // the cycle is likely the last: check after each block, so that it stops when they converge
    // rather than when the basis is full, while a check (a dense problem of the active columns
    // only, about 12 s³ flops) costs less than a block's solve and orthogonalisation. Not in the
    // first cycle: a basis of a few blocks could show converged pairs before a copy of a repeated
    // eigenvalue among them has appeared, which the kept Ritz vectors of a restart guard against.
    const checkCost = 12 * (done - locked) ** 3;
    const blockCost = 4 * b * factor.nnz + 8 * n * basis * b;
    const early = restarts > 0 && wanted - lastConverged <= 2 * b && checkCost <= blockCost;
    if (!full && !early) continue;
    clock = performance.now();
    const active = done - locked;
    const ritz = rayleighRitz(locked, active);
    profile.rayleighRitz += performance.now() - clock;
    profile.rayleighRitzCalls++;
    clock = performance.now();
    // The locked and the active Ritz values in one descending order: the pairs converged so far
    // are the longest prefix of it in which every active pair meets the tolerance (locked ones
    // did when they were locked).
    const lockedOrder = Array.from(lockedTheta.subarray(0, locked).keys()).sort(
      (x, y) => lockedTheta[y] - lockedTheta[x],
    );
    const largest = Math.max(Math.abs(ritz.theta[0]), locked > 0 ? Math.abs(lockedTheta[lockedOrder[0]]) : 0);
    // Relative to each θ, but never below what rounding allows: about ε‖A‖ = ε θ_max per basis vector.
    const floor = 1e3 * Number.EPSILON * largest * Math.sqrt(done);
    let fromLocked = 0;
    let fromActive = 0;
    const merged: number[] = []; // column of V (< locked) or −1 − index of an active Ritz pair
    while (merged.length < wanted) {
      const lockedNext = fromLocked < locked ? lockedTheta[lockedOrder[fromLocked]] : -Infinity;
      const activeNext = fromActive < active ? ritz.theta[fromActive] : -Infinity;
      if (fromLocked < locked && lockedNext >= activeNext) {
        merged.push(lockedOrder[fromLocked++]);
      } else if (
        fromActive < active &&
        ritz.residuals[fromActive] <= Math.max(tolerance * Math.abs(activeNext), floor)
      ) {
        merged.push(-1 - fromActive++);
      } else {
        break;
      }
    }
    const converged = merged.length;
    lastConverged = converged;
    if (converged >= wanted) {
      combineColumns(ritz.S, locked, active, fromActive);
      const theta = new Float64Array(wanted);
      const sources = new Int32Array(wanted); // where each column starts, in doubles
      merged.forEach((source, j) => {
        sources[j] = source >= 0 ? layout.V / 8 + source * ld : layout.kept / 8 + (-1 - source) * ld;
        theta[j] = source >= 0 ? lockedTheta[source] : ritz.theta[-1 - source];
      });
      // Row by row: the writes are contiguous and each of the `wanted` columns is read in order.
      const all = new Float64Array(memory.buffer, 0, layout.end / 8);
      const { vectors, stride, offset } = output;
      for (let i = 0; i < n; i++) {
        const row = i * stride + offset;
        for (let j = 0; j < wanted; j++) vectors[row + j] = all[sources[j] + i];
      }
      profile.ritzVectors += performance.now() - clock;
      return { theta, blockSolves, restarts, profile };
    }
    if (!full) continue;
    if (restarts >= maxRestarts) {
      throw new SparseSolverError(
        "no-convergence",
        `${settings.where}the eigensolver converged ${converged} of ${wanted} eigenpairs in ${restarts} restarts (${blockSolves} block solves); raise maxRestarts or maxBasisSize, or loosen the tolerance`,
      );
    }
    restarts++;
    // Thick restart: keep the best Ritz vectors (the wanted ones and a quarter of the rest of the
    // basis, as a multiple of the block size, locked ones included; on a 6.8k-vertex sphere with
    // k = 128 that took 3 restarts and 20% less CPU than keeping half, 4 restarts), then the
    // pending block, with T in arrow form. The active pairs in the converged prefix are locked:
    // they stay basis vectors (new blocks are still orthogonalised against them) but leave the
    // Rayleigh-Ritz problem, whose size falls by as many, and are not recombined at later
    // restarts. Their couplings to later vectors, of the size of their residuals, are dropped,
    // which moves the other Ritz values by about the square of that over the gap.
    const keep = Math.min(done - b, roundUp(wanted + Math.floor((maxBasis - wanted) / 4), b));
    const pending = done;
    const lockedNow = locked + fromActive;
    const keepActive = keep - locked;
    combineColumns(ritz.S, locked, active, keepActive);
    V.copyWithin(keep * ld, pending * ld, (pending + b) * ld);
    V.set(kept.subarray(0, keepActive * ld), locked * ld);
    const coupling = new Float64Array(b * keep);
    for (let r = 0; r < b; r++) {
      const tRow = (pending + r) * width + locked;
      for (let j = lockedNow; j < keep; j++) {
        let s = 0;
        for (let l = 0; l < active; l++) s += T[tRow + l] * ritz.S[l * active + j - locked];
        coupling[r * keep + j] = s;
      }
    }
    T.fill(0);
    for (let j = locked; j < lockedNow; j++) lockedTheta[j] = ritz.theta[j - locked];
    for (let j = 0; j < keep; j++) T[j * width + j] = j < locked ? lockedTheta[j] : ritz.theta[j - locked];
    for (let r = 0; r < b; r++) {
      for (let j = lockedNow; j < keep; j++) T[(keep + r) * width + j] = coupling[r * keep + j];
    }
    locked = lockedNow;
    done = keep;
    basis = keep + b;
    localFrom = locked;
    profile.restart += performance.now() - clock;
  }

  /**
   * Ritz values (descending) and vectors of the symmetrised T[offset : offset + size] (both
   * ways), with residuals.
   */
  function rayleighRitz(
    offset: number,
    size: number,
  ): { theta: Float64Array; S: Float64Array; residuals: Float64Array } {
    const dense = new Float64Array(size * size);
    for (let i = 0; i < size; i++) {
      const row = (offset + i) * width + offset;
      for (let j = 0; j <= i; j++)
        dense[i * size + j] = 0.5 * (T[row + j] + T[(offset + j) * width + offset + i]);
    }
    const decomposition = symmetricEigen(dense, size);
    const theta = new Float64Array(size);
    const S = new Float64Array(size * size); // row-major: S[l * size + j] is component l of Ritz vector j
    for (let j = 0; j < size; j++) {
      const from = size - 1 - j; // descending θ
      theta[j] = decomposition.values[from];
      for (let l = 0; l < size; l++) S[l * size + j] = decomposition.vectors[from * size + l];
    }
    // ‖A V s − θ V s‖_M = ‖T[end : end + b, offset : end] s‖ for M-orthonormal pending vectors.
    const end = offset + size;
    const residuals = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let r = 0; r < b; r++) {
        let s = 0;
        const tRow = (end + r) * width + offset;
        for (let l = 0; l < size; l++) s += T[tRow + l] * S[l * size + j];
        sum += s * s;
      }
      residuals[j] = Math.sqrt(sum);
    }
    return { theta, S, residuals };
  }

  /** kept[:, j] = Σ_l V[:, offset + l] S[l, j] for j < count, l < size (S row-major size × size). */
  function combineColumns(S: Float64Array, offset: number, size: number, count: number): void {
    Smemory.set(S.subarray(0, size * size));
    kept.fill(0, 0, count * ld);
    const columns = layout.V + offset * ld * 8;
    for (let from = 0; from < ld; from += ROW_CHUNK) {
      const rows = Math.min(ROW_CHUNK, ld - from);
      kernels.gemmNN(layout.kept + from * 8, ld, columns + from * 8, ld, layout.S, size, rows, size, count);
    }
  }

  /**
   * M-orthogonalises the block W against V[:, 0 : count], leaving the summed coefficients
   * (count × b, row-major) in `coefficients`. First against the local columns from `localFrom`
   * (the previous and current blocks: in exact arithmetic the block Lanczos recurrence, where all
   * of A V_j lies, or every column after a restart, whose kept Ritz vectors all couple to the next
   * block), then once against the whole basis, which removes what rounding left along older
   * vectors; that pass is repeated only for a column it shortened by more than 1/√2 (the DGKS
   * criterion). Half the work of classical Gram-Schmidt done twice over the whole basis, the
   * largest cost of the solver on big meshes.
   */
  function orthogonaliseAgainstBasis(count: number, localFrom: number): void {
    coefficients.fill(0, 0, count * b);
    projectOut(localFrom, count, true);
    for (let round = 0; round < 2; round++) {
      for (let c = 0; c < b; c++) before[c] = massProductAndNorm(c);
      projectOut(0, count, true);
      profile.fullPasses++;
      let again = false;
      for (let c = 0; c < b; c++) {
        if (mNorm(column(W, c), m) < Math.SQRT1_2 * before[c]) again = true;
      }
      if (!again) break;
    }
  }

  /** MW[:, c] = M W[:, c]; returns ‖W[:, c]‖_M (one pass over the column for both). */
  function massProductAndNorm(c: number): number {
    const x = column(W, c);
    const mx = column(MW, c);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const mxi = m[i] * x[i];
      mx[i] = mxi;
      sum += mxi * x[i];
    }
    return Math.sqrt(sum);
  }

  /**
   * W −= V[:, from : to] (V[:, from : to]ᵀ M W), the coefficients added to `coefficients`. M W
   * must be in MW already where `massProductReady` says so. By
   * chunks of rows, so that a chunk of every column involved stays in cache while all its
   * products are formed.
   */
  function projectOut(from: number, to: number, massProductReady = false): void {
    const count = to - from;
    if (count <= 0) return;
    if (!massProductReady) for (let c = 0; c < b; c++) massProductAndNorm(c);
    const columns = layout.V + from * ld * 8;
    pass.fill(0, 0, count * b);
    for (let r = 0; r < ld; r += ROW_CHUNK) {
      const rows = Math.min(ROW_CHUNK, ld - r);
      kernels.gemmTN(columns + r * 8, ld, layout.MW + r * 8, ld, layout.pass, b, rows, count, b);
    }
    for (let p = 0; p < count * b; p++) negated[p] = -pass[p];
    for (let r = 0; r < ld; r += ROW_CHUNK) {
      const rows = Math.min(ROW_CHUNK, ld - r);
      kernels.gemmNN(layout.W + r * 8, ld, columns + r * 8, ld, layout.negated, b, rows, count, b);
    }
    for (let p = 0; p < count * b; p++) coefficients[from * b + p] += pass[p];
  }

  /**
   * M-orthonormalises W in place, filling R (b × b upper triangular, W before = Q R): by Cholesky
   * QR twice (each pass W ← W R⁻¹ with Wᵀ M W = Rᵀ R, so the products run on the kernels; the
   * second pass restores the orthogonality the first loses as κ(W)² ε) where W is well
   * conditioned, else by modified Gram-Schmidt.
   */
  function orthonormaliseBlock(count: number): void {
    saved.set(W);
    if (choleskyQR(R) && choleskyQR(R2)) {
      // R = R2 R1, both upper triangular.
      for (let q = 0; q < b; q++) {
        for (let c = b - 1; c >= q; c--) {
          let sum = 0;
          for (let l = q; l <= c; l++) sum += R2[q * b + l] * R[l * b + c];
          R[q * b + c] = sum;
        }
      }
      return;
    }
    W.set(saved);
    gramSchmidtBlock(count);
  }

  /**
   * One Cholesky QR pass: Wᵀ M W = Fᵀ F, W ← W F⁻¹, F (b × b, upper triangular) into `F`. False,
   * W untouched, where a scaled pivot falls below 1e-8 (κ(W) above about 1e4, where the pass
   * would lose too much orthogonality) or a column has lost nearly all of the norm it had before
   * the orthogonalisation against the basis (`columnNorms`).
   */
  function choleskyQR(F: Float64Array): boolean {
    for (let c = 0; c < b; c++) {
      const x = column(W, c);
      const mx = column(MW, c);
      for (let i = 0; i < n; i++) mx[i] = m[i] * x[i];
    }
    const gram = pass.subarray(0, b * b);
    gram.fill(0);
    for (let r = 0; r < ld; r += ROW_CHUNK) {
      const rows = Math.min(ROW_CHUNK, ld - r);
      kernels.gemmTN(layout.W + r * 8, ld, layout.MW + r * 8, ld, layout.pass, b, rows, b, b);
    }
    F.fill(0);
    for (let c = 0; c < b; c++) {
      const diagonal = gram[c * b + c];
      const reference = columnNorms[c] > 0 ? columnNorms[c] : 1;
      if (!(diagonal > (1e-10 * reference) ** 2)) return false;
      for (let q = 0; q <= c; q++) {
        let sum = gram[q * b + c];
        for (let l = 0; l < q; l++) sum -= F[l * b + q] * F[l * b + c];
        if (q < c) {
          F[q * b + c] = sum / F[q * b + q];
        } else {
          if (!(sum > 1e-16 * diagonal)) return false;
          F[c * b + c] = Math.sqrt(sum);
        }
      }
    }
    // F⁻¹, upper triangular, by columns of the identity.
    const inverse = negated.subarray(0, b * b);
    inverse.fill(0);
    for (let c = 0; c < b; c++) {
      inverse[c * b + c] = 1 / F[c * b + c];
      for (let q = c - 1; q >= 0; q--) {
        let sum = 0;
        for (let l = q + 1; l <= c; l++) sum += F[q * b + l] * inverse[l * b + c];
        inverse[q * b + c] = -sum / F[q * b + q];
      }
    }
    MW.fill(0);
    for (let r = 0; r < ld; r += ROW_CHUNK) {
      const rows = Math.min(ROW_CHUNK, ld - r);
      kernels.gemmNN(layout.MW + r * 8, ld, layout.W + r * 8, ld, layout.negated, b, rows, b, b);
    }
    W.set(MW);
    return true;
  }

  /**
   * Modified Gram-Schmidt (twice) inside W in the M inner product, filling R. A column that has
   * lost nearly all of its norm (the Krylov space is close to invariant) is replaced by a fresh
   * random vector orthogonal to everything, with R's diagonal entry 0, so the basis keeps growing.
   */
  function gramSchmidtBlock(count: number): void {
    R.fill(0);
    for (let c = 0; c < b; c++) {
      const x = column(W, c);
      for (let round = 0; round < 2; round++) {
        for (let q = 0; q < c; q++) {
          const y = column(W, q);
          const dot = mDot(x, y, m);
          for (let i = 0; i < n; i++) x[i] -= dot * y[i];
          R[q * b + c] += dot;
        }
      }
      let norm = mNorm(x, m);
      const reference = columnNorms[c] > 0 ? columnNorms[c] : 1;
      if (norm > 1e-10 * reference) {
        R[c * b + c] = norm;
      } else {
        R[c * b + c] = 0;
        for (let attempt = 0; ; attempt++) {
          // Rare (an invariant subspace): plain loops suffice.
          const single = new Float64Array(n);
          for (let i = 0; i < n; i++) single[i] = random() - 0.5;
          if (constantMass !== undefined) projectOutConstant(single, 1, n, n, m, constantMass);
          for (let round = 0; round < 2; round++) {
            for (let l = 0; l < count; l++) {
              const v = column(V, l);
              const dot = mDot(single, v, m);
              for (let i = 0; i < n; i++) single[i] -= dot * v[i];
            }
            for (let q = 0; q < c; q++) {
              const y = column(W, q);
              const dot = mDot(single, y, m);
              for (let i = 0; i < n; i++) single[i] -= dot * y[i];
            }
          }
          x.set(single);
          norm = mNorm(x, m);
          if (norm > 1e-8) break;
          if (attempt >= 3) {
            throw new SparseSolverError(
              "no-convergence",
              `${settings.where}the Krylov basis cannot grow: no vector is left orthogonal to ${count + c} basis vectors`,
            );
          }
        }
      }
      const inverse = 1 / norm;
      for (let i = 0; i < n; i++) x[i] *= inverse;
    }
  }
}

/**
 * Rows per kernel call over the basis (even, as the kernels need): a chunk of every column
 * involved stays in the L1/L2 caches while all its products are formed, instead of the block
 * being streamed from memory once per pair of basis columns (which made large meshes
 * memory-bound).
 */
const ROW_CHUNK = 512;

function mDot(x: Float64Array, y: Float64Array, m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += m[i] * x[i] * y[i];
  return s;
}

function mNorm(x: Float64Array, m: Float64Array): number {
  return Math.sqrt(mDot(x, x, m));
}

/** Removes from each column of X (n × columns, columns ld apart) its M-projection on the constant. */
function projectOutConstant(
  X: Float64Array,
  columns: number,
  n: number,
  ld: number,
  m: Float64Array,
  total: number,
): void {
  for (let c = 0; c < columns; c++) {
    const x = X.subarray(c * ld, c * ld + n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += m[i] * x[i];
    const mean = sum / total;
    for (let i = 0; i < n; i++) x[i] -= mean;
  }
}

/** K annihilates the constants of each connected component iff every row sums to zero. */
function checkConstantNullSpace(K: SparseMatrix, where: string): void {
  const { rowOffsets, values } = K;
  for (let i = 0; i < K.nRows; i++) {
    let sum = 0;
    let scale = 0;
    for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) {
      sum += values[p];
      scale += Math.abs(values[p]);
    }
    if (Math.abs(sum) > 1e-10 * scale) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}constantNullSpace: row ${i} of the stiffness matrix sums to ${sum}, so constants are not in its null space`,
      );
    }
  }
}

/** Connected components of the graph of K's off-diagonal entries (numbered by first row). */
function graphComponents(K: SparseMatrix): { count: number; label: Int32Array } {
  const n = K.nRows;
  const label = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const { rowOffsets, columnIndices, values } = K;
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (label[s] >= 0) continue;
    label[s] = count;
    let size = 0;
    stack[size++] = s;
    while (size > 0) {
      const i = stack[--size];
      for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) {
        const j = columnIndices[p];
        if (label[j] < 0 && values[p] !== 0) {
          label[j] = count;
          stack[size++] = j;
        }
      }
    }
    count++;
  }
  return { count, label };
}

function groupRows(label: Int32Array, count: number): Int32Array[] {
  const sizes = new Int32Array(count);
  for (let i = 0; i < label.length; i++) sizes[label[i]]++;
  const groups = Array.from(sizes, (size) => new Int32Array(size));
  const fill = new Int32Array(count);
  for (let i = 0; i < label.length; i++) groups[label[i]][fill[label[i]]++] = i;
  return groups;
}

function identity(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/**
 * K and m restricted to `rows` (one component, increasing), renumbered; the columns stay sorted.
 * Entries outside the component are zeros (components follow the non-zero entries) and dropped.
 */
function restrict(
  K: SparseMatrix,
  m: Float64Array,
  rows: Int32Array,
  local: Int32Array,
): { K: SparseMatrix; m: Float64Array } {
  for (let i = 0; i < rows.length; i++) local[rows[i]] = i;
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) {
    let count = 0;
    for (let p = K.rowOffsets[rows[i]]; p < K.rowOffsets[rows[i] + 1]; p++) {
      if (local[K.columnIndices[p]] >= 0) count++;
    }
    offsets[i + 1] = offsets[i] + count;
  }
  const columns = new Int32Array(offsets[rows.length]);
  const values = new Float64Array(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) {
    let q = offsets[i];
    for (let p = K.rowOffsets[rows[i]]; p < K.rowOffsets[rows[i] + 1]; p++) {
      const j = local[K.columnIndices[p]];
      if (j < 0) continue;
      columns[q] = j;
      values[q++] = K.values[p];
    }
  }
  for (let i = 0; i < rows.length; i++) local[rows[i]] = -1;
  return {
    K: new SparseMatrix(rows.length, rows.length, offsets, columns, values),
    m: Float64Array.from(rows, (row) => m[row]),
  };
}

function massDiagonal(mass: Float64Array | SparseMatrix, n: number, where: string): Float64Array {
  let m: Float64Array;
  if (mass instanceof SparseMatrix) {
    if (mass.nRows !== n || mass.nColumns !== n) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}the mass matrix is ${mass.nRows} × ${mass.nColumns}, the stiffness ${n} × ${n}`,
      );
    }
    if (!mass.isDiagonal()) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}the mass matrix must be diagonal (lumped); a consistent mass matrix is not supported`,
      );
    }
    m = mass.diagonal();
  } else {
    if (mass.length !== n) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}the mass has ${mass.length} entries for ${n} rows`,
      );
    }
    m = mass;
  }
  for (let i = 0; i < n; i++) {
    if (!(m[i] > 0 && Number.isFinite(m[i]))) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}the mass of row ${i} is ${m[i]}: every mass must be positive and finite (a vertex whose faces all have zero area has none)`,
      );
    }
  }
  return m;
}

/** `K + s · diag(m)`, the diagonal added to the pattern where it is missing. */
function addDiagonal(K: SparseMatrix, m: Float64Array, s: number): SparseMatrix {
  const n = K.nRows;
  const { rowOffsets, columnIndices, values: Kx } = K;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    let has = false;
    for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) if (columnIndices[p] === i) has = true;
    if (!has) missing++;
  }
  const offsets = new Int32Array(n + 1);
  const outColumns = new Int32Array(K.nnz + missing);
  const outValues = new Float64Array(K.nnz + missing);
  let q = 0;
  for (let i = 0; i < n; i++) {
    let placed = false;
    for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) {
      const j = columnIndices[p];
      if (!placed && j > i) {
        outColumns[q] = i;
        outValues[q++] = s * m[i];
        placed = true;
      }
      outColumns[q] = j;
      outValues[q] = Kx[p] + (j === i ? s * m[i] : 0);
      if (j === i) placed = true;
      q++;
    }
    if (!placed) {
      outColumns[q] = i;
      outValues[q++] = s * m[i];
    }
    offsets[i + 1] = q;
  }
  return new SparseMatrix(n, n, offsets, outColumns, outValues);
}

/**
 * All eigenpairs of `M^(−1/2) K M^(−1/2)`, densely, for components too small for the Krylov
 * method: values ascending, vectors row-major (`vectors[i · n + j]`), M-orthonormal.
 */
function denseEigenpairs(
  K: SparseMatrix,
  m: Float64Array,
  where: string,
): { values: Float64Array; vectors: Float64Array } {
  const n = K.nRows;
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) scale[i] = 1 / Math.sqrt(m[i]);
  const dense = new Float64Array(n * n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    for (let p = K.rowOffsets[i]; p < K.rowOffsets[i + 1]; p++) {
      const j = K.columnIndices[p];
      const v = K.values[p] * scale[i] * scale[j];
      dense[i * n + j] = v;
      largest = Math.max(largest, Math.abs(v));
    }
  }
  const decomposition = symmetricEigen(dense, n);
  if (n > 0 && decomposition.values[0] < -1e-10 * largest) {
    throw new SparseSolverError(
      "not-positive-definite",
      `${where}the stiffness matrix is not positive semi-definite: it has the eigenvalue ${decomposition.values[0]}`,
    );
  }
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) vectors[i * n + j] = decomposition.vectors[j * n + i] * scale[i];
  }
  return { values: decomposition.values, vectors };
}

function noTimings(eigensolve: number): Eigenpairs["timings"] {
  return {
    ordering: 0,
    symbolic: 0,
    factorisation: 0,
    eigensolve,
    solves: 0,
    orthogonalisation: 0,
    rayleighRitz: 0,
    thickRestarts: 0,
    ritzVectors: 0,
  };
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}
