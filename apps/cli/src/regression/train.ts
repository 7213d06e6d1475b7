import { join, relative } from "node:path";
import { fitTargetScaling, namedFieldTypeOf, type TargetScaling, TargetScalingError } from "@gemcnn/features";
import type { NamedFieldType } from "@gemcnn/gauge";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { formatBlocks } from "../classifiers/architecture.js";
import {
  type ModelSpec,
  SPEC_FILE,
  SPEC_FORMAT,
  SPEC_VERSION,
  specForTraining,
} from "../classifiers/classifier.js";
import type { CliIO } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { outputFailure } from "../cli/fs-errors.js";
import type { preprocessingFromArgs } from "../commands/shared.js";
import type { TrainSettings } from "../commands/train.js";
import { formatDeclarations } from "../fields/field-files.js";
import { openVertexTaskRun } from "../per-vertex/train.js";
import type { TrainingOutcome } from "../training/loop.js";
import type { EpochMetrics } from "../training/metrics.js";
import { formatDuration } from "../training/progress.js";
import type { RunDirectory } from "../training/run-dir.js";
import { runTrainingSession } from "../training/session.js";
import {
  type PreprocessedRegression,
  preprocessRegression,
  type RegressionFields,
  type RegressionSources,
} from "./data.js";
import { GemRegressionModel } from "./model.js";

/** The errors of one field on a set of meshes (`fieldRegressionMetrics`, in the targets' units). */
export interface FieldFigures {
  readonly name: string;
  readonly order: number;
  readonly rmse: number;
  /** RMS of the true field: the RMSE of predicting zero. */
  readonly targetRms: number;
  /** Order ≥ 1: angular error in degrees over the vertices with a non-zero target. */
  readonly angularError?: { readonly median: number; readonly mean: number; readonly count: number };
}

/** What `train` and `eval` report for a regression model. */
export interface RegressionFigures {
  /** Root mean squared error of the whole field (all copies), in the targets' units. */
  readonly rmse: number;
  readonly vertices: number;
  readonly meshes: number;
  readonly fields: readonly FieldFigures[];
}

/** The figures of `predicted` against the true targets of the same meshes. */
export async function regressionFiguresOf(
  model: GemRegressionModel,
  indices: readonly number[],
  targets: PreprocessedRegression["targets"],
): Promise<RegressionFigures> {
  const { fieldRegressionMetrics } = await import("@gemcnn/nn");
  const predicted = await model.predict(indices);
  const truth = indices.map((i) => targets[i] as NonNullable<(typeof targets)[number]>);
  const metrics = fieldRegressionMetrics(
    model.outputType,
    predicted,
    truth.map((t) => t.values),
  );
  return {
    rmse: metrics.rmse,
    vertices: metrics.count,
    meshes: indices.length,
    fields: metrics.copies.map((copy) => ({
      name: copy.name,
      order: copy.order,
      rmse: copy.rmse,
      targetRms: copy.targetRms,
      ...(copy.angularError
        ? {
            angularError: {
              median: copy.angularError.median,
              mean: copy.angularError.mean,
              count: copy.angularError.count,
            },
          }
        : {}),
    })),
  };
}

/** `wind: RMSE 0.021 (field RMS 0.397), angular error median 4.5°, mean 16.2° (642 vertices)`, one line per field. */
export function formatRegressionFigures(figures: RegressionFigures, what: string): string {
  const lines = [
    `${what}: ${figures.meshes} meshes, ${figures.vertices} vertices; RMSE of all fields ${figures.rmse.toPrecision(4)}`,
  ];
  for (const f of figures.fields) {
    const angle = f.angularError
      ? `; angular error median ${f.angularError.median.toFixed(2)}°, mean ${f.angularError.mean.toFixed(2)}° (${f.angularError.count} vertices with a non-zero target)`
      : "";
    lines.push(
      `  ${f.name} (order ${f.order}): RMSE ${f.rmse.toPrecision(4)} (field RMS ${f.targetRms.toPrecision(4)})${angle}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What `train --task regression` reports (also written to `report.json`). */
export interface RegressionTrainReport {
  readonly task: "regression";
  readonly dataset: string;
  readonly fields: RegressionFields;
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  readonly validation?: string;
  readonly selected: "best" | "last";
  readonly bestEpoch?: number;
  readonly testMeshes: number;
  readonly test?: RegressionFigures;
  readonly skipped: readonly { name: string; reason: string }[];
  readonly trainSeconds: number;
  readonly preprocessSeconds: number;
  readonly paths: Readonly<Record<string, string>>;
}

/** The named type and the target scaling of a regression model description; a `CliError` naming `dir` when absent. */
export function regressionParts(
  spec: ModelSpec,
  dir: string,
): { fields: RegressionFields; outputType: NamedFieldType; scaling: TargetScaling } {
  const fields = spec.fields;
  if (
    fields === undefined ||
    !Array.isArray(fields.input) ||
    !Array.isArray(fields.target) ||
    fields.target.length === 0
  )
    throw new CliError(
      `${join(dir, SPEC_FILE)}: a regression model description needs "fields": {"input": [...], "target": [...]}`,
    );
  if (spec.target === undefined)
    throw new CliError(
      `${join(dir, SPEC_FILE)}: a regression model description needs "target" (the target scaling)`,
    );
  return { fields, outputType: namedFieldTypeOf(fields.target), scaling: spec.target };
}

/**
 * Saves a regression model: its tfjs files, then `gemcnn.json` (last, as the classifier's: a
 * complete directory has it).
 */
async function saveRegressionModel(dir: string, spec: ModelSpec, model: GemRegressionModel): Promise<void> {
  try {
    await model.exportModel(dir);
    await writeFileAtomic(join(dir, SPEC_FILE), `${JSON.stringify(spec, null, 1)}\n`);
  } catch (error) {
    throw outputFailure(error, "save", "the model", dir, "the checkpoints are kept: --resume saves it again");
  }
}

/**
 * `gemcnn train --task regression`: the classifier's run directory, loop, checkpoints,
 * validation (the best epoch by validation loss), --resume, Ctrl-C and non-finite-loss stop,
 * with nn's GEM-CNN regressor on the combined input (geometric features and input fields), the
 * targets scaled as `gemcnn.json`'s `target` says, and per-field RMSE and angular error.
 */
export async function trainRegression(
  sources: RegressionSources,
  fields: RegressionFields,
  setup: ReturnType<typeof preprocessingFromArgs>,
  settings: TrainSettings,
  io: CliIO,
): Promise<number> {
  if (settings.model !== "gemcnn")
    throw new UsageError(`--model ${settings.model}: regression trains the GEM-CNN only`);
  if (sources.train.length === 0) throw new CliError(`${sources.root}: no training meshes`);
  const outputType = namedFieldTypeOf(fields.target);
  const run = await openVertexTaskRun(
    { task: "regression", dataset: sources.description, fields },
    { description: sources.validation, meshes: sources.val.length },
    setup,
    settings,
  );
  const log = (line: string) => io.stderr.write(`${line}\n`);
  log(`${run.resumed ? "resuming" : "run"}: ${run.path}`);
  log(
    `dataset: ${sources.description}; regression of ${formatDeclarations(fields.target)} (${outputType.type})${
      fields.input.length > 0 ? ` from ${formatDeclarations(fields.input)}` : ""
    }${setup.options.features.kinds.length > 0 ? ` and features ${setup.options.features.kinds.join(",")}` : ""}${
      sources.validation ? `; validation: ${sources.val.length} meshes, ${sources.validation}` : ""
    }`,
  );
  const data = await preprocessRegression(sources, fields, setup, io);
  if (data.train.length === 0)
    throw new CliError("no training mesh could be preprocessed (see the skipped meshes above)");
  if (sources.val.length > 0 && data.val.length === 0)
    throw new CliError("no validation mesh could be preprocessed (see the skipped meshes above)");
  let scaling: TargetScaling;
  try {
    scaling = fitTargetScaling(
      data.train.map((i) => (data.targets[i] as NonNullable<(typeof data.targets)[number]>).values),
      outputType,
    );
  } catch (error) {
    if (error instanceof TargetScalingError) throw new CliError(error.message);
    throw error;
  }
  const spec = specForTraining(
    {
      format: SPEC_FORMAT,
      version: SPEC_VERSION,
      kind: "gemcnn",
      task: "regression",
      classes: [],
      fields: { input: fields.input, target: fields.target },
      target: scaling,
      preprocess: setup.options,
      weightDecay: settings.weightDecay,
      seed: settings.seed,
      architecture: settings.architecture,
    },
    data.meshes,
    data.train,
  );
  const input = spec.input;
  if (input === undefined) throw new Error("specForTraining gave a GEM-CNN spec without input normalisation");
  const model = await GemRegressionModel.create(
    settings.architecture,
    outputType,
    scaling,
    data.meshes,
    data.targets.map((t) => t?.values),
    { input, weightDecay: settings.weightDecay, seed: settings.seed },
  );
  log(
    `model: GEM-CNN regressor ${formatBlocks(settings.architecture.blocks)}, ${settings.architecture.nonlinearity}; input "${input.fieldType}" (${input.channels.join(", ")}); output "${outputType.type}"; ${model.parameterCount} weights; loss: mean squared error of the scaled fields; 1 thread`,
  );
  const started = performance.now();
  const outcome = await runTrainingSession(
    model,
    run,
    settings,
    {
      train: data.train,
      val: data.val,
      test: data.test,
      sampleName: (i) => data.meshes[i].name,
      onBest: async (row) => {
        await saveRegressionModel(run.bestModelDir, selectedSpec(spec, row), model);
      },
    },
    io,
    { lossLabel: "mean squared error (scaled fields)" },
  );
  if (outcome === "interrupted") return EXIT.interrupted;
  const trainSeconds = (performance.now() - started) / 1000;
  await saveRegressionModel(run.modelDir, { ...spec, epochs: outcome.epochsDone }, model);
  const report = await reportRegression(model, spec, sources, fields, data, outcome, run, trainSeconds);
  io.stdout.write(formatRegressionTrainReport(report, io.cwd));
  return EXIT.success;
}

function selectedSpec(spec: ModelSpec, row: EpochMetrics): ModelSpec {
  return {
    ...spec,
    epochs: row.epoch,
    selection: { by: "validation", epoch: row.epoch, valLoss: row.valLoss },
  };
}

async function reportRegression(
  model: GemRegressionModel,
  spec: ModelSpec,
  sources: RegressionSources,
  fields: RegressionFields,
  data: PreprocessedRegression,
  outcome: TrainingOutcome,
  run: RunDirectory,
  trainSeconds: number,
): Promise<RegressionTrainReport> {
  let chosen = model;
  const best = outcome.best;
  if (best && best.epoch !== outcome.epochsDone) {
    if (spec.input === undefined || spec.target === undefined)
      throw new Error("a regression spec without input or target");
    chosen = await GemRegressionModel.load(
      run.bestModelDir,
      model.outputType,
      spec.target,
      data.meshes,
      data.targets.map((t) => t?.values),
      { input: spec.input, weightDecay: spec.weightDecay, seed: spec.seed },
    );
  }
  const test = data.test.length > 0 ? await regressionFiguresOf(chosen, data.test, data.targets) : undefined;
  const paths = {
    run: run.path,
    model: best ? run.bestModelDir : run.modelDir,
    lastModel: run.modelDir,
    ...(best ? { bestModel: run.bestModelDir } : {}),
    curves: run.curvesDir,
    metrics: join(run.path, "metrics.json"),
    report: run.reportPath,
  };
  const report: RegressionTrainReport = {
    task: "regression",
    dataset: sources.description,
    fields,
    epochs: outcome.epochsDone,
    stoppedEarly: outcome.status === "stopped-early",
    ...(sources.validation ? { validation: sources.validation } : {}),
    selected: best ? "best" : "last",
    ...(best ? { bestEpoch: best.epoch } : {}),
    testMeshes: data.test.length,
    ...(test ? { test } : {}),
    skipped: data.skipped,
    trainSeconds,
    preprocessSeconds: data.seconds,
    paths,
  };
  try {
    await writeFileAtomic(run.reportPath, `${JSON.stringify(report, null, 1)}\n`);
  } catch (error) {
    throw outputFailure(error, "write", "the report", run.reportPath);
  }
  return report;
}

/** The closing report of a regression run: the test figures per field and where everything was written. */
export function formatRegressionTrainReport(report: RegressionTrainReport, cwd: string): string {
  const show = (p: string) => relative(cwd, p) || ".";
  const which =
    report.bestEpoch !== undefined
      ? `epoch ${report.bestEpoch}, chosen by validation loss`
      : `epoch ${report.epochs}`;
  const lines = [
    "",
    `regression, ${report.epochs} epochs${report.stoppedEarly ? " (stopped early)" : ""}, trained in ${formatDuration(report.trainSeconds)} (preprocessing ${formatDuration(report.preprocessSeconds)}); test figures of ${which}:`,
  ];
  if (report.test) lines.push(formatRegressionFigures(report.test, "test").trimEnd());
  else lines.push("(no test meshes)");
  lines.push(
    "",
    report.paths.bestModel
      ? `model     ${show(report.paths.bestModel)}/ (best by validation), ${show(report.paths.lastModel)}/ (last epoch)`
      : `model     ${show(report.paths.lastModel)}/`,
    `curves    ${show(join(report.paths.curves, "loss.svg"))}`,
    `metrics   ${show(report.paths.metrics)} (and .csv)`,
    `report    ${show(report.paths.report)}`,
  );
  if (report.skipped.length > 0)
    lines.push(`skipped   ${report.skipped.length} mesh(es), listed above and in the report`);
  return `${lines.join("\n")}\n`;
}
