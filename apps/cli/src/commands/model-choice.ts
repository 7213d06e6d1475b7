import { stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { type ModelSpec, readModelSpec, SPEC_FILE } from "../classifiers/classifier.js";
import { type CliIO, choiceOption, type OptionSpec, type ParsedArgs } from "../cli/command.js";
import { CliError, UsageError } from "../cli/errors.js";
import { BEST_MODEL_DIR } from "../training/run-dir.js";

/** Which model of a run: the best epoch by validation (`model-best/`) or the last (`model/`). */
export type CheckpointChoice = "best" | "last";
export const CHECKPOINT_CHOICES: readonly CheckpointChoice[] = ["best", "last"];

export const CHECKPOINT_OPTION: OptionSpec = {
  type: "string",
  valueName: "<which>",
  description:
    "with a run directory (or one of its models): best (by validation, model-best/) or last (model/)",
  defaultText: "best when the run had a validation set, else last",
};

const LAST_MODEL_DIR = "model";

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The model directory that `<model>` and `--checkpoint` name, with its description. `<model>` is
 * a model directory (used as it is, unless `--checkpoint` picks its sibling in the same run) or a
 * run directory (`runs/<name>`), whose best-by-validation model is taken when it has one, else
 * its last. Which one and why is said on stderr when a run directory was given.
 */
export async function chooseModel(
  path: string,
  args: ParsedArgs,
  io: CliIO,
): Promise<{ dir: string; spec: ModelSpec }> {
  const choice =
    args.options.checkpoint === undefined
      ? undefined
      : choiceOption(args, "checkpoint", CHECKPOINT_CHOICES, "best");
  const isRun = await isFile(join(path, "config.json"));
  const isModel = await isFile(join(path, SPEC_FILE));
  if (!isRun) {
    if (choice === undefined || !isModel) return { dir: path, spec: await readModelSpec(path) };
    const run = dirname(path);
    if (
      ![LAST_MODEL_DIR, BEST_MODEL_DIR].includes(basename(path)) ||
      !(await isFile(join(run, "config.json")))
    )
      throw new UsageError(
        `--checkpoint chooses among the models of a run directory; ${path} is a model outside a run`,
      );
    return pick(run, choice, io, false);
  }
  return pick(path, choice, io, true);
}

async function pick(
  run: string,
  choice: CheckpointChoice | undefined,
  io: CliIO,
  tell: boolean,
): Promise<{ dir: string; spec: ModelSpec }> {
  const best = join(run, BEST_MODEL_DIR);
  const last = join(run, LAST_MODEL_DIR);
  const hasBest = await isFile(join(best, SPEC_FILE));
  const which = choice ?? (hasBest ? "best" : "last");
  if (which === "best" && !hasBest)
    throw new CliError(
      `${run}: no best-by-validation model (${BEST_MODEL_DIR}/): the run had no validation set or has not finished an epoch; use --checkpoint last`,
    );
  const dir = which === "best" ? best : last;
  if (!(await isFile(join(dir, SPEC_FILE))))
    throw new CliError(
      `${run}: no ${LAST_MODEL_DIR}/ yet: the run has not finished (continue it with its train command and --resume)${hasBest ? ", or use --checkpoint best" : ""}`,
    );
  const spec = await readModelSpec(dir);
  if (tell || choice !== undefined) {
    const shown = relative(io.cwd, dir) || dir;
    const why =
      which === "best"
        ? `epoch ${spec.selection?.epoch ?? "?"}, the best by validation${spec.selection ? (spec.selection.valAccuracy === undefined ? ` (loss ${spec.selection.valLoss.toFixed(4)})` : ` (accuracy ${(100 * spec.selection.valAccuracy).toFixed(1)}%)`) : ""}; --checkpoint last for the last epoch`
        : `the last epoch${spec.epochs !== undefined ? `, ${spec.epochs}` : ""}${hasBest ? "; --checkpoint best for the best by validation" : ", the run had no validation set"}`;
    io.stderr.write(`model: ${shown} (${why})\n`);
  }
  return { dir, spec };
}
