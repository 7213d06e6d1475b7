import * as tf from "@tensorflow/tfjs";
import { defineJsKernel } from "./js-kernel.js";

/**
 * Row selection `x[rows]` of a float32 `[n × d]` tensor and its gradient (the rows added back into
 * zeros), as plain copies. tfjs's `gather` cannot be differentiated on the wasm backend (no
 * `UnsortedSegmentSum`) and its cpu gradient allocates a temporary per segment, so the
 * per-vertex losses select rows with this instead.
 */
interface RowsAttrs {
  readonly n: number;
  readonly width: number;
  readonly rows: Int32Array;
}

const gatherKernel = defineJsKernel<RowsAttrs>({
  name: "GemcnnGatherRows",
  inputNames: ["x"],
  outputShapes: ({ rows, width }) => [[rows.length, width]],
  body: ({ rows, width }, [x], [out]) => {
    for (let i = 0; i < rows.length; i++)
      out.set(x.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  },
});

const scatterKernel = defineJsKernel<RowsAttrs>({
  name: "GemcnnScatterRows",
  inputNames: ["dy"],
  outputShapes: ({ n, width }) => [[n, width]],
  body: ({ rows, width }, [dy], [out]) => {
    out.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const to = rows[i] * width;
      const from = i * width;
      for (let k = 0; k < width; k++) out[to + k] += dy[from + k];
    }
  },
});

tf.registerGradient({
  kernelName: "GemcnnGatherRows",
  gradFunc: (dy, _saved, attrs) => ({
    x: () => scatterKernel([dy as tf.Tensor], attrs as unknown as RowsAttrs)[0],
  }),
});

/** Rows `rows` of a float32 `[n × width]` tensor (repeats allowed), differentiable on every backend. */
export function gatherRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const [n, width] = x.shape;
  for (const r of rows) {
    if (!(r >= 0 && r < n)) throw new RangeError(`gatherRows: row ${r} is outside the tensor's ${n} rows`);
  }
  return gatherKernel([x], { n, width, rows })[0] as tf.Tensor2D;
}
