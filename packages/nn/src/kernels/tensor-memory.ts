import type * as tf from "@tensorflow/tfjs";
import { heapAddress } from "./wasm-heap.js";

/**
 * Direct access to tensor memory for the message-passing kernels, which are JavaScript loops
 * registered as tfjs kernels.
 *
 * `dataSync()` copies into a fresh array and `tf.tensor(array)` copies out of one; on this
 * project's machines touching freshly allocated memory costs about 2 ns per float (page faults),
 * more than the loops themselves. On the wasm backend the kernels therefore read and write the
 * wasm heap in place, as tfjs's own wasm kernels do; on the cpu backend they read the stored
 * arrays; on any other backend (webgl, tfjs-node) they go through copies.
 */

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}
interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Runs `body` on float32 views of `inputs` and of new zero-filled outputs of the given shapes,
 * inside a kernel function of `backend` (named `backendName`), and returns the outputs. The views
 * are only valid during `body`.
 */
export function runFloat32Kernel(
  backend: tf.KernelBackend,
  backendName: string,
  inputs: readonly tf.TensorInfo[],
  outputShapes: readonly number[][],
  body: (inViews: Float32Array[], outViews: Float32Array[]) => void,
  kernelName: string,
): tf.TensorInfo[] {
  for (const t of inputs) {
    if (t.dtype !== "float32") throw new TypeError(`${kernelName}: expected float32 inputs, got ${t.dtype}`);
  }
  if (backendName === "wasm") {
    const wasm = backend as unknown as WasmBackendInternals;
    const outputs = outputShapes.map((shape) => wasm.makeOutput(shape, "float32"));
    // Views are taken after every allocation: an allocation may grow (and move) the heap.
    const view = (t: tf.TensorInfo) => {
      const record = wasm.dataIdMap.get(t.dataId);
      if (record === undefined) throw new Error(`${kernelName}: a tensor has no wasm memory`);
      // tfjs 4.22 stores its `_malloc` results unsigned already; read as an address all the same
      // (the heap grows to 4 GiB, and a signed offset past 2 GiB would make this view throw).
      return new Float32Array(wasm.wasm.HEAPU8.buffer, heapAddress(record.memoryOffset), size(t.shape));
    };
    const outViews = outputs.map(view);
    for (const v of outViews) v.fill(0);
    body(inputs.map(view), outViews);
    return outputs;
  }
  const inViews = inputs.map((t) => {
    if (backendName === "cpu") {
      const values = (backend as unknown as CpuBackendInternals).data.get(t.dataId)?.values;
      if (values instanceof Float32Array) return values;
    }
    return backend.readSync(t.dataId) as Float32Array;
  });
  const outViews = outputShapes.map((shape) => new Float32Array(size(shape)));
  body(inViews, outViews);
  return outViews.map((values, i) => {
    const shape = [...outputShapes[i]];
    if (backendName === "cpu") {
      return (backend as unknown as CpuBackendInternals).makeTensorInfo(shape, "float32", values);
    }
    return { dataId: backend.write(values, shape, "float32"), shape, dtype: "float32" };
  });
}
