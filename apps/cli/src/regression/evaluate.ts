import { join, resolve } from "node:path";
import type { PreprocessedMesh } from "@gemcnn/features";
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
import type { DatasetPart } from "../data/dataset.js";
import { modelInputFields } from "../fields/input-fields.js";
import { rotatedSources, sourceRotation } from "../preprocess/run.js";
import { preprocessRegression, type RegressionItem, regressionDatasetFromArgs } from "./data.js";
import { GemRegressionModel } from "./model.js";
import { formatRegressionFigures, regressionFiguresOf, regressionParts } from "./train.js";

/** A saved regression model over meshes whose features are its packed input, with targets where known. */
export async function loadRegressionModel(
  dir: string,
  spec: ModelSpec,
  meshes: readonly PreprocessedMesh[],
  targets: readonly (ArrayLike<number> | undefined)[],
): Promise<GemRegressionModel> {
  if (taskOf(spec) !== "regression")
    throw new CliError(`${dir}: a ${taskOf(spec)} model, not a regression model`);
  const { outputType, scaling } = regressionParts(spec, dir);
  if (spec.input === undefined || spec.architecture === undefined)
    throw new CliError(`${dir}: a gemcnn model description needs "architecture" and "input"`);
  try {
    return await GemRegressionModel.load(dir, outputType, scaling, meshes, targets, {
      input: spec.input,
      weightDecay: spec.weightDecay,
      seed: spec.seed,
    });
  } catch (error) {
    throw modelLoadFailure(dir, error);
  }
}

/**
 * `gemcnn eval` of a regression model: the dataset of `--data` (`--split`) with the field files
 * the model declares, preprocessed as the model was trained, and per field the RMSE and, for
 * vectors and direction fields, the median and mean angular error in degrees (printed; with
 * `--out <dir>` also written as `regression-eval.json`). `--rotate` turns every mesh and its
 * vector fields by a random rotation first: the figures must not change (beyond float32 noise).
 */
export async function evaluateRegression(
  modelDir: string,
  spec: ModelSpec,
  args: ParsedArgs,
  io: CliIO,
  setup: ReturnType<typeof preprocessingFromArgs>,
): Promise<number> {
  const { fields } = regressionParts(spec, modelDir);
  await modelInputFields(spec, modelDir, args, io);
  const part = choiceOption(args, "part", ["test", "val", "train", "all"] as const, "test");
  const parts: readonly DatasetPart[] = part === "all" ? ["train", "val", "test"] : [part];
  // Every part is read where --val-fraction holds some training meshes out (as the run did).
  const read: readonly DatasetPart[] =
    args.options["val-fraction"] !== undefined ? ["train", "val", "test"] : parts;
  const sources = await regressionDatasetFromArgs(args, io, fields, { parts: read });
  const chosen: readonly RegressionItem[] = parts.flatMap((p) => sources[p]);
  if (chosen.length === 0)
    throw new CliError(
      part === "val"
        ? 'the dataset has no validation meshes: give the run\'s --val-fraction (and --val-seed), or a split file with a "val" list'
        : `the dataset has no ${part} meshes`,
    );
  const rotate = booleanOption(args, "rotate");
  const seed = integerOption(args, "rotate-seed", 1, { min: 0 });
  const items = rotate
    ? rotatedSources(
        chosen.map((item) => item.source),
        seed,
      ).map((source, i) => ({ ...chosen[i], source }))
    : chosen;
  const data = await preprocessRegression(
    { description: sources.description, train: items, val: [], test: [] },
    fields,
    setup,
    io,
    rotate ? items.map((_, i) => sourceRotation(seed, i)) : undefined,
  );
  if (data.meshes.length === 0) throw new CliError("no mesh could be preprocessed");
  const model = await loadRegressionModel(
    modelDir,
    spec,
    data.meshes,
    data.targets.map((t) => t?.values),
  );
  const figures = await regressionFiguresOf(model, data.train, data.targets);
  const what = `${part}${rotate ? " (randomly rotated meshes and fields)" : ""}`;
  const result = {
    model: modelDir,
    task: "regression",
    part,
    rotated: rotate,
    declarations: fields,
    ...figures,
    skipped: data.skipped,
  };
  const out = stringOption(args, "out");
  if (out !== undefined) {
    const dir = resolve(io.cwd, out);
    const json = join(dir, "regression-eval.json");
    try {
      await writeFileAtomic(json, `${JSON.stringify(result, null, 1)}\n`);
    } catch (error) {
      throw outputFailure(error, "write", "the evaluation", dir);
    }
    io.stderr.write(`wrote ${json}\n`);
  }
  if (booleanOption(args, "json")) io.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  else io.stdout.write(formatRegressionFigures(figures, what));
  return EXIT.success;
}
