import type { Command } from "../cli/command.js";
import { benchCommand } from "./bench.js";
import { checkCommand } from "./check.js";
import { dataCommand } from "./data.js";
import { evalCommand, predictCommand } from "./evaluate.js";
import { experimentCommand } from "./experiment.js";
import { generateCommand } from "./generate.js";
import { infoCommand } from "./info.js";
import { preprocessCommand } from "./preprocess.js";
import { trainCommand } from "./train.js";

/** Every subcommand, in the order `gemcnn --help` lists them. */
export const commands: readonly Command[] = [
  experimentCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  checkCommand,
  infoCommand,
  dataCommand,
  preprocessCommand,
  generateCommand,
  benchCommand,
];
