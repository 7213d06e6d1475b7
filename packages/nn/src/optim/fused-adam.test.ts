import { mulberry32 } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { FusedAdamOptimizer } from "./fused-adam.js";

/**
 * The fused optimizer against tfjs's `AdamOptimizer`: several steps on random non-zero weights
 * with random gradients of mixed magnitudes (so that the bias correction, ε and the rounding all
 * matter), weights and moments compared bit for bit. tfjs computes every operation in float32 and
 * the fused loop rounds every operation to float32 in the same order, so the results must be
 * identical, not merely close; the negative controls show that a one-ulp change of a
 * hyper-parameter or two swapped gradients are seen.
 */
const SHAPES = [[7], [3, 5], [2, 3, 4], [1]];
const STEPS = 6;

function randomArray(random: () => number, size: number, scale: number): Float32Array {
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale * 10 ** (4 * random() - 2));
}

/** Per step, per shape: a gradient (the same draws for every optimizer under test). */
function gradientsOf(seed: number): Float32Array[][] {
  const random = mulberry32(seed);
  return Array.from({ length: STEPS }, () =>
    SHAPES.map((s) =>
      randomArray(
        random,
        s.reduce((a, b) => a * b, 1),
        1,
      ),
    ),
  );
}

interface Trajectory {
  weights: Float32Array[];
  moments: Float32Array[];
}

/**
 * Runs `optimizer` for the steps of `gradients` on fresh variables with seeded random values;
 * `decay(variables, lr)` runs after each step (the command line's decoupled decay, op by op).
 */
function train(
  optimizer: tf.Optimizer,
  gradients: Float32Array[][],
  options: { learningRates?: number[]; decay?: (v: tf.Variable[], lr: number) => void; flat?: boolean } = {},
): Trajectory {
  const random = mulberry32(99);
  const variables = SHAPES.map((s) =>
    tf.variable(
      tf.tensor(
        randomArray(
          random,
          s.reduce((a, b) => a * b, 1),
          0.5,
        ),
        s,
      ),
    ),
  );
  gradients.forEach((step, t) => {
    const lr = options.learningRates?.[t] ?? 0.01;
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    if (options.flat) {
      const flat = new Float32Array(step.reduce((n, g) => n + g.length, 0));
      let at = 0;
      for (const g of step) {
        flat.set(g, at);
        at += g.length;
      }
      (optimizer as FusedAdamOptimizer).applyFlatGradients(variables, flat);
    } else {
      tf.tidy(() => {
        const map: tf.NamedTensorMap = {};
        variables.forEach((v, k) => {
          map[v.name] = tf.tensor(step[k], SHAPES[k]);
        });
        optimizer.applyGradients(map);
      });
    }
    options.decay?.(variables, lr);
  });
  const weights = variables.map((v) => Float32Array.from(v.dataSync()));
  tf.dispose(variables);
  return { weights, moments: [] };
}

async function momentsOf(optimizer: tf.Optimizer): Promise<Float32Array[]> {
  const named = await optimizer.getWeights();
  return named.slice(1).map((w) => Float32Array.from(w.tensor.dataSync() as Float32Array));
}

function expectIdentical(a: readonly Float32Array[], b: readonly Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, k) => {
    // Compared as bits: also -0 against 0, and NaN payloads.
    expect(Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length))).toEqual(
      Array.from(new Uint32Array(b[k].buffer, b[k].byteOffset, b[k].length)),
    );
  });
}

describe.each(["wasm", "cpu"] as const)("FusedAdamOptimizer against tfjs's Adam (%s)", (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it("takes the same steps, bit for bit, with changing learning rates (weights and moments)", async () => {
    const gradients = gradientsOf(1);
    const learningRates = [0.01, 0.003, 0.1, 1e-4, 0.02, 0.5];
    const reference = tf.train.adam(0.01);
    const expected = train(reference, gradients, { learningRates });
    const fused = new FusedAdamOptimizer(0.01);
    const actual = train(fused, gradients, { learningRates });
    expectIdentical(actual.weights, expected.weights);
    expectIdentical(await momentsOf(fused), await momentsOf(reference));
    expect(fused.iterations).toBe(reference.iterations);
    // The flat-vector entry point is the same update.
    const flat = new FusedAdamOptimizer(0.01);
    expectIdentical(train(flat, gradients, { learningRates, flat: true }).weights, expected.weights);
    reference.dispose();
  });

  it("other hyper-parameters and decoupled weight decay as tfjs's ops compute them", () => {
    const gradients = gradientsOf(2);
    const weightDecay = 0.05;
    const reference = tf.train.adam(0.02, 0.8, 0.99, 1e-5);
    const expected = train(reference, gradients, {
      decay: (variables, lr) =>
        tf.tidy(() => {
          // The command line's decay before the fused optimizer: kernels of every other variable.
          for (const v of variables.filter((_, k) => k % 2 === 0)) v.assign(tf.mul(v, 1 - lr * weightDecay));
        }),
    });
    const fused = new FusedAdamOptimizer(0.02, 0.8, 0.99, 1e-5);
    fused.weightDecay = weightDecay;
    // The decayed names are only known once the variables exist: pick them on the first call.
    const applyGradients = fused.applyGradients.bind(fused);
    fused.applyGradients = (map) => {
      const names = Object.keys(map as tf.NamedTensorMap);
      fused.decayedVariables = new Set(names.filter((_, k) => k % 2 === 0));
      applyGradients(map);
    };
    expectIdentical(train(fused, gradients).weights, expected.weights);
    reference.dispose();
  });

  it("negative control: one ulp of β2 or two swapped gradients change the result", () => {
    const gradients = gradientsOf(3);
    const expected = train(tf.train.adam(0.01), gradients);
    const beta2 = new Float32Array([0.999]);
    new Uint32Array(beta2.buffer)[0] += 1;
    const offByOneUlp = train(new FusedAdamOptimizer(0.01, 0.9, beta2[0]), gradients);
    expect(() => expectIdentical(offByOneUlp.weights, expected.weights)).toThrow();
    // At step 3, the first gradient value of the first and the last variable trade places.
    const swapped = gradients.map((step) => step.map((g) => g.slice()));
    swapped[2][0][0] = gradients[2][3][0];
    swapped[2][3][0] = gradients[2][0][0];
    expect(() =>
      expectIdentical(train(new FusedAdamOptimizer(0.01), swapped).weights, expected.weights),
    ).toThrow();
  });

  it("continues exactly after state() / setState(), and reads tfjs's getWeights format", async () => {
    const gradients = gradientsOf(4);
    const straight = new FusedAdamOptimizer(0.01);
    const expected = train(straight, gradients);
    // Half the steps, then the state moved to a fresh optimizer and the other half there.
    const random = mulberry32(99);
    const variables = SHAPES.map((s) =>
      tf.variable(
        tf.tensor(
          randomArray(
            random,
            s.reduce((a, b) => a * b, 1),
            0.5,
          ),
          s,
        ),
      ),
    );
    const stepOn = (optimizer: FusedAdamOptimizer, step: Float32Array[]) =>
      tf.tidy(() => {
        const map: tf.NamedTensorMap = {};
        variables.forEach((v, k) => {
          map[v.name] = tf.tensor(step[k], SHAPES[k]);
        });
        optimizer.applyGradients(map);
      });
    const first = new FusedAdamOptimizer(0.01);
    for (const step of gradients.slice(0, 3)) stepOn(first, step);
    const second = new FusedAdamOptimizer(0.01);
    second.setState(first.state());
    for (const step of gradients.slice(3)) stepOn(second, step);
    expectIdentical(
      variables.map((v) => Float32Array.from(v.dataSync())),
      expected.weights,
    );
    expect(second.iterations).toBe(STEPS);
    // tfjs's format: the moments come back; the β powers are recomputed as tfjs does.
    const reference = tf.train.adam(0.01);
    train(reference, gradients);
    const fromTfjs = new FusedAdamOptimizer(0.01);
    await fromTfjs.setWeights(await reference.getWeights());
    expect(fromTfjs.iterations).toBe(STEPS);
    expectIdentical(
      fromTfjs.state().moments.flatMap((m) => [m.first]),
      (await momentsOf(reference)).slice(0, SHAPES.length),
    );
    expect(fromTfjs.state().accBeta1).toBeCloseTo(0.9 ** (STEPS + 1), 6);
    tf.dispose(variables);
    reference.dispose();
  });

  it("refuses a flat gradient of the wrong length and a state of the wrong shape", () => {
    const v = tf.variable(tf.zeros([4]));
    const optimizer = new FusedAdamOptimizer();
    expect(() => optimizer.applyFlatGradients([v], new Float32Array(3))).toThrow(
      /3 gradient values for variables of 4/,
    );
    expect(() =>
      optimizer.setState({
        iterations: 1,
        accBeta1: 0.81,
        accBeta2: 0.998,
        moments: [{ name: v.name, shape: [4], first: new Float32Array(4), second: new Float32Array(2) }],
      }),
    ).toThrow(/do not have its shape/);
    v.dispose();
  });
});
