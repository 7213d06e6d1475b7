import { SparseSolverError } from "./errors.js";

/**
 * A real sparse matrix in compressed sparse row (CSR) form, float64 values with int32 indices:
 * the entries of row `i` are `values[p]` at column `columnIndices[p]` for
 * `rowOffsets[i] ≤ p < rowOffsets[i + 1]`, columns strictly increasing within a row (no
 * duplicates; explicit zeros may be stored). For a symmetric matrix the same arrays are also its
 * compressed sparse column form. Immutable by convention: do not write into the arrays.
 */
export class SparseMatrix {
  readonly nRows: number;
  readonly nColumns: number;
  readonly rowOffsets: Int32Array;
  readonly columnIndices: Int32Array;
  readonly values: Float64Array;

  /**
   * Wraps CSR arrays (not copied). Throws a `SparseSolverError` unless they are consistent:
   * `rowOffsets` of length `nRows + 1` from 0 to `values.length`, non-decreasing, and columns in
   * range and strictly increasing in each row.
   */
  constructor(
    nRows: number,
    nColumns: number,
    rowOffsets: Int32Array,
    columnIndices: Int32Array,
    values: Float64Array,
  ) {
    checkSize(nRows, "nRows");
    checkSize(nColumns, "nColumns");
    if (rowOffsets.length !== nRows + 1 || rowOffsets[0] !== 0 || rowOffsets[nRows] !== values.length) {
      throw new SparseSolverError(
        "invalid-argument",
        `rowOffsets must have nRows + 1 = ${nRows + 1} entries from 0 to values.length = ${values.length}`,
      );
    }
    if (columnIndices.length !== values.length) {
      throw new SparseSolverError(
        "invalid-argument",
        `columnIndices has ${columnIndices.length} entries but values has ${values.length}`,
      );
    }
    for (let i = 0; i < nRows; i++) {
      const start = rowOffsets[i];
      const end = rowOffsets[i + 1];
      if (end < start) throw new SparseSolverError("invalid-argument", `rowOffsets decreases at row ${i}`);
      let previous = -1;
      for (let p = start; p < end; p++) {
        const j = columnIndices[p];
        if (!(j > previous && j < nColumns)) {
          throw new SparseSolverError(
            "invalid-argument",
            `row ${i}: column indices must be strictly increasing and below ${nColumns}, found ${j} after ${previous}`,
          );
        }
        previous = j;
      }
    }
    this.nRows = nRows;
    this.nColumns = nColumns;
    this.rowOffsets = rowOffsets;
    this.columnIndices = columnIndices;
    this.values = values;
  }

  /**
   * Builds a matrix from coordinate triplets `(rows[t], columns[t], values[t])`; entries at the
   * same position are summed. O(nnz + nRows) time (two counting passes, no sort).
   */
  static fromTriplets(
    nRows: number,
    nColumns: number,
    rows: ArrayLike<number>,
    columns: ArrayLike<number>,
    values: ArrayLike<number>,
  ): SparseMatrix {
    checkSize(nRows, "nRows");
    checkSize(nColumns, "nColumns");
    const n = rows.length;
    if (columns.length !== n || values.length !== n) {
      throw new SparseSolverError(
        "invalid-argument",
        `triplet arrays differ in length: ${n} rows, ${columns.length} columns, ${values.length} values`,
      );
    }
    for (let t = 0; t < n; t++) {
      const i = rows[t];
      const j = columns[t];
      if (!(Number.isInteger(i) && i >= 0 && i < nRows && Number.isInteger(j) && j >= 0 && j < nColumns)) {
        throw new SparseSolverError(
          "invalid-argument",
          `triplet ${t} is at (${i}, ${j}), outside a ${nRows} × ${nColumns} matrix`,
        );
      }
      if (!Number.isFinite(values[t])) {
        throw new SparseSolverError(
          "invalid-argument",
          `triplet ${t} at (${i}, ${j}) has value ${values[t]}`,
        );
      }
    }
    // Bucket by column first, then by row: a stable two-pass counting sort leaves every row's
    // entries in increasing column order, so duplicates are adjacent.
    const byColumn = countingOrder(columns, nColumns);
    const rowCounts = new Int32Array(nRows + 1);
    for (let t = 0; t < n; t++) rowCounts[rows[t] + 1]++;
    for (let i = 0; i < nRows; i++) rowCounts[i + 1] += rowCounts[i];
    const next = rowCounts.slice(0, nRows);
    const order = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const t = byColumn[s];
      order[next[rows[t]]++] = t;
    }
    const rowOffsets = new Int32Array(nRows + 1);
    const columnIndices = new Int32Array(n);
    const merged = new Float64Array(n);
    let nnz = 0;
    for (let i = 0; i < nRows; i++) {
      const rowStart = nnz;
      for (let s = rowCounts[i]; s < rowCounts[i + 1]; s++) {
        const t = order[s];
        const j = columns[t];
        if (nnz > rowStart && columnIndices[nnz - 1] === j) {
          merged[nnz - 1] += values[t];
        } else {
          columnIndices[nnz] = j;
          merged[nnz] = values[t];
          nnz++;
        }
      }
      rowOffsets[i + 1] = nnz;
    }
    return new SparseMatrix(nRows, nColumns, rowOffsets, columnIndices.slice(0, nnz), merged.slice(0, nnz));
  }

  /** The `n × n` diagonal matrix with `diagonal` on its diagonal. */
  static fromDiagonal(diagonal: ArrayLike<number>): SparseMatrix {
    const n = diagonal.length;
    const offsets = new Int32Array(n + 1);
    const columns = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      offsets[i + 1] = i + 1;
      columns[i] = i;
    }
    return new SparseMatrix(n, n, offsets, columns, Float64Array.from(diagonal));
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.values.length;
  }

  /** Entry `(i, j)`, 0 where nothing is stored (binary search in row `i`). */
  get(i: number, j: number): number {
    if (
      !(Number.isInteger(i) && i >= 0 && i < this.nRows && Number.isInteger(j) && j >= 0 && j < this.nColumns)
    ) {
      throw new RangeError(`entry (${i}, ${j}) is outside a ${this.nRows} × ${this.nColumns} matrix`);
    }
    let lo = this.rowOffsets[i];
    let hi = this.rowOffsets[i + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.columnIndices[mid];
      if (c === j) return this.values[mid];
      if (c < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** The diagonal `(A_00, A_11, …)` of a square matrix, 0 where nothing is stored. */
  diagonal(): Float64Array {
    const n = Math.min(this.nRows, this.nColumns);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let p = this.rowOffsets[i]; p < this.rowOffsets[i + 1]; p++) {
        if (this.columnIndices[p] === i) out[i] = this.values[p];
      }
    }
    return out;
  }

  /** Whether every stored entry lies on the diagonal. */
  isDiagonal(): boolean {
    for (let i = 0; i < this.nRows; i++) {
      for (let p = this.rowOffsets[i]; p < this.rowOffsets[i + 1]; p++) {
        if (this.columnIndices[p] !== i && this.values[p] !== 0) return false;
      }
    }
    return true;
  }

  /** Whether the matrix is square and `|A_ij − A_ji| ≤ tolerance · max |A|` for every entry. */
  isSymmetric(tolerance = 0): boolean {
    if (this.nRows !== this.nColumns) return false;
    let scale = 0;
    for (let p = 0; p < this.values.length; p++) scale = Math.max(scale, Math.abs(this.values[p]));
    for (let i = 0; i < this.nRows; i++) {
      for (let p = this.rowOffsets[i]; p < this.rowOffsets[i + 1]; p++) {
        const j = this.columnIndices[p];
        if (Math.abs(this.values[p] - this.get(j, i)) > tolerance * scale) return false;
      }
    }
    return true;
  }

  /** `y = A x` (`x` of length `nColumns`); writes into `out` when given, else a new array. */
  multiply(x: ArrayLike<number>, out?: Float64Array): Float64Array {
    if (x.length !== this.nColumns) {
      throw new SparseSolverError(
        "invalid-argument",
        `the vector has length ${x.length}, the matrix ${this.nColumns} columns`,
      );
    }
    const y = out ?? new Float64Array(this.nRows);
    const { rowOffsets, columnIndices, values } = this;
    for (let i = 0; i < this.nRows; i++) {
      let sum = 0;
      for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) sum += values[p] * x[columnIndices[p]];
      y[i] = sum;
    }
    return y;
  }

  /** Row-major dense copy, for tests and small matrices. */
  toDense(): Float64Array {
    const out = new Float64Array(this.nRows * this.nColumns);
    for (let i = 0; i < this.nRows; i++) {
      for (let p = this.rowOffsets[i]; p < this.rowOffsets[i + 1]; p++) {
        out[i * this.nColumns + this.columnIndices[p]] = this.values[p];
      }
    }
    return out;
  }
}

function checkSize(n: number, name: string): void {
  if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31)) {
    throw new SparseSolverError("invalid-argument", `${name} must be a non-negative integer, got ${n}`);
  }
}

/** Indices `t` ordered stably by `keys[t]` in `[0, nKeys)`. */
function countingOrder(keys: ArrayLike<number>, nKeys: number): Int32Array {
  const counts = new Int32Array(nKeys + 1);
  for (let t = 0; t < keys.length; t++) counts[keys[t] + 1]++;
  for (let k = 0; k < nKeys; k++) counts[k + 1] += counts[k];
  const order = new Int32Array(keys.length);
  for (let t = 0; t < keys.length; t++) order[counts[keys[t]]++] = t;
  return order;
}
