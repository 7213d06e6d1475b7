import type { CliIO } from "../cli/command.js";
import type { TrainSettings } from "../commands/train.js";
import { type CurveOptions, writeTrainingCurves } from "./curves.js";
import { InterruptRequest } from "./interrupt.js";
import { runTrainingLoop, type TrainableModel, type TrainingOutcome } from "./loop.js";
import type { EpochMetrics } from "./metrics.js";
import { TrainingProgress } from "./progress.js";
import type { RunDirectory } from "./run-dir.js";
import { learningRateAt } from "./schedule.js";

/** The samples of a training session and what to do with the best epoch's model. */
export interface SessionSamples {
  readonly train: readonly number[];
  readonly val: readonly number[];
  readonly test: readonly number[];
  readonly sampleName: (index: number) => string;
  readonly onBest: (row: EpochMetrics) => Promise<void>;
}

/**
 * Trains `model` in `run` with progress on stderr, Ctrl-C handling (a checkpoint, then
 * "interrupted", after which the model is closed) and the curves redrawn every epoch: what every
 * task's `train` shares. A failure closes the model and is thrown on.
 */
export async function runTrainingSession(
  model: TrainableModel & { close?(): Promise<void> },
  run: RunDirectory,
  settings: TrainSettings,
  samples: SessionSamples,
  io: CliIO,
  curves: CurveOptions = {},
): Promise<TrainingOutcome | "interrupted"> {
  const { train, val, test } = samples;
  const progress = new TrainingProgress(io.stderr, {
    totalEpochs: settings.epochs,
    batchesPerEpoch: Math.ceil(train.length / settings.batchSize),
    firstEpoch: (run.latest?.state.epoch ?? 0) + 1,
  });
  const interrupt = new InterruptRequest({
    onFirst: (signal) =>
      progress.log(
        `${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping after this batch and saving a checkpoint (press Ctrl-C again to quit at once, without saving)`,
      ),
  }).install();
  let outcome: TrainingOutcome;
  try {
    outcome = await runTrainingLoop(model, {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      seed: settings.seed,
      train,
      val,
      test,
      ...(settings.patience !== undefined ? { patience: settings.patience } : {}),
      sampleName: samples.sampleName,
      learningRate: (epoch) => learningRateAt(settings.schedule, epoch, settings.epochs),
      checkpoints: run.checkpoints,
      metrics: run.metrics,
      progress,
      interrupt,
      evalEvery: settings.evalEvery,
      onBest: samples.onBest,
      afterEpoch: async () => {
        await writeTrainingCurves(run.curvesDir, run.metrics.epochs, curves);
      },
      afterRestore: async () => {
        if (run.resumed) await run.saveConfig();
      },
    });
  } catch (error) {
    await model.close?.();
    throw error;
  } finally {
    interrupt.dispose();
    progress.finish();
  }
  if (outcome.status === "interrupted") {
    io.stderr.write(`stopped; continue with the same command and --resume (run directory ${run.path})\n`);
    await model.close?.();
    return "interrupted";
  }
  if (outcome.status === "stopped-early")
    io.stderr.write(
      `stopped early after epoch ${outcome.epochsDone}: no better validation result for ${settings.patience} epochs (best epoch ${outcome.best?.epoch})\n`,
    );
  return outcome;
}
