import * as tf from "@tensorflow/tfjs";
import { defineJsKernel } from "../kernels/js-kernel.js";

/**
 * A constant sparse matrix `M` (`[nRows × nCols]`, compressed rows) for `y = M w`, with its
 * transpose for the gradient `dw = Mᵀ dy`. Used to expand a layer's few weights into a large
 * structured matrix (a commuting self-interaction) without a dense basis tensor, and without
 * `tf.gather`, whose gradient the wasm backend lacks.
 */
export interface SparseMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly rowOffsets: Uint32Array;
  readonly cols: Uint32Array;
  readonly values: Float64Array;
}

const transposes = new WeakMap<SparseMatrix, SparseMatrix>();

/** The matrix from `(row, col, value)` triplets (duplicates add up). */
export function sparseMatrix(
  nRows: number,
  nCols: number,
  triplets: readonly (readonly [number, number, number])[],
): SparseMatrix {
  const counts = new Uint32Array(nRows + 1);
  for (const [r] of triplets) counts[r + 1]++;
  for (let r = 0; r < nRows; r++) counts[r + 1] += counts[r];
  const next = counts.slice(0, nRows);
  const cols = new Uint32Array(triplets.length);
  const values = new Float64Array(triplets.length);
  for (const [r, c, v] of triplets) {
    const k = next[r]++;
    cols[k] = c;
    values[k] = v;
  }
  return { nRows, nCols, rowOffsets: counts, cols, values };
}

function transposeOf(m: SparseMatrix): SparseMatrix {
  let t = transposes.get(m);
  if (t === undefined) {
    const triplets: [number, number, number][] = [];
    for (let r = 0; r < m.nRows; r++) {
      for (let k = m.rowOffsets[r]; k < m.rowOffsets[r + 1]; k++) triplets.push([m.cols[k], r, m.values[k]]);
    }
    t = sparseMatrix(m.nCols, m.nRows, triplets);
    transposes.set(m, t);
    transposes.set(t, m);
  }
  return t;
}

const matVecKernel = defineJsKernel<{ matrix: SparseMatrix }>({
  name: "GemcnnSparseMatVec",
  inputNames: ["w"],
  outputShapes: ({ matrix }) => [[matrix.nRows]],
  body: ({ matrix }, [w], [y]) => {
    const { nRows, rowOffsets, cols, values } = matrix;
    for (let r = 0; r < nRows; r++) {
      let sum = 0;
      for (let k = rowOffsets[r]; k < rowOffsets[r + 1]; k++) sum += values[k] * w[cols[k]];
      y[r] = sum;
    }
  },
});

tf.registerGradient({
  kernelName: "GemcnnSparseMatVec",
  gradFunc: (dy, _saved, attrs) => {
    const { matrix } = attrs as unknown as { matrix: SparseMatrix };
    return { w: () => matVecKernel([dy as tf.Tensor], { matrix: transposeOf(matrix) })[0] };
  },
});

/** `M w` for a vector `w` of length `matrix.nCols` (float32), differentiable in `w`. */
export function sparseMatVec(matrix: SparseMatrix, w: tf.Tensor1D): tf.Tensor1D {
  if (w.rank !== 1 || w.shape[0] !== matrix.nCols) {
    throw new Error(
      `sparseMatVec: expected a vector of length ${matrix.nCols}, got shape [${w.shape.join(", ")}]`,
    );
  }
  return matVecKernel([w], { matrix })[0] as tf.Tensor1D;
}
