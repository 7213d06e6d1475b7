import { join, resolve } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { type ModelSpec, modelLoadFailure, taskOf } from "../classifiers/classifier.js";
import {
  booleanOption,
  type CliIO,
  choiceOption,
  integerOption,
  type ParsedArgs,
  stringOption,
} from "../cli/command.js";
import { CliError, EXIT } from "../cli/errors.js";
import { outputFailure } from "../cli/fs-errors.js";
import type { preprocessingFromArgs } from "../commands/shared.js";
import { modelInputFields, rotatedItems } from "../fields/input-fields.js";
import { isPerVertexTask, type PerVertexTask } from "../tasks/tasks.js";
import { type PerVertexItem, perVertexDatasetFromArgs } from "./data.js";
import { correspondenceCurveSvg, formatCorrespondenceFigures, formatPartFigures } from "./metrics.js";
import { GemPerVertexModel } from "./model.js";
import { type PreprocessedPerVertex, perVertexFigures, preprocessPerVertex } from "./train.js";

/** The task of a per-vertex model description; a `CliError` for a classifier. */
export function perVertexTaskOf(spec: ModelSpec, dir: string): PerVertexTask {
  const task = taskOf(spec);
  if (!isPerVertexTask(task)) throw new CliError(`${dir}: a classifier, not a per-vertex model`);
  return task;
}

/** Number of outputs per vertex of a per-vertex model (the template's vertices for correspondence). */
export function perVertexClassCount(spec: ModelSpec, dir: string): number {
  if (taskOf(spec) === "correspondence") {
    const n = spec.template?.vertexCount;
    if (!(Number.isSafeInteger(n) && (n as number) > 0))
      throw new CliError(
        `${dir}: a correspondence model description needs "template": {"file", "vertexCount"}`,
      );
    return n as number;
  }
  return spec.classes.length;
}

/** A saved per-vertex model over preprocessed meshes with their labels (−1 where unknown). */
export async function loadPerVertexModel(
  dir: string,
  spec: ModelSpec,
  data: Pick<PreprocessedPerVertex, "meshes" | "labels">,
): Promise<GemPerVertexModel> {
  const task = perVertexTaskOf(spec, dir);
  if (spec.input === undefined || spec.architecture === undefined)
    throw new CliError(`${dir}: a gemcnn model description needs "architecture" and "input"`);
  try {
    const model = await GemPerVertexModel.load(task, dir, data.meshes, data.labels, {
      input: spec.input,
      weightDecay: spec.weightDecay,
      seed: spec.seed,
    });
    const expected = perVertexClassCount(spec, dir);
    if (model.classes !== expected)
      throw new CliError(
        `${dir}: the network has ${model.classes} outputs per vertex, gemcnn.json says ${expected}`,
      );
    return model;
  } catch (error) {
    throw modelLoadFailure(dir, error);
  }
}

/**
 * `gemcnn eval` of a segmentation or correspondence model: the dataset of `--data`/`--synthetic`
 * read for the model's task, preprocessed as the model was trained, and the task's figures printed
 * (and, with `--out <dir>`, written as JSON, for correspondence also the curve as SVG).
 */
export async function evaluatePerVertex(
  modelDir: string,
  spec: ModelSpec,
  args: ParsedArgs,
  io: CliIO,
  setup: ReturnType<typeof preprocessingFromArgs>,
): Promise<number> {
  const task = perVertexTaskOf(spec, modelDir);
  const inputFields = await modelInputFields(spec, modelDir, args, io);
  const sources = await perVertexDatasetFromArgs(task, args, io, undefined, inputFields);
  if (task === "segmentation" && sources.classes.length > spec.classes.length)
    throw new CliError(
      `the dataset has labels up to ${sources.classes.length - 1}, but the model knows ${spec.classes.length} parts (${spec.classes.join(", ")})`,
    );
  const part = choiceOption(args, "part", ["test", "val", "train", "all"] as const, "test");
  const chosen: readonly PerVertexItem[] =
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
        ? 'the dataset has no validation meshes: give the run\'s --val-fraction (and --val-seed), or a split file with a "val" list'
        : `the dataset has no ${part} meshes`,
    );
  const rotate = booleanOption(args, "rotate");
  const seed = integerOption(args, "rotate-seed", 1, { min: 0 });
  const items = rotate ? rotatedItems(chosen, inputFields, seed) : chosen;
  const classes = perVertexClassCount(spec, modelDir);
  const data = await preprocessPerVertex(
    {
      description: sources.description,
      classes: sources.classes,
      train: items,
      val: [],
      test: [],
      inputFields,
    },
    setup,
    io,
    task === "correspondence" ? classes : undefined,
  );
  if (data.meshes.length === 0) throw new CliError("no mesh could be preprocessed");
  const model = await loadPerVertexModel(modelDir, spec, data);
  const figures = await perVertexFigures(model, data.train, data.meshes, data.labels, classes);
  const what = `${part}${rotate ? " (randomly rotated meshes)" : ""}`;
  const result = {
    model: modelDir,
    task,
    part,
    rotated: rotate,
    meshes: data.meshes.length,
    skipped: data.skipped,
    ...figures,
    ...(task === "segmentation" ? { classes: spec.classes } : {}),
  };
  const out = stringOption(args, "out");
  if (out !== undefined) {
    const dir = resolve(io.cwd, out);
    const json = join(dir, `${task}-eval.json`);
    try {
      await writeFileAtomic(json, `${JSON.stringify(result, null, 1)}\n`);
      if (figures.correspondence)
        await writeFileAtomic(
          join(dir, "geodesic-error.svg"),
          correspondenceCurveSvg(figures.correspondence, `geodesic error, ${what}`),
        );
    } catch (error) {
      throw outputFailure(error, "write", "the evaluation", dir);
    }
    io.stderr.write(
      `wrote ${json}${figures.correspondence ? ` and ${join(dir, "geodesic-error.svg")}` : ""}\n`,
    );
  }
  if (booleanOption(args, "json")) {
    io.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } else if (figures.segmentation) {
    io.stdout.write(formatPartFigures(figures.segmentation, spec.classes, what));
  } else if (figures.correspondence) {
    io.stdout.write(formatCorrespondenceFigures(figures.correspondence, what));
  }
  return EXIT.success;
}
