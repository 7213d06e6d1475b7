import type { PreprocessOptions } from "@gemcnn/features";
import { type CliIO, type ParsedArgs, stringOption } from "../cli/command.js";
import { UsageError } from "../cli/errors.js";
import type { RegressionFields } from "./data.js";
import { fieldDeclarationsFromOption } from "./fields.js";

/** `--input-fields` (optional) and `--target-fields` (required) of `--task regression`. */
export async function regressionFieldsFromArgs(args: ParsedArgs, io: CliIO): Promise<RegressionFields> {
  const target = stringOption(args, "target-fields");
  if (target === undefined)
    throw new UsageError(
      "--task regression needs --target-fields <decl>: the fields to predict, e.g. wind:vector (columns wind_x, wind_y, wind_z of each mesh's field file)",
    );
  const input = stringOption(args, "input-fields");
  const fields = {
    input: input === undefined ? [] : await fieldDeclarationsFromOption("input-fields", input, io.cwd),
    target: await fieldDeclarationsFromOption("target-fields", target, io.cwd),
  };
  const both = fields.input.find((d) => fields.target.some((t) => t.name === d.name));
  if (both !== undefined)
    throw new UsageError(
      `the field "${both.name}" is both an input and a target: a model that reads its answer learns nothing`,
    );
  return fields;
}

/** A regression needs some input: geometric features, input fields, or both. */
export function checkRegressionInput(preprocess: PreprocessOptions, fields: RegressionFields): void {
  if (preprocess.features.kinds.length === 0 && fields.input.length === 0)
    throw new UsageError("--features none needs --input-fields: the network needs some input");
}

/** `--input-fields` and `--target-fields` belong to `--task regression`. */
export function refuseRegressionOptions(args: ParsedArgs): void {
  for (const option of ["input-fields", "target-fields"]) {
    if (stringOption(args, option) !== undefined)
      throw new UsageError(`--${option} is for --task regression`);
  }
}
