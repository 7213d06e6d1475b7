/**
 * Errors the command line reports to the user as one clear message and an exit code, instead of
 * a stack trace. Anything else that escapes a command is a bug and is printed with its stack.
 */
export class CliError extends Error {
  /** Process exit status for this failure. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** A bad command line: unknown command or option, missing argument, malformed value. */
export class UsageError extends CliError {
  /** The subcommand whose usage was wrong, for the "see --help" hint. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
    this.command = command;
  }
}

/** A file or directory named on the command line (or in a split file) is missing or unreadable. */
export class InputFileError extends CliError {
  readonly path: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(`${path}: ${problem}`, EXIT.failure, options);
    this.name = "InputFileError";
    this.path = path;
  }
}

/**
 * Exit statuses of `gemcnn`: 0 success, 1 failure, 2 bad usage, 3 partly done (`predict`: some
 * meshes were skipped, the others classified), 130 stopped by Ctrl-C (after saving).
 */
export const EXIT = {
  success: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  interrupted: 130,
} as const;
