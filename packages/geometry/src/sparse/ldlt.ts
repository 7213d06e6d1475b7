import { SparseSolverError } from "./errors.js";
import { nestedDissectionOrdering } from "./ordering.js";
import type { SparseMatrix } from "./sparse-matrix.js";

/** Options of `SparseLDLT.factor`. */
export interface SparseLDLTOptions {
  /**
   * Elimination order: `"nested-dissection"` (default, `nestedDissectionOrdering`), `"natural"`
   * (rows as given), or an explicit permutation (`order[k]` is the row eliminated k-th).
   */
  readonly ordering?: "nested-dissection" | "natural" | Int32Array;
  /**
   * A pivot `d_k ≤ pivotTolerance · A_kk` is a failure (the matrix is not numerically positive
   * definite). Default 1e-14.
   */
  readonly pivotTolerance?: number;
  /** Where the matrix came from, for error messages. */
  readonly source?: string;
}

/**
 * Sparse `P A Pᵀ = L D Lᵀ` of a symmetric positive definite matrix, `L` unit lower triangular and
 * `D` diagonal positive, `P` a fill-reducing permutation.
 *
 * Written here because no maintained npm package (pure JS or wasm, no native build) factors
 * sparse symmetric matrices: `eigen` (wasm Eigen) exposes no sparse factorisation, `mathjs` has a
 * sparse LU on JS arrays only, `numeric` is unmaintained. The method is the up-looking
 * (row-by-row) LDLᵀ: the elimination tree gives each row's pattern of `L` as a sparse triangular
 * solve, so the symbolic analysis is O(nnz(L)) and the numeric work is the flop count; `L` is
 * stored by columns in int32/float64 arrays and solves take many right-hand sides at once.
 */
export class SparseLDLT {
  readonly n: number;
  /** `order[k]`: the row of the input eliminated k-th. */
  readonly order: Int32Array;
  /** `position[i]`: when row `i` of the input is eliminated (the inverse of `order`). */
  readonly position: Int32Array;
  /** Column `j` of `L` (below the unit diagonal) holds `values[p]` at row `rowIndices[p]`, `columnOffsets[j] ≤ p < columnOffsets[j + 1]`. */
  readonly columnOffsets: Int32Array;
  readonly rowIndices: Int32Array;
  readonly values: Float64Array;
  /** `D`, in elimination order. */
  readonly pivots: Float64Array;
  /** Seconds spent ordering, in the symbolic analysis and in the numeric factorisation. */
  readonly timings: { readonly ordering: number; readonly symbolic: number; readonly numeric: number };

  private constructor(fields: {
    order: Int32Array;
    position: Int32Array;
    columnOffsets: Int32Array;
    rowIndices: Int32Array;
    values: Float64Array;
    pivots: Float64Array;
    timings: { ordering: number; symbolic: number; numeric: number };
  }) {
    this.n = fields.order.length;
    this.order = fields.order;
    this.position = fields.position;
    this.columnOffsets = fields.columnOffsets;
    this.rowIndices = fields.rowIndices;
    this.values = fields.values;
    this.pivots = fields.pivots;
    this.timings = fields.timings;
  }

  /** Stored entries of `L` below the diagonal (the fill of the factorisation). */
  get nnz(): number {
    return this.values.length;
  }

  /**
   * Factors a symmetric positive definite matrix (only its upper triangle is read, after checking
   * symmetry to 1e-12 of its largest entry). Throws a `SparseSolverError` of kind
   * `"invalid-argument"` for a matrix that is not square and symmetric, and of kind
   * `"not-positive-definite"` naming the row whose pivot is not positive (singular, indefinite or
   * not finite).
   */
  static factor(matrix: SparseMatrix, options: SparseLDLTOptions = {}): SparseLDLT {
    const n = matrix.nRows;
    const where = options.source ? `${options.source}: ` : "";
    if (matrix.nColumns !== n) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}LDLᵀ needs a square matrix, got ${matrix.nRows} × ${matrix.nColumns}`,
      );
    }
    checkSymmetric(matrix, where);
    const pivotTolerance = options.pivotTolerance ?? 1e-14;
    const t0 = performance.now();
    const order = permutationFrom(options.ordering ?? "nested-dissection", matrix, where);
    const position = new Int32Array(n);
    for (let k = 0; k < n; k++) position[order[k]] = k;
    const t1 = performance.now();

    // Upper triangle of C = P A Pᵀ by columns: column k holds C_ik for i ≤ k (rows in any order).
    const { rowOffsets: Ap, columnIndices: Aj, values: Ax } = matrix;
    const Cp = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) {
      const row = order[k];
      let count = 0;
      for (let p = Ap[row]; p < Ap[row + 1]; p++) if (position[Aj[p]] <= k) count++;
      Cp[k + 1] = Cp[k] + count;
    }
    const Ci = new Int32Array(Cp[n]);
    const Cx = new Float64Array(Cp[n]);
    for (let k = 0; k < n; k++) {
      const row = order[k];
      let q = Cp[k];
      for (let p = Ap[row]; p < Ap[row + 1]; p++) {
        const i = position[Aj[p]];
        if (i <= k) {
          Ci[q] = i;
          Cx[q++] = Ax[p];
        }
      }
    }

    // Symbolic: elimination tree and column counts. Row k of L has a nonzero in column j for
    // every j on the tree paths from the rows i < k of column k of C up to k.
    const parent = new Int32Array(n).fill(-1);
    const flag = new Int32Array(n);
    const columnCount = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      flag[k] = k;
      for (let p = Cp[k]; p < Cp[k + 1]; p++) {
        let i = Ci[p];
        while (flag[i] !== k) {
          if (parent[i] === -1) parent[i] = k;
          columnCount[i]++;
          flag[i] = k;
          i = parent[i];
        }
      }
    }
    const Lp = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) Lp[k + 1] = Lp[k] + columnCount[k];
    if (Lp[n] < 0 || Lp[n] > 2 ** 31 - 1) {
      throw new SparseSolverError("invalid-argument", `${where}the factor would have more than 2³¹ entries`);
    }
    const t2 = performance.now();

    // Numeric, up-looking: row k of L solves L_{0:k,0:k} D y = C_{0:k,k} over the pattern found
    // by walking the tree; columns of L are filled top-down, so each stays sorted by row.
    const Li = new Int32Array(Lp[n]);
    const Lx = new Float64Array(Lp[n]);
    const D = new Float64Array(n);
    const filled = new Int32Array(n);
    const y = new Float64Array(n);
    const pattern = new Int32Array(n);
    flag.fill(-1);
    for (let k = 0; k < n; k++) {
      let top = n;
      flag[k] = k;
      let diagonal = 0;
      for (let p = Cp[k]; p < Cp[k + 1]; p++) {
        let i = Ci[p];
        if (i === k) {
          diagonal += Cx[p];
          continue;
        }
        y[i] += Cx[p];
        let length = 0;
        while (flag[i] !== k) {
          pattern[length++] = i;
          flag[i] = k;
          i = parent[i];
        }
        while (length > 0) pattern[--top] = pattern[--length];
      }
      let d = diagonal;
      for (let t = top; t < n; t++) {
        const i = pattern[t];
        const yi = y[i];
        y[i] = 0;
        const end = Lp[i] + filled[i];
        for (let p = Lp[i]; p < end; p++) y[Li[p]] -= Lx[p] * yi;
        const lki = yi / D[i];
        d -= lki * yi;
        Li[end] = k;
        Lx[end] = lki;
        filled[i]++;
      }
      if (!(d > pivotTolerance * Math.abs(diagonal)) || !Number.isFinite(d)) {
        throw new SparseSolverError(
          "not-positive-definite",
          `${where}the matrix is not positive definite: pivot ${k} (row ${order[k]}) is ${d} against a diagonal entry of ${diagonal}${
            d > 0 ? " (numerically singular)" : ""
          }; a Laplacian needs a negative shift, a mass matrix positive areas`,
        );
      }
      D[k] = d;
    }
    const t3 = performance.now();
    return new SparseLDLT({
      order,
      position,
      columnOffsets: Lp,
      rowIndices: Li,
      values: Lx,
      pivots: D,
      timings: { ordering: (t1 - t0) / 1000, symbolic: (t2 - t1) / 1000, numeric: (t3 - t2) / 1000 },
    });
  }

  /** `x = A⁻¹ b`; writes into `out` when given (which may be `b` itself). */
  solve(b: ArrayLike<number>, out?: Float64Array): Float64Array {
    return this.solveMany(b, 1, out);
  }

  /**
   * `X = A⁻¹ B` for `nRightHandSides` columns stored interleaved (`B[i · m + c]` is row `i` of
   * column `c`): one pass over `L` serves every column. Writes into `out` when given (which may
   * be `B` itself).
   */
  solveMany(B: ArrayLike<number>, nRightHandSides: number, out?: Float64Array): Float64Array {
    const n = this.n;
    const m = nRightHandSides;
    if (!(Number.isInteger(m) && m >= 1) || B.length !== n * m) {
      throw new SparseSolverError(
        "invalid-argument",
        `the right-hand side has length ${B.length}, expected ${n} rows × ${m} columns`,
      );
    }
    const { order, columnOffsets: Lp, rowIndices: Li, values: Lx, pivots: D } = this;
    const x = new Float64Array(n * m);
    for (let k = 0; k < n; k++) {
      const from = order[k] * m;
      for (let c = 0; c < m; c++) x[k * m + c] = B[from + c];
    }
    if (m === 1) {
      for (let j = 0; j < n; j++) {
        const xj = x[j];
        if (xj === 0) continue;
        for (let p = Lp[j]; p < Lp[j + 1]; p++) x[Li[p]] -= Lx[p] * xj;
      }
      for (let j = 0; j < n; j++) x[j] /= D[j];
      for (let j = n - 1; j >= 0; j--) {
        let s = x[j];
        for (let p = Lp[j]; p < Lp[j + 1]; p++) s -= Lx[p] * x[Li[p]];
        x[j] = s;
      }
    } else if (m === 8) {
      solveEight(x, n, Lp, Li, Lx, D);
    } else {
      for (let j = 0; j < n; j++) {
        const bj = j * m;
        for (let p = Lp[j]; p < Lp[j + 1]; p++) {
          const l = Lx[p];
          const bi = Li[p] * m;
          for (let c = 0; c < m; c++) x[bi + c] -= l * x[bj + c];
        }
      }
      for (let j = 0; j < n; j++) {
        const inverse = 1 / D[j];
        for (let c = 0; c < m; c++) x[j * m + c] *= inverse;
      }
      for (let j = n - 1; j >= 0; j--) {
        const bj = j * m;
        for (let p = Lp[j]; p < Lp[j + 1]; p++) {
          const l = Lx[p];
          const bi = Li[p] * m;
          for (let c = 0; c < m; c++) x[bj + c] -= l * x[bi + c];
        }
      }
    }
    const result = out ?? new Float64Array(n * m);
    for (let k = 0; k < n; k++) {
      const to = order[k] * m;
      for (let c = 0; c < m; c++) result[to + c] = x[k * m + c];
    }
    return result;
  }
}

/**
 * The forward, diagonal and backward solves for eight interleaved right-hand sides (the block
 * size of the eigensolver), unrolled so the eight running values of a row stay in registers
 * instead of an inner loop over a variable count.
 */
function solveEight(
  x: Float64Array,
  n: number,
  Lp: Int32Array,
  Li: Int32Array,
  Lx: Float64Array,
  D: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    const bj = j * 8;
    const y0 = x[bj];
    const y1 = x[bj + 1];
    const y2 = x[bj + 2];
    const y3 = x[bj + 3];
    const y4 = x[bj + 4];
    const y5 = x[bj + 5];
    const y6 = x[bj + 6];
    const y7 = x[bj + 7];
    for (let p = Lp[j]; p < Lp[j + 1]; p++) {
      const l = Lx[p];
      const bi = Li[p] * 8;
      x[bi] -= l * y0;
      x[bi + 1] -= l * y1;
      x[bi + 2] -= l * y2;
      x[bi + 3] -= l * y3;
      x[bi + 4] -= l * y4;
      x[bi + 5] -= l * y5;
      x[bi + 6] -= l * y6;
      x[bi + 7] -= l * y7;
    }
  }
  for (let j = 0; j < n; j++) {
    const inverse = 1 / D[j];
    for (let c = 0; c < 8; c++) x[j * 8 + c] *= inverse;
  }
  for (let j = n - 1; j >= 0; j--) {
    const bj = j * 8;
    let y0 = x[bj];
    let y1 = x[bj + 1];
    let y2 = x[bj + 2];
    let y3 = x[bj + 3];
    let y4 = x[bj + 4];
    let y5 = x[bj + 5];
    let y6 = x[bj + 6];
    let y7 = x[bj + 7];
    for (let p = Lp[j]; p < Lp[j + 1]; p++) {
      const l = Lx[p];
      const bi = Li[p] * 8;
      y0 -= l * x[bi];
      y1 -= l * x[bi + 1];
      y2 -= l * x[bi + 2];
      y3 -= l * x[bi + 3];
      y4 -= l * x[bi + 4];
      y5 -= l * x[bi + 5];
      y6 -= l * x[bi + 6];
      y7 -= l * x[bi + 7];
    }
    x[bj] = y0;
    x[bj + 1] = y1;
    x[bj + 2] = y2;
    x[bj + 3] = y3;
    x[bj + 4] = y4;
    x[bj + 5] = y5;
    x[bj + 6] = y6;
    x[bj + 7] = y7;
  }
}

function permutationFrom(
  ordering: "nested-dissection" | "natural" | Int32Array,
  matrix: SparseMatrix,
  where: string,
): Int32Array {
  const n = matrix.nRows;
  if (ordering === "nested-dissection") return nestedDissectionOrdering(matrix);
  if (ordering === "natural") {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  const seen = new Uint8Array(n);
  let valid = ordering.length === n;
  for (let k = 0; valid && k < n; k++) {
    const i = ordering[k];
    if (!(i >= 0 && i < n) || seen[i]) valid = false;
    else seen[i] = 1;
  }
  if (!valid) {
    throw new SparseSolverError(
      "invalid-argument",
      `${where}the ordering is not a permutation of 0…${n - 1}`,
    );
  }
  return ordering;
}

function checkSymmetric(matrix: SparseMatrix, where: string): void {
  const { nRows: n, rowOffsets, columnIndices, values } = matrix;
  let scale = 0;
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    if (!Number.isFinite(v)) {
      throw new SparseSolverError(
        "not-positive-definite",
        `${where}the matrix has a non-finite entry (${v})`,
      );
    }
    scale = Math.max(scale, Math.abs(v));
  }
  const tolerance = 1e-12 * scale;
  for (let i = 0; i < n; i++) {
    for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) {
      const j = columnIndices[p];
      if (j <= i) continue;
      if (Math.abs(values[p] - matrix.get(j, i)) > tolerance) {
        throw new SparseSolverError(
          "invalid-argument",
          `${where}the matrix is not symmetric: entry (${i}, ${j}) is ${values[p]}, entry (${j}, ${i}) is ${matrix.get(j, i)}`,
        );
      }
    }
  }
}
