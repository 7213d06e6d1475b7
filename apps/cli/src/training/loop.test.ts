import { EventEmitter } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckpointStore } from "./checkpoints.js";
import { InterruptRequest } from "./interrupt.js";
import {
  epochOrder,
  formatEpochSummary,
  improves,
  NonFiniteLossError,
  runTrainingLoop,
  type Totals,
  type TrainableModel,
  type TrainingLoopOptions,
} from "./loop.js";
import { MetricsLog } from "./metrics.js";

/** 2-D points in 3 classes (centres on a circle, fixed offsets), for a model the loop can train. */
const CLASSES = 3;
const points = Array.from({ length: 60 }, (_, i) => {
  const label = i % CLASSES;
  const angle = (2 * Math.PI * label) / CLASSES;
  return { x: [Math.cos(angle) + 0.6 * Math.sin(7 * i), Math.sin(angle) + 0.6 * Math.cos(11 * i)], label };
});

/** Softmax regression with plain SGD: deterministic, so runs can be compared bit for bit. */
class SoftmaxModel implements TrainableModel {
  weights = new Float64Array(3 * CLASSES).map((_, i) => 0.01 * (i - 4));
  steps = 0;
  onBatch: (() => void) | undefined;

  private logits(x: number[]): number[] {
    return Array.from(
      { length: CLASSES },
      (_, c) => this.weights[3 * c] * x[0] + this.weights[3 * c + 1] * x[1] + this.weights[3 * c + 2],
    );
  }

  private totals(indices: readonly number[], learningRate?: number): Totals {
    let loss = 0;
    let correct = 0;
    const grad = new Float64Array(this.weights.length);
    for (const i of indices) {
      const { x, label } = points[i];
      const z = this.logits(x);
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      loss -= Math.log(e[label] / sum);
      if (z.indexOf(max) === label) correct++;
      for (let c = 0; c < CLASSES; c++) {
        const d = e[c] / sum - (c === label ? 1 : 0);
        grad[3 * c] += d * x[0];
        grad[3 * c + 1] += d * x[1];
        grad[3 * c + 2] += d;
      }
    }
    if (learningRate !== undefined) {
      for (let k = 0; k < grad.length; k++) this.weights[k] -= (learningRate * grad[k]) / indices.length;
      this.steps++;
    }
    return { loss, correct, count: indices.length };
  }

  async trainBatch(indices: readonly number[], learningRate: number): Promise<Totals> {
    const t = this.totals(indices, learningRate);
    this.onBatch?.();
    if (this.steps === this.nanAtStep) return { ...t, loss: Number.NaN };
    return t;
  }

  /** The step whose loss comes out NaN (as when the weights overflow). */
  nanAtStep: number | undefined;

  async evaluate(indices: readonly number[]): Promise<Totals> {
    return this.totals(indices);
  }

  async saveState(dir: string): Promise<void> {
    await writeFile(
      join(dir, "weights.json"),
      JSON.stringify({ weights: Array.from(this.weights), steps: this.steps }),
    );
  }

  async loadState(dir: string): Promise<void> {
    const saved = JSON.parse(await readFile(join(dir, "weights.json"), "utf8"));
    this.weights = Float64Array.from(saved.weights);
    this.steps = saved.steps;
  }
}

const train = points.map((_, i) => i).filter((i) => i % 4 !== 0);
const test = points.map((_, i) => i).filter((i) => i % 4 === 0);

describe("runTrainingLoop", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-loop-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const loop = async (
    runDir: string,
    model: SoftmaxModel,
    epochs: number,
    interrupt?: InterruptRequest,
    more: Partial<TrainingLoopOptions> = {},
  ) =>
    runTrainingLoop(model, {
      epochs,
      batchSize: 8,
      seed: 3,
      train,
      test,
      learningRate: (e) => 0.5 / e,
      checkpoints: new CheckpointStore(join(runDir, "checkpoints")),
      metrics: await MetricsLog.load(
        runDir,
        (await new CheckpointStore(join(runDir, "checkpoints")).latest())?.state.epoch ?? 0,
      ),
      interrupt,
      ...more,
    });

  it("learns, writes metrics for every epoch and a checkpoint", async () => {
    const model = new SoftmaxModel();
    const outcome = await loop(dir, model, 4);
    expect(outcome.status).toBe("finished");
    const rows = (await MetricsLog.load(dir)).epochs;
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(rows[3].trainLoss).toBeLessThan(rows[0].trainLoss);
    expect(rows[3].testAccuracy).toBeGreaterThan(0.8);
    expect((await new CheckpointStore(join(dir, "checkpoints")).latest())?.state.epoch).toBe(4);
  });

  it("ends with the same weights and metrics after a Ctrl-C mid-epoch and --resume", async () => {
    const straight = new SoftmaxModel();
    await loop(join(dir, "a"), straight, 4);

    const source = new EventEmitter();
    const interrupt = new InterruptRequest({ source, forceExit: () => {} }).install();
    const first = new SoftmaxModel();
    let batches = 0;
    first.onBatch = () => {
      if (++batches === 9) source.emit("SIGINT"); // inside epoch 2 (6 batches per epoch)
    };
    const stopped = await loop(join(dir, "b"), first, 4, interrupt);
    interrupt.dispose();
    expect(stopped).toMatchObject({ status: "interrupted", epochsDone: 1 });
    const latest = await new CheckpointStore(join(dir, "b", "checkpoints")).latest();
    expect(latest?.state).toMatchObject({ epoch: 1, batchInEpoch: 3 });

    const resumed = new SoftmaxModel(); // fresh weights: everything must come from the checkpoint
    const outcome = await loop(join(dir, "b"), resumed, 4);
    expect(outcome.status).toBe("finished");
    expect(Array.from(resumed.weights)).toEqual(Array.from(straight.weights));
    expect(resumed.steps).toBe(straight.steps);
    const strip = (rows: readonly Record<string, number>[]) => rows.map(({ seconds: _s, ...rest }) => rest);
    expect(strip((await MetricsLog.load(join(dir, "b"))).epochs)).toEqual(
      strip((await MetricsLog.load(join(dir, "a"))).epochs),
    );
  });

  it("continues a finished run for more epochs as if it had never stopped", async () => {
    const straight = new SoftmaxModel();
    await loop(join(dir, "a"), straight, 5);
    await loop(join(dir, "b"), new SoftmaxModel(), 3);
    const more = new SoftmaxModel();
    await loop(join(dir, "b"), more, 5);
    // The learning rate depends on the epoch only, so the continued run matches.
    expect(Array.from(more.weights)).toEqual(Array.from(straight.weights));
  });
});

describe("runTrainingLoop: faults and validation", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-loop-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (model: SoftmaxModel, epochs: number, more: Partial<TrainingLoopOptions> = {}) => {
    const checkpoints = new CheckpointStore(join(dir, "checkpoints"));
    return runTrainingLoop(model, {
      epochs,
      batchSize: 8,
      seed: 3,
      train: train.slice(8),
      val: train.slice(0, 8),
      test,
      learningRate: () => 0.3,
      checkpoints,
      metrics: await MetricsLog.load(dir, (await checkpoints.latest())?.state.epoch ?? 0),
      ...more,
    });
  };

  it("sees a Ctrl-C delivered by the event loop after the batch it arrives in, not at the epoch's end", async () => {
    const source = new EventEmitter();
    const interrupt = new InterruptRequest({ source, forceExit: () => {} }).install();
    const model = new SoftmaxModel();
    let batches = 0;
    model.onBatch = () => {
      // A signal reaches JavaScript through the event loop (as this immediate does), never inside
      // the synchronous work of a training step.
      if (++batches === 2) setImmediate(() => source.emit("SIGINT"));
    };
    const outcome = await run(model, 3, { interrupt });
    interrupt.dispose();
    expect(outcome.status).toBe("interrupted");
    expect((await new CheckpointStore(join(dir, "checkpoints")).latest())?.state).toMatchObject({
      epoch: 0,
      batchInEpoch: 2,
    });
  });

  it("stops on a NaN loss with the epoch, the batch and its samples, and keeps the last good checkpoint", async () => {
    const model = new SoftmaxModel();
    model.nanAtStep = 7; // 5 batches per epoch: the second batch of epoch 2
    const error = await run(model, 3, { sampleName: (i) => `mesh-${i}` }).catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.message).toMatch(/^the training loss is NaN at epoch 2, batch 2\/5 \(meshes mesh-\d+, /);
    expect(error.message).toContain("the last checkpoint, epoch-0001, is kept");
    const latest = await new CheckpointStore(join(dir, "checkpoints")).latest();
    expect(latest?.state).toMatchObject({ epoch: 1, batchInEpoch: 0 });
    expect((await MetricsLog.load(dir)).epochs.map((r) => r.epoch)).toEqual([1]);
  });

  it("records validation every epoch, reports each new best, and stops early when it stops improving", async () => {
    const bests: number[] = [];
    const model = new SoftmaxModel();
    // Learning stops after epoch 5, so validation stops improving there.
    const frozenAfter5 = (epoch: number) => (epoch > 5 ? 0 : 0.3);
    const outcome = await run(model, 40, {
      patience: 3,
      learningRate: frozenAfter5,
      onBest: async (row) => {
        bests.push(row.epoch);
      },
    });
    const rows = (await MetricsLog.load(dir)).epochs;
    expect(rows.every((r) => r.valAccuracy !== undefined && r.valLoss !== undefined)).toBe(true);
    expect(outcome.status).toBe("stopped-early");
    expect(outcome.best?.epoch).toBeLessThanOrEqual(5);
    expect(outcome.epochsDone).toBe((outcome.best?.epoch ?? 0) + 3);
    expect(bests.at(-1)).toBe(outcome.best?.epoch);
    // Every reported best beats all epochs before it; the others do not.
    let best: { epoch: number; valAccuracy: number; valLoss: number } | undefined;
    for (const row of rows) {
      const better = improves(row as unknown as { valAccuracy: number; valLoss: number }, best);
      expect(bests.includes(row.epoch)).toBe(better);
      if (better) best = { epoch: row.epoch, valAccuracy: row.valAccuracy, valLoss: row.valLoss };
    }
    // Resumed with the same patience, the run is already complete: nothing more is trained.
    const again = new SoftmaxModel();
    const resumed = await run(again, 40, { patience: 3, learningRate: frozenAfter5 });
    expect(resumed).toMatchObject({ status: "stopped-early", epochsDone: outcome.epochsDone });
    expect(again.steps).toBe(model.steps); // restored, not trained further
  });
});

describe("epochOrder", () => {
  it("is a permutation that depends only on seed and epoch", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = epochOrder(items, 1, 1);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(epochOrder(items, 1, 1)).toEqual(a);
    expect(epochOrder(items, 1, 2)).not.toEqual(a);
    expect(epochOrder(items, 2, 1)).not.toEqual(a);
  });
});

describe("improves and formatEpochSummary without an accuracy (regression)", () => {
  it("chooses by the validation loss alone, also against a best read back from JSON (null accuracy)", () => {
    expect(improves({ valLoss: 0.5 }, { epoch: 1, valLoss: 0.6 })).toBe(true);
    expect(improves({ valLoss: 0.7 }, { epoch: 1, valLoss: 0.6 })).toBe(false);
    const stored = JSON.parse(JSON.stringify({ epoch: 1, valAccuracy: Number.NaN, valLoss: 0.6 }));
    expect(stored.valAccuracy).toBeNull();
    expect(improves({ valLoss: 0.5 }, stored)).toBe(true);
    expect(improves({ valLoss: 0.6 }, stored)).toBe(false);
    // With accuracies, accuracy still comes first.
    expect(improves({ valAccuracy: 0.9, valLoss: 0.9 }, { epoch: 1, valAccuracy: 0.8, valLoss: 0.1 })).toBe(
      true,
    );
  });

  it("shows RMSE and median angle per field instead of accuracies", () => {
    const line = formatEpochSummary(
      {
        epoch: 3,
        trainLoss: 0.5,
        valLoss: 0.6,
        "valRmse.wind": 0.123456,
        "valAngleMedian.wind": 7.25,
        "valAngleMean.wind": 20,
        testLoss: 0.7,
        "testRmse.pressure": 2,
      },
      true,
    );
    expect(line).toBe(
      "train loss 0.5000 | val loss 0.6000 rmse wind 0.1235 angle wind 7.3° (best) | test loss 0.7000 rmse pressure 2",
    );
  });
});
