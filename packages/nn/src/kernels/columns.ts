import * as tf from "@tensorflow/tfjs";
import { defineJsKernel } from "./js-kernel.js";

/**
 * Concatenation of 2-D tensors along their columns, and its gradient (the column slices), as
 * plain copies. tfjs's own concat gradient (SplitV) took twice as long as the concat on the
 * wasm backend; these copies run on the tensors' memory in place (see tensor-memory.ts).
 */
interface ConcatAttrs {
  readonly rows: number;
  readonly widths: readonly number[];
}

const concatKernel = defineJsKernel<ConcatAttrs>({
  name: "GemcnnConcatColumns",
  outputShapes: ({ rows, widths }) => [[rows, widths.reduce((a, b) => a + b, 0)]],
  body: ({ rows, widths }, parts, [out]) => {
    const total = widths.reduce((a, b) => a + b, 0);
    let start = 0;
    parts.forEach((part, i) => {
      const w = widths[i];
      for (let r = 0; r < rows; r++) out.set(part.subarray(r * w, (r + 1) * w), r * total + start);
      start += w;
    });
  },
});

interface ColumnsAttrs {
  readonly rows: number;
  readonly total: number;
  readonly start: number;
  readonly width: number;
}

const columnsKernel = defineJsKernel<ColumnsAttrs>({
  name: "GemcnnColumns",
  inputNames: ["x"],
  outputShapes: ({ rows, width }) => [[rows, width]],
  body: ({ rows, total, start, width }, [x], [out]) => {
    for (let r = 0; r < rows; r++)
      out.set(x.subarray(r * total + start, r * total + start + width), r * width);
  },
});

tf.registerGradient({
  kernelName: "GemcnnConcatColumns",
  gradFunc: (dy, _saved, attrs) => {
    const { rows, widths } = attrs as unknown as ConcatAttrs;
    const total = widths.reduce((a, b) => a + b, 0);
    const grads: Record<string, () => tf.Tensor> = {};
    let start = 0;
    widths.forEach((width, i) => {
      const s = start;
      grads[`in${i}`] = () => columnsKernel([dy as tf.Tensor], { rows, total, start: s, width })[0];
      start += width;
    });
    return grads;
  },
});

/** `tf.concat(parts, 1)` for float32 `[rows × w_i]` tensors, with a cheaper gradient. */
export function concatColumns(parts: readonly tf.Tensor2D[]): tf.Tensor2D {
  const rows = parts[0].shape[0];
  for (const p of parts) {
    if (p.rank !== 2 || p.shape[0] !== rows)
      throw new Error("concatColumns: every part must be [rows × width]");
  }
  return concatKernel(parts, { rows, widths: parts.map((p) => p.shape[1]) })[0] as tf.Tensor2D;
}
