import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { METRICS_CSV, METRICS_JSON, MetricsLog, metricsToCsv } from "./metrics.js";

describe("MetricsLog", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-metrics-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes JSON and CSV after every epoch and reloads up to a checkpoint's epoch", async () => {
    const log = MetricsLog.create(dir);
    await log.record({ epoch: 1, trainLoss: 1.5, testAccuracy: 0.25 });
    await log.record({ epoch: 2, trainLoss: 0.75, testAccuracy: 0.5 });
    await log.record({ epoch: 3, trainLoss: 0.5, testAccuracy: 0.75 });
    const json = JSON.parse(await readFile(join(dir, METRICS_JSON), "utf8"));
    expect(json.epochs.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2, 3]);
    expect(await readFile(join(dir, METRICS_CSV), "utf8")).toBe(
      "epoch,trainLoss,testAccuracy\n1,1.5,0.25\n2,0.75,0.5\n3,0.5,0.75\n",
    );
    const resumed = await MetricsLog.load(dir, 2);
    expect(resumed.epochs.map((r) => r.epoch)).toEqual([1, 2]);
    await resumed.record({ epoch: 3, trainLoss: 0.4, testAccuracy: 0.8 });
    expect((await MetricsLog.load(dir)).epochs[2].trainLoss).toBe(0.4);
  });

  it("starts empty when nothing was saved", async () => {
    expect((await MetricsLog.load(join(dir, "none"))).epochs).toEqual([]);
  });
});

describe("metricsToCsv", () => {
  it("unions the columns and leaves missing cells empty", () => {
    expect(
      metricsToCsv([
        { epoch: 1, a: 1 },
        { epoch: 2, b: 1 / 3 },
      ]),
    ).toBe("epoch,a,b\n1,1,\n2,,0.33333333\n");
  });
});
