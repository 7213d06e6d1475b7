import { EventEmitter } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_FEATURE_OPTIONS,
  fitInputNormalization,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import { randomGauge } from "@gemcnn/geometry";
import { BLOCK_NONLINEARITIES, loadModel } from "@gemcnn/nn";
import type { ReplicaPool } from "@gemcnn/nn/parallel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../cli/errors.js";
import { generateSyntheticDataset, SYNTHETIC_CLASSES } from "../synthetic/dataset.js";
import { CheckpointStore } from "../training/checkpoints.js";
import { InterruptRequest } from "../training/interrupt.js";
import { runTrainingLoop } from "../training/loop.js";
import { MetricsLog } from "../training/metrics.js";
import { type GemArchitecture, NONLINEARITY_CHOICES, parseBlocks } from "./architecture.js";
import { loadClassifier, type ModelSpec, SPEC_FORMAT, SPEC_VERSION, specForTraining } from "./classifier.js";
import { relativeChange } from "./gem-check.js";
import { GemCnnClassifier } from "./gem-classifier.js";

// Tiny on purpose: 3 classes × 3 meshes of 50-70 vertices, a 2-level network of a few hundred
// weights, so every test here runs in about a second.
const OPTIONS: PreprocessOptions = {
  features: { ...DEFAULT_FEATURE_OPTIONS, kinds: ["moments", "curvature"] },
  repair: true,
  largestComponentOnly: true,
};
it("offers nn's block nonlinearities, which it repeats to stay free of tfjs", () => {
  expect(NONLINEARITY_CHOICES).toEqual(BLOCK_NONLINEARITIES);
});

const ARCHITECTURE: GemArchitecture = {
  blocks: parseBlocks("4x0+2x1+2x2,pool:6x0+2x1+2x2"),
  nonlinearity: "gated",
  head: [8],
  dropout: 0.2,
  fieldDropout: 0.1,
  rings: 2,
  poolRatio: 0.3,
};

const dataset = generateSyntheticDataset({
  seed: 5,
  trainPerClass: 2,
  testPerClass: 1,
  minVertices: 50,
  maxVertices: 70,
  noise: 0.005,
  maxScale: 2,
  classes: [SYNTHETIC_CLASSES[1], SYNTHETIC_CLASSES[4], SYNTHETIC_CLASSES[7]],
});
const samples = [...dataset.train, ...dataset.test];
const meshes = samples.map((s) => preprocessMeshData(s.mesh, s.name, OPTIONS));
const labels = samples.map((s) => s.label);
const train = dataset.train.map((_, i) => i);
const test = dataset.test.map((_, i) => dataset.train.length + i);
const input = fitInputNormalization(train.map((i) => meshes[i]));

const create = (seed: number, weightDecay = 1e-3, list: readonly PreprocessedMesh[] = meshes, threads = 1) =>
  GemCnnClassifier.create(ARCHITECTURE, 3, list, labels, { input, weightDecay, seed, threads });

const weightsOf = (classifier: GemCnnClassifier) =>
  classifier.model.getWeights().map((w) => Array.from(w.dataSync()));

describe("GemCnnClassifier", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-gem-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("repeats a run exactly with the same seed, and differs with another", async () => {
    const run = async (seed: number) => {
      const classifier = await create(seed);
      const totals = [
        await classifier.trainBatch([0, 3, 6, 1], 0.01),
        await classifier.trainBatch([2, 4, 5, 7], 0.01),
        await classifier.evaluate(test),
      ];
      return { totals, weights: weightsOf(classifier) };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b.totals).toEqual(a.totals);
    expect(b.weights).toEqual(a.weights);
    expect(c.weights[0]).not.toEqual(a.weights[0]);
    expect(a.totals[0].count).toBe(4);
    expect(a.totals[0].loss).toBeGreaterThan(0);
  }, 30_000);

  it("applies decoupled weight decay to kernels only: w ← (w + Adam step) · (1 − lr · decay)", async () => {
    const lr = 0.05;
    const plain = await create(1, 0);
    const decayed = await create(1, 2);
    await plain.trainBatch([0, 1, 2, 3], lr);
    await decayed.trainBatch([0, 1, 2, 3], lr);
    const keep = 1 - lr * 2;
    const names = plain.model.weights.map((w) => w.originalName);
    const p = weightsOf(plain);
    const d = weightsOf(decayed);
    let kernels = 0;
    names.forEach((name, k) => {
      if (/(^|\/)kernel(_\d+)?$/.test(name)) {
        kernels++;
        p[k].forEach((x, i) => {
          expect(d[k][i]).toBeCloseTo(x * keep, 6);
        });
      } else {
        expect(d[k]).toEqual(p[k]);
      }
    });
    expect(kernels).toBeGreaterThan(4);
  });

  it("ends with the same weights and metrics after a Ctrl-C mid-epoch and a resume from the checkpoint", async () => {
    const loop = async (runDir: string, classifier: GemCnnClassifier, interrupt?: InterruptRequest) => {
      const checkpoints = new CheckpointStore(join(runDir, "checkpoints"));
      return runTrainingLoop(classifier, {
        epochs: 3,
        batchSize: 2,
        seed: 7,
        train,
        test,
        learningRate: (e) => 0.01 / e,
        checkpoints,
        metrics: await MetricsLog.load(runDir, (await checkpoints.latest())?.state.epoch ?? 0),
        interrupt,
      });
    };
    const straight = await create(2);
    await loop(join(dir, "straight"), straight);

    const source = new EventEmitter();
    const interrupt = new InterruptRequest({ source, forceExit: () => {} }).install();
    const first = await create(2);
    let batches = 0;
    const original = first.trainBatch.bind(first);
    first.trainBatch = async (indices, lr) => {
      const totals = await original(indices, lr);
      if (++batches === 5) source.emit("SIGINT"); // inside epoch 2 (3 batches per epoch)
      return totals;
    };
    const stopped = await loop(join(dir, "resumed"), first, interrupt);
    interrupt.dispose();
    expect(stopped).toMatchObject({ status: "interrupted", epochsDone: 1 });
    const latest = await new CheckpointStore(join(dir, "resumed", "checkpoints")).latest();
    expect(latest?.state).toMatchObject({ epoch: 1, batchInEpoch: 2 });
    expect((await readdir(latest!.dir)).sort()).toEqual(["model", "optimizer.bin", "state.json"]);

    const resumed = await create(2);
    await loop(join(dir, "resumed"), resumed);
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    const strip = (rows: readonly Record<string, number>[]) => rows.map(({ seconds: _s, ...rest }) => rest);
    expect(strip((await MetricsLog.load(join(dir, "resumed"))).epochs)).toEqual(
      strip((await MetricsLog.load(join(dir, "straight"))).epochs),
    );

    // Negative control: a resume that restores the weights but not Adam's moments ends elsewhere.
    await rm(join(dir, "resumed"), { recursive: true });
    const again = new EventEmitter();
    const interruptAgain = new InterruptRequest({ source: again, forceExit: () => {} }).install();
    const second = await create(2);
    batches = 0;
    const secondTrain = second.trainBatch.bind(second);
    second.trainBatch = async (indices, lr) => {
      const totals = await secondTrain(indices, lr);
      if (++batches === 5) again.emit("SIGINT");
      return totals;
    };
    await loop(join(dir, "resumed"), second, interruptAgain);
    interruptAgain.dispose();
    const weightsOnly = await create(2);
    weightsOnly.loadState = async (checkpoint: string) => {
      const saved = await loadModel(join(checkpoint, "model"));
      weightsOnly.model.setWeights(saved.getWeights());
    };
    await loop(join(dir, "resumed"), weightsOnly);
    expect(weightsOf(weightsOnly)).not.toEqual(weightsOf(straight));
  }, 30_000);

  it("gives the same logits when the cached frames and features are in another gauge; mixing gauges changes them", async () => {
    const sample = samples[4];
    const gauge = (n: number) => randomGauge(n, 11);
    const asGiven = meshes[4];
    const turned = preprocessMeshData(sample.mesh, sample.name, OPTIONS, [], gauge);
    // Features of the turned gauge with the original frames: a gauge bug the check must catch.
    const mixed: PreprocessedMesh = { ...asGiven, features: turned.features };
    const classifier = await create(6, 1e-3, [asGiven, turned, mixed]);
    await classifier.trainBatch([0, 1], 0.02); // non-trivial weights and normalisation statistics
    const [reference, gaugeChanged, broken] = classifier.logits([0, 1, 2]);
    expect(Math.max(...turned.features.map((x, i) => Math.abs(x - asGiven.features[i])))).toBeGreaterThan(
      0.1,
    );
    expect(relativeChange(gaugeChanged, reference)).toBeLessThan(1e-5);
    expect(relativeChange(broken, reference)).toBeGreaterThan(1e-3);
  });

  it("exports a model that nn's loadModel reads back with the same logits", async () => {
    const classifier = await create(8);
    await classifier.trainBatch([0, 1, 2], 0.01);
    const modelDir = join(dir, "export");
    await classifier.exportModel(modelDir);
    expect((await readdir(modelDir)).sort()).toEqual(["model.json", "weights.bin"]);
    const loaded = await GemCnnClassifier.load(modelDir, meshes, labels, { input, weightDecay: 0, seed: 0 });
    expect(loaded.logits(test)).toEqual(classifier.logits(test));
    const plain = await loadModel(modelDir);
    expect(plain.outputs[0].shape).toEqual([null, 3]);
    plain.dispose();
  });
});

describe("GemCnnClassifier on worker threads", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-threads-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("repeats a 2-thread run bit for bit, and agrees with the 1-thread run up to float32 rounding", async () => {
    const names = (await create(3)).model.weights.map((w) => w.originalName);
    const run = async (threads: number) => {
      const classifier = await create(3, 1e-3, meshes, threads);
      try {
        const totals = [
          await classifier.trainBatch([0, 3, 6, 1], 0.01),
          await classifier.trainBatch([2, 4, 5, 7, 8], 0.01),
          await classifier.trainBatch([6, 1, 0], 0.01),
          await classifier.evaluate(test),
        ];
        return { totals, weights: weightsOf(classifier) };
      } finally {
        await classifier.close();
      }
    };
    const single = await run(1);
    const a = await run(2);
    const b = await run(2);
    expect(b).toEqual(a);
    // A 2-thread step sums the same float32 terms in another order (each worker's part, then the
    // parts in float64): the training losses agree to about 1e-7.
    a.totals.slice(0, 3).forEach((t, k) => {
      expect(t.count).toBe(single.totals[k].count);
      expect(t.correct).toBe(single.totals[k].correct);
      expect(Math.abs(t.loss - single.totals[k].loss)).toBeLessThan(1e-6 * single.totals[k].loss);
    });
    // The weights move by at most about 3 · lr in three Adam steps; Adam divides each gradient
    // entry by its own size, so an entry whose gradient is small carries the rounding difference
    // of the large ones into its step (relative error of that entry × lr). Most weights agree to
    // 1e-6 and all to 1% of the possible movement, except the biases of the convolutions that
    // feed a FieldNormalization: the normalisation subtracts them again, so their gradient is 0
    // in exact arithmetic and rounding noise in float32, which Adam turns into steps of about
    // ±lr (in one thread as well: any other summation order gives other noise). The moving means
    // follow them at 1 − momentum = 1% per step; they change only the inference, so the test loss
    // agrees less closely.
    const movement = 3 * 0.01;
    const differences: number[] = [];
    a.weights.forEach((w, k) => {
      const noise = /conv\d\/bias$/.test(names[k]);
      const bound = noise ? 2 * movement : /moving_mean$/.test(names[k]) ? 1e-3 : 0.01 * movement;
      w.forEach((x, i) => {
        const difference = Math.abs(x - single.weights[k][i]);
        expect(difference).toBeLessThan(bound);
        if (!noise) differences.push(difference);
      });
    });
    differences.sort((x, y) => x - y);
    expect(differences[differences.length >> 1]).toBeLessThan(1e-6);
    const [evaluated, reference] = [a.totals[3], single.totals[3]];
    // After three steps a test mesh can sit on the boundary between two classes, where the
    // rounding difference above decides it: one mesh may flip (seen once since the robust input
    // normalisation), the loss must still agree.
    expect(Math.abs(evaluated.correct - reference.correct)).toBeLessThanOrEqual(1);
    expect(Math.abs(evaluated.loss - reference.loss)).toBeLessThan(1e-3 * reference.loss);
    // Negative control: another seed (other initial weights and masks) moves the loss far beyond that.
    const moved = await (await create(4)).trainBatch([0, 3, 6, 1], 0.01);
    expect(Math.abs(moved.loss - a.totals[0].loss)).toBeGreaterThan(1e-3 * a.totals[0].loss);
  }, 60_000);

  it("ends a 2-thread run interrupted and resumed from its checkpoint where an uninterrupted one ends", async () => {
    const loop = async (runDir: string, classifier: GemCnnClassifier, interrupt?: InterruptRequest) => {
      const checkpoints = new CheckpointStore(join(runDir, "checkpoints"));
      return runTrainingLoop(classifier, {
        epochs: 2,
        batchSize: 3,
        seed: 5,
        train,
        test,
        learningRate: (e) => 0.01 / e,
        checkpoints,
        metrics: await MetricsLog.load(runDir, (await checkpoints.latest())?.state.epoch ?? 0),
        interrupt,
      });
    };
    const straight = await create(2, 1e-3, meshes, 2);
    await loop(join(dir, "straight"), straight).finally(() => straight.close());

    const source = new EventEmitter();
    const interrupt = new InterruptRequest({ source, forceExit: () => {} }).install();
    const first = await create(2, 1e-3, meshes, 2);
    let batches = 0;
    const original = first.trainBatch.bind(first);
    first.trainBatch = async (indices, lr) => {
      const totals = await original(indices, lr);
      if (++batches === 3) source.emit("SIGINT"); // inside epoch 2 (2 batches per epoch)
      return totals;
    };
    const stopped = await loop(join(dir, "resumed"), first, interrupt).finally(() => first.close());
    interrupt.dispose();
    expect(stopped).toMatchObject({ status: "interrupted", epochsDone: 1 });

    const resumed = await create(2, 1e-3, meshes, 2);
    await loop(join(dir, "resumed"), resumed).finally(() => resumed.close());
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    const strip = (rows: readonly Record<string, number>[]) => rows.map(({ seconds: _s, ...rest }) => rest);
    expect(strip((await MetricsLog.load(join(dir, "resumed"))).epochs)).toEqual(
      strip((await MetricsLog.load(join(dir, "straight"))).epochs),
    );
  }, 60_000);

  it("reports a worker that died as one line for the command line, naming the replica", async () => {
    const classifier = await create(1, 1e-3, meshes, 2);
    try {
      await classifier.trainBatch([0, 1, 2, 3], 0.01);
      // A worker that dies (out of memory, a native fault: here terminated from outside).
      const pool = await (classifier as unknown as { pool: Promise<ReplicaPool> }).pool;
      await (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots
        .at(-1)!
        .worker.terminate();
      const failure = await classifier.trainBatch([0, 1, 2, 3], 0.01).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CliError);
      const { message } = failure as CliError;
      expect(message).toMatch(
        /^GEM-CNN worker threads \(--threads 2\): replica 1 stopped: its worker thread exited \(code \d+\); --threads 1 runs without worker threads$/,
      );
      await expect(classifier.evaluate(test)).rejects.toThrow(CliError);
    } finally {
      await classifier.close();
    }
  }, 60_000);
});

describe("a saved model with an absurd field type", () => {
  it("is refused on loading with one line naming the model directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-absurd-"));
    try {
      const classifier = await create(8);
      await classifier.exportModel(dir);
      const path = join(dir, "model.json");
      const json = await readFile(path, "utf8");
      const edited = json.replace(/"out_type":\s*"4x0\+2x1\+2x2"/, '"out_type":"99999999999x0"');
      expect(edited).not.toBe(json);
      await writeFile(path, edited);
      const spec: ModelSpec = {
        format: SPEC_FORMAT,
        version: SPEC_VERSION,
        kind: "gemcnn",
        classes: ["a", "b", "c"],
        preprocess: OPTIONS,
        weightDecay: 0,
        seed: 0,
        architecture: ARCHITECTURE,
        input,
      };
      const error = await loadClassifier(dir, spec, meshes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^${dir}: cannot load the model \\(loadModel: cannot build the model of ${dir}/model\\.json: invalid field type "99999999999x0": the field type's dimension reaches 99999999999 here, above the largest 65536 numbers per vertex \\(at column 1\\)\\)$`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("non-finite inputs", () => {
  it("are the user's one-line errors naming the mesh, vertex and channel, from the normalisation fit and the network", async () => {
    const poisoned = meshes.map((m, i) => {
      if (i !== 1) return m;
      const features = m.features.slice();
      features[5 * FieldType.parse(m.fieldType).dim + 2] = Number.NaN;
      return { ...m, features };
    });
    const fitMessage = `${meshes[1].name}: feature '${meshes[1].channels[2]}' (column 2) of vertex 5 is NaN: the mesh cannot be used`;
    expect(() => fitInputNormalization(poisoned)).toThrow(fitMessage);
    // The command line's fit turns it into a CliError (one line, exit 1), not a bug report.
    const spec = { kind: "gemcnn" as const } as Parameters<typeof specForTraining>[0];
    expect(() => specForTraining(spec, poisoned, [0, 1])).toThrow(CliError);
    expect(() => specForTraining(spec, poisoned, [0, 1])).toThrow(fitMessage);
    expect(specForTraining(spec, meshes, [0, 1]).input).toBeDefined();
    // Past a normalisation fitted on clean meshes, the network's own check names the mesh.
    const classifier = await create(1, 1e-3, poisoned);
    const inputMessage = `${meshes[1].name}: the network's input is not finite: vertex 5, channel 2 is NaN (after the input normalisation)`;
    expect(() => classifier.logits([0, 1])).toThrow(CliError);
    expect(() => classifier.logits([0, 1])).toThrow(inputMessage);
    await expect(classifier.trainBatch([1, 0], 1e-3)).rejects.toThrow(CliError);
    await expect(classifier.trainBatch([1, 0], 1e-3)).rejects.toThrow(inputMessage);
    expect(classifier.logits([0, 2])).toHaveLength(2);
  });
});
