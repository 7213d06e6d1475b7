import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckpointStore, checkpointName } from "./checkpoints.js";

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
});
