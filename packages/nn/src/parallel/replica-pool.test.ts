import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { meshFeatures } from "@gemcnn/features";
import {
  bumpySphere,
  MeshGeometry,
  type TriangleMeshData,
  torus,
  withSeededMathRandom,
} from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { buildGemClassifier, type GemModelConfig, meshOptionsOf } from "../models/builders.js";
import { applyToMeshes } from "../models/run.js";
import { batchMeshes } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import type { ReplicaSample } from "./replica.js";
import { ReplicaPool, ReplicaPoolError } from "./replica-pool.js";

// Small on purpose (meshes of 42-162 vertices, a network of a few thousand weights): every worker
// starts in about a second and a step takes milliseconds.
const CONFIG: GemModelConfig = {
  inputType: "3x0",
  blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "6x0+2x1+2x2", pool: true }],
  classes: 3,
  head: [8],
  dropout: 0.3,
  fieldDropout: 0.2,
  mesh: { poolRatio: 0.3 },
};

const meshes: TriangleMeshData[] = [
  bumpySphere({ level: 1, seed: 1 }),
  torus({ majorSegments: 10, minorSegments: 6 }),
  bumpySphere({ level: 2, seed: 2, amplitude: 0.2 }),
  torus({ majorSegments: 8, minorSegments: 5, minorRadius: 0.3 }),
  bumpySphere({ level: 1, seed: 3, amplitude: 0.3 }),
];
const geometries = meshes.map((m, i) => MeshGeometry.fromData(m, { source: `mesh ${i}` }));
const features = geometries.map(
  (g) => meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values,
);
const sample = (i: number): ReplicaSample => ({ mesh: meshes[i], features: features[i], name: `mesh ${i}` });
const LABELS = [0, 1, 2, 1, 0];

/** A model with random weights and non-trivial normalisation statistics, and an identical copy. */
function twinModels(seed: number): [tf.LayersModel, tf.LayersModel] {
  const a = withSeededMathRandom(seed, () => buildGemClassifier(CONFIG));
  const b = buildGemClassifier(CONFIG);
  b.setWeights(a.getWeights());
  return [a, b];
}

/** The single-threaded step: gradients of the batch's mean loss, dropout seeded by `seed`. */
function referenceGradients(model: tf.LayersModel, indices: number[], seed: number) {
  const batch = batchMeshes(indices.map((i) => buildMeshHierarchy(geometries[i], meshOptionsOf(model))));
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let logits: Float32Array = new Float32Array(0);
  const { grads, value } = withSeededMathRandom(seed, () =>
    tf.variableGrads(() => {
      const output = applyToMeshes(
        model,
        batch,
        indices.map((i) => features[i]),
        { training: true },
      );
      logits = output.dataSync() as Float32Array;
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(
          tf.tensor1d(
            indices.map((i) => LABELS[i]),
            "int32",
          ),
          CONFIG.classes,
        ),
        output,
      ) as tf.Scalar;
    }, variables),
  );
  return { grads, logits, loss: value.dataSync()[0] };
}

/** A model's gradients in `trainableWeights` order (variable names differ between models). */
function inOrder(model: tf.LayersModel, grads: tf.NamedTensorMap): Float32Array[] {
  return model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].dataSync() as Float32Array);
}

/** Largest difference of two gradient lists relative to the largest gradient entry. */
function relativeGradientDifference(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((x, k) => {
    x.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - b[k][i]));
      scale = Math.max(scale, Math.abs(v));
    });
  });
  return diff / scale;
}

const BATCH = [0, 1, 2, 3, 4];

describe("ReplicaPool", () => {
  let pool: ReplicaPool;
  let model: tf.LayersModel;
  let reference: tf.LayersModel;

  beforeAll(async () => {
    await initBackend();
    [model, reference] = twinModels(1);
    pool = await ReplicaPool.create(model, { threads: 2, sample });
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
  });

  it("computes one step over 2 workers as the single-threaded step over the whole batch, up to float32 rounding", async () => {
    const seed = 12;
    const expected = referenceGradients(reference, BATCH, seed);
    const got = await pool.classifierGradients(
      BATCH,
      BATCH.map((i) => LABELS[i]),
      { seed },
    );
    expect(Object.keys(got.gradients).length).toBe(Object.keys(expected.grads).length);
    const difference = relativeGradientDifference(
      inOrder(reference, expected.grads),
      inOrder(model, got.gradients),
    );
    // The same float32 terms summed in another order: a sum of n terms moves by at most about n·u
    // (u = 6e-8; n ≈ 350 vertices per level here, so 2e-5), typically √n·u; 1e-4 leaves a factor
    // for the passage through the layers. Measured: about 3e-6.
    expect(difference).toBeLessThan(1e-4);
    expect(Math.abs(got.loss - expected.loss) / expected.loss).toBeLessThan(1e-5);
    got.logits.forEach((z, i) => {
      expect(z).toBeCloseTo(expected.logits[i], 4);
    });
    // The normalisation statistics came back to the calling thread's model.
    const stats = (m: tf.LayersModel) =>
      m.nonTrainableWeights.flatMap((w) => Array.from(w.read().dataSync()));
    const moved = stats(model);
    stats(reference).forEach((s, i) => {
      expect(moved[i]).toBeCloseTo(s, 5);
    });
    expect(stats(model)).not.toEqual(stats(twinModels(1)[0]));
    tf.dispose([...Object.values(got.gradients), ...Object.values(expected.grads)]);

    // Negative control: each worker's part with its own normalisation statistics (what a naive
    // split computes) is far from the whole batch's gradient.
    const [, local] = twinModels(1);
    const parts = [BATCH.slice(0, 2), BATCH.slice(2)];
    const naive = parts.map((part) => inOrder(local, referenceGradients(local, part, seed).grads));
    const summed = naive[0].map((g, k) => g.map((v, i) => (2 / 5) * v + (3 / 5) * naive[1][k][i]));
    const [, fresh] = twinModels(1);
    const whole = inOrder(fresh, referenceGradients(fresh, BATCH, seed).grads);
    const naiveDifference = relativeGradientDifference(whole, summed);
    expect(naiveDifference).toBeGreaterThan(1e-2);
  }, 60_000);

  it("infers the logits the calling thread computes, with the model's current weights", async () => {
    const batch = batchMeshes(BATCH.map((i) => buildMeshHierarchy(geometries[i], meshOptionsOf(model))));
    const here = tf.tidy(
      () =>
        applyToMeshes(
          model,
          batch,
          BATCH.map((i) => features[i]),
        ).dataSync() as Float32Array,
    );
    // Other batch compositions (parts of 2 and 3 meshes, chunks of at most 2) change only the
    // last bits (reductions over differently sized tensors).
    const there = await pool.logits(BATCH, { batchSize: 2 });
    expect(there.length).toBe(here.length);
    there.forEach((z, i) => {
      expect(Math.abs(z - here[i])).toBeLessThan(1e-5 * (1 + Math.abs(here[i])));
    });
    // Changed weights on the calling thread reach the workers with the next call.
    const kernel = model.getLayer("logits").getWeights()[0];
    model.getLayer("logits").setWeights([tf.mul(kernel, 2), model.getLayer("logits").getWeights()[1]]);
    expect(Math.abs((await pool.logits(BATCH))[0] - here[0])).toBeGreaterThan(1e-3);
  }, 60_000);

  it("fails a call that is running when the pool closes, instead of hanging (last: closes the pool)", async () => {
    const running = pool.classifierGradients(BATCH, LABELS, { seed: 2 });
    await pool.close();
    await expect(running).rejects.toThrow(/closed/);
  });
});

describe("ReplicaPool with and without the calling thread's own share", () => {
  it("gives the same step bit for bit, and with one thread (no workers) the single-threaded step up to rounding", async () => {
    await initBackend();
    const [a, b] = twinModels(3);
    const [one, reference] = twinModels(3);
    const withCaller = await ReplicaPool.create(a, { threads: 2, sample, callerShare: true });
    const workersOnly = await ReplicaPool.create(b, { threads: 2, sample, callerShare: false });
    const alone = await ReplicaPool.create(one, { threads: 1, sample, callerShare: true });
    try {
      const labels = BATCH.map((i) => LABELS[i]);
      const stats = (m: tf.LayersModel) =>
        m.nonTrainableWeights.flatMap((w) => Array.from(w.read().dataSync()));
      for (const seed of [4, 5]) {
        const x = await withCaller.classifierGradientVector(BATCH, labels, { seed });
        const y = await workersOnly.classifierGradientVector(BATCH, labels, { seed });
        expect(x.gradient.some((g) => g !== 0)).toBe(true);
        expect(Array.from(x.gradient)).toEqual(Array.from(y.gradient));
        expect(x.loss).toBe(y.loss);
        expect(Array.from(x.logits)).toEqual(Array.from(y.logits));
        expect(stats(a)).toEqual(stats(b));
        // Negative control: another dropout seed is another step.
        const z = await workersOnly.classifierGradientVector(BATCH, labels, { seed: seed + 10 });
        expect(Array.from(z.gradient)).not.toEqual(Array.from(y.gradient));
        b.setWeights(a.getWeights());
      }
      // One thread: the calling thread runs the whole batch as a share of one, without workers.
      const seed = 6;
      const expected = referenceGradients(reference, BATCH, seed);
      const got = await alone.classifierGradients(BATCH, labels, { seed });
      expect(
        relativeGradientDifference(inOrder(reference, expected.grads), inOrder(one, got.gradients)),
      ).toBeLessThan(1e-4);
      expect(Math.abs(got.loss - expected.loss) / expected.loss).toBeLessThan(1e-5);
      tf.dispose([...Object.values(got.gradients), ...Object.values(expected.grads)]);
      expect((alone as unknown as { slots: unknown[] }).slots.length).toBe(0);
    } finally {
      await Promise.all([withCaller.close(), workersOnly.close(), alone.close()]);
    }
  }, 60_000);
});

describe("ReplicaPool errors", () => {
  it("reports a failing mesh with the replica and its message and keeps working; a dead worker fails it for good", async () => {
    await initBackend();
    const [model] = twinModels(2);
    const broken: ReplicaSample = {
      mesh: { positions: new Float64Array([0, 0, 0, 1, 0, 0]), triangles: new Uint32Array([0, 1, 2]) },
      features: new Float32Array(6),
      name: "broken.obj",
    };
    const pool = await ReplicaPool.create(model, {
      threads: 2,
      sample: (i) => {
        if (i === 8) throw new RangeError("there is no mesh 8");
        return i === 9 ? broken : sample(i);
      },
    });
    try {
      const failure = pool.classifierGradients([0, 1, 9], [0, 1, 2], { seed: 1 });
      await expect(failure).rejects.toThrow(ReplicaPoolError);
      await expect(failure).rejects.toThrow(/replica 1: .*broken\.obj/);
      const ok = await pool.classifierGradients([0, 1], [0, 1], { seed: 1 });
      expect(ok.logits.length).toBe(2 * CONFIG.classes);
      tf.dispose(Object.values(ok.gradients));

      // The same mesh in the calling thread's own share (rank 0): named as a worker's would be,
      // and the worker that waited for it at the first all-reduce is let go.
      const stats = () => model.nonTrainableWeights.flatMap((w) => Array.from(w.read().dataSync()));
      const before = stats();
      await expect(pool.classifierGradients([9, 0, 1], [2, 0, 1], { seed: 1 })).rejects.toThrow(
        /^replica 0: MeshError: .*broken\.obj/,
      );
      expect(stats()).toEqual(before);
      await expect(pool.logits([9, 0])).rejects.toThrow(/^replica 0: MeshError: .*broken\.obj/);

      // The caller's own `sample` failing for the second worker's part: the call fails with that
      // error, and the first worker was not left waiting in a step the second never joined (the
      // next step would hang).
      await expect(pool.classifierGradients([0, 1, 8], [0, 1, 2], { seed: 1 })).rejects.toThrow(
        "there is no mesh 8",
      );
      await expect(pool.logits([3, 8])).rejects.toThrow("there is no mesh 8");
      const after = await pool.classifierGradients([2, 3], [2, 1], { seed: 1 });
      expect(after.logits.length).toBe(2 * CONFIG.classes);
      tf.dispose(Object.values(after.gradients));

      // A worker that dies (out of memory, a native fault: here terminated) fails the running
      // call and every later one, instead of leaving them waiting.
      const running = pool.classifierGradients(BATCH, LABELS, { seed: 2 });
      await (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots
        .at(-1)!
        .worker.terminate();
      await expect(running).rejects.toThrow(/replica 1 stopped: its worker thread exited/);
      await expect(pool.logits([0])).rejects.toThrow(/replica 1 stopped/);
    } finally {
      await pool.close();
    }
    await expect(pool.logits([0])).rejects.toThrow(/closed/);
  }, 60_000);
});

describe("ReplicaPool in a process that ends", () => {
  const fixture = fileURLToPath(new URL("./exit.fixture.ts", import.meta.url));
  const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
  /** Runs exit.fixture.ts; a process still running after 90 s (it hangs) is killed. */
  const run = (mode: string) =>
    new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--import", "tsx", "--conditions=source", fixture, mode],
        { cwd: packageRoot, timeout: 90_000 },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, signal: child.signalCode, stderr }),
      );
    });

  it("exits when the main thread throws while the workers run a step", async () => {
    const { code, signal, stderr } = await run("throw");
    expect(signal).toBeNull(); // not killed after 90 s
    // 1 for an uncaught exception; 7 when tfjs's wasm module's own handler rethrows it (it does
    // once the wasm backend is up, printing its minified source before the error).
    expect([1, 7]).toContain(code);
    expect(stderr).toContain("the main thread failed during a step");
  }, 120_000);

  it("exits with the process's own code when a pool is never closed, after a failed step", async () => {
    const { code, signal, stderr } = await run("forget");
    expect(signal).toBeNull();
    expect(stderr).toMatch(/handled: replica 1: MeshError/);
    expect(code).toBe(3);
  }, 120_000);
});
