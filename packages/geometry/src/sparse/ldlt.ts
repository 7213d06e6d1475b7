import { type DenseKernels, javascriptKernels, simdKernels } from "./dense-kernels.js";
import { SparseSolverError } from "./errors.js";
import { nestedDissectionOrdering } from "./ordering.js";
import { javascriptSolveKernels, type SolveKernels, simdSolveKernels } from "./solve-kernels.js";
import type { SparseMatrix } from "./sparse-matrix.js";

/** Options of `SparseLDLT.factor`. */
export interface SparseLDLTOptions {
  /**
   * Elimination order: `"nested-dissection"` (default, `nestedDissectionOrdering`), `"natural"`
   * (rows as given), or an explicit permutation (`order[k]` is the row eliminated k-th). Either
   * way the order is then renumbered by a postorder of its elimination tree, which changes no
   * fill but makes the supernodes contiguous.
   */
  readonly ordering?: "nested-dissection" | "natural" | Int32Array;
  /**
   * The symbolic analysis of an earlier factorisation (`factor.analysis`) of a matrix with the
   * same pattern (checked): its ordering and supernodes are reused, and only the numeric
   * factorisation is done. `ordering` is then ignored.
   */
  readonly analysis?: LDLTAnalysis;
  /**
   * A pivot `|d_k| ≤ pivotTolerance · |A_kk|` is a failure (the matrix is singular to working
   * precision; without `allowIndefinite`, a pivot `d_k ≤ pivotTolerance · |A_kk|` is). Default 1e-14.
   */
  readonly pivotTolerance?: number;
  /**
   * Accept negative pivots: a symmetric indefinite matrix is factored without pivoting (as a
   * shifted stiffness `K − σM` is for spectrum slicing), and `negativePivots` is its inertia.
   * Default false: the matrix must be positive definite.
   */
  readonly allowIndefinite?: boolean;
  /**
   * A factorisation of the same analysis that is no longer needed: its memory is reused (fresh
   * memory costs page faults, about as much as the numeric factorisation itself on a 100k-row
   * mesh), and it must not be used afterwards.
   */
  readonly recycle?: SparseLDLT;
  /** Use the plain JavaScript kernels even where the WebAssembly SIMD ones can run (for tests). */
  readonly javascriptKernels?: boolean;
  /** Where the matrix came from, for error messages. */
  readonly source?: string;
}

/** Supernodes with at most this many columns in total are merged with their parent whatever the zeros. */
const RELAX_SMALL = 8;
/** Columns per panel of the blocked dense factorisation of a front. */
const PANEL = 32;
/** Columns of the trailing matrix updated per kernel call (lower triangle by column blocks). */
const UPDATE_BLOCK = 32;

/**
 * The symbolic part of a supernodal factorisation: the (postordered) elimination order, the
 * supernodes (runs of consecutive columns whose factor columns share a pattern, relaxed to
 * allow a few explicit zeros), the row pattern of each and where every matrix entry and every
 * child's update lands in its parent's front. Depends on the matrix's pattern only.
 */
export class LDLTAnalysis {
  readonly n: number;
  readonly order: Int32Array;
  readonly position: Int32Array;
  /** Supernode s holds columns `superStart[s] … superStart[s + 1] − 1`. */
  readonly superStart: Int32Array;
  /** Rows of supernode s: `rows[rowStart[s] … rowStart[s + 1])`, its own columns first, ascending. */
  readonly rowStart: Int32Array;
  readonly rows: Int32Array;
  readonly superParent: Int32Array;
  /** For each row past a supernode's own columns: its index in the parent's rows (the extend-add map). */
  readonly parentIndex: Int32Array;
  /** Offset (doubles) of supernode s's block of L (front rows × own columns, leading dimension `leading[s]`). */
  readonly blockOffset: Float64Array;
  readonly leading: Int32Array;
  /** Matrix entries assembled into supernode s: CSR indices `entry[entryStart[s] … entryStart[s + 1])` and their place in the front. */
  readonly entryStart: Int32Array;
  readonly entry: Int32Array;
  readonly entryTarget: Int32Array;
  /** Diagonal entries' CSR indices by elimination position (−1 where none is stored). */
  readonly diagonalEntry: Int32Array;
  /** Stored doubles of L (blocks padded to even leading dimensions). */
  readonly storage: number;
  /** Entries of L strictly below the diagonal (the fill; the stored blocks add explicit zeros). */
  readonly nnz: number;
  /** Largest front (rows) and the peak of the update-matrix stack (doubles). */
  readonly maxFront: number;
  readonly stackPeak: number;
  readonly ordering: number;
  readonly symbolic: number;
  private readonly rowOffsets: Int32Array;
  private readonly columnIndices: Int32Array;

  constructor(matrix: SparseMatrix, ordering: "nested-dissection" | "natural" | Int32Array, where: string) {
    const t0 = performance.now();
    const n = matrix.nRows;
    this.n = n;
    this.rowOffsets = matrix.rowOffsets;
    this.columnIndices = matrix.columnIndices;
    const initial = permutationFrom(ordering, matrix, where);
    const t1 = performance.now();
    // Elimination tree of the initial order, then a postorder of it: the same fill, but every
    // subtree (and so every supernode) is a range of consecutive positions.
    const first = eliminationTree(matrix, initial);
    const post = postorder(first.parent);
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[k] = initial[post[k]];
    const position = new Int32Array(n);
    for (let k = 0; k < n; k++) position[order[k]] = k;
    this.order = order;
    this.position = position;
    const { parent, columnCount } = eliminationTree(matrix, order);
    let nnz = 0;
    for (let j = 0; j < n; j++) nnz += columnCount[j];

    // Fundamental supernodes: column j + 1 continues j's when it is j's parent, its only child,
    // and its column has exactly one entry less.
    const childCount = new Int32Array(n);
    for (let j = 0; j < n; j++) if (parent[j] >= 0) childCount[parent[j]]++;
    const starts: number[] = [0];
    for (let j = 1; j < n; j++) {
      const continues =
        parent[j - 1] === j && childCount[j] === 1 && columnCount[j - 1] === columnCount[j] + 1;
      if (!continues) starts.push(j);
    }
    starts.push(n);
    // Relaxed amalgamation: merge a supernode into its parent when the parent's columns follow
    // directly (it is the parent's last child in postorder) and the explicit zeros this adds are
    // few; small supernodes are merged regardless, so that dense kernels see blocks, not scalars.
    let count = starts.length - 1;
    let start = Int32Array.from(starts);
    let superOf = new Int32Array(n);
    for (let s = 0; s < count; s++) for (let j = start[s]; j < start[s + 1]; j++) superOf[j] = s;
    const superParentOf = (s: number) => {
      const top = parent[start[s + 1] - 1];
      return top < 0 ? -1 : superOf[top];
    };
    // Walk from the last supernode down: a merge combines s with s + 1 (its parent).
    const mergedInto = new Int32Array(count).fill(-1);
    const cols = new Float64Array(count);
    const zeros = new Float64Array(count);
    const height = new Float64Array(count); // rows of the supernode's front
    for (let s = 0; s < count; s++) {
      cols[s] = start[s + 1] - start[s];
      height[s] = columnCount[start[s]] + 1;
    }
    for (let s = count - 2; s >= 0; s--) {
      const p = s + 1;
      if (superParentOf(s) !== p) continue;
      // Root of p's merged group.
      let root = p;
      while (mergedInto[root] >= 0) root = mergedInto[root];
      const ns = cols[s];
      const nr = cols[root];
      // s's columns padded to the group's front: rows of s's front vs the merged one.
      const mergedHeight = height[root] + ns;
      const added = ns * (mergedHeight - height[s]);
      const total = ((ns + nr) * (ns + nr + 1)) / 2 + (ns + nr) * (mergedHeight - ns - nr);
      const fraction = (zeros[s] + zeros[root] + added) / total;
      const merged = ns + nr;
      if (
        merged <= RELAX_SMALL ||
        (merged <= 16 && fraction < 0.5) ||
        (merged <= 48 && fraction < 0.1) ||
        fraction < 0.05
      ) {
        mergedInto[s] = root;
        cols[root] = merged;
        zeros[root] += zeros[s] + added;
        height[root] = mergedHeight;
      }
    }
    const relaxed: number[] = [];
    for (let s = 0; s < count; s++) if (mergedInto[s] < 0) relaxed.push(s);
    // A merged group's first column is that of its lowest member (members are consecutive).
    const groupStart = new Int32Array(count);
    for (let s = 0; s < count; s++) groupStart[s] = start[s];
    for (let s = 0; s < count; s++) {
      let root = s;
      while (mergedInto[root] >= 0) root = mergedInto[root];
      groupStart[root] = Math.min(groupStart[root], start[s]);
    }
    const newStart = new Int32Array(relaxed.length + 1);
    relaxed.forEach((s, i) => {
      newStart[i] = groupStart[s];
    });
    newStart[relaxed.length] = n;
    count = relaxed.length;
    start = newStart;
    superOf = new Int32Array(n);
    for (let s = 0; s < count; s++) for (let j = start[s]; j < start[s + 1]; j++) superOf[j] = s;
    const superParent = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const top = parent[start[s + 1] - 1];
      superParent[s] = top < 0 ? -1 : superOf[top];
    }

    // Row patterns: a supernode's rows are its columns, the rows below them of its matrix
    // columns, and its children's rows past their own columns.
    const { rowOffsets, columnIndices } = matrix;
    const mark = new Int32Array(n).fill(-1);
    const rowStart = new Int32Array(count + 1);
    const rowLists: Int32Array[] = new Array(count);
    const childRows: number[][] = Array.from({ length: count }, () => []);
    let totalRows = 0;
    for (let s = 0; s < count; s++) {
      const f0 = start[s];
      const f1 = start[s + 1];
      const list: number[] = [];
      for (let j = f0; j < f1; j++) {
        list.push(j);
        mark[j] = s;
      }
      for (let j = f0; j < f1; j++) {
        const row = order[j];
        for (let p = rowOffsets[row]; p < rowOffsets[row + 1]; p++) {
          const i = position[columnIndices[p]];
          if (i >= f1 && mark[i] !== s) {
            mark[i] = s;
            list.push(i);
          }
        }
      }
      for (const i of childRows[s]) {
        if (mark[i] !== s) {
          mark[i] = s;
          list.push(i);
        }
      }
      childRows[s] = [];
      const own = f1 - f0;
      const below = Int32Array.from(list.slice(own)).sort();
      const rowsOfS = new Int32Array(list.length);
      for (let j = 0; j < own; j++) rowsOfS[j] = f0 + j;
      rowsOfS.set(below, own);
      rowLists[s] = rowsOfS;
      totalRows += rowsOfS.length;
      const p = superParent[s];
      if (p >= 0) for (let r = own; r < rowsOfS.length; r++) childRows[p].push(rowsOfS[r]);
    }
    const rows = new Int32Array(totalRows);
    for (let s = 0; s < count; s++) {
      rows.set(rowLists[s], rowStart[s]);
      rowStart[s + 1] = rowStart[s] + rowLists[s].length;
    }

    // Extend-add maps, block offsets, stack peak.
    const parentIndex = new Int32Array(totalRows).fill(-1);
    const local = new Int32Array(n).fill(-1);
    const leading = new Int32Array(count);
    const blockOffset = new Float64Array(count + 1);
    let maxFront = 0;
    for (let s = 0; s < count; s++) {
      const f = rowStart[s + 1] - rowStart[s];
      const ns = start[s + 1] - start[s];
      leading[s] = f + (f & 1);
      blockOffset[s + 1] = blockOffset[s] + leading[s] * ns;
      maxFront = Math.max(maxFront, f);
    }
    for (let s = 0; s < count; s++) {
      const p = superParent[s];
      if (p < 0) continue;
      for (let r = rowStart[p]; r < rowStart[p + 1]; r++) local[rows[r]] = r - rowStart[p];
      const ns = start[s + 1] - start[s];
      for (let r = rowStart[s] + ns; r < rowStart[s + 1]; r++) parentIndex[r] = local[rows[r]];
      for (let r = rowStart[p]; r < rowStart[p + 1]; r++) local[rows[r]] = -1;
    }
    // The update stack in the numeric phase: a supernode's children's updates are on top while
    // its front is assembled, then replaced by its own.
    let stack = 0;
    let stackPeak = 0;
    const childrenSize = new Float64Array(count);
    for (let s = 0; s < count; s++) {
      const nu = rowStart[s + 1] - rowStart[s] - (start[s + 1] - start[s]);
      const size = superParent[s] >= 0 ? nu * (nu + (nu & 1)) : 0;
      stack += size - childrenSize[s];
      stackPeak = Math.max(stackPeak, stack + childrenSize[s] - size, stack);
      if (superParent[s] >= 0) childrenSize[superParent[s]] += size;
    }

    // Where each matrix entry of the lower triangle goes: supernode of its column, and its place
    // (row in the front + column · leading dimension) in that front.
    const entryCount = new Int32Array(count + 1);
    const diagonalEntry = new Int32Array(n).fill(-1);
    for (let j = 0; j < n; j++) {
      const row = order[j];
      for (let p = rowOffsets[row]; p < rowOffsets[row + 1]; p++) {
        const i = position[columnIndices[p]];
        if (i >= j) entryCount[superOf[j] + 1]++;
        if (i === j) diagonalEntry[j] = p;
      }
    }
    for (let s = 0; s < count; s++) entryCount[s + 1] += entryCount[s];
    const entryStart = entryCount.slice();
    const fill = entryCount.slice(0, count);
    const entry = new Int32Array(entryStart[count]);
    const entryTarget = new Int32Array(entryStart[count]);
    const rowInFront = new Int32Array(n);
    for (let s = 0; s < count; s++) {
      for (let r = rowStart[s]; r < rowStart[s + 1]; r++) rowInFront[rows[r]] = r - rowStart[s];
      for (let j = start[s]; j < start[s + 1]; j++) {
        const row = order[j];
        for (let p = rowOffsets[row]; p < rowOffsets[row + 1]; p++) {
          // Entry p of row order[j] is (j, i) permuted, and (i, j) by symmetry: each entry of
          // the lower triangle is taken once, from the row of its column.
          const i = position[columnIndices[p]];
          if (i < j) continue;
          const q = fill[s]++;
          entry[q] = p;
          entryTarget[q] = rowInFront[i] + (j - start[s]) * leading[s];
        }
      }
    }
    this.superStart = start;
    this.rowStart = rowStart;
    this.rows = rows;
    this.superParent = superParent;
    this.parentIndex = parentIndex;
    this.blockOffset = blockOffset;
    this.leading = leading;
    this.entryStart = entryStart;
    this.entry = entry;
    this.entryTarget = entryTarget;
    this.diagonalEntry = diagonalEntry;
    this.storage = blockOffset[count];
    this.nnz = nnz;
    this.maxFront = maxFront;
    this.stackPeak = stackPeak;
    this.ordering = (t1 - t0) / 1000;
    this.symbolic = (performance.now() - t1) / 1000;
  }

  /** Whether `matrix` has the pattern this analysis was made for. */
  matches(matrix: SparseMatrix): boolean {
    if (matrix.nRows !== this.n || matrix.rowOffsets.length !== this.rowOffsets.length) return false;
    if (matrix.columnIndices.length !== this.columnIndices.length) return false;
    if (matrix.rowOffsets === this.rowOffsets && matrix.columnIndices === this.columnIndices) return true;
    for (let i = 0; i < this.rowOffsets.length; i++)
      if (matrix.rowOffsets[i] !== this.rowOffsets[i]) return false;
    for (let p = 0; p < this.columnIndices.length; p++) {
      if (matrix.columnIndices[p] !== this.columnIndices[p]) return false;
    }
    return true;
  }

  get supernodes(): number {
    return this.superStart.length - 1;
  }
}

/**
 * Sparse `P A Pᵀ = L D Lᵀ` of a symmetric matrix, `L` unit lower triangular, `D` diagonal, `P` a
 * fill-reducing permutation; positive definite by default, symmetric indefinite (no pivoting)
 * with `allowIndefinite`, where `negativePivots` is the inertia: by Sylvester's law the number
 * of negative eigenvalues of A.
 *
 * Written here because no maintained npm package (pure JS or wasm, no native build) factors
 * sparse symmetric matrices: `eigen` (wasm Eigen) exposes no sparse factorisation, `mathjs` has a
 * sparse LU on JS arrays only, `numeric` is unmaintained. The method is the multifrontal one:
 * columns are grouped into supernodes (relaxed: a few explicit zeros buy larger dense blocks),
 * each supernode's front is assembled from the matrix and its children's update matrices,
 * partially factored by blocked dense LDLᵀ, and its Schur complement passed to its parent. The
 * dense work runs on WebAssembly SIMD kernels (`dense-kernels.ts`, `solve-kernels.ts`) where
 * available, else on the same loops in JavaScript. Solves take many right-hand sides at once.
 */
export class SparseLDLT {
  readonly n: number;
  /** `order[k]`: the row of the input eliminated k-th. */
  readonly order: Int32Array;
  /** `position[i]`: when row `i` of the input is eliminated (the inverse of `order`). */
  readonly position: Int32Array;
  /** `D`, in elimination order. */
  readonly pivots: Float64Array;
  /** Number of negative pivots: by Sylvester's law of inertia, the number of negative eigenvalues. */
  readonly negativePivots: number;
  /** The symbolic analysis, reusable for matrices of the same pattern (`options.analysis`). */
  readonly analysis: LDLTAnalysis;
  /** Seconds spent ordering, in the symbolic analysis and in the numeric factorisation (0 for a reused analysis). */
  readonly timings: { readonly ordering: number; readonly symbolic: number; readonly numeric: number };
  /** Whether the WebAssembly SIMD kernels do the dense work. */
  readonly simd: boolean;

  private readonly memory: WebAssembly.Memory;
  private readonly kernels: DenseKernels;
  private solveKernels: SolveKernels | null = null;
  /** Set when a later factorisation took this one's memory. */
  private recycled = false;
  private solveWidth = 0;
  /** Byte offsets in `memory`: L's blocks, the rows (int32), the solve's right-hand sides. */
  private readonly valuesAt: number;
  private readonly rowsAt: number;
  private rhsAt: number;

  private constructor(fields: {
    analysis: LDLTAnalysis;
    pivots: Float64Array;
    negativePivots: number;
    memory: WebAssembly.Memory;
    kernels: DenseKernels;
    simd: boolean;
    valuesAt: number;
    rowsAt: number;
    rhsAt: number;
    timings: { ordering: number; symbolic: number; numeric: number };
  }) {
    this.analysis = fields.analysis;
    this.n = fields.analysis.n;
    this.order = fields.analysis.order;
    this.position = fields.analysis.position;
    this.pivots = fields.pivots;
    this.negativePivots = fields.negativePivots;
    this.memory = fields.memory;
    this.kernels = fields.kernels;
    this.simd = fields.simd;
    this.valuesAt = fields.valuesAt;
    this.rowsAt = fields.rowsAt;
    this.rhsAt = fields.rhsAt;
    this.timings = fields.timings;
  }

  /** Entries of `L` below the diagonal (the fill of the factorisation). */
  get nnz(): number {
    return this.analysis.nnz;
  }

  /**
   * Factors a symmetric matrix (checked to 1e-12 of its largest entry). Throws a
   * `SparseSolverError` of kind `"invalid-argument"` for a matrix that is not square and
   * symmetric or an analysis of another pattern, and of kind `"not-positive-definite"` naming the
   * row whose pivot is not positive (or, with `allowIndefinite`, vanishes), or when an entry is
   * not finite.
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
    let analysis = options.analysis;
    const reused = analysis !== undefined;
    if (analysis !== undefined) {
      if (!analysis.matches(matrix)) {
        throw new SparseSolverError(
          "invalid-argument",
          `${where}the analysis was made for a matrix of another pattern`,
        );
      }
    } else {
      analysis = new LDLTAnalysis(matrix, options.ordering ?? "nested-dissection", where);
    }
    const t0 = performance.now();
    const pivotTolerance = options.pivotTolerance ?? 1e-14;
    const count = analysis.supernodes;
    // One memory: L's blocks, the rows, a front, the update stack, a panel of −L·D, and room for
    // eight right-hand sides of the solves (grown when more are asked for).
    const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
    const frontLeading = analysis.maxFront + (analysis.maxFront & 1);
    const valuesAt = 0;
    const rowsAt = align(analysis.storage * 8);
    const frontAt = align(rowsAt + analysis.rows.length * 4);
    const panelAt = align(frontAt + frontLeading * frontLeading * 8);
    const stackAt = align(panelAt + frontLeading * PANEL * 8);
    const rhsAt = align(stackAt + analysis.stackPeak * 8);
    const bytes = rhsAt + (n + 2) * 8 * 8 + 64;
    let memory: WebAssembly.Memory;
    const old = options.recycle;
    if (
      old !== undefined &&
      old.analysis === analysis &&
      !old.recycled &&
      old.memory.buffer.byteLength >= bytes
    ) {
      memory = old.memory;
      old.recycled = true;
    } else {
      memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    }
    const simd = options.javascriptKernels ? null : simdKernels(memory);
    const kernels = simd ?? javascriptKernels(memory);
    const heap = new Float64Array(memory.buffer);
    new Int32Array(memory.buffer, rowsAt, analysis.rows.length).set(analysis.rows);
    const pivots = new Float64Array(n);
    const values = matrix.values;
    const { superStart, rowStart, superParent, parentIndex, blockOffset, leading } = analysis;
    const { entryStart, entry, entryTarget, diagonalEntry } = analysis;
    const front = frontAt >> 3;
    const panel = panelAt >> 3;
    let stackTop = stackAt >> 3;
    const updateAt: number[] = []; // heap offsets of pending update matrices, in push order
    const updateChild: number[] = []; // and the supernodes they come from
    let negative = 0;
    for (let s = 0; s < count; s++) {
      const f0 = superStart[s];
      const ns = superStart[s + 1] - f0;
      const r0 = rowStart[s];
      const f = rowStart[s + 1] - r0;
      const nu = f - ns;
      const ld = leading[s];
      heap.fill(0, front, front + ld * f);
      for (let q = entryStart[s]; q < entryStart[s + 1]; q++)
        heap[front + entryTarget[q]] += values[entry[q]];
      // Extend-add: the children's updates are the last ones pushed, one per child.
      let children = 0;
      for (let t = updateAt.length - 1; t >= 0; t--) {
        const c = updateChild[t];
        if (superParent[c] !== s) break;
        children++;
      }
      for (let t = updateAt.length - children; t < updateAt.length; t++) {
        const c = updateChild[t];
        const at = updateAt[t];
        const cns = superStart[c + 1] - superStart[c];
        const crow = rowStart[c] + cns;
        const cnu = rowStart[c + 1] - crow;
        const cld = cnu + (cnu & 1);
        for (let b = 0; b < cnu; b++) {
          const column = front + parentIndex[crow + b] * ld;
          const source = at + b * cld;
          for (let a = b; a < cnu; a++) heap[column + parentIndex[crow + a]] += heap[source + a];
        }
      }
      if (children > 0) {
        stackTop = updateAt[updateAt.length - children];
        updateAt.length -= children;
        updateChild.length -= children;
      }
      negative += factorFront(heap, kernels, front, ld, f, ns, panel, frontLeading, pivots, f0, (j, d) => {
        const p = diagonalEntry[f0 + j];
        const diagonal = p >= 0 ? values[p] : 0;
        const ok = options.allowIndefinite
          ? Math.abs(d) > pivotTolerance * Math.abs(diagonal)
          : d > pivotTolerance * Math.abs(diagonal);
        if (!ok || !Number.isFinite(d)) {
          throw new SparseSolverError(
            "not-positive-definite",
            options.allowIndefinite
              ? `${where}the matrix is singular to working precision: pivot ${f0 + j} (row ${analysis!.order[f0 + j]}) is ${d} against a diagonal entry of ${diagonal}`
              : `${where}the matrix is not positive definite: pivot ${f0 + j} (row ${analysis!.order[f0 + j]}) is ${d} against a diagonal entry of ${diagonal}${
                  d > 0 ? " (numerically singular)" : ""
                }; a Laplacian needs a negative shift, a mass matrix positive areas`,
          );
        }
      });
      // L's block: the front's first ns columns.
      const block = blockOffset[s];
      for (let j = 0; j < ns; j++) {
        heap.copyWithin(block + j * ld, front + j * ld, front + j * ld + f);
      }
      if (superParent[s] >= 0 && nu > 0) {
        const uld = nu + (nu & 1);
        for (let b = 0; b < nu; b++) {
          const from = front + (ns + b) * ld + ns;
          heap.copyWithin(stackTop + b * uld + b, from + b, from + nu);
        }
        updateAt.push(stackTop);
        updateChild.push(s);
        stackTop += nu * uld;
      }
    }
    const t1 = performance.now();
    return new SparseLDLT({
      analysis,
      pivots,
      negativePivots: negative,
      memory,
      kernels,
      simd: simd !== null,
      valuesAt,
      rowsAt,
      rhsAt,
      timings: {
        ordering: reused ? 0 : analysis.ordering,
        symbolic: reused ? 0 : analysis.symbolic,
        numeric: (t1 - t0) / 1000,
      },
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
    if (this.recycled) {
      throw new SparseSolverError("invalid-argument", "this factorisation was recycled by a later one");
    }
    if (!(Number.isInteger(m) && m >= 1) || B.length !== n * m) {
      throw new SparseSolverError(
        "invalid-argument",
        `the right-hand side has length ${B.length}, expected ${n} rows × ${m} columns`,
      );
    }
    // The kernels take an even number of columns: an odd count gets a zero column.
    const width = m + (m & 1);
    const kernels = this.kernelsFor(width);
    const x = new Float64Array(this.memory.buffer, this.rhsAt, n * width);
    const { order } = this;
    if (width === m) {
      for (let k = 0; k < n; k++) {
        const from = order[k] * m;
        const to = k * m;
        for (let c = 0; c < m; c++) x[to + c] = B[from + c];
      }
    } else {
      for (let k = 0; k < n; k++) {
        const from = order[k] * m;
        const to = k * width;
        for (let c = 0; c < m; c++) x[to + c] = B[from + c];
        x[to + m] = 0;
      }
    }
    this.solveInPlace(kernels, width);
    const result = out ?? new Float64Array(n * m);
    for (let k = 0; k < n; k++) {
      const to = order[k] * m;
      const from = k * width;
      for (let c = 0; c < m; c++) result[to + c] = x[from + c];
    }
    return result;
  }

  private kernelsFor(width: number): SolveKernels {
    const needed = this.rhsAt + (this.n + 2) * width * 8 + 64;
    if (needed > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / 65536));
    }
    if (this.solveKernels === null || this.solveWidth !== width) {
      this.solveKernels =
        (this.simd ? simdSolveKernels(this.memory, width) : null) ??
        javascriptSolveKernels(this.memory, width);
      this.solveWidth = width;
    }
    return this.solveKernels;
  }

  /** Forward, diagonal and backward solves over the supernodes on the right-hand sides in memory. */
  private solveInPlace(kernels: SolveKernels, width: number): void {
    const { superStart, rowStart, blockOffset, leading } = this.analysis;
    const count = superStart.length - 1;
    const x = this.rhsAt;
    const rowBytes = width * 8;
    for (let s = 0; s < count; s++) {
      const f0 = superStart[s];
      const ns = superStart[s + 1] - f0;
      const f = rowStart[s + 1] - rowStart[s];
      const block = this.valuesAt + blockOffset[s] * 8;
      const xs = x + f0 * rowBytes;
      kernels.lowerSolve(block, leading[s], ns, xs);
      if (f > ns)
        kernels.scatterUpdate(
          block + ns * 8,
          leading[s],
          ns,
          f - ns,
          this.rowsAt + (rowStart[s] + ns) * 4,
          xs,
          x,
        );
    }
    const heap = new Float64Array(this.memory.buffer, x, this.n * width);
    const { pivots } = this;
    for (let j = 0; j < this.n; j++) {
      const inverse = 1 / pivots[j];
      for (let c = 0; c < width; c++) heap[j * width + c] *= inverse;
    }
    for (let s = count - 1; s >= 0; s--) {
      const f0 = superStart[s];
      const ns = superStart[s + 1] - f0;
      const f = rowStart[s + 1] - rowStart[s];
      const block = this.valuesAt + blockOffset[s] * 8;
      const xs = x + f0 * rowBytes;
      if (f > ns)
        kernels.gatherUpdate(
          block + ns * 8,
          leading[s],
          ns,
          f - ns,
          this.rowsAt + (rowStart[s] + ns) * 4,
          xs,
          x,
        );
      kernels.upperSolve(block, leading[s], ns, xs);
    }
  }
}

/**
 * Partial LDLᵀ of a front in place (column-major, leading dimension `ld`, `f` rows): its first
 * `ns` columns become L's (unit diagonal implied) with the pivots in `pivots[f0 + j]`, and the
 * trailing `f − ns` square its Schur complement (lower triangle). By panels of `PANEL` columns:
 * within a panel each column first takes the updates of the panel's earlier columns (one
 * matrix-vector product), then is divided by its pivot; after the panel, the rest of the front
 * is updated by one product `F −= L_panel · (D L_panelᵀ)` per block of columns. The products run
 * on the dense kernels; what is left in JavaScript is O(f) per column. Returns the number of
 * negative pivots.
 */
function factorFront(
  heap: Float64Array,
  kernels: DenseKernels,
  front: number,
  ld: number,
  f: number,
  ns: number,
  panel: number,
  panelLeading: number,
  pivots: Float64Array,
  f0: number,
  check: (j: number, d: number) => void,
): number {
  let negative = 0;
  // Rows are handed to the kernels from an even row on, in an even count (the front's leading
  // dimension is even); the extra row above a diagonal only touches the unused upper triangle.
  const even = (from: number) => f - from + ((f - from) & 1);
  for (let p0 = 0; p0 < ns; p0 += PANEL) {
    const p1 = Math.min(ns, p0 + PANEL);
    for (let j = p0; j < p1; j++) {
      const column = front + j * ld;
      if (j > p0) {
        const from = j & ~1;
        // F[:, j] += L[:, p0:j] · W[j, p0:j]ᵀ with W = −L·D.
        kernels.gemmNN(
          (column + from) * 8,
          ld,
          (front + p0 * ld + from) * 8,
          ld,
          (panel + j) * 8,
          panelLeading,
          even(from),
          j - p0,
          1,
        );
      }
      const d = heap[column + j];
      check(j, d);
      pivots[f0 + j] = d;
      if (d < 0) negative++;
      const inverse = 1 / d;
      const w = panel + (j - p0) * panelLeading;
      for (let r = j + 1; r < f; r++) {
        const v = heap[column + r];
        heap[w + r] = -v;
        heap[column + r] = v * inverse;
      }
    }
    // The trailing columns q ≥ p1 (rows r ≥ q): F += L[:, p0:p1] · W[q, p0:p1]ᵀ, by column blocks.
    const width = p1 - p0;
    for (let q0 = p1; q0 < f; q0 += UPDATE_BLOCK) {
      const q1 = Math.min(f, q0 + UPDATE_BLOCK);
      const from = q0 & ~1;
      kernels.gemmNN(
        (front + q0 * ld + from) * 8,
        ld,
        (front + p0 * ld + from) * 8,
        ld,
        (panel + q0) * 8,
        panelLeading,
        even(from),
        width,
        q1 - q0,
      );
    }
  }
  return negative;
}

/** Elimination tree and column counts (entries below the diagonal of L) for `order`. */
function eliminationTree(
  matrix: SparseMatrix,
  order: Int32Array,
): { parent: Int32Array; columnCount: Int32Array } {
  const n = matrix.nRows;
  const position = new Int32Array(n);
  for (let k = 0; k < n; k++) position[order[k]] = k;
  const { rowOffsets, columnIndices } = matrix;
  const parent = new Int32Array(n).fill(-1);
  const flag = new Int32Array(n);
  const columnCount = new Int32Array(n);
  // Row k of L has an entry in column j for every j on the tree paths from the i < k with
  // A_ik ≠ 0 up to k (Liu's row-subtree walk).
  for (let k = 0; k < n; k++) {
    flag[k] = k;
    const row = order[k];
    for (let p = rowOffsets[row]; p < rowOffsets[row + 1]; p++) {
      let i = position[columnIndices[p]];
      if (i >= k) continue;
      while (flag[i] !== k) {
        if (parent[i] === -1) parent[i] = k;
        columnCount[i]++;
        flag[i] = k;
        i = parent[i];
      }
    }
  }
  return { parent, columnCount };
}

/** A postorder of the forest `parent` (children before parents, each subtree contiguous). */
function postorder(parent: Int32Array): Int32Array {
  const n = parent.length;
  const head = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  // Children lists in decreasing order so that the walk visits them increasingly.
  for (let j = n - 1; j >= 0; j--) {
    const p = parent[j];
    if (p >= 0) {
      next[j] = head[p];
      head[p] = j;
    }
  }
  const post = new Int32Array(n);
  const stack = new Int32Array(n);
  let k = 0;
  for (let root = 0; root < n; root++) {
    if (parent[root] !== -1) continue;
    let top = 0;
    stack[0] = root;
    while (top >= 0) {
      const v = stack[top];
      const child = head[v];
      if (child === -1) {
        post[k++] = v;
        top--;
      } else {
        head[v] = next[child];
        stack[++top] = child;
      }
    }
  }
  return post;
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
