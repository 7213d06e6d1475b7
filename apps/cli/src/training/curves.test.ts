import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { logTicks, niceTicks, renderLineChartSvg, writeTrainingCurves } from "./curves.js";

describe("renderLineChartSvg", () => {
  it("draws one path per series through the data's screen positions", () => {
    const svg = renderLineChartSvg({
      title: "T <1>",
      xLabel: "epoch",
      yLabel: "y",
      yRange: [0, 10],
      series: [
        {
          name: "a",
          points: [
            [1, 0],
            [2, 10],
          ],
        },
        {
          name: "b",
          points: [
            [1, 5],
            [2, 5],
          ],
        },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("T &lt;1&gt;");
    expect(svg).toContain("<title>T &lt;1&gt;</title>");
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    // Series b is flat: both points share a y coordinate, halfway between those of series a.
    const coords = (d: string) =>
      [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const [a0, a1] = coords(paths[0]);
    const [b0, b1] = coords(paths[1]);
    expect(b0[1]).toBe(b1[1]);
    expect(b0[1]).toBeCloseTo((a0[1] + a1[1]) / 2, 0);
    expect(a0[1]).toBeGreaterThan(a1[1]); // larger y is drawn higher
  });

  it("drops non-positive values on a log scale", () => {
    const svg = renderLineChartSvg({
      title: "",
      xLabel: "",
      yLabel: "",
      logY: true,
      series: [
        {
          name: "loss",
          points: [
            [1, 0],
            [2, 1],
            [3, 0.1],
          ],
        },
      ],
    });
    const d = svg.match(/<path d="([^"]+)"/)![1];
    expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(2);
  });
});

describe("niceTicks", () => {
  it("uses 1-2-5 steps inside the range", () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.03, 0.97, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
  });
});

describe("logTicks", () => {
  it("puts ticks at 1, 2 and 5 times powers of ten", () => {
    const ticks = logTicks(Math.log10(0.015), Math.log10(3)).map((t) => Number((10 ** t).toPrecision(6)));
    expect(ticks).toEqual([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  });
});

describe("writeTrainingCurves", () => {
  it("writes loss and accuracy charts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-curves-"));
    try {
      const paths = await writeTrainingCurves(dir, [
        { epoch: 1, trainLoss: 2, testLoss: 2.2, trainAccuracy: 0.3, testAccuracy: 0.25 },
        { epoch: 2, trainLoss: 1, testLoss: 1.3, trainAccuracy: 0.6, testAccuracy: 0.5 },
      ]);
      expect(paths.map((p) => basename(p))).toEqual(["loss.svg", "accuracy.svg"]);
      for (const p of paths) expect(await readFile(p, "utf8")).toMatch(/<path d="M/);
      expect(await readFile(paths[0], "utf8")).toContain("cross-entropy");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("writes no accuracy chart for a run that measures none, and names its loss", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-curves-"));
    try {
      const paths = await writeTrainingCurves(
        dir,
        [
          { epoch: 1, trainLoss: 2, testLoss: 2.2 },
          { epoch: 2, trainLoss: 1, testLoss: 1.3 },
        ],
        { lossLabel: "mean squared error" },
      );
      expect(paths.map((p) => basename(p))).toEqual(["loss.svg"]);
      const svg = await readFile(paths[0], "utf8");
      expect(svg).toContain("mean squared error");
      expect(svg).not.toContain("cross-entropy");
      expect(await readdir(dir)).toEqual(["loss.svg"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
