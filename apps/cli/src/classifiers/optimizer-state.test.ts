import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32 } from "@gemcnn/geometry";
import { FusedAdamOptimizer, initBackend } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRecord, type RecordArray } from "../preprocess/record.js";
import { loadAdamState, saveAdamState } from "./optimizer-state.js";

const SHAPES = [[4, 3], [3], [2, 2, 2]];

function randomValues(random: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => random() * 2 - 1);
}

/** Fresh variables with seeded random values (the same for every call with one seed). */
function variablesOf(seed: number): tf.Variable[] {
  const random = mulberry32(seed);
  return SHAPES.map((s) =>
    tf.variable(
      tf.tensor(
        randomValues(
          random,
          s.reduce((a, b) => a * b, 1),
        ),
        s,
      ),
    ),
  );
}

/** `steps` steps with seeded random gradients, step numbers `from … from + steps − 1`. */
function train(optimizer: tf.Optimizer, variables: tf.Variable[], from: number, steps: number): void {
  for (let t = from; t < from + steps; t++) {
    const random = mulberry32(1000 + t);
    tf.tidy(() => {
      const map: tf.NamedTensorMap = {};
      variables.forEach((v) => {
        map[v.name] = tf.tensor(randomValues(random, v.size), v.shape);
      });
      optimizer.applyGradients(map);
    });
  }
}

const bits = (variables: tf.Variable[]) =>
  variables.map((v) => Array.from(new Uint32Array(Float32Array.from(v.dataSync()).buffer)));

describe("optimizer.bin", () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), "gemcnn-optimizer-state-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a resumed optimizer (new variables, other names) continues exactly as an uninterrupted one", async () => {
    const straight = variablesOf(1);
    train(new FusedAdamOptimizer(0.01), straight, 0, 8);

    const before = variablesOf(1);
    const first = new FusedAdamOptimizer(0.01);
    train(first, before, 0, 5);
    const path = join(dir, "optimizer.bin");
    await saveAdamState(first, path);
    // As in a new process: other variables (other names), the weights copied over.
    const after = variablesOf(2);
    after.forEach((v, k) => {
      v.assign(before[k]);
    });
    const second = new FusedAdamOptimizer(0.01);
    await loadAdamState(second, path, after);
    expect(second.iterations).toBe(5);
    train(second, after, 5, 3);
    expect(bits(after)).toEqual(bits(straight));
    // Negative control: resuming without the moments does not continue the same way.
    const fresh = variablesOf(3);
    fresh.forEach((v, k) => {
      v.assign(before[k]);
    });
    train(new FusedAdamOptimizer(0.01), fresh, 5, 3);
    expect(bits(fresh)).not.toEqual(bits(straight));
    tf.dispose([...straight, ...before, ...after, ...fresh]);
  });

  it("reads a checkpoint written with tfjs's AdamOptimizer and continues as tfjs's optimizer would", async () => {
    const reference = variablesOf(4);
    const adam = tf.train.adam(0.01);
    train(adam, reference, 0, 4);
    // What the command line wrote before the fused optimizer: getWeights(), then the β powers.
    const internals = adam as unknown as { accBeta1: tf.Tensor; accBeta2: tf.Tensor };
    const named = [
      ...(await adam.getWeights()),
      { name: "accBeta1", tensor: internals.accBeta1 },
      { name: "accBeta2", tensor: internals.accBeta2 },
    ];
    const arrays: Record<string, RecordArray> = {};
    const entries = named.map((entry, i) => {
      const values = entry.tensor.dataSync();
      arrays[`t${i}`] =
        entry.tensor.dtype === "int32" ? Int32Array.from(values) : Float32Array.from(values as Float32Array);
      return { name: entry.name, dtype: entry.tensor.dtype, shape: entry.tensor.shape };
    });
    const path = join(dir, "tfjs-optimizer.bin");
    await writeFile(path, encodeRecord({ meta: { kind: "adam", entries }, arrays }));

    const resumed = variablesOf(5);
    resumed.forEach((v, k) => {
      v.assign(reference[k]);
    });
    const fused = new FusedAdamOptimizer(0.01);
    await loadAdamState(fused, path, resumed);
    train(adam, reference, 4, 3);
    train(fused, resumed, 4, 3);
    expect(bits(resumed)).toEqual(bits(reference));
    tf.dispose([...reference, ...resumed]);
    adam.dispose();
  });

  it("names the file when it is truncated or does not fit the model", async () => {
    const variables = variablesOf(6);
    const optimizer = new FusedAdamOptimizer(0.01);
    train(optimizer, variables, 0, 2);
    const path = join(dir, "good.bin");
    await saveAdamState(optimizer, path);
    const bytes = await readFile(path);
    const truncated = join(dir, "truncated.bin");
    await writeFile(truncated, bytes.subarray(0, bytes.length - 10));
    await expect(loadAdamState(new FusedAdamOptimizer(), truncated, variables)).rejects.toThrow(
      /truncated\.bin: corrupt or truncated/,
    );
    const other = [tf.variable(tf.zeros([5])), tf.variable(tf.zeros([3])), tf.variable(tf.zeros([2, 2, 2]))];
    await expect(loadAdamState(new FusedAdamOptimizer(), path, other)).rejects.toThrow(
      /good\.bin: the moments of weight 0 have shape \[4,3\], the model's ".*" \[5\]/,
    );
    tf.dispose([...variables, ...other]);
  });
});
