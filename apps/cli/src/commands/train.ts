import { join, relative, resolve } from "node:path";
import type { PreprocessedMesh } from "@gemcnn/features";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import {
  DEFAULT_GEM_ARCHITECTURE,
  formatBlocks,
  type GemArchitecture,
  NONLINEARITY_CHOICES,
  parseBlocks,
} from "../classifiers/architecture.js";
import {
  type Classifier,
  createClassifier,
  loadClassifier,
  MODEL_KINDS,
  type ModelKind,
  type ModelSpec,
  SPEC_FORMAT,
  SPEC_VERSION,
  saveClassifier,
  specForTraining,
} from "../classifiers/classifier.js";
import { argmax } from "../classifiers/linear-probe.js";
import {
  booleanOption,
  type CliIO,
  type Command,
  choiceOption,
  integerOption,
  numberListOption,
  numberOption,
  type OptionSpec,
  type ParsedArgs,
  stringOption,
} from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { outputFailure } from "../cli/fs-errors.js";
import { formatDeclarations } from "../fields/field-files.js";
import { checkNetworkInput, inputFieldsFromArgs } from "../fields/input-fields.js";
import { perVertexDatasetFromArgs } from "../per-vertex/data.js";
import { trainPerVertex } from "../per-vertex/train.js";
import { regressionDatasetFromArgs } from "../regression/data.js";
import { refuseRegressionOptions, regressionFieldsFromArgs } from "../regression/options.js";
import { trainRegression } from "../regression/train.js";
import {
  isPerVertexTask,
  PER_VERTEX_TASKS,
  type PerVertexTask,
  REGRESSION_DEFAULTS,
  TASK_OPTION,
  taskFromArgs,
} from "../tasks/tasks.js";
import { confusionMatrix, formatConfusion } from "../training/confusion.js";
import type { TrainingOutcome } from "../training/loop.js";
import type { EpochMetrics } from "../training/metrics.js";
import { formatDuration } from "../training/progress.js";
import { RunDirectory } from "../training/run-dir.js";
import { DEFAULT_SCHEDULE, type LearningRateSchedule } from "../training/schedule.js";
import { runTrainingSession } from "../training/session.js";
import {
  DATA_OPTIONS,
  type DatasetSources,
  datasetFromArgs,
  PREPROCESS_DEFAULTS,
  PREPROCESS_OPTIONS,
  preprocessDataset,
  preprocessingFromArgs,
  THREADS_OPTION,
  threadsFromArgs,
} from "./shared.js";

/** Defaults that depend on the model kind (the GEM-CNN trains differently from the convex probe). */
export const MODEL_DEFAULTS: Record<ModelKind, { epochs: number; lr: number; batchSize: number }> = {
  gemcnn: { epochs: 30, lr: 0.002, batchSize: 8 },
  "linear-probe": { epochs: 60, lr: 0.01, batchSize: 16 },
};

/** The tasks trained per vertex: a class per vertex, or fields per vertex. */
export type VertexTask = PerVertexTask | "regression";

/** Epochs of a per-vertex task's training (`PER_VERTEX_TASKS`' defaults, `REGRESSION_DEFAULTS`). */
const TASK_EPOCHS: Readonly<Record<VertexTask, number>> = {
  segmentation: PER_VERTEX_TASKS.segmentation.defaults.epochs,
  correspondence: PER_VERTEX_TASKS.correspondence.defaults.epochs,
  regression: REGRESSION_DEFAULTS.epochs,
};

/** The training defaults of a per-vertex task. */
function vertexTaskDefaults(task: VertexTask) {
  return task === "regression" ? REGRESSION_DEFAULTS : PER_VERTEX_TASKS[task].defaults;
}

/** `--task segmentation X; --task correspondence Y; --task regression Z` for a help text. */
function perTask(value: (task: VertexTask) => number | string): string {
  return ([...Object.keys(PER_VERTEX_TASKS), "regression"] as VertexTask[])
    .map((t) => `--task ${t} ${value(t)}`)
    .join("; ");
}

/** What a training command does when its options are not given; its help shows the same. */
export interface TrainingDefaults {
  /** Epochs per model kind (classification). */
  readonly epochs: Readonly<Record<ModelKind, number>>;
  /** Epochs per per-vertex task (default: the tasks' own, `PER_VERTEX_TASKS`, `REGRESSION_DEFAULTS`). */
  readonly taskEpochs?: Readonly<Record<VertexTask, number>>;
  /** The run name, or how it is chosen, for the help. */
  readonly nameText: string;
  /** Whether an existing run directory is replaced without `--force` (unless `--resume`). */
  readonly replaces: boolean;
  /** What the help says of `--field-dropout`'s default, where a command has its own. */
  readonly fieldDropoutText?: string;
}

/** `gemcnn train`'s defaults: `MODEL_DEFAULTS`' epochs, a run named after the dataset, never replaced. */
export const TRAIN_DEFAULTS: TrainingDefaults = {
  epochs: { gemcnn: MODEL_DEFAULTS.gemcnn.epochs, "linear-probe": MODEL_DEFAULTS["linear-probe"].epochs },
  nameText: "derived from the dataset",
  replaces: false,
};

/** Options of the training itself (model, optimisation, run directory), their help showing `defaults`. */
export function trainingOptionSpecs(defaults: TrainingDefaults): Record<string, OptionSpec> {
  return {
    task: TASK_OPTION,
    model: {
      type: "string",
      valueName: "<kind>",
      description: `classifier: gemcnn (GEM-CNN) or linear-probe (baseline on pooled feature statistics)`,
      defaultText: "gemcnn",
    },
    epochs: {
      type: "string",
      valueName: "<n>",
      description: "epochs to train (in total, also with --resume)",
      defaultText: `${defaults.epochs.gemcnn}; linear-probe ${defaults.epochs["linear-probe"]}; ${perTask((t) => (defaults.taskEpochs ?? TASK_EPOCHS)[t])}`,
    },
    "batch-size": {
      type: "string",
      valueName: "<n>",
      description: "meshes per batch (one block-diagonal graph)",
      defaultText: `${MODEL_DEFAULTS.gemcnn.batchSize}; linear-probe ${MODEL_DEFAULTS["linear-probe"].batchSize}; ${perTask((t) => vertexTaskDefaults(t).batchSize)}`,
    },
    lr: {
      type: "string",
      valueName: "<x>",
      description: "peak learning rate of Adam",
      defaultText: `${MODEL_DEFAULTS.gemcnn.lr}; linear-probe ${MODEL_DEFAULTS["linear-probe"].lr}; ${perTask((t) => vertexTaskDefaults(t).lr)}`,
    },
    schedule: {
      type: "string",
      valueName: "<kind>",
      description: "learning-rate schedule: cosine (with warm-up), step or constant",
      defaultText: "cosine",
    },
    "weight-decay": {
      type: "string",
      valueName: "<x>",
      description: "decoupled weight decay (AdamW), relative to the learning rate",
      defaultText: "1e-4",
    },
    seed: {
      type: "string",
      valueName: "<n>",
      description: "seed of initial weights, dropout and batch order (same seed, same run)",
      defaultText: "0",
    },
    blocks: {
      type: "string",
      valueName: "<list>",
      description: "GEM-CNN residual blocks: output field types, 'pool:' pools to a coarser level first",
      defaultText: `${formatBlocks(DEFAULT_GEM_ARCHITECTURE.blocks)}; per-vertex tasks ${formatBlocks(PER_VERTEX_TASKS.segmentation.defaults.architecture.blocks)}; regression ${formatBlocks(REGRESSION_DEFAULTS.architecture.blocks)}`,
    },
    nonlinearity: {
      type: "string",
      valueName: "<kind>",
      description: `GEM-CNN nonlinearity: ${NONLINEARITY_CHOICES.join(", ")}`,
      defaultText: DEFAULT_GEM_ARCHITECTURE.nonlinearity,
    },
    head: {
      type: "string",
      valueName: "<list>",
      description: "GEM-CNN dense head widths after invariant pooling (0: none; classification only)",
      defaultText: DEFAULT_GEM_ARCHITECTURE.head.join(","),
    },
    dropout: {
      type: "string",
      valueName: "<x>",
      description: "GEM-CNN dropout before each dense layer (classification only)",
      defaultText: String(DEFAULT_GEM_ARCHITECTURE.dropout),
    },
    "field-dropout": {
      type: "string",
      valueName: "<x>",
      description: "GEM-CNN whole-field dropout inside the blocks",
      defaultText:
        defaults.fieldDropoutText ??
        `${DEFAULT_GEM_ARCHITECTURE.fieldDropout}; per-vertex tasks ${PER_VERTEX_TASKS.segmentation.defaults.architecture.fieldDropout}`,
    },
    rings: {
      type: "string",
      valueName: "<n>",
      description: "GEM-CNN radial rings per convolution",
      defaultText: String(DEFAULT_GEM_ARCHITECTURE.rings),
    },
    "pool-ratio": {
      type: "string",
      valueName: "<x>",
      description: "GEM-CNN fraction of vertices kept by each pooling",
      defaultText: String(DEFAULT_GEM_ARCHITECTURE.poolRatio),
    },
    threads: {
      ...THREADS_OPTION,
      description: `${THREADS_OPTION.description}; per-vertex tasks train on one thread (nn's worker replicas compute classifier steps only)`,
    },
    "input-fields": {
      type: "string",
      valueName: "<decl>",
      description:
        "the user's fields that join the input (every task), name:kind[:order] comma-separated (kind scalar, vector or direction; e.g. wind:vector reads wind_x, wind_y, wind_z), or a .json file of declarations; read from <name>.fields.json, <name>.csv or the PLY's vertex properties beside each mesh; with --features none, the only input",
      defaultText: "none",
    },
    "target-fields": {
      type: "string",
      valueName: "<decl>",
      description:
        "regression: the fields to predict, as --input-fields (e.g. wind:vector reads wind_x, wind_y, wind_z)",
    },
    embedding: {
      type: "string",
      valueName: "<n>",
      description: "correspondence: width of the per-vertex embedding before the shared dense head",
      defaultText: String(PER_VERTEX_TASKS.correspondence.defaults.architecture.embedding),
    },
    "eval-every": {
      type: "string",
      valueName: "<n>",
      description: "evaluate on the test set every n epochs (the validation set: every epoch)",
      defaultText: "1",
    },
    patience: {
      type: "string",
      valueName: "<n>",
      description:
        "early stopping: end the run after n epochs without a better validation result (needs a validation set)",
      defaultText: "off",
    },
    name: {
      type: "string",
      valueName: "<name>",
      description: "run name: writes runs/<name>/",
      defaultText: defaults.nameText,
    },
    "run-dir": { type: "string", valueName: "<dir>", description: "run directory (instead of runs/<name>)" },
    resume: {
      type: "boolean",
      description: "continue the run in the run directory from its last checkpoint",
    },
    force: {
      type: "boolean",
      description: "replace an existing run directory",
      ...(defaults.replaces ? { defaultText: "on, unless --resume" } : {}),
    },
  };
}

export interface TrainSettings {
  readonly model: ModelKind;
  /** The GEM-CNN's shape (ignored by the linear probe). */
  readonly architecture: GemArchitecture;
  readonly epochs: number;
  readonly batchSize: number;
  readonly schedule: LearningRateSchedule;
  readonly weightDecay: number;
  readonly seed: number;
  readonly evalEvery: number;
  /** Worker threads of GEM-CNN training and inference (1: this thread). */
  readonly threads: number;
  /** Early stopping: epochs without a better validation result before the run stops. */
  readonly patience?: number;
  readonly runDir: string;
  readonly resume: boolean;
  readonly force: boolean;
}

/** The GEM-CNN architecture from `--blocks`, `--nonlinearity`, `--head`, … */
export function architectureFromArgs(args: ParsedArgs, defaults = DEFAULT_GEM_ARCHITECTURE): GemArchitecture {
  const blocksText = stringOption(args, "blocks");
  let blocks = defaults.blocks;
  if (blocksText !== undefined) {
    try {
      blocks = parseBlocks(blocksText);
    } catch (error) {
      // The field type's own message adds the input and a caret on two more lines; one line here.
      throw new UsageError(`option --blocks: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const headText = stringOption(args, "head");
  const head =
    headText === undefined
      ? [...defaults.head]
      : headText.trim() === "0"
        ? []
        : numberListOption(args, "head", []).map((w) => {
            if (!Number.isSafeInteger(w) || w < 1)
              throw new UsageError(
                `option --head: widths must be positive integers (or 0 for none), got ${w}`,
              );
            return w;
          });
  return {
    blocks,
    nonlinearity: choiceOption(args, "nonlinearity", NONLINEARITY_CHOICES, defaults.nonlinearity),
    head,
    dropout: numberOption(args, "dropout", defaults.dropout, { min: 0, max: 0.95 }),
    fieldDropout: numberOption(args, "field-dropout", defaults.fieldDropout, { min: 0, max: 0.95 }),
    rings: integerOption(args, "rings", defaults.rings, { min: 1, max: 8 }),
    poolRatio: numberOption(args, "pool-ratio", defaults.poolRatio, { min: 0.01, max: 0.99 }),
  };
}

/**
 * Training settings from the command line; `defaults.training` (default `TRAIN_DEFAULTS`) are the
 * ones the command's help shows, so that `experiment` picks its own and says so.
 */
export function trainSettingsFromArgs(
  args: ParsedArgs,
  io: CliIO,
  defaults: {
    name: string;
    training?: TrainingDefaults;
    model?: ModelKind;
    architecture?: GemArchitecture;
    /** A per-vertex task: its defaults (epochs, rate, batch size, architecture) replace the classifier's. */
    task?: VertexTask;
  },
): TrainSettings {
  const training = defaults.training ?? TRAIN_DEFAULTS;
  if (defaults.task !== undefined) {
    const task = vertexTaskDefaults(defaults.task);
    const threads = stringOption(args, "threads");
    if (threads !== undefined && threadsFromArgs(args) > 1)
      throw new UsageError(
        `--threads ${threads}: per-vertex tasks train on one thread (nn's worker replicas compute classifier steps only); leave --threads out`,
      );
    const base = classifierSettings(args, io, {
      name: defaults.name,
      training,
      architecture: defaults.architecture ?? task.architecture,
    });
    const architecture =
      defaults.task === "correspondence"
        ? {
            ...base.architecture,
            embedding: integerOption(
              args,
              "embedding",
              PER_VERTEX_TASKS.correspondence.defaults.architecture.embedding ?? 64,
              {
                min: 1,
                max: 4096,
              },
            ),
          }
        : base.architecture;
    if (defaults.task !== "correspondence" && stringOption(args, "embedding") !== undefined)
      throw new UsageError("--embedding is the correspondence model's (--task correspondence)");
    return {
      ...base,
      architecture,
      threads: 1,
      epochs: integerOption(args, "epochs", (training.taskEpochs ?? TASK_EPOCHS)[defaults.task], {
        min: 1,
        max: 100_000,
      }),
      batchSize: integerOption(args, "batch-size", task.batchSize, { min: 1 }),
      schedule: { ...base.schedule, base: numberOption(args, "lr", task.lr, { min: 0 }) },
    };
  }
  if (stringOption(args, "embedding") !== undefined)
    throw new UsageError("--embedding is the correspondence model's (--task correspondence)");
  return classifierSettings(args, io, { ...defaults, training });
}

/** The settings of the classification defaults (also the base of a per-vertex task's). */
function classifierSettings(
  args: ParsedArgs,
  io: CliIO,
  defaults: { name: string; training: TrainingDefaults; model?: ModelKind; architecture?: GemArchitecture },
): TrainSettings {
  const training = defaults.training;
  const name = stringOption(args, "name") ?? defaults.name;
  if (!/^[\w.-]+$/.test(name))
    throw new UsageError(`option --name: use letters, digits, '.', '-' and '_' only, got '${name}'`);
  const runDirOption = stringOption(args, "run-dir");
  if (booleanOption(args, "resume") && booleanOption(args, "force"))
    throw new UsageError("--resume and --force exclude each other");
  const model = choiceOption(args, "model", MODEL_KINDS, defaults.model ?? "gemcnn");
  const kindDefaults = MODEL_DEFAULTS[model];
  return {
    model,
    architecture: architectureFromArgs(args, defaults.architecture),
    epochs: integerOption(args, "epochs", training.epochs[model], {
      min: 1,
      max: 100_000,
    }),
    batchSize: integerOption(args, "batch-size", kindDefaults.batchSize, { min: 1 }),
    schedule: {
      ...DEFAULT_SCHEDULE,
      base: numberOption(args, "lr", kindDefaults.lr, { min: 0 }),
      kind: choiceOption(args, "schedule", ["cosine", "step", "constant"] as const, "cosine"),
    },
    weightDecay: numberOption(args, "weight-decay", 1e-4, { min: 0 }),
    seed: integerOption(args, "seed", 0, { min: 0 }),
    evalEvery: integerOption(args, "eval-every", 1, { min: 1 }),
    threads: threadsFromArgs(args),
    ...(stringOption(args, "patience") !== undefined
      ? { patience: integerOption(args, "patience", 0, { min: 1 }) }
      : {}),
    runDir: resolve(io.cwd, runDirOption ?? join("runs", name)),
    resume: booleanOption(args, "resume"),
    force: booleanOption(args, "force") || (training.replaces && !booleanOption(args, "resume")),
  };
}

/** Test figures of one model of a run. */
export interface TestFigures {
  readonly epoch: number;
  readonly testAccuracy: number;
  readonly testCorrect: number;
}

/** What a finished training reports (also written to `report.json`). */
export interface TrainReport {
  readonly dataset: string;
  readonly classes: readonly string[];
  readonly model: ModelKind;
  /** Epochs trained (fewer than asked for when early stopping ended the run). */
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  /** Where the validation set came from; absent without one. */
  readonly validation?: string;
  /**
   * The model the figures below describe: "best" (by validation, `model-best/`) when there is a
   * validation set, so that the reported accuracy was not chosen by looking at the test set;
   * "last" (`model/`) otherwise.
   */
  readonly selected: "best" | "last";
  readonly testAccuracy: number;
  readonly testCorrect: number;
  readonly testCount: number;
  readonly confusion: number[][];
  /** The model after the last epoch. */
  readonly last: TestFigures;
  /** The best epoch by validation (accuracy, then loss), with its test figures. */
  readonly best?: TestFigures & { readonly valAccuracy: number; readonly valLoss: number };
  readonly skipped: readonly { name: string; reason: string }[];
  readonly trainSeconds: number;
  readonly preprocessSeconds: number;
  readonly paths: Readonly<Record<string, string>>;
}

/**
 * Preprocesses the dataset, trains (or resumes) in the run directory with progress, metrics,
 * curves and a checkpoint every epoch, then saves the model and reports test accuracy and the
 * confusion matrix. With a validation set, the best epoch's model is kept as `model-best/` and is
 * the one reported. Resolves to the exit status (130 after a Ctrl-C, once the checkpoint is saved).
 */
export async function trainClassifier(
  sources: DatasetSources,
  setup: ReturnType<typeof preprocessingFromArgs>,
  settings: TrainSettings,
  io: CliIO,
): Promise<number> {
  const gem = settings.model === "gemcnn";
  if (settings.patience !== undefined && sources.val.length === 0)
    throw new UsageError(
      '--patience needs a validation set: --val-fraction <x>, <class>/val/ folders or a split file\'s "val" lists',
    );
  const inputFields = sources.inputFields ?? [];
  const baseSpec = {
    format: SPEC_FORMAT,
    version: SPEC_VERSION,
    kind: settings.model,
    task: "classification",
    classes: sources.classes,
    ...(inputFields.length > 0 ? { fields: { input: inputFields, target: [] } } : {}),
    preprocess: setup.options,
    weightDecay: settings.weightDecay,
    seed: settings.seed,
    ...(gem ? { architecture: settings.architecture } : {}),
  } as const;
  const run = await RunDirectory.open(
    settings.runDir,
    {
      identity: {
        dataset: sources.description,
        classes: sources.classes,
        ...(inputFields.length > 0 ? { inputFields } : {}),
        ...(sources.validation ? { validation: sources.validation } : {}),
        preprocess: setup.options,
        model: settings.model,
        ...(gem ? { architecture: settings.architecture } : {}),
        batchSize: settings.batchSize,
        schedule: settings.schedule,
        weightDecay: settings.weightDecay,
        seed: settings.seed,
      },
      adjustable: {
        epochs: settings.epochs,
        evalEvery: settings.evalEvery,
        workers: setup.workers,
        threads: settings.threads,
        ...(settings.patience !== undefined ? { patience: settings.patience } : {}),
      },
    },
    { resume: settings.resume, overwrite: settings.force, epochs: settings.epochs },
  );
  const log = (line: string) => io.stderr.write(`${line}\n`);
  log(`${run.resumed ? "resuming" : "run"}: ${run.path}`);
  log(
    `dataset: ${sources.description}, ${sources.classes.length} classes${
      inputFields.length > 0
        ? `; input fields ${formatDeclarations(inputFields)}${setup.options.features.kinds.length > 0 ? ` and features ${setup.options.features.kinds.join(",")}` : " only"}`
        : ""
    }${sources.validation ? `; validation: ${sources.val.length} meshes, ${sources.validation}` : ""}`,
  );
  const data = await preprocessDataset(sources, setup, io);
  if (data.train.length === 0)
    throw new CliError("no training mesh could be preprocessed (see the skipped meshes above)");
  const all = [...data.train, ...data.val, ...data.test];
  const meshes = all.map((s) => s.mesh);
  const labels = all.map((s) => s.label);
  const train = data.train.map((_, i) => i);
  const val = data.val.map((_, i) => data.train.length + i);
  const test = data.test.map((_, i) => data.train.length + data.val.length + i);
  if (sources.val.length > 0 && val.length === 0)
    throw new CliError("no validation mesh could be preprocessed (see the skipped meshes above)");
  const spec = specForTraining(baseSpec, meshes, train);
  const model = await createClassifier(spec, meshes, labels, train, { threads: settings.threads });
  if (gem) {
    const { blocks, nonlinearity, head } = settings.architecture;
    log(
      `model: GEM-CNN ${formatBlocks(blocks)}, ${nonlinearity}, head ${head.join(",") || "none"}; input "${spec.input?.fieldType}"; ${model.parameterCount} weights; ${settings.threads} thread${settings.threads === 1 ? "" : "s"}`,
    );
  }

  const started = performance.now();
  const outcome = await runTrainingSession(
    model,
    run,
    settings,
    {
      train,
      val,
      test,
      sampleName: (i) => meshes[i].name,
      onBest: async (row) => {
        await saveModel(run.bestModelDir, selectedSpec(spec, row), model);
      },
    },
    io,
  );
  if (outcome === "interrupted") return EXIT.interrupted;
  const trainSeconds = (performance.now() - started) / 1000;
  await saveModel(run.modelDir, { ...spec, epochs: outcome.epochsDone }, model);
  const report = await evaluateAndReport(
    { model, spec, meshes, labels, test },
    outcome,
    sources,
    data,
    settings,
    run,
    trainSeconds,
  );
  await model.close?.();
  io.stdout.write(formatTrainReport(report, io.cwd));
  return EXIT.success;
}

/** The model description of the best epoch by validation. */
function selectedSpec(spec: ModelSpec, row: EpochMetrics): ModelSpec {
  return {
    ...spec,
    epochs: row.epoch,
    selection: { by: "validation", epoch: row.epoch, valAccuracy: row.valAccuracy, valLoss: row.valLoss },
  };
}

/** `saveClassifier`, with a full or read-only disk reported as one line naming the directory. */
async function saveModel(dir: string, spec: ModelSpec, model: Classifier): Promise<void> {
  try {
    await saveClassifier(dir, spec, model);
  } catch (error) {
    throw outputFailure(error, "save", "the model", dir, "the checkpoints are kept: --resume saves it again");
  }
}

async function evaluateAndReport(
  trained: {
    model: Classifier;
    spec: ModelSpec;
    meshes: readonly PreprocessedMesh[];
    labels: readonly number[];
    test: readonly number[];
  },
  outcome: TrainingOutcome,
  sources: DatasetSources,
  data: Awaited<ReturnType<typeof preprocessDataset>>,
  settings: TrainSettings,
  run: RunDirectory,
  trainSeconds: number,
): Promise<TrainReport> {
  const { model, spec, meshes, labels, test } = trained;
  const truth = test.map((i) => labels[i]);
  const figures = async (classifier: Classifier) => {
    const predicted = (await classifier.predict(test)).map(argmax);
    const correct = predicted.filter((p, k) => p === truth[k]).length;
    return { predicted, correct, accuracy: test.length > 0 ? correct / test.length : Number.NaN };
  };
  const last = await figures(model);
  let best: (Awaited<ReturnType<typeof figures>> & { epoch: number }) | undefined;
  if (outcome.best) {
    // The best epoch's weights are those saved in model-best/; the last epoch's may be the same.
    const bestModel =
      outcome.best.epoch === outcome.epochsDone
        ? model
        : await loadClassifier(run.bestModelDir, spec, meshes, labels);
    best = { ...(await figures(bestModel)), epoch: outcome.best.epoch };
  }
  const chosen = best ?? last;
  const confusion = confusionMatrix(truth, chosen.predicted, sources.classes.length);
  const paths = {
    run: run.path,
    model: best ? run.bestModelDir : run.modelDir,
    lastModel: run.modelDir,
    ...(best ? { bestModel: run.bestModelDir } : {}),
    curves: run.curvesDir,
    metrics: join(run.path, "metrics.json"),
    report: run.reportPath,
    confusion: join(run.path, "confusion.csv"),
  };
  const report: TrainReport = {
    dataset: sources.description,
    classes: sources.classes,
    model: settings.model,
    epochs: outcome.epochsDone,
    stoppedEarly: outcome.status === "stopped-early",
    ...(sources.validation ? { validation: sources.validation } : {}),
    selected: best ? "best" : "last",
    testAccuracy: chosen.accuracy,
    testCorrect: chosen.correct,
    testCount: test.length,
    confusion,
    last: { epoch: outcome.epochsDone, testAccuracy: last.accuracy, testCorrect: last.correct },
    ...(best && outcome.best
      ? {
          best: {
            epoch: best.epoch,
            // A classifier's validation always measures an accuracy.
            valAccuracy: outcome.best.valAccuracy ?? Number.NaN,
            valLoss: outcome.best.valLoss,
            testAccuracy: best.accuracy,
            testCorrect: best.correct,
          },
        }
      : {}),
    skipped: data.skipped,
    trainSeconds,
    preprocessSeconds: data.seconds,
    paths,
  };
  const csv = [
    ["true\\predicted", ...sources.classes].join(","),
    ...confusion.map((row, i) => [sources.classes[i], ...row].join(",")),
  ];
  try {
    await writeFileAtomic(run.reportPath, `${JSON.stringify(report, null, 1)}\n`);
    await writeFileAtomic(paths.confusion, `${csv.join("\n")}\n`);
  } catch (error) {
    throw outputFailure(error, "write", "the report", run.reportPath);
  }
  return report;
}

/** The closing report: accuracy, confusion matrix, and where everything was written. */
export function formatTrainReport(report: TrainReport, cwd: string): string {
  const show = (p: string) => relative(cwd, p) || ".";
  const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
  const trained = `${report.model}, ${report.epochs} epochs${report.stoppedEarly ? " (stopped early)" : ""}, trained in ${formatDuration(report.trainSeconds)} (preprocessing ${formatDuration(report.preprocessSeconds)})`;
  const lines = [""];
  if (report.best) {
    lines.push(
      `test accuracy ${percent(report.testAccuracy)} (${report.testCorrect}/${report.testCount}) — epoch ${report.best.epoch}, chosen by validation accuracy ${percent(report.best.valAccuracy)} (loss ${report.best.valLoss.toFixed(4)}); ${trained}`,
      `last epoch ${report.last.epoch}: test accuracy ${percent(report.last.testAccuracy)} (${report.last.testCorrect}/${report.testCount})`,
    );
  } else {
    lines.push(
      `test accuracy ${percent(report.testAccuracy)} (${report.testCorrect}/${report.testCount}) — ${trained}`,
    );
  }
  lines.push(
    "",
    `confusion matrix${report.best ? ` (epoch ${report.best.epoch})` : ""}:`,
    formatConfusion(report.confusion, report.classes).trimEnd(),
    "",
  );
  if (report.best) {
    lines.push(
      `model     ${show(report.paths.bestModel)}/ (best by validation), ${show(report.paths.lastModel)}/ (last epoch)`,
    );
  } else {
    lines.push(`model     ${show(report.paths.lastModel)}/`);
  }
  lines.push(
    `curves    ${show(join(report.paths.curves, "loss.svg"))}, ${show(join(report.paths.curves, "accuracy.svg"))}`,
    `metrics   ${show(report.paths.metrics)} (and .csv)`,
    `report    ${show(report.paths.report)}, ${show(report.paths.confusion)}`,
  );
  if (report.skipped.length > 0)
    lines.push(`skipped   ${report.skipped.length} mesh(es), listed above and in the report`);
  return `${lines.join("\n")}\n`;
}

/**
 * The run name used when `--name` is not given: the dataset directory's name (and the split
 * file's), with every run of characters other than letters, digits, '.', '-' and '_' replaced by
 * '-', so that any path gives a usable name.
 */
export function defaultRunName(sources: {
  readonly dataset?: { readonly root: string; readonly split: string };
}): string {
  if (!sources.dataset) return "synthetic";
  const last = (path: string) => path.split(/[\\/]/).filter(Boolean).at(-1) ?? "";
  const { root, split } = sources.dataset;
  const raw = split === "layout" ? last(root) : `${last(root)}-${last(split).replace(/\.json$/i, "")}`;
  return sanitizeRunName(raw);
}

/** `raw` made a valid run name: other characters become '-', no leading '.' or '-', never empty. */
export function sanitizeRunName(raw: string): string {
  const name = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // accents split off by NFKD: "é" becomes "e"
    .replace(/[^\w.-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return name === "" ? "run" : name;
}

export const trainCommand: Command = {
  name: "train",
  summary:
    "train a classifier, segmenter, correspondence or regression model (progress, metrics, curves, checkpoints, --resume)",
  description:
    "Preprocesses the dataset (cached), trains with Adam, a learning-rate schedule and weight decay,\n" +
    "and writes runs/<name>/: config.json, metrics.json/.csv per epoch, curves/*.svg, checkpoints/\n" +
    "after every epoch, model/ and report.json at the end. Ctrl-C saves a checkpoint and exits with\n" +
    "status 130; the same command with --resume continues exactly where it stopped.\n" +
    "--task segmentation learns a part per vertex from <name>.vseg (per vertex) or <name>.seg (per\n" +
    "face, by area majority) beside each mesh (MeshCNN layout, class folders optional); --task\n" +
    "correspondence learns the template vertex of every vertex from a folder of registrations (one\n" +
    'connectivity; FAUST\'s tr_reg_*.ply: the first 80% by name train, or --split {"train": [...],\n' +
    '"test": [...]}). Inputs are intrinsic features, so rotated meshes get the same answer.\n' +
    '--input-fields <decl> adds a user\'s fields to them (every task; with the feature list "none", the\n' +
    "fields alone), read beside each mesh from <name>.fields.json, <name>.csv or the PLY's vertex\n" +
    "properties; vectors and direction fields enter in each vertex's frame, so a mesh turned with its\n" +
    "fields gets the same answer. The model records them; eval, predict and check read the same\n" +
    "fields beside each mesh.",
  positionals: [],
  options: { ...DATA_OPTIONS, ...PREPROCESS_OPTIONS, ...trainingOptionSpecs(TRAIN_DEFAULTS) },
  examples: [
    {
      command: "gemcnn train --data ../shared/datasets/shrec_16 --name shrec16",
      description: "SHREC-11 split 16",
    },
    {
      command:
        "gemcnn train --data ../shared/datasets/shrec_16 --split ../shared/datasets/shrec_16_split10/split10_seed0.json --name split10-s0",
      description: "SHREC-11 split 10, seed 0",
    },
    { command: "gemcnn train --synthetic --epochs 20 --name synth", description: "the generated dataset" },
    {
      command: "gemcnn train --synthetic --name synth --epochs 40 --resume",
      description: "continue that run to 40 epochs",
    },
    {
      command: "gemcnn train --data wind-data --input-fields wind:vector --features none --name wind",
      description: "classes from a vector field alone (the generate command writes such a dataset)",
    },
    {
      command: "gemcnn train --task segmentation --synthetic",
      description: "part segmentation of the generated bodies",
    },
    {
      command:
        "gemcnn train --task correspondence --data MPI-FAUST/training/registrations --features moments,curvature,hks",
      description: "FAUST (get it from its owners; tr_reg_000-079 train, 080-099 test)",
    },
  ],
  async run(args, io) {
    const task = taskFromArgs(args);
    if (task === "regression") {
      const fields = await regressionFieldsFromArgs(args, io);
      const setup = preprocessingFromArgs(args, io, PREPROCESS_DEFAULTS, true);
      checkNetworkInput(setup.options, fields.input);
      const sources = await regressionDatasetFromArgs(args, io, fields);
      const name = `${defaultRunName({ dataset: { root: sources.root, split: sources.split ?? "layout" } })}-regression`;
      const settings = trainSettingsFromArgs(args, io, { name, task });
      return trainRegression(sources, fields, setup, settings, io);
    }
    refuseRegressionOptions(args);
    const inputFields = await inputFieldsFromArgs(args, io);
    const setup = preprocessingFromArgs(args, io, PREPROCESS_DEFAULTS, true);
    checkNetworkInput(setup.options, inputFields);
    if (isPerVertexTask(task)) {
      const sources = await perVertexDatasetFromArgs(task, args, io, undefined, inputFields);
      const name = sources.root
        ? `${defaultRunName({ dataset: { root: sources.root, split: sources.split ?? "layout" } })}-${task}`
        : `synthetic-${task}`;
      const settings = trainSettingsFromArgs(args, io, { name, task });
      return trainPerVertex(sources, setup, settings, io);
    }
    const sources = await datasetFromArgs(args, io, undefined, inputFields);
    const settings = trainSettingsFromArgs(args, io, { name: defaultRunName(sources) });
    return trainClassifier(sources, setup, settings, io);
  },
};
