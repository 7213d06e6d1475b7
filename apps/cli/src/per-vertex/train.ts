import { join, relative } from "node:path";
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
import { preprocessDataset } from "../commands/shared.js";
import type { TrainSettings } from "../commands/train.js";
import { formatDeclarations } from "../fields/field-files.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { PER_VERTEX_TASKS } from "../tasks/tasks.js";
import type { TrainingOutcome } from "../training/loop.js";
import type { EpochMetrics } from "../training/metrics.js";
import { formatDuration } from "../training/progress.js";
import { RunDirectory } from "../training/run-dir.js";
import { runTrainingSession } from "../training/session.js";
import { meshVertexLabels, type PerVertexItem, type PerVertexSources } from "./data.js";
import {
  type CorrespondenceFigures,
  correspondenceFigures,
  formatCorrespondenceFigures,
  formatPartFigures,
  type PartFigures,
  partFigures,
} from "./metrics.js";
import { GemPerVertexModel } from "./model.js";
import { writeVertexColouredPly } from "./ply-output.js";

/** File name of a correspondence model's template mesh, beside `model.json`. */
export const TEMPLATE_FILE = "template.ply";

/** A per-vertex dataset preprocessed, with every mesh's labels in its own vertex order. */
export interface PreprocessedPerVertex {
  readonly meshes: SourcedMesh[];
  readonly labels: Int32Array[];
  readonly train: number[];
  readonly val: number[];
  readonly test: number[];
  readonly skipped: readonly { name: string; reason: string }[];
  readonly seconds: number;
}

/**
 * Preprocesses the meshes of `sources` (the cache and workers of every command) and carries each
 * input's labels to its preprocessed vertices (`meshVertexLabels`: through repair and the
 * component selection); a correspondence mesh must have `templateVertices` vertices.
 */
export async function preprocessPerVertex(
  sources: Pick<PerVertexSources, "description" | "classes" | "train" | "val" | "test" | "inputFields">,
  setup: ReturnType<typeof preprocessingFromArgs>,
  io: CliIO,
  templateVertices?: number,
): Promise<PreprocessedPerVertex> {
  const items: PerVertexItem[] = [...sources.train, ...sources.val, ...sources.test];
  // The dataset machinery carries one number per mesh: here, the item's index.
  let next = 0;
  const wrap = (part: readonly PerVertexItem[]) =>
    part.map((item) => ({
      source: item.source,
      label: next++,
      ...(item.fields ? { fields: item.fields } : {}),
    }));
  const data = await preprocessDataset(
    {
      description: sources.description,
      classes: sources.classes,
      train: wrap(sources.train),
      val: wrap(sources.val),
      test: wrap(sources.test),
      ...(sources.inputFields ? { inputFields: sources.inputFields } : {}),
    },
    setup,
    io,
  );
  const all = [...data.train, ...data.val, ...data.test];
  const meshes = all.map((s) => s.mesh as SourcedMesh);
  const labels = all.map((s, i) => meshVertexLabels(meshes[i], items[s.label].labels, templateVertices));
  const index = (offset: number, n: number) => Array.from({ length: n }, (_, i) => offset + i);
  return {
    meshes,
    labels,
    train: index(0, data.train.length),
    val: index(data.train.length, data.val.length),
    test: index(data.train.length + data.val.length, data.test.length),
    skipped: data.skipped,
    seconds: data.seconds,
  };
}

/** What `train` reports for a per-vertex task (also written to `report.json`). */
export interface PerVertexTrainReport {
  readonly task: "segmentation" | "correspondence";
  readonly dataset: string;
  readonly classes: number;
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  readonly validation?: string;
  readonly selected: "best" | "last";
  readonly bestEpoch?: number;
  readonly testMeshes: number;
  readonly segmentation?: PartFigures;
  readonly correspondence?: CorrespondenceFigures;
  readonly skipped: readonly { name: string; reason: string }[];
  readonly trainSeconds: number;
  readonly preprocessSeconds: number;
  readonly paths: Readonly<Record<string, string>>;
}

/**
 * Saves a per-vertex model: its tfjs files, for correspondence the template mesh, then
 * `gemcnn.json` (last, as the classifier's: a complete directory has it).
 */
export async function savePerVertexModel(
  dir: string,
  spec: ModelSpec,
  model: GemPerVertexModel,
  template?: PerVertexSources["template"],
): Promise<void> {
  try {
    await model.exportModel(dir);
    if (template !== undefined)
      await writeFileAtomic(join(dir, TEMPLATE_FILE), writeVertexColouredPly(template.data));
    await writeFileAtomic(join(dir, SPEC_FILE), `${JSON.stringify(spec, null, 1)}\n`);
  } catch (error) {
    throw outputFailure(error, "save", "the model", dir, "the checkpoints are kept: --resume saves it again");
  }
}

/**
 * The run directory of a per-vertex or regression run: the task's own identity (what it learns,
 * from which data) beside the settings that every such run shares, and the adjustable ones
 * (`--resume` may change those). Refuses `--patience` without validation meshes.
 */
export async function openVertexTaskRun(
  task: Readonly<Record<string, unknown>>,
  validation: { readonly description?: string; readonly meshes: number },
  setup: ReturnType<typeof preprocessingFromArgs>,
  settings: TrainSettings,
): Promise<RunDirectory> {
  if (settings.patience !== undefined && validation.meshes === 0)
    throw new UsageError(
      '--patience needs a validation set: --val-fraction <x>, val/ folders or a split file\'s "val" lists',
    );
  return RunDirectory.open(
    settings.runDir,
    {
      identity: {
        ...task,
        ...(validation.description ? { validation: validation.description } : {}),
        preprocess: setup.options,
        model: settings.model,
        architecture: settings.architecture,
        batchSize: settings.batchSize,
        schedule: settings.schedule,
        weightDecay: settings.weightDecay,
        seed: settings.seed,
      },
      adjustable: {
        epochs: settings.epochs,
        evalEvery: settings.evalEvery,
        workers: setup.workers,
        threads: 1,
        ...(settings.patience !== undefined ? { patience: settings.patience } : {}),
      },
    },
    { resume: settings.resume, overwrite: settings.force, epochs: settings.epochs },
  );
}

/**
 * `gemcnn train --task segmentation|correspondence`: the classifier's run directory, loop,
 * checkpoints, validation, --resume, Ctrl-C and non-finite-loss stop, with a per-vertex GEM-CNN
 * (`GemPerVertexModel`), per-vertex labels and the task's figures (per-vertex accuracy, IoU and the
 * confusion; accuracy at zero geodesic error and the error curve).
 */
export async function trainPerVertex(
  sources: PerVertexSources,
  setup: ReturnType<typeof preprocessingFromArgs>,
  settings: TrainSettings,
  io: CliIO,
): Promise<number> {
  const definition = PER_VERTEX_TASKS[sources.task];
  if (settings.model !== "gemcnn")
    throw new UsageError(`--model ${settings.model}: per-vertex tasks train the GEM-CNN only`);
  const templateVertices = sources.template ? sources.template.data.positions.length / 3 : undefined;
  const classCount =
    sources.task === "correspondence" ? (templateVertices as number) : sources.classes.length;
  const inputFields = sources.inputFields ?? [];
  const run = await openVertexTaskRun(
    {
      task: sources.task,
      dataset: sources.description,
      classes: sources.task === "correspondence" ? classCount : sources.classes,
      ...(inputFields.length > 0 ? { inputFields } : {}),
    },
    { description: sources.validation, meshes: sources.val.length },
    setup,
    settings,
  );
  const log = (line: string) => io.stderr.write(`${line}\n`);
  log(`${run.resumed ? "resuming" : "run"}: ${run.path}`);
  log(
    `dataset: ${sources.description}; ${sources.task}, ${classCount} classes${
      inputFields.length > 0
        ? `; input fields ${formatDeclarations(inputFields)}${setup.options.features.kinds.length > 0 ? ` and features ${setup.options.features.kinds.join(",")}` : " only"}`
        : ""
    }${sources.validation ? `; validation: ${sources.val.length} meshes, ${sources.validation}` : ""}`,
  );
  const data = await preprocessPerVertex(sources, setup, io, templateVertices);
  if (data.train.length === 0)
    throw new CliError("no training mesh could be preprocessed (see the skipped meshes above)");
  if (sources.val.length > 0 && data.val.length === 0)
    throw new CliError("no validation mesh could be preprocessed (see the skipped meshes above)");
  for (const [i, labels] of data.labels.entries()) {
    for (const label of labels) {
      if (label >= classCount)
        throw new CliError(`${data.meshes[i].name}: label ${label}, but the task has ${classCount} classes`);
    }
  }
  const spec = specForTraining(
    {
      format: SPEC_FORMAT,
      version: SPEC_VERSION,
      kind: "gemcnn",
      task: sources.task,
      classes: sources.task === "correspondence" ? [] : sources.classes,
      ...(sources.labelsFrom ? { labels: { from: sources.labelsFrom } } : {}),
      ...(templateVertices !== undefined
        ? { template: { file: TEMPLATE_FILE, vertexCount: templateVertices } }
        : {}),
      ...(inputFields.length > 0 ? { fields: { input: inputFields, target: [] } } : {}),
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
  const model = await GemPerVertexModel.create(
    sources.task,
    settings.architecture,
    classCount,
    data.meshes,
    data.labels,
    {
      input,
      weightDecay: settings.weightDecay,
      seed: settings.seed,
    },
  );
  const sampled = definition.sampledClasses(classCount);
  log(
    `model: GEM-CNN ${sources.task === "segmentation" ? "segmenter" : "correspondence"} ${formatBlocks(settings.architecture.blocks)}, ${settings.architecture.nonlinearity}${
      sources.task === "correspondence" ? `, embedding ${settings.architecture.embedding ?? 64}` : ""
    }; input "${input.fieldType}"; ${model.parameterCount} weights; loss: softmax over ${sampled === undefined ? `all ${classCount} classes` : `${sampled} of ${classCount} classes drawn per step`}; 1 thread (per-vertex steps run on this thread)`,
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
        await savePerVertexModel(run.bestModelDir, selectedPerVertexSpec(spec, row), model, sources.template);
      },
    },
    io,
  );
  if (outcome === "interrupted") return EXIT.interrupted;
  const trainSeconds = (performance.now() - started) / 1000;
  await savePerVertexModel(run.modelDir, { ...spec, epochs: outcome.epochsDone }, model, sources.template);
  const report = await reportPerVertex(model, spec, sources, data, outcome, run, trainSeconds);
  io.stdout.write(formatPerVertexTrainReport(report, sources.classes, io.cwd));
  return EXIT.success;
}

function selectedPerVertexSpec(spec: ModelSpec, row: EpochMetrics): ModelSpec {
  return {
    ...spec,
    epochs: row.epoch,
    selection: { by: "validation", epoch: row.epoch, valAccuracy: row.valAccuracy, valLoss: row.valLoss },
  };
}

/** The task's figures on the test meshes, of the best model by validation when there is one. */
export async function perVertexFigures(
  model: GemPerVertexModel,
  indices: readonly number[],
  meshes: readonly SourcedMesh[],
  labels: readonly Int32Array[],
  classes: number,
): Promise<{ segmentation?: PartFigures; correspondence?: CorrespondenceFigures }> {
  const predicted = (await model.predict(indices)).map((p) => p.labels);
  if (PER_VERTEX_TASKS[model.task].metrics === "parts") {
    return {
      segmentation: partFigures(
        predicted,
        indices.map((i) => labels[i]),
        classes,
      ),
    };
  }
  return {
    correspondence: correspondenceFigures(
      predicted,
      indices.map((i) => meshes[i]),
    ),
  };
}

async function reportPerVertex(
  model: GemPerVertexModel,
  spec: ModelSpec,
  sources: PerVertexSources,
  data: PreprocessedPerVertex,
  outcome: TrainingOutcome,
  run: RunDirectory,
  trainSeconds: number,
): Promise<PerVertexTrainReport> {
  let chosen = model;
  const best = outcome.best;
  if (best && best.epoch !== outcome.epochsDone) {
    if (spec.input === undefined) throw new Error("a GEM-CNN spec without input normalisation");
    chosen = await GemPerVertexModel.load(sources.task, run.bestModelDir, data.meshes, data.labels, {
      input: spec.input,
      weightDecay: spec.weightDecay,
      seed: spec.seed,
    });
  }
  const figures =
    data.test.length > 0
      ? await perVertexFigures(chosen, data.test, data.meshes, data.labels, model.classes)
      : {};
  const paths = {
    run: run.path,
    model: best ? run.bestModelDir : run.modelDir,
    lastModel: run.modelDir,
    ...(best ? { bestModel: run.bestModelDir } : {}),
    curves: run.curvesDir,
    metrics: join(run.path, "metrics.json"),
    report: run.reportPath,
  };
  const report: PerVertexTrainReport = {
    task: sources.task,
    dataset: sources.description,
    classes: model.classes,
    epochs: outcome.epochsDone,
    stoppedEarly: outcome.status === "stopped-early",
    ...(sources.validation ? { validation: sources.validation } : {}),
    selected: best ? "best" : "last",
    ...(best ? { bestEpoch: best.epoch } : {}),
    testMeshes: data.test.length,
    ...figures,
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

/** The closing report of a per-vertex run: the task's figures and where everything was written. */
export function formatPerVertexTrainReport(
  report: PerVertexTrainReport,
  classes: readonly string[],
  cwd: string,
): string {
  const show = (p: string) => relative(cwd, p) || ".";
  const which =
    report.bestEpoch !== undefined
      ? `epoch ${report.bestEpoch}, chosen by validation`
      : `epoch ${report.epochs}`;
  const lines = [
    "",
    `${report.task}, ${report.epochs} epochs${report.stoppedEarly ? " (stopped early)" : ""}, trained in ${formatDuration(report.trainSeconds)} (preprocessing ${formatDuration(report.preprocessSeconds)}); test figures of ${which}, ${report.testMeshes} meshes:`,
  ];
  if (report.segmentation) lines.push(formatPartFigures(report.segmentation, classes, "test").trimEnd());
  if (report.correspondence) lines.push(formatCorrespondenceFigures(report.correspondence, "test").trimEnd());
  if (report.testMeshes === 0) lines.push("(no test meshes)");
  lines.push(
    "",
    report.paths.bestModel
      ? `model     ${show(report.paths.bestModel)}/ (best by validation), ${show(report.paths.lastModel)}/ (last epoch)`
      : `model     ${show(report.paths.lastModel)}/`,
    `curves    ${show(join(report.paths.curves, "loss.svg"))}, ${show(join(report.paths.curves, "accuracy.svg"))}`,
    `metrics   ${show(report.paths.metrics)} (and .csv)`,
    `report    ${show(report.paths.report)}`,
  );
  if (report.skipped.length > 0)
    lines.push(`skipped   ${report.skipped.length} mesh(es), listed above and in the report`);
  return `${lines.join("\n")}\n`;
}
