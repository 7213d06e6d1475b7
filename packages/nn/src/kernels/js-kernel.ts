import * as tf from "@tensorflow/tfjs";
import { runFloat32Kernel } from "./tensor-memory.js";

/**
 * A float32 tfjs kernel written as a JavaScript loop over typed arrays, registered under
 * `name` for whichever backend is active when it first runs (the same loop serves every backend;
 * see tensor-memory.ts for how it reaches the data). `attrs` may hold any object (tfjs passes
 * them through untouched), which is how the kernels receive their precomputed plans.
 */
export interface JsKernelSpec<Attrs extends object> {
  readonly name: string;
  /**
   * Names of the kernel's inputs, in the order `body` receives them. Without it the kernel takes
   * any number of inputs, named `in0, in1, …` and received in that order.
   */
  readonly inputNames?: readonly string[];
  readonly outputShapes: (attrs: Attrs) => number[][];
  readonly body: (attrs: Attrs, inputs: Float32Array[], outputs: Float32Array[]) => void;
}

/** Registers `spec` (lazily, per backend) and returns a function that runs it on tensors. */
export function defineJsKernel<Attrs extends object>(
  spec: JsKernelSpec<Attrs>,
): (inputs: readonly tf.Tensor[], attrs: Attrs) => tf.Tensor[] {
  const inputNamesOf = (named: tf.NamedTensorInfoMap) =>
    spec.inputNames ?? Object.keys(named).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  return (inputs, attrs) => {
    const backendName = tf.getBackend();
    if (tf.getKernel(spec.name, backendName) === undefined) {
      tf.registerKernel({
        kernelName: spec.name,
        backendName,
        kernelFunc: ({ inputs: named, attrs: a, backend }) =>
          runFloat32Kernel(
            backend as tf.KernelBackend,
            backendName,
            inputNamesOf(named).map((n) => named[n]!),
            spec.outputShapes(a as unknown as Attrs),
            (ins, outs) => spec.body(a as unknown as Attrs, ins, outs),
            spec.name,
          ),
      });
    }
    const named: tf.NamedTensorMap = {};
    inputs.forEach((t, i) => {
      named[spec.inputNames?.[i] ?? `in${i}`] = t;
    });
    const out = tf.engine().runKernel(spec.name, named, attrs as unknown as tf.NamedAttrMap);
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  };
}
