import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { loadClassifier, type ModelSpec, readModelSpec } from "../classifiers/classifier.js";
import { argmax } from "../classifiers/linear-probe.js";
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
import { CliError, EXIT } from "../cli/errors.js";
import { MAX_MESH_SIZE_OPTION, maxMeshBytes } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import { DEFAULT_CACHE_DIR, PreprocessCache } from "../preprocess/cache.js";
import { rotatedSources } from "../preprocess/run.js";
import { confusionMatrix, formatConfusion } from "../training/confusion.js";
import {
  DATA_OPTIONS,
  type DatasetSources,
  datasetFromArgs,
  PREPROCESS_OPTIONS,
  preprocessDataset,
} from "./shared.js";

/** Worker and cache options (the features themselves are fixed by the model). */
const RUNTIME_OPTIONS: Record<string, OptionSpec> = {
  workers: PREPROCESS_OPTIONS.workers,
  cache: PREPROCESS_OPTIONS.cache,
  "no-cache": PREPROCESS_OPTIONS["no-cache"],
};

function runtimeSetup(args: ParsedArgs, io: CliIO, spec: ModelSpec) {
  const cacheDir = resolve(io.cwd, stringOption(args, "cache") ?? DEFAULT_CACHE_DIR);
  return {
    options: spec.preprocess,
    workers: integerOption(args, "workers", availableParallelism(), { min: 0, max: 64 }),
    cache: booleanOption(args, "no-cache") ? undefined : new PreprocessCache(cacheDir),
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
    "and the confusion matrix. --rotate turns every mesh by its own random rotation first: an\n" +
    "invariant model gives the same accuracy.",
  positionals: [{ name: "model", description: "model directory (runs/<name>/model)", required: true }],
  options: {
    ...DATA_OPTIONS,
    ...RUNTIME_OPTIONS,
    part: {
      type: "string",
      valueName: "<part>",
      description: "which meshes: test, train or all",
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
      command: "gemcnn eval runs/experiment/model --synthetic --part all",
      description: "the synthetic dataset, train and test",
    },
  ],
  async run(args, io) {
    const modelDir = resolve(io.cwd, args.positionals.model as string);
    const spec = await readModelSpec(modelDir);
    const sources = await datasetFromArgs(args, io);
    const toModel = relabel(sources, spec);
    const part = choiceOption(args, "part", ["test", "train", "all"] as const, "test");
    const chosen =
      part === "test" ? sources.test : part === "train" ? sources.train : [...sources.train, ...sources.test];
    const rotate = booleanOption(args, "rotate");
    const seed = integerOption(args, "rotate-seed", 1, { min: 0 });
    const items = rotate
      ? rotatedSources(
          chosen.map((s) => s.source),
          seed,
        ).map((source, i) => ({ source, label: chosen[i].label }))
      : chosen;
    const data = await preprocessDataset(
      { ...sources, train: items, test: [] },
      runtimeSetup(args, io, spec),
      io,
    );
    if (data.train.length === 0) throw new CliError("no mesh could be preprocessed");
    const model = await loadClassifier(
      modelDir,
      spec,
      data.train.map((s) => s.mesh),
    );
    const probabilities = await model.predict(data.train.map((_, i) => i));
    const predicted = probabilities.map(argmax);
    const truth = data.train.map((s) => toModel(s.label));
    const correct = predicted.filter((p, i) => p === truth[i]).length;
    const confusion = confusionMatrix(truth, predicted, spec.classes.length);
    const result = {
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

export const predictCommand: Command = {
  name: "predict",
  summary: "classify mesh files with a trained model",
  description:
    "Prints the most likely classes of each mesh with their probabilities. A mesh that cannot be\n" +
    "read or repaired is reported with the reason and the others are still classified (exit status\n" +
    "1 when any was skipped).",
  positionals: [
    { name: "model", description: "model directory (runs/<name>/model)", required: true },
    { name: "mesh", description: "mesh files (.obj, .off, .ply)", required: true, variadic: true },
  ],
  options: {
    ...RUNTIME_OPTIONS,
    top: {
      type: "string",
      valueName: "<k>",
      description: "how many classes to show per mesh",
      defaultText: "3",
    },
    json: { type: "boolean", description: "print the predictions as JSON" },
    "max-mesh-size": MAX_MESH_SIZE_OPTION,
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
  ],
  async run(args, io) {
    const modelDir = resolve(io.cwd, args.positionals.model as string);
    const spec = await readModelSpec(modelDir);
    const paths = (args.positionals.mesh as string[]).map((p) => resolve(io.cwd, p));
    const samples = paths.map((path) => ({ path, name: path, className: "", label: 0 }));
    const items = fileSources(samples, maxMeshBytes(args)).map((source) => ({ source, label: 0 }));
    const data = await preprocessDataset(
      { description: "", classes: spec.classes, train: items, test: [] },
      runtimeSetup(args, io, spec),
      io,
    );
    const top = integerOption(args, "top", 3, { min: 1 });
    const predictions: { mesh: string; classes: { name: string; probability: number }[] }[] = [];
    if (data.train.length > 0) {
      const model = await loadClassifier(
        modelDir,
        spec,
        data.train.map((s) => s.mesh),
      );
      const probabilities = await model.predict(data.train.map((_, i) => i));
      probabilities.forEach((p, i) => {
        const ranked = Array.from(p.keys())
          .sort((a, b) => p[b] - p[a])
          .slice(0, top);
        predictions.push({
          mesh: data.train[i].mesh.name,
          classes: ranked.map((c) => ({ name: spec.classes[c], probability: p[c] })),
        });
      });
    }
    if (booleanOption(args, "json")) {
      io.stdout.write(`${JSON.stringify({ predictions, skipped: data.skipped }, null, 1)}\n`);
    } else {
      for (const p of predictions) {
        io.stdout.write(
          `${p.mesh}: ${p.classes.map((c) => `${c.name} ${(100 * c.probability).toFixed(1)}%`).join(", ")}\n`,
        );
      }
    }
    return data.skipped.length > 0 ? EXIT.failure : EXIT.success;
  },
};
