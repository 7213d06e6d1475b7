import { FieldType, randomField, relativeError } from "@gemcnn/gauge";
import { mulberry32 } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { GatedNonlinearity } from "../layers/nonlinearities.js";
import { FieldDropout, FieldNormalization } from "../layers/normalization.js";
import { InvariantPooling } from "../layers/pooling.js";
import { setFusedFieldKernels } from "./field-kernels.js";

/**
 * The whole-field kernels against the layers' op-by-op paths (`setFusedFieldKernels(false)`,
 * the code the layers ran before): outputs, gradients of a random linear function of the output
 * with respect to the input and to every trainable weight, and the moving statistics, on random
 * non-zero inputs and weights. Tolerance 1e-5 relative (max-norm): both compute in float32 (unit
 * roundoff 6e-8) with sums over up to V = 300 rows, which the op path accumulates in float32
 * (relative error up to about √V·6e-8 ≈ 1e-6 per sum, a few sums deep) and the kernels in
 * float64; a wrong index or a missing term gives errors of order 1 (the negative control).
 */
const V = 300;
const TOLERANCE = 1e-5;
/** The largest error seen per backend, printed at the end. */
let worst = 0;

function within(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const error = relativeError(actual, expected);
  worst = Math.max(worst, error);
  expect(error).toBeLessThan(TOLERANCE);
}

interface Run {
  output: Float32Array;
  gradients: Float32Array[];
  weights: Float32Array[];
  kernels: string[];
}

/** Runs `layer` on `x` with `kwargs`, differentiates `Σ r ⊙ output`, and reads everything back. */
function run(layer: tf.layers.Layer, x: Float32Array, dim: number, kwargs: Record<string, unknown>): Run {
  const input = tf.tensor2d(x, [x.length / dim, dim]);
  let output = new Float32Array();
  let kernels: string[] = [];
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const gradients = tf.tidy(() => {
    const names: string[] = [];
    const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
    const runKernel = engine.runKernel;
    engine.runKernel = (name, ...rest) => {
      names.push(name);
      return runKernel.call(engine, name, ...rest);
    };
    try {
      const f = (xs: tf.Tensor) => {
        const y = layer.apply(xs, kwargs) as tf.Tensor;
        output = Float32Array.from(y.dataSync());
        const weights = tf.tensor(randomField(FieldType.scalars(1), y.size, 7, "float32"), y.shape);
        return tf.sum(tf.mul(y, weights)) as tf.Scalar;
      };
      const dWeights =
        variables.length === 0 ? [] : Object.values(tf.variableGrads(() => f(input), variables).grads);
      const dx = tf.grad(f)(input);
      kernels = names;
      return [dx, ...dWeights].map((g) => g.dataSync() as Float32Array);
    } finally {
      engine.runKernel = runKernel;
    }
  });
  input.dispose();
  return { output, gradients, weights: layer.getWeights().map((w) => w.dataSync() as Float32Array), kernels };
}

/** The same layer (built from `make`, with `weights`) run fused and op by op. */
function compare(
  make: () => tf.layers.Layer,
  weights: (layer: tf.layers.Layer) => void,
  x: Float32Array,
  dim: number,
  kwargs: Record<string, unknown>,
): { fused: Run; ops: Run } {
  const runWith = (fusedKernels: boolean) => {
    const old = setFusedFieldKernels(fusedKernels);
    try {
      const layer = make();
      layer.apply(tf.zeros([1, dim]));
      weights(layer);
      return run(layer, x, dim, kwargs);
    } finally {
      setFusedFieldKernels(old);
    }
  };
  return { fused: runWith(true), ops: runWith(false) };
}

function expectSame({ fused, ops }: { fused: Run; ops: Run }, fusedKernel: string): void {
  // The two paths really are different code: the fused one runs the kernel, the op path does not.
  expect(fused.kernels).toContain(fusedKernel);
  expect(ops.kernels).not.toContain(fusedKernel);
  expect(fused.kernels.length).toBeLessThan(ops.kernels.length);
  within(fused.output, ops.output);
  expect(fused.gradients.length).toBe(ops.gradients.length);
  fused.gradients.forEach((g, i) => {
    within(g, ops.gradients[i]);
  });
  fused.weights.forEach((w, i) => {
    within(w, ops.weights[i]);
  });
}

/** A random non-zero float32 field with an offset per column, so that means and variances differ. */
function input(type: FieldType, seed: number): Float32Array {
  const random = mulberry32(seed);
  return randomField(type, V, seed, "float32").map(
    (v, i) => 2 * v + ((i % type.dim) - type.dim / 2) * 0.3 + 0.01 * random(),
  ) as Float32Array;
}

function randomWeights(seed: number) {
  return (layer: tf.layers.Layer) => {
    const random = mulberry32(seed);
    const names = layer.weights.map((w) => w.name);
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        const name = names[i];
        const values = Float32Array.from({ length: w.size }, () =>
          name.includes("variance") || name.includes("gamma") ? 0.5 + random() : random() - 0.5,
        );
        return tf.tensor(values, w.shape);
      }),
    );
  };
}

const TYPES = ["3x0+2x1+2x2", "4x0", "3x1+1x2", "16x0+16x1+16x2"].map((t) => FieldType.parse(t));

describe.each(["wasm", "cpu"] as const)("whole-field kernels against the op-by-op layers (%s)", (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
    worst = 0;
  });
  afterAll(() => {
    console.log(
      `whole-field kernels against the op-by-op layers (${backend}): largest relative error ${worst.toExponential(1)}`,
    );
  });
  afterEach(() => {
    setFusedFieldKernels(true);
  });

  it.each(TYPES.map((t) => [t.toString(), t]))(
    "FieldNormalization %s: training, then inference",
    (_, type) => {
      const t = type as FieldType;
      for (const training of [true, false]) {
        const pair = compare(
          () => new FieldNormalization({ fieldType: t, momentum: 0.7, epsilon: 1e-3 }),
          randomWeights(11),
          input(t, 5),
          t.dim,
          { training },
        );
        expectSame(pair, "GemcnnNormalizeFields");
      }
    },
  );

  it.each(TYPES.map((t) => [t.toString(), t]))("FieldDropout %s, rate 0.3, same seed", (_, type) => {
    const t = type as FieldType;
    const pair = compare(
      () => new FieldDropout({ fieldType: t, rate: 0.3, seed: 17 }),
      () => {},
      input(t, 6),
      t.dim,
      { training: true },
    );
    expectSame(pair, "GemcnnDropFields");
    // Dropout multiplies by exactly the same numbers on both paths.
    expect(pair.fused.output).toEqual(pair.ops.output);
    expect(pair.fused.output.some((v) => v === 0)).toBe(true);
  });

  it.each([
    ["relu", "sigmoid"],
    ["elu", "tanh"],
    ["softplus", "swish"],
    ["linear", "relu"],
  ])("GatedNonlinearity: %s scalars, %s gates", (scalarActivation, gateActivation) => {
    for (const fieldType of ["3x0+2x1+2x2", "3x1+1x2", "16x0+16x1+16x2"]) {
      const layer = () => new GatedNonlinearity({ fieldType, scalarActivation, gateActivation });
      const inType = layer().inputType;
      const pair = compare(layer, () => {}, input(inType, 8), inType.dim, {});
      expectSame(pair, "GemcnnGatedFields");
    }
  });

  // Scalars alone are their own invariants: a slice on both paths.
  it.each(TYPES.filter((t) => t.nonScalarCount > 0).map((t) => [t.toString(), t]))(
    "InvariantPooling %s, some copies exactly zero",
    (_, type) => {
      const t = type as FieldType;
      const x = input(t, 9);
      x.fill(0, 5 * t.dim, 7 * t.dim);
      const pair = compare(
        () => new InvariantPooling({ fieldType: t }),
        () => {},
        x,
        t.dim,
        {},
      );
      expectSame(pair, "GemcnnFieldInvariants");
    },
  );

  it("negative control: the comparison sees a wrong index and a wrong statistic", () => {
    const t = FieldType.parse("3x0+2x1+2x2");
    const pair = compare(
      () => new FieldNormalization({ fieldType: t }),
      randomWeights(11),
      input(t, 5),
      t.dim,
      { training: true },
    );
    const shifted = Float32Array.from(pair.fused.output, (_, i) => pair.fused.output[(i + 1) % V]);
    expect(relativeError(shifted, pair.ops.output)).toBeGreaterThan(1e-2);
    // Normalising with ε = 1e-1 instead of 1e-3 changes the output by more than the tolerance.
    const wrongEpsilon = compare(
      () => new FieldNormalization({ fieldType: t, epsilon: 1e-1 }),
      randomWeights(11),
      input(t, 5),
      t.dim,
      { training: true },
    );
    expect(relativeError(wrongEpsilon.fused.output, pair.ops.output)).toBeGreaterThan(10 * TOLERANCE);
  });
});
