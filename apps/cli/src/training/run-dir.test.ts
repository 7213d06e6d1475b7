import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError, UsageError } from "../cli/errors.js";
import { RunDirectory } from "./run-dir.js";

describe("RunDirectory", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "gemcnn-run-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const config = { identity: { data: "x", seed: 1 }, adjustable: { epochs: 10 } };

  it("creates a run, refuses to clobber it, and resumes it with more epochs", async () => {
    const path = join(root, "runs", "a");
    const run = await RunDirectory.open(path, config, { resume: false, overwrite: false });
    expect(run.resumed).toBe(false);
    expect(JSON.parse(await readFile(join(path, "config.json"), "utf8"))).toEqual(config);
    await expect(RunDirectory.open(path, config, { resume: false, overwrite: false })).rejects.toThrow(
      /--resume/,
    );
    await run.metrics.record({ epoch: 1, trainLoss: 1 });
    await run.checkpoints.save({ epoch: 1, batchInEpoch: 0, extra: {} }, async () => {});
    await run.metrics.record({ epoch: 2, trainLoss: 0.5 }); // no checkpoint for epoch 2
    const more = { ...config, adjustable: { epochs: 20 } };
    const resumed = await RunDirectory.open(path, more, { resume: true, overwrite: false });
    expect(resumed.resumed).toBe(true);
    expect(resumed.metrics.epochs.map((r) => r.epoch)).toEqual([1]);
    // config.json changes only once the run is known to continue (its checkpoint loaded).
    expect(JSON.parse(await readFile(join(path, "config.json"), "utf8")).adjustable.epochs).toBe(10);
    await resumed.saveConfig();
    expect(JSON.parse(await readFile(join(path, "config.json"), "utf8")).adjustable.epochs).toBe(20);
  });

  it("names the settings that differ when resuming", async () => {
    const path = join(root, "b");
    await RunDirectory.open(path, config, { resume: false, overwrite: false });
    const error = await RunDirectory.open(
      path,
      { ...config, identity: { data: "x", seed: 2 } },
      { resume: true, overwrite: false },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("seed: 1 then, 2 now");
  });

  it("explains that there is nothing to resume, and overwrites with --force", async () => {
    await expect(
      RunDirectory.open(join(root, "none"), config, { resume: true, overwrite: false }),
    ).rejects.toBeInstanceOf(CliError);
    const path = join(root, "c");
    await RunDirectory.open(path, config, { resume: false, overwrite: false });
    await writeFile(join(path, "stale.txt"), "x");
    await RunDirectory.open(path, config, { resume: false, overwrite: true });
    await expect(readFile(join(path, "stale.txt"))).rejects.toThrow();
  });
});
