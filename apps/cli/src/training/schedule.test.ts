import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULE, learningRateAt } from "./schedule.js";

describe("learningRateAt", () => {
  it("warms up linearly, peaks, then decays by a cosine to the floor", () => {
    const s = { ...DEFAULT_SCHEDULE, base: 1, warmupEpochs: 2, finalFraction: 0.1 };
    const rates = Array.from({ length: 12 }, (_, i) => learningRateAt(s, i + 1, 12));
    expect(rates[0]).toBeCloseTo(0.5, 12);
    expect(rates[1]).toBeCloseTo(1, 12);
    expect(rates[2]).toBeCloseTo(1, 12);
    expect(rates[11]).toBeCloseTo(0.1, 12);
    for (let i = 3; i < 12; i++) expect(rates[i]).toBeLessThan(rates[i - 1]);
  });

  it("steps and stays constant when asked", () => {
    const step = { ...DEFAULT_SCHEDULE, kind: "step" as const, base: 1, stepEpochs: 3, gamma: 0.1 };
    expect([1, 3, 4, 7].map((e) => learningRateAt(step, e, 10))).toEqual([1, 1, 0.1, 0.1 ** 2]);
    expect(learningRateAt({ ...DEFAULT_SCHEDULE, kind: "constant", base: 0.3 }, 9, 10)).toBe(0.3);
  });
});
