import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { loadClassifier, type ModelSpec, taskOf } from "../classifiers/classifier.js";
import { argmax } from "../classifiers/linear-probe.js";
import { featureDistance, normalizedEntropy } from "../classifiers/training-distribution.js";
import {
  booleanOption,
  type CliIO,
  type Command,
  choiceOption,
  integerOption,
  type OptionSpec,
  type ParsedArgs,
  stringOption,
} from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { MAX_MESH_SIZE_OPTION, maxMeshBytes } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import {
  INPUT_FIELDS_OF_MODEL,
  modelInputFields,
  rotatedItems,
  withInputColumns,
} from "../fields/input-fields.js";
import { evaluatePerVertex } from "../per-vertex/evaluate.js";
import { predictPerVertexFiles } from "../per-vertex/predict.js";
import { evaluateRegression } from "../regression/evaluate.js";
import { predictRegressionFiles } from "../regression/predict.js";
import { isPerVertexTask } from "../tasks/tasks.js";
import { confusionMatrix, formatConfusion } from "../training/confusion.js";
import { CHECKPOINT_OPTION, chooseModel } from "./model-choice.js";
import {
  cacheFromArgs,
  DATA_OPTIONS,
  type DatasetSources,
  datasetFromArgs,
  PREPROCESS_OPTIONS,
  preprocessDataset,
  THREADS_OPTION,
  threadsFromArgs,
} from "./shared.js";

/** Worker and cache options (the features themselves are fixed by the model). */
const RUNTIME_OPTIONS: Record<string, OptionSpec> = {
  workers: PREPROCESS_OPTIONS.workers,
  cache: PREPROCESS_OPTIONS.cache,
  "no-cache": PREPROCESS_OPTIONS["no-cache"],
  threads: THREADS_OPTION,
  "input-fields": INPUT_FIELDS_OF_MODEL,
};

function runtimeSetup(args: ParsedArgs, io: CliIO, spec: ModelSpec) {
  return {
    options: spec.preprocess,
    workers: integerOption(args, "workers", availableParallelism(), { min: 0, max: 64 }),
    cache: cacheFromArgs(args, io),
  };
}

/** Labels of `sources` renumbered to the model's classes (by name); unknown classes are an error. */
function relabel(sources: DatasetSources, spec: ModelSpec): (label: number) => number {
  const map = sources.classes.map((name) => spec.classes.indexOf(name));
  const unknown = sources.classes.filter((_, i) => map[i] < 0);
  if (unknown.length > 0) {
    throw new CliError(
      `the dataset has classes the model does not know: ${unknown.join(", ")} (model classes: ${spec.classes.join(", ")})`,
    );
  }
  return (label) => map[label];
}

export const evalCommand: Command = {
  name: "eval",
  summary: "evaluate a trained model on a dataset (accuracy, confusion matrix)",
  description:
    "Preprocesses the dataset as the model was trained (same features, cached) and reports accuracy\n" +
    "and the confusion matrix. <model> is a model directory, or a run directory: then --checkpoint\n" +
    "picks the best epoch by validation (model-best/, the default when the run had a validation set)\n" +
    "or the last (model/). --rotate turns every mesh by its own random rotation first: an invariant\n" +
    "model gives the same accuracy. A segmentation model reports per-vertex accuracy, IoU per part,\n" +
    "mean IoU and the confusion; a correspondence model the share of vertices matched exactly\n" +
    "(geodesic error 0) and the geodesic error curve (error over √area, Kim et al. 2011). A\n" +
    "regression model reports per field the RMSE and, for vectors and direction fields, the median\n" +
    "and mean angular error in degrees (--rotate turns the fields with the meshes). A model trained\n" +
    "with --input-fields reads the same fields beside each mesh (--rotate turns them too).",
  positionals: [
    {
      name: "model",
      description: "model directory (runs/<name>/model) or run directory (runs/<name>)",
      required: true,
    },
  ],
  options: {
    ...DATA_OPTIONS,
    ...RUNTIME_OPTIONS,
    checkpoint: CHECKPOINT_OPTION,
    part: {
      type: "string",
      valueName: "<part>",
      description: "which meshes: test, val (validation), train or all",
      defaultText: "test",
    },
    rotate: { type: "boolean", description: "apply a random rotation to every mesh before evaluating" },
    "rotate-seed": {
      type: "string",
      valueName: "<n>",
      description: "seed of the random rotations",
      defaultText: "1",
    },
    json: { type: "boolean", description: "print the result as JSON" },
    out: {
      type: "string",
      valueName: "<dir>",
      description:
        "per-vertex and regression models: write <task>-eval.json there (correspondence: also geodesic-error.svg, the curve)",
    },
  },
  examples: [
    {
      command: "gemcnn eval runs/shrec16/model --data ../shared/datasets/shrec_16",
      description: "test accuracy on split 16",
    },
    {
      command: "gemcnn eval runs/shrec16/model --data ../shared/datasets/shrec_16 --rotate",
      description: "the same with randomly rotated test meshes",
    },
    {
      command:
        "gemcnn eval runs/s10-0 --checkpoint last --data ../shared/datasets/shrec_16 --split ../shared/datasets/shrec_16_split10/split10_seed0.json --val-fraction 0.2",
      description: "a run trained with a validation set: its last epoch instead of its best",
    },
    {
      command: "gemcnn eval runs/experiment/model --synthetic --part all",
      description: "the synthetic dataset, train and test",
    },
    {
      command: "gemcnn eval runs/synthetic-correspondence --synthetic --rotate --out eval/",
      description: "a correspondence model on rotated meshes; curve as JSON and SVG",
    },
  ],
  async run(args, io) {
    const { dir: modelDir, spec } = await chooseModel(
      resolve(io.cwd, args.positionals.model as string),
      args,
      io,
    );
    if (taskOf(spec) === "regression")
      return evaluateRegression(modelDir, spec, args, io, runtimeSetup(args, io, spec));
    if (isPerVertexTask(taskOf(spec)))
      return evaluatePerVertex(modelDir, spec, args, io, runtimeSetup(args, io, spec));
    if (stringOption(args, "out") !== undefined)
      throw new UsageError(
        "--out is for per-vertex models (segmentation, correspondence); this model is a classifier",
      );
    const inputFields = await modelInputFields(spec, modelDir, args, io);
    const sources = await datasetFromArgs(args, io, undefined, inputFields);
    const toModel = relabel(sources, spec);
    const part = choiceOption(args, "part", ["test", "val", "train", "all"] as const, "test");
    const chosen =
      part === "test"
        ? sources.test
        : part === "val"
          ? sources.val
          : part === "train"
            ? sources.train
            : [...sources.train, ...sources.val, ...sources.test];
    if (chosen.length === 0)
      throw new CliError(
        part === "val"
          ? 'the dataset has no validation meshes: give the run\'s --val-fraction (and --val-seed), or use a split file with "val" lists'
          : `the dataset has no ${part} meshes`,
      );
    const rotate = booleanOption(args, "rotate");
    const threads = threadsFromArgs(args);
    const seed = integerOption(args, "rotate-seed", 1, { min: 0 });
    const items = rotate ? rotatedItems(chosen, inputFields, seed) : chosen;
    const data = await preprocessDataset(
      { ...sources, train: items, val: [], test: [] },
      runtimeSetup(args, io, spec),
      io,
    );
    if (data.train.length === 0) throw new CliError("no mesh could be preprocessed");
    const model = await loadClassifier(
      modelDir,
      spec,
      data.train.map((s) => s.mesh),
      undefined,
      { threads },
    );
    const probabilities = await model.predict(data.train.map((_, i) => i)).finally(() => model.close?.());
    const predicted = probabilities.map(argmax);
    const truth = data.train.map((s) => toModel(s.label));
    const correct = predicted.filter((p, i) => p === truth[i]).length;
    const confusion = confusionMatrix(truth, predicted, spec.classes.length);
    const result = {
      model: modelDir,
      accuracy: correct / truth.length,
      correct,
      count: truth.length,
      part,
      rotated: rotate,
      skipped: data.skipped,
      confusion,
    };
    if (booleanOption(args, "json")) {
      io.stdout.write(`${JSON.stringify({ ...result, classes: spec.classes }, null, 1)}\n`);
    } else {
      io.stdout.write(
        `${part} accuracy ${(100 * result.accuracy).toFixed(2)}% (${correct}/${truth.length})${rotate ? ", randomly rotated meshes" : ""}\n\n${formatConfusion(confusion, spec.classes)}`,
      );
    }
    return EXIT.success;
  },
};

/** One mesh's prediction as `predict` prints it and writes it in JSON. */
export interface MeshPrediction {
  readonly mesh: string;
  readonly classes: { name: string; probability: number }[];
  /** Entropy of all class probabilities over `ln K`: 0 certain, 1 uniform. */
  readonly entropy: number;
  /** `featureDistance` from the training set (absent for models saved without its statistics). */
  readonly distance?: number;
  /** Farther from the training set than every training mesh: the class is a guess. */
  readonly outsideTrainingData?: boolean;
}

export const predictCommand: Command = {
  name: "predict",
  summary: "classify mesh files (or label their vertices) with a trained model",
  description:
    "Prints the most likely classes of each mesh with their probabilities, and warns when a mesh lies\n" +
    "farther from the training data than every training mesh (by its pooled invariant features, the\n" +
    "distance saved with the model): a softmax is confident far from its data too, so such a class\n" +
    "is a guess. A mesh that cannot be read or repaired is reported with the reason and the others\n" +
    "are still classified. Exit status: 0 every mesh classified, 3 some meshes skipped (the others\n" +
    "classified), 1 none could be classified or another failure.\n" +
    "A segmentation or correspondence model labels every vertex instead: it writes\n" +
    "<out>/<name>.labels.txt (one label per vertex of the file as read, -1 where preprocessing\n" +
    "dropped the vertex) and <out>/<name>.ply (the mesh with a colour per part, or the template's\n" +
    "smooth colouring carried over by the correspondence). A regression model writes\n" +
    "<out>/<name>.fields.json and <out>/<name>.ply with the predicted fields as columns in the\n" +
    "mesh's coordinates, <field>_pred (<field>_pred_x, _y, _z for vectors), beside the file's own.\n" +
    "A model trained with --input-fields reads them from the field file beside each mesh.",
  positionals: [
    {
      name: "model",
      description: "model directory (runs/<name>/model) or run directory (runs/<name>)",
      required: true,
    },
    { name: "mesh", description: "mesh files (.obj, .off, .ply)", required: true, variadic: true },
  ],
  options: {
    ...RUNTIME_OPTIONS,
    checkpoint: CHECKPOINT_OPTION,
    top: {
      type: "string",
      valueName: "<k>",
      description: "how many classes to show per mesh",
      defaultText: "3",
    },
    json: { type: "boolean", description: "print the predictions as JSON" },
    "max-mesh-size": MAX_MESH_SIZE_OPTION,
    out: {
      type: "string",
      valueName: "<dir>",
      description:
        "per-vertex models: where <name>.labels.txt (regression: <name>.fields.json) and <name>.ply are written",
      defaultText: "predictions",
    },
  },
  examples: [
    {
      command: "gemcnn predict runs/shrec16/model ../shared/datasets/shrec_16/alien/test/T124.obj",
      description: "one mesh",
    },
    {
      command: "gemcnn predict runs/experiment/model scans/*.ply --top 1 --json",
      description: "many meshes, best class only",
    },
    {
      command: "gemcnn predict runs/synthetic-segmentation scans/body.ply --out labelled/",
      description: "a part per vertex: labelled/body.labels.txt and labelled/body.ply",
    },
  ],
  async run(args, io) {
    const { dir: modelDir, spec } = await chooseModel(
      resolve(io.cwd, args.positionals.model as string),
      args,
      io,
    );
    const paths = (args.positionals.mesh as string[]).map((p) => resolve(io.cwd, p));
    if (taskOf(spec) === "regression") {
      if (args.options.top !== undefined)
        throw new UsageError("--top is for classifiers; a regression model predicts fields at every vertex");
      return predictRegressionFiles(modelDir, spec, paths, args, io, runtimeSetup(args, io, spec));
    }
    if (isPerVertexTask(taskOf(spec))) {
      if (args.options.top !== undefined)
        throw new UsageError("--top is for classifiers; a per-vertex model labels every vertex");
      return predictPerVertexFiles(modelDir, spec, paths, args, io, runtimeSetup(args, io, spec));
    }
    if (stringOption(args, "out") !== undefined)
      throw new UsageError(
        "--out is for per-vertex models (segmentation, correspondence); this model is a classifier",
      );
    const threads = threadsFromArgs(args);
    const inputFields = await modelInputFields(spec, modelDir, args, io);
    const samples = paths.map((path) => ({ path, name: path, className: "", label: 0 }));
    const items = await withInputColumns(
      fileSources(samples, maxMeshBytes(args)).map((source) => ({ source, label: 0 })),
      paths,
      inputFields,
      maxMeshBytes(args),
    );
    const top = integerOption(args, "top", 3, { min: 1 });
    const data = await preprocessDataset(
      { description: "", classes: spec.classes, train: items, val: [], test: [], inputFields },
      runtimeSetup(args, io, spec),
      io,
    );
    const predictions: MeshPrediction[] = [];
    if (data.train.length > 0) {
      const meshes = data.train.map((s) => s.mesh);
      const model = await loadClassifier(modelDir, spec, meshes, undefined, { threads });
      const probabilities = await model.predict(meshes.map((_, i) => i)).finally(() => model.close?.());
      probabilities.forEach((p, i) => {
        const ranked = Array.from(p.keys())
          .sort((a, b) => p[b] - p[a])
          .slice(0, top);
        const distance = spec.trainingSet ? featureDistance(meshes[i], spec.trainingSet) : undefined;
        predictions.push({
          mesh: meshes[i].name,
          classes: ranked.map((c) => ({ name: spec.classes[c], probability: p[c] })),
          entropy: normalizedEntropy(p),
          ...(distance !== undefined && spec.trainingSet
            ? { distance, outsideTrainingData: distance > spec.trainingSet.maxDistance }
            : {}),
        });
      });
    }
    const outside = predictions.filter((p) => p.outsideTrainingData);
    if (booleanOption(args, "json")) {
      io.stdout.write(
        `${JSON.stringify(
          {
            predictions,
            skipped: data.skipped,
            ...(spec.trainingSet
              ? {
                  trainingSet: {
                    count: spec.trainingSet.count,
                    maxDistance: spec.trainingSet.maxDistance,
                    p95Distance: spec.trainingSet.p95Distance,
                  },
                }
              : {}),
          },
          null,
          1,
        )}\n`,
      );
    } else {
      for (const p of predictions) {
        io.stdout.write(
          `${p.mesh}: ${p.classes.map((c) => `${c.name} ${(100 * c.probability).toFixed(1)}%`).join(", ")}${
            p.outsideTrainingData ? "  [outside the training data]" : ""
          }\n`,
        );
      }
    }
    if (spec.trainingSet) {
      for (const p of outside)
        io.stderr.write(
          `warning: ${p.mesh}: far outside the training data (distance ${p.distance?.toFixed(2)} of its pooled invariant features from the training set's; all ${spec.trainingSet.count} training meshes lie within ${spec.trainingSet.maxDistance.toFixed(2)}): its class is a guess\n`,
        );
    } else if (predictions.length > 0) {
      io.stderr.write(
        `note: ${modelDir} was saved without training-set statistics (an older model): meshes far outside the training data are not detected\n`,
      );
    }
    if (predictions.length === 0) {
      io.stderr.write("no mesh could be classified (see the reasons above)\n");
      return EXIT.failure;
    }
    return data.skipped.length > 0 ? EXIT.partial : EXIT.success;
  },
};
