import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { siblingTemporaryPath, writeFileAtomic } from "./files.js";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-atomic-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates missing directories, replaces content and leaves no temporary files", async () => {
    const path = join(dir, "a", "b", "file.json");
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, new TextEncoder().encode("second"));
    expect(await readFile(path, "utf8")).toBe("second");
    expect(await readdir(join(dir, "a", "b"))).toEqual(["file.json"]);
  });

  it("keeps the old content when the write fails", async () => {
    const path = join(dir, "file.txt");
    await writeFileAtomic(path, "old");
    // A directory in the way of the rename target's parent makes the write fail.
    await expect(writeFileAtomic(join(path, "child"), "new")).rejects.toThrow();
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("names temporary files beside the target, hidden and unique", () => {
    const a = siblingTemporaryPath(join(dir, "x", "model"));
    const b = siblingTemporaryPath(join(dir, "x", "model"));
    expect(a).not.toBe(b);
    expect(a.startsWith(join(dir, "x", ".model."))).toBe(true);
    expect(a.endsWith(".tmp")).toBe(true);
  });
});
