import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError, EXIT } from "./errors.js";

/** Node's error of a failed system call: `code` (`"ENOSPC"`), `syscall`, `path` (and `dest` for a rename). */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

/** What each error code of a failed file operation means, in the words of a message. */
const CODE_WORDS: Readonly<Record<string, string>> = {
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "already exists",
  EISDIR: "is a directory",
  ENOENT: "does not exist",
  ENOTEMPTY: "directory not empty",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  EIO: "input/output error",
  EBUSY: "resource busy",
  EXDEV: "rename across file systems",
};

/**
 * Codes that say the environment refused (a full disk, a read-only file system, a permission, a
 * file where a directory should be), never the program's logic: such an error is the user's to
 * fix even where no code expected it. ENOENT and EEXIST are left out: unexpected, they are bugs.
 */
export const ENVIRONMENT_CODES: ReadonlySet<string> = new Set([
  "EROFS",
  "EACCES",
  "EPERM",
  "ENOSPC",
  "EDQUOT",
  "EFBIG",
  "ENOTDIR",
  "ENAMETOOLONG",
  "EMFILE",
  "ENFILE",
  "EIO",
  "EBUSY",
]);

/**
 * The system error (`error` or one of its `cause`s) of a failed file operation whose code is in
 * `codes` (default: any code this module has words for), if there is one.
 */
export function systemErrorOf(
  error: unknown,
  codes: ReadonlySet<string> = new Set(Object.keys(CODE_WORDS)),
): SystemError | undefined {
  for (let e = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof Error && typeof code === "string" && codes.has(code)) return e as SystemError;
  }
  return undefined;
}

/** `no space left on device (ENOSPC)`. */
export function describeSystemError(error: SystemError): string {
  return `${CODE_WORDS[error.code] ?? error.message} (${error.code})`;
}

/**
 * A file or directory the command has to write cannot be written: the message names the path and
 * the reason in words, e.g. `cannot write the run directory /mnt/ro/runs/a: read-only file system (EROFS)`.
 */
export class OutputFileError extends CliError {
  readonly path: string;
  readonly code: string | undefined;

  constructor(path: string, message: string, code?: string, options?: ErrorOptions) {
    super(message, EXIT.failure, options);
    this.name = "OutputFileError";
    this.path = path;
    this.code = code;
  }
}

/**
 * `error` (a failed write of `path`) as an `OutputFileError` saying `cannot <verb> <what> <path>:
 * <reason>` plus `advice`; anything that is not a system error is returned as it is (a bug).
 */
export function outputFailure(
  error: unknown,
  verb: string,
  what: string,
  path: string,
  advice = "",
): unknown {
  if (error instanceof CliError) return error;
  const system = systemErrorOf(error);
  if (!system) return error;
  const where = system.path && system.path !== path ? ` (${system.path})` : "";
  return new OutputFileError(
    path,
    `cannot ${verb} ${what} ${path}${where}: ${describeSystemError(system)}${advice ? `; ${advice}` : ""}`,
    system.code,
    { cause: error },
  );
}

/**
 * `mkdir -p`, failing with the true reason. Node's recursive `mkdir` reports ENOENT when the
 * directory cannot be made for another reason (a read-only file system, for one); then the
 * deepest existing ancestor is found and its missing child made alone, which fails with the real
 * code (EROFS, EACCES, ENOTDIR, ENOSPC…), and that error is thrown.
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    return;
  } catch (error) {
    if ((error as SystemError).code !== "ENOENT") throw error;
  }
  // Find the deepest existing ancestor; making its missing child alone gives the real reason.
  let child = path;
  let parent = dirname(path);
  while (parent !== child && !(await stat(parent).catch(() => undefined))) {
    child = parent;
    parent = dirname(parent);
  }
  const info = await stat(parent).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), {
      code: "ENOTDIR",
      syscall: "mkdir",
      path: parent,
    });
  }
  await mkdir(child).catch((error: SystemError) => {
    if (error.code !== "EEXIST") throw error;
  });
  // The child could be made after all (a race with another process): finish the path.
  await mkdir(path, { recursive: true });
}
