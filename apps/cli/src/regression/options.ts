import { type CliIO, type ParsedArgs, stringOption } from "../cli/command.js";
import { UsageError } from "../cli/errors.js";
import { fieldDeclarationsFromOption } from "../fields/field-files.js";
import type { RegressionFields } from "./data.js";

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

/** `--target-fields` belongs to `--task regression` (`--input-fields` to every task). */
export function refuseRegressionOptions(args: ParsedArgs): void {
  if (stringOption(args, "target-fields") !== undefined)
    throw new UsageError(
      "--target-fields is for --task regression (a classifier or segmenter learns labels; its --input-fields join its input)",
    );
}
