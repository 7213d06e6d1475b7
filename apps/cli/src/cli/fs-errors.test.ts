import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "./errors.js";
import {
  describeSystemError,
  ENVIRONMENT_CODES,
  makeDirectory,
  OutputFileError,
  outputFailure,
  type SystemError,
  systemErrorOf,
} from "./fs-errors.js";

/** A system error as Node makes them (`code`, `syscall`, `path`), for codes a test cannot provoke as root. */
function systemError(code: string, path: string, syscall = "open"): SystemError {
  return Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), { code, syscall, path });
}

describe("file-system errors", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-fs-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("makes nested directories, and names the real reason when it cannot (a file in the way: ENOTDIR)", async () => {
    await makeDirectory(join(dir, "a", "b", "c"));
    expect((await stat(join(dir, "a", "b", "c"))).isDirectory()).toBe(true);
    await writeFile(join(dir, "file"), "x");
    const error = await makeDirectory(join(dir, "file", "runs", "x")).catch((e) => e);
    expect(error.code).toBe("ENOTDIR");
    expect(error.path).toContain(join(dir, "file"));
  });

  it("finds a system error through causes and words it, only for the codes asked for", () => {
    const full = systemError("ENOSPC", "/disk/file", "write");
    const wrapped = new Error("saveModel: cannot write /disk", { cause: full });
    expect(systemErrorOf(wrapped)).toBe(full);
    expect(describeSystemError(full)).toBe("no space left on device (ENOSPC)");
    expect(describeSystemError(systemError("EROFS", "/x"))).toBe("read-only file system (EROFS)");
    expect(describeSystemError(systemError("EACCES", "/x"))).toBe("permission denied (EACCES)");
    // A missing file escaping a command is a bug, not the environment: not in ENVIRONMENT_CODES.
    expect(systemErrorOf(systemError("ENOENT", "/x"), ENVIRONMENT_CODES)).toBeUndefined();
    expect(systemErrorOf(systemError("ENOENT", "/x"))).toBeDefined();
    expect(systemErrorOf(new Error("plain"))).toBeUndefined();
  });

  it("turns a failed write into one line naming the path and the reason, and leaves bugs alone", () => {
    const error = outputFailure(
      systemError("EROFS", "/mnt/ro/runs/a", "mkdir"),
      "create",
      "the run directory",
      "/mnt/ro/runs/a",
      "choose another --run-dir",
    );
    expect(error).toBeInstanceOf(OutputFileError);
    expect((error as Error).message).toBe(
      "cannot create the run directory /mnt/ro/runs/a: read-only file system (EROFS); choose another --run-dir",
    );
    const inner = outputFailure(
      systemError("ENOSPC", "/runs/a/x.tmp", "write"),
      "save",
      "the model",
      "/runs/a",
    );
    expect((inner as Error).message).toBe(
      "cannot save the model /runs/a (/runs/a/x.tmp): no space left on device (ENOSPC)",
    );
    const bug = new TypeError("undefined is not a function");
    expect(outputFailure(bug, "save", "the model", "/runs/a")).toBe(bug);
    const already = new CliError("already explained");
    expect(outputFailure(already, "save", "the model", "/runs/a")).toBe(already);
  });
});
