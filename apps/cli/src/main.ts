import { escapeControlCharacters } from "@gemcnn/geometry";
import {
  type CliIO,
  type Command,
  formatCommandHelp,
  invocationName,
  parseCommandArgs,
} from "./cli/command.js";
import { CliError, EXIT, UsageError } from "./cli/errors.js";
import { describeSystemError, ENVIRONMENT_CODES, systemErrorOf } from "./cli/fs-errors.js";
import { commands } from "./commands/index.js";

const PROGRAM = "gemcnn";

/** The top-level `gemcnn --help`: every subcommand with its summary; `program` as `invocationName` gives it. */
export function formatProgramHelp(list: readonly Command[] = commands, program = PROGRAM): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    `Usage: ${program} <command> [options]`,
    "",
    "Gauge-equivariant mesh CNNs (GEM-CNN): mesh reports, datasets, features, training.",
    "",
    "Commands:",
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run '${program} <command> --help' for a command's options and examples.`,
    "",
  ].join("\n");
}

/** The process's own streams, working directory and environment. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

/**
 * Runs `gemcnn` with the words after the program name and resolves to the exit status
 * (see `EXIT`). Errors meant for the user are printed as one line on stderr; others with a stack.
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = topic ? commands.find((c) => c.name === topic) : undefined;
    if (topic && !command) return usageFailure(io, new UsageError(`unknown command '${topic}'`));
    io.stdout.write(
      command
        ? formatCommandHelp(command, invocationName(io.env))
        : formatProgramHelp(commands, invocationName(io.env)),
    );
    return name === undefined ? EXIT.usage : EXIT.success;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${PROGRAM} 0.1.0\n`);
    return EXIT.success;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const hint = name.startsWith("-") ? "options come after the command" : `unknown command '${name}'`;
    return usageFailure(io, new UsageError(hint));
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (!args) {
      io.stdout.write(formatCommandHelp(command, invocationName(io.env)));
      return EXIT.success;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      return usageFailure(io, error.command ? error : new UsageError(error.message, command.name));
    }
    if (error instanceof CliError) {
      // One line whatever a file name or a file's content holds: control characters escaped.
      io.stderr.write(`${PROGRAM} ${command.name}: error: ${escapeControlCharacters(error.message)}\n`);
      return error.exitCode;
    }
    // A file operation that failed for a reason outside the program (a full disk, a read-only
    // file system, a permission) is the user's to fix, not a bug: one line naming the path.
    const system = systemErrorOf(error, ENVIRONMENT_CODES);
    if (system) {
      const where = [system.path, system.dest].filter(Boolean).join(" → ") || "a file";
      io.stderr.write(
        `${PROGRAM} ${command.name}: error: ${where}: ${describeSystemError(system)}${system.syscall ? ` in ${system.syscall}` : ""}\n`,
      );
      return EXIT.failure;
    }
    io.stderr.write(`${PROGRAM} ${command.name}: unexpected error (a bug, please report it):\n`);
    io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failure;
  }
}

function usageFailure(io: CliIO, error: UsageError): number {
  const where = error.command ? `${PROGRAM} ${error.command}` : PROGRAM;
  const program = invocationName(io.env);
  io.stderr.write(`${where}: ${escapeControlCharacters(error.message)}\n`);
  io.stderr.write(`Run '${error.command ? `${program} ${error.command}` : program} --help' for usage.\n`);
  return EXIT.usage;
}
