import { basename } from "node:path";
import { mulberry32 } from "@gemcnn/geometry";
import { CliError, EXIT } from "../cli/errors.js";
import { type CheckpointState, type CheckpointStore, CorruptCheckpointError } from "./checkpoints.js";
import type { InterruptRequest } from "./interrupt.js";
import type { EpochMetrics, MetricsLog } from "./metrics.js";
import type { TrainingProgress } from "./progress.js";

/** Sums over a set of samples (so that batches combine exactly). */
export interface Totals {
  /** Sum of the per-sample losses. */
  readonly loss: number;
  /** Samples classified correctly (`NaN` from a training step, or a task, that does not measure it). */
  readonly correct: number;
  readonly count: number;
  /**
   * Further figures of an evaluation, recorded in the epoch's row under the part's prefix
   * (`val`, `test`) and printed in its summary (regression: RMSE and angular error per field).
   */
  readonly figures?: Readonly<Record<string, number>>;
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
  /**
   * Held-out training samples, evaluated after every epoch: the best epoch by validation is
   * reported to `onBest`, and `patience` stops the run when it stops improving.
   */
  readonly val?: readonly number[];
  /** Stop after this many epochs without a better validation result (needs `val`). */
  readonly patience?: number;
  /** Called when an epoch is the best so far by validation (to save its model). */
  readonly onBest?: (row: EpochMetrics) => Promise<void>;
  /** Display names of samples, for messages (a batch whose loss is not finite names its meshes). */
  readonly sampleName?: (index: number) => string;
  readonly learningRate: (epoch: number) => number;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MetricsLog;
  readonly progress?: TrainingProgress;
  readonly interrupt?: InterruptRequest;
  /** Evaluate on the test set every this many epochs (and always at the last). */
  readonly evalEvery?: number;
  /** Called after every epoch's metrics are recorded (e.g. to redraw the curves). */
  readonly afterEpoch?: (row: EpochMetrics) => Promise<void>;
  /** Called once the newest checkpoint is restored (or found absent), before any training. */
  readonly afterRestore?: () => Promise<void>;
}

/** The best epoch by validation: highest accuracy, then lowest loss (the loss alone where no accuracy is measured). */
export interface BestEpoch {
  readonly epoch: number;
  /** Absent (or null in an old checkpoint's JSON) for a task without an accuracy (regression). */
  readonly valAccuracy?: number;
  readonly valLoss: number;
}

export interface TrainingOutcome {
  /** "stopped-early": validation did not improve for `patience` epochs (the run is complete). */
  readonly status: "finished" | "stopped-early" | "interrupted";
  /** Epochs completed in total (including those of earlier sessions). */
  readonly epochsDone: number;
  readonly lastMetrics: EpochMetrics | undefined;
  /** The best epoch by validation, when there is a validation set. */
  readonly best: BestEpoch | undefined;
}

/**
 * The loss became NaN or infinite: training stops at once, without saving (the step already
 * wrote non-finite values into the weights), so the last checkpoint on disk is the last good one.
 */
export class NonFiniteLossError extends CliError {
  readonly epoch: number;
  readonly batch: number | undefined;

  constructor(message: string, epoch: number, batch?: number) {
    super(message, EXIT.failure);
    this.name = "NonFiniteLossError";
    this.epoch = epoch;
    this.batch = batch;
  }
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
 * Whether `row` (with validation figures) beats `best`: higher accuracy, or equal accuracy and
 * lower loss; lower loss alone for a task that measures no accuracy (regression).
 */
export function improves(
  row: { valAccuracy?: number; valLoss: number },
  best: BestEpoch | undefined,
): boolean {
  if (best === undefined) return true;
  const [a, b] = [row.valAccuracy, best.valAccuracy];
  if (typeof a !== "number" || typeof b !== "number" || !Number.isFinite(a) || !Number.isFinite(b))
    return row.valLoss < best.valLoss;
  return a > b || (a === b && row.valLoss < best.valLoss);
}

/** `figures` of an evaluation as row columns: `valRmse.wind` from `rmse.wind` and `val`. */
function prefixed(
  part: string,
  figures: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(figures ?? {}))
    out[`${part}${key[0].toUpperCase()}${key.slice(1)}`] = value;
  return out;
}

/**
 * Lets the event loop run pending callbacks, signal handlers among them. A training step is
 * synchronous work whose awaits resolve as microtasks, so without this a Ctrl-C would only be
 * seen when the epoch's files are written.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs (or resumes) training: restores the newest checkpoint if there is one, then for each
 * remaining epoch trains on the seeded shuffle in batches, evaluates (validation every epoch,
 * test every `evalEvery`), records metrics and saves a checkpoint. A Ctrl-C (through
 * `interrupt`) stops after the current batch with a checkpoint that records the position inside
 * the epoch, so a resumed run continues with the very same batches: an interrupted and resumed
 * run ends with the weights an uninterrupted one would have. A non-finite loss stops the run with
 * a `NonFiniteLossError` and saves nothing.
 */
export async function runTrainingLoop(
  model: TrainableModel,
  options: TrainingLoopOptions,
): Promise<TrainingOutcome> {
  const { epochs, batchSize, seed, train, test, checkpoints, metrics, progress, interrupt } = options;
  const val = options.val ?? [];
  if (train.length === 0) throw new RangeError("there are no training samples");
  if (options.patience !== undefined && val.length === 0)
    throw new RangeError("early stopping (patience) needs validation samples");
  const latest = await checkpoints.latest();
  let epochsDone = 0;
  let skipBatches = 0;
  let partial: { loss: number; correct: number; count: number } = { loss: 0, correct: 0, count: 0 };
  let best: BestEpoch | undefined;
  let lastSaved = latest ? basename(latest.dir) : undefined;
  if (latest) {
    try {
      await model.loadState(latest.dir);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CorruptCheckpointError(latest.dir, `cannot be loaded (${(error as Error).message})`, {
        cause: error,
      });
    }
    epochsDone = latest.state.epoch;
    skipBatches = latest.state.batchInEpoch;
    const saved = latest.state.extra.partialTotals as Totals | undefined;
    if (skipBatches > 0 && saved) partial = { ...saved };
    best = latest.state.extra.best as BestEpoch | undefined;
  }
  await options.afterRestore?.();
  const batchesPerEpoch = Math.ceil(train.length / batchSize);
  const evalEvery = options.evalEvery ?? 1;
  let lastMetrics = metrics.epochs.at(-1);
  const patienceSpent = (epoch: number) =>
    options.patience !== undefined && best !== undefined && epoch - best.epoch >= options.patience;
  if (skipBatches === 0 && patienceSpent(epochsDone)) {
    return { status: "stopped-early", epochsDone, lastMetrics, best };
  }
  const name = (i: number) => options.sampleName?.(i) ?? `sample ${i}`;
  const lastGood = () =>
    lastSaved
      ? `the last checkpoint, ${lastSaved}, is kept (the same command with --resume continues from it; a lower --lr may help)`
      : "no checkpoint had been saved yet";

  const save = async (state: Omit<CheckpointState, "savedAt">) => {
    const saved = await checkpoints.save(state, (dir) => model.saveState(dir));
    lastSaved = basename(saved.dir);
  };

  for (let epoch = epochsDone + 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const order = epochOrder(train, seed, epoch);
    const learningRate = options.learningRate(epoch);
    const totals = skipBatches > 0 ? partial : { loss: 0, correct: 0, count: 0 };
    progress?.startEpoch(epoch);
    for (let b = skipBatches; b < batchesPerEpoch; b++) {
      const batch = order.slice(b * batchSize, (b + 1) * batchSize);
      const result = await model.trainBatch(batch, learningRate);
      if (!Number.isFinite(result.loss)) {
        throw new NonFiniteLossError(
          `the training loss is ${result.loss} at epoch ${epoch}, batch ${b + 1}/${batchesPerEpoch} (meshes ${batch.map(name).join(", ")}); training stopped and saved nothing: ${lastGood()}`,
          epoch,
          b + 1,
        );
      }
      totals.loss += result.loss;
      totals.correct += result.correct;
      totals.count += result.count;
      progress?.batch({
        done: b + 1,
        loss: totals.loss / totals.count,
        accuracy: totals.correct / totals.count,
      });
      await yieldToEventLoop();
      if (interrupt?.requested && b + 1 < batchesPerEpoch) {
        await save({
          epoch: epoch - 1,
          batchInEpoch: b + 1,
          extra: { partialTotals: { ...totals }, ...(best ? { best } : {}) },
        });
        progress?.log(`interrupted: saved a checkpoint at epoch ${epoch}, batch ${b + 1}/${batchesPerEpoch}`);
        return { status: "interrupted", epochsDone: epoch - 1, lastMetrics, best };
      }
    }
    skipBatches = 0;
    const row: Record<string, number> = {
      epoch,
      learningRate,
      trainLoss: totals.loss / totals.count,
    };
    // Left out where the training step does not measure it (per-vertex tasks: correct is NaN).
    if (Number.isFinite(totals.correct)) row.trainAccuracy = totals.correct / totals.count;
    const evaluated: [string, string][] = [];
    if (val.length > 0) {
      const v = await model.evaluate(val);
      row.valLoss = v.loss / v.count;
      // Left out where the task measures no accuracy (regression: correct is NaN).
      if (Number.isFinite(v.correct)) row.valAccuracy = v.correct / v.count;
      Object.assign(row, prefixed("val", v.figures));
      evaluated.push(["validation", "valLoss"]);
    }
    if (test.length > 0 && (epoch % evalEvery === 0 || epoch === epochs)) {
      const t = await model.evaluate(test);
      row.testLoss = t.loss / t.count;
      if (Number.isFinite(t.correct)) row.testAccuracy = t.correct / t.count;
      Object.assign(row, prefixed("test", t.figures));
      evaluated.push(["test", "testLoss"]);
    }
    for (const [what, key] of evaluated) {
      if (!Number.isFinite(row[key])) {
        // The last step left non-finite weights: this epoch's state is not worth keeping.
        throw new NonFiniteLossError(
          `the ${what} loss is ${row[key]} after epoch ${epoch} (the weights are no longer finite); training stopped and saved nothing: ${lastGood()}`,
          epoch,
        );
      }
    }
    row.seconds = (performance.now() - started) / 1000;
    lastMetrics = row as EpochMetrics;
    await metrics.record(lastMetrics);
    if (val.length > 0 && improves(row as { valAccuracy?: number; valLoss: number }, best)) {
      best = {
        epoch,
        ...(row.valAccuracy !== undefined ? { valAccuracy: row.valAccuracy } : {}),
        valLoss: row.valLoss,
      };
      await options.onBest?.(lastMetrics);
    }
    await save({ epoch, batchInEpoch: 0, extra: best ? { best } : {} });
    await options.afterEpoch?.(lastMetrics);
    progress?.endEpoch(formatEpochSummary(lastMetrics, best?.epoch === epoch));
    if (epoch < epochs && patienceSpent(epoch)) {
      progress?.log(
        `stopping early: no better validation result for ${options.patience} epochs (best: epoch ${best?.epoch})`,
      );
      return { status: "stopped-early", epochsDone: epoch, lastMetrics, best };
    }
    if (interrupt?.requested && epoch < epochs) {
      progress?.log(`interrupted: saved a checkpoint after epoch ${epoch}`);
      return { status: "interrupted", epochsDone: epoch, lastMetrics, best };
    }
  }
  return { status: "finished", epochsDone: Math.max(epochs, epochsDone), lastMetrics, best };
}

/**
 * `train loss 0.1234 acc 97.5% | val loss 0.2 acc 96.0% (best) | test loss 0.2345 acc 95.0%`;
 * a regression row shows, instead of accuracies, its figures per field (`rmse wind 0.12 angle
 * wind 8.1°`: RMSE, and the median angular error in degrees).
 */
export function formatEpochSummary(row: EpochMetrics, best = false): string {
  // A per-vertex training step measures no accuracy: the row has none.
  const accuracy = (value: number | undefined) =>
    value === undefined ? "" : ` acc ${(100 * value).toFixed(1)}%`;
  const figures = (part: string) => {
    const shown: string[] = [];
    for (const [key, value] of Object.entries(row)) {
      const rmse = key.startsWith(`${part}Rmse.`) ? key.slice(part.length + 5) : undefined;
      const angle = key.startsWith(`${part}AngleMedian.`) ? key.slice(part.length + 12) : undefined;
      if (rmse !== undefined) shown.push(`rmse ${rmse} ${formatFigure(value)}`);
      if (angle !== undefined) shown.push(`angle ${angle} ${value.toFixed(1)}°`);
    }
    return shown.length > 0 ? ` ${shown.join(" ")}` : "";
  };
  const parts = [`train loss ${row.trainLoss.toFixed(4)}${accuracy(row.trainAccuracy)}`];
  if (row.valLoss !== undefined) {
    parts.push(
      `val loss ${row.valLoss.toFixed(4)}${accuracy(row.valAccuracy)}${figures("val")}${best ? " (best)" : ""}`,
    );
  }
  if (row.testLoss !== undefined) {
    parts.push(`test loss ${row.testLoss.toFixed(4)}${accuracy(row.testAccuracy)}${figures("test")}`);
  }
  return parts.join(" | ");
}

/** Four significant digits, as the summary shows an RMSE of any size. */
function formatFigure(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
