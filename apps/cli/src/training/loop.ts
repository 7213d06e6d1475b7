import { mulberry32 } from "@gemcnn/geometry";
import type { CheckpointState, CheckpointStore } from "./checkpoints.js";
import type { InterruptRequest } from "./interrupt.js";
import type { EpochMetrics, MetricsLog } from "./metrics.js";
import type { TrainingProgress } from "./progress.js";

/** Sums over a set of samples (so that batches combine exactly). */
export interface Totals {
  /** Sum of the per-sample losses. */
  readonly loss: number;
  /** Samples classified correctly. */
  readonly correct: number;
  readonly count: number;
}

/**
 * What the loop needs from a model: a training step on a batch of sample indices, an evaluation,
 * and saving/restoring everything that a resumed run must get back (weights and optimizer state).
 */
export interface TrainableModel {
  trainBatch(indices: readonly number[], learningRate: number): Promise<Totals>;
  evaluate(indices: readonly number[]): Promise<Totals>;
  saveState(dir: string): Promise<void>;
  loadState(dir: string): Promise<void>;
}

export interface TrainingLoopOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Seed of the per-epoch shuffles (each epoch's order depends only on seed and epoch). */
  readonly seed: number;
  readonly train: readonly number[];
  readonly test: readonly number[];
  readonly learningRate: (epoch: number) => number;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MetricsLog;
  readonly progress?: TrainingProgress;
  readonly interrupt?: InterruptRequest;
  /** Evaluate on the test set every this many epochs (and always at the last). */
  readonly evalEvery?: number;
  /** Called after every epoch's metrics are recorded (e.g. to redraw the curves). */
  readonly afterEpoch?: (row: EpochMetrics) => Promise<void>;
}

export interface TrainingOutcome {
  readonly status: "finished" | "interrupted";
  /** Epochs completed in total (including those of earlier sessions). */
  readonly epochsDone: number;
  readonly lastMetrics: EpochMetrics | undefined;
}

/** The order of the training samples in `epoch`: a Fisher-Yates shuffle seeded by (seed, epoch). */
export function epochOrder(train: readonly number[], seed: number, epoch: number): number[] {
  const random = mulberry32(Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca6b));
  const order = [...train];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Runs (or resumes) training: restores the newest checkpoint if there is one, then for each
 * remaining epoch trains on the seeded shuffle in batches, evaluates, records metrics and saves a
 * checkpoint. A Ctrl-C (through `interrupt`) stops after the current batch with a checkpoint that
 * records the position inside the epoch, so a resumed run continues with the very same batches:
 * an interrupted and resumed run ends with the weights an uninterrupted one would have.
 */
export async function runTrainingLoop(
  model: TrainableModel,
  options: TrainingLoopOptions,
): Promise<TrainingOutcome> {
  const { epochs, batchSize, seed, train, test, checkpoints, metrics, progress, interrupt } = options;
  if (train.length === 0) throw new RangeError("there are no training samples");
  const latest = await checkpoints.latest();
  let epochsDone = 0;
  let skipBatches = 0;
  let partial: { loss: number; correct: number; count: number } = { loss: 0, correct: 0, count: 0 };
  if (latest) {
    await model.loadState(latest.dir);
    epochsDone = latest.state.epoch;
    skipBatches = latest.state.batchInEpoch;
    const saved = latest.state.extra.partialTotals as Totals | undefined;
    if (skipBatches > 0 && saved) partial = { ...saved };
  }
  const batchesPerEpoch = Math.ceil(train.length / batchSize);
  const evalEvery = options.evalEvery ?? 1;
  let lastMetrics = metrics.epochs.at(-1);

  const save = (state: Omit<CheckpointState, "savedAt">) =>
    checkpoints.save(state, (dir) => model.saveState(dir));

  for (let epoch = epochsDone + 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const order = epochOrder(train, seed, epoch);
    const learningRate = options.learningRate(epoch);
    const totals = skipBatches > 0 ? partial : { loss: 0, correct: 0, count: 0 };
    progress?.startEpoch(epoch);
    for (let b = skipBatches; b < batchesPerEpoch; b++) {
      const result = await model.trainBatch(order.slice(b * batchSize, (b + 1) * batchSize), learningRate);
      totals.loss += result.loss;
      totals.correct += result.correct;
      totals.count += result.count;
      progress?.batch({
        done: b + 1,
        loss: totals.loss / totals.count,
        accuracy: totals.correct / totals.count,
      });
      if (interrupt?.requested && b + 1 < batchesPerEpoch) {
        await save({ epoch: epoch - 1, batchInEpoch: b + 1, extra: { partialTotals: { ...totals } } });
        progress?.log(`interrupted: saved a checkpoint at epoch ${epoch}, batch ${b + 1}/${batchesPerEpoch}`);
        return { status: "interrupted", epochsDone: epoch - 1, lastMetrics };
      }
    }
    skipBatches = 0;
    const row: Record<string, number> = {
      epoch,
      learningRate,
      trainLoss: totals.loss / totals.count,
      trainAccuracy: totals.correct / totals.count,
    };
    if (test.length > 0 && (epoch % evalEvery === 0 || epoch === epochs)) {
      const t = await model.evaluate(test);
      row.testLoss = t.loss / t.count;
      row.testAccuracy = t.correct / t.count;
    }
    row.seconds = (performance.now() - started) / 1000;
    lastMetrics = row as EpochMetrics;
    await metrics.record(lastMetrics);
    await save({ epoch, batchInEpoch: 0, extra: {} });
    await options.afterEpoch?.(lastMetrics);
    progress?.endEpoch(formatEpochSummary(lastMetrics));
    if (interrupt?.requested && epoch < epochs) {
      progress?.log(`interrupted: saved a checkpoint after epoch ${epoch}`);
      return { status: "interrupted", epochsDone: epoch, lastMetrics };
    }
  }
  return { status: "finished", epochsDone: epochs, lastMetrics };
}

/** `train loss 0.1234 acc 97.5% | test loss 0.2345 acc 95.0%`. */
export function formatEpochSummary(row: EpochMetrics): string {
  const parts = [`train loss ${row.trainLoss.toFixed(4)} acc ${(100 * row.trainAccuracy).toFixed(1)}%`];
  if (row.testLoss !== undefined) {
    parts.push(`test loss ${row.testLoss.toFixed(4)} acc ${(100 * row.testAccuracy).toFixed(1)}%`);
  }
  return parts.join(" | ");
}
