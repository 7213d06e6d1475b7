import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutputFileError } from "../cli/fs-errors.js";
import { CheckpointStore, CorruptCheckpointError, checkpointName } from "./checkpoints.js";

describe("CheckpointStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-ckpt-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const weights = (text: string) => async (d: string) => writeFile(join(d, "weights.bin"), text);

  it("returns nothing before the first save, then the newest complete checkpoint", async () => {
    const store = new CheckpointStore(join(dir, "checkpoints"), 2);
    expect(await store.latest()).toBeUndefined();
    await store.save({ epoch: 1, batchInEpoch: 0, extra: { best: 0.5 } }, weights("w1"));
    await store.save({ epoch: 2, batchInEpoch: 0, extra: { best: 0.6 } }, weights("w2"));
    const latest = await store.latest();
    expect(latest?.state.epoch).toBe(2);
    expect(latest?.state.extra).toEqual({ best: 0.6 });
    expect(await readFile(join(latest!.dir, "weights.bin"), "utf8")).toBe("w2");
  });

  it("keeps only the newest checkpoints and no temporaries", async () => {
    const store = new CheckpointStore(dir, 2);
    for (let e = 1; e <= 4; e++) await store.save({ epoch: e, batchInEpoch: 0, extra: {} }, weights(`w${e}`));
    await store.save({ epoch: 4, batchInEpoch: 3, extra: {} }, weights("partial"));
    expect((await readdir(dir)).sort()).toEqual(["epoch-0004", "epoch-0004-batch-0003", "latest.json"]);
    expect((await store.latest())?.state.batchInEpoch).toBe(3);
  });

  it("leaves the previous checkpoint current when writing the files fails", async () => {
    const store = new CheckpointStore(dir, 3);
    await store.save({ epoch: 1, batchInEpoch: 0, extra: {} }, weights("w1"));
    await expect(
      store.save({ epoch: 2, batchInEpoch: 0, extra: {} }, async () => {
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect((await store.latest())?.state.epoch).toBe(1);
    expect(await readdir(dir)).toEqual(expect.not.arrayContaining([expect.stringMatching(/tmp$/)]));
  });

  it("replaces a checkpoint saved twice at the same position", async () => {
    const store = new CheckpointStore(dir, 2);
    await store.save({ epoch: 1, batchInEpoch: 0, extra: {} }, weights("a"));
    const again = await store.save({ epoch: 1, batchInEpoch: 0, extra: {} }, weights("b"));
    expect(await readFile(join(again.dir, "weights.bin"), "utf8")).toBe("b");
  });

  it("names checkpoints so that they sort by position", () => {
    expect(checkpointName(7, 0)).toBe("epoch-0007");
    expect(checkpointName(7, 12)).toBe("epoch-0007-batch-0012");
    expect([checkpointName(10, 0), checkpointName(9, 5), checkpointName(9, 0)].sort()).toEqual([
      "epoch-0009",
      "epoch-0009-batch-0005",
      "epoch-0010",
    ]);
  });

  it("reports a full disk during a save in one line, keeps the last checkpoint and leaves no temporary", async () => {
    const store = new CheckpointStore(join(dir, "checkpoints"), 2);
    await store.save({ epoch: 1, batchInEpoch: 0, extra: {} }, weights("w1"));
    // A fake full disk: the injected writer gets half a file out, then the device is full.
    const fullDisk = async (d: string) => {
      await writeFile(join(d, "weights.bin"), "w2-partial");
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
        code: "ENOSPC",
        syscall: "write",
      });
    };
    const error = await store.save({ epoch: 2, batchInEpoch: 0, extra: {} }, fullDisk).catch((e) => e);
    expect(error).toBeInstanceOf(OutputFileError);
    expect(error.message).toBe(
      `cannot save the checkpoint ${join(dir, "checkpoints", "epoch-0002")}: no space left on device (ENOSPC); the last complete checkpoint, epoch-0001, is intact: make room, then the same command with --resume continues from it`,
    );
    const latest = await store.latest();
    expect(latest?.state.epoch).toBe(1);
    expect(await readFile(join(latest!.dir, "weights.bin"), "utf8")).toBe("w1");
    expect((await readdir(join(dir, "checkpoints"))).sort()).toEqual(["epoch-0001", "latest.json"]);
    // A failure that is not the environment's is a bug and passes through unchanged.
    const bug = new TypeError("broken writer");
    await expect(
      store.save({ epoch: 2, batchInEpoch: 0, extra: {} }, async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  });

  it("names a truncated or corrupt latest.json or state.json and leaves it as it is", async () => {
    const store = new CheckpointStore(join(dir, "checkpoints"), 2);
    await store.save({ epoch: 1, batchInEpoch: 0, extra: {} }, weights("w1"));
    const pointer = join(dir, "checkpoints", "latest.json");
    const state = join(dir, "checkpoints", "epoch-0001", "state.json");
    const good = { pointer: await readFile(pointer, "utf8"), state: await readFile(state, "utf8") };
    for (const [path, text, problem] of [
      [pointer, good.pointer.slice(0, 7), /latest\.json: corrupt or truncated/],
      [pointer, "", /latest\.json: corrupt or truncated \(empty\)/],
      [pointer, '{"checkpoint": "../../etc"}', /latest\.json: not a checkpoint pointer/],
      [state, good.state.slice(0, 20), /state\.json: corrupt or truncated/],
      [state, '{"epoch": "one"}', /state\.json: not a checkpoint state/],
    ] as const) {
      await writeFile(pointer, good.pointer);
      await writeFile(state, good.state);
      await writeFile(path, text);
      const error = await store.latest().catch((e) => e);
      expect(error).toBeInstanceOf(CorruptCheckpointError);
      expect(error.message).toMatch(problem);
      expect(error.message).toContain(path);
      expect(error.message).toContain("--resume cannot continue the run from it");
      expect(await readFile(path, "utf8")).toBe(text);
    }
  });
});
