import { describe, expect, it } from "vitest";
import { formatDuration, TrainingProgress } from "./progress.js";

function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (s: string) => chunks.push(s) } };
}

describe("TrainingProgress", () => {
  it("redraws one terminal line in place and ends each epoch with a permanent line", () => {
    let clock = 0;
    const { chunks, stream } = recorder(true);
    const progress = new TrainingProgress(stream, {
      totalEpochs: 2,
      batchesPerEpoch: 4,
      redrawIntervalMs: 0,
      now: () => clock,
    });
    progress.startEpoch(1);
    for (let b = 1; b <= 4; b++) {
      clock += 1000;
      progress.batch({ done: b, loss: 1 / b, accuracy: b / 4 });
    }
    progress.endEpoch("train loss 0.25");
    const draws = chunks.filter((c) => c.startsWith("\r") && c.length > 4);
    expect(draws).toHaveLength(4);
    expect(draws[0]).toContain("epoch 1/2");
    expect(draws[0]).toContain("loss 1.0000");
    // 1 s per batch, 3 + 4 batches left after the first.
    expect(draws[0]).toContain("0:07 left");
    expect(draws[3]).toContain("acc 100.0%");
    expect(chunks.at(-1)).toMatch(/^epoch 1\/2 train loss 0\.25 \| 0:04, 0:04 left\n$/);
    expect(chunks.some((c) => c.includes("\n") && c.startsWith("\r") && c.length > 4)).toBe(false);
  });

  it("writes plain lines without control characters when the stream is not a terminal", () => {
    let clock = 0;
    const { chunks, stream } = recorder(false);
    const progress = new TrainingProgress(stream, {
      totalEpochs: 1,
      batchesPerEpoch: 8,
      plainIntervalMs: 25,
      now: () => clock,
    });
    progress.startEpoch(1);
    for (let b = 1; b <= 8; b++) {
      clock += 10;
      progress.batch({ done: b, loss: 0.5, accuracy: 0.5 });
    }
    progress.endEpoch("done");
    expect(chunks).toHaveLength(3); // after 30 and 60 ms, then the summary
    for (const c of chunks) {
      expect(c.includes("\r") || c.includes("\u001b")).toBe(false);
      expect(c.endsWith("\n")).toBe(true);
    }
  });

  it("shows progress as plain lines on a terminal that reports no width (columns 0 or undefined)", () => {
    for (const columns of [0, undefined]) {
      let clock = 0;
      const chunks: string[] = [];
      const stream = { isTTY: true, columns, write: (s: string) => chunks.push(s) };
      const progress = new TrainingProgress(stream, {
        totalEpochs: 2,
        batchesPerEpoch: 8,
        plainIntervalMs: 25,
        now: () => clock,
      });
      progress.startEpoch(1);
      for (let b = 1; b <= 8; b++) {
        clock += 10;
        progress.batch({ done: b, loss: 0.5, accuracy: 0.5 });
      }
      progress.log("a message");
      progress.endEpoch("train loss 0.5");
      progress.finish();
      expect(chunks).toEqual([
        expect.stringMatching(/^epoch 1\/2 \[#+\.*\] 3\/8 loss 0\.5000 acc 50\.0% 0:00 left\n$/),
        expect.stringMatching(/^epoch 1\/2 \[#+\.*\] 6\/8 loss 0\.5000/),
        "a message\n",
        expect.stringMatching(/^epoch 1\/2 train loss 0\.5 \| 0:00, 0:00 left\n$/),
      ]);
    }
  });

  it("throttles terminal redraws", () => {
    let clock = 0;
    const { chunks, stream } = recorder(true);
    const progress = new TrainingProgress(stream, {
      totalEpochs: 1,
      batchesPerEpoch: 100,
      redrawIntervalMs: 100,
      now: () => clock,
    });
    progress.startEpoch(1);
    for (let b = 1; b <= 100; b++) {
      clock += 10;
      progress.batch({ done: b, loss: 0.5, accuracy: 0.5 });
    }
    // One draw per 100 ms over 1 s, plus the final batch.
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    expect(chunks.length).toBeLessThanOrEqual(12);
  });

  it("estimates time left from whole epochs once one has finished", () => {
    let clock = 0;
    const { stream } = recorder(false);
    const progress = new TrainingProgress(stream, { totalEpochs: 5, batchesPerEpoch: 10, now: () => clock });
    progress.startEpoch(1);
    clock = 20_000;
    progress.endEpoch("");
    progress.startEpoch(2);
    clock += 10_000;
    // 20 s per epoch: half of epoch 2 and epochs 3-5 left.
    expect(progress.secondsLeft(clock, 5)).toBeCloseTo(70, 9);
  });
});

describe("formatDuration", () => {
  it("formats minutes, hours and unknown", () => {
    expect(formatDuration(5)).toBe("0:05");
    expect(formatDuration(125)).toBe("2:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("--:--");
  });
});
