import { describe, expect, it } from "vitest";
import { mulberry32, withSeededMathRandom } from "./random.js";

describe("mulberry32", () => {
  it("repeats its sequence for equal seeds and differs for different seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(sa);
    expect(Array.from({ length: 20 }, c)).not.toEqual(sa);
  });

  it("is roughly uniform on [0, 1)", () => {
    const rand = mulberry32(7);
    const bins = new Array(10).fill(0);
    const n = 100_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = rand();
      if (!(x >= 0 && x < 1)) outside++;
      else bins[Math.floor(10 * x)]++;
    }
    expect(outside).toBe(0);
    // Each bin count is Binomial(n, 0.1): standard deviation about 95, so 600 is over 6 sigma.
    for (const count of bins) expect(Math.abs(count - n / 10)).toBeLessThan(600);
  });

  it("rejects a non-finite seed", () => {
    expect(() => mulberry32(Number.NaN)).toThrow(RangeError);
  });
});

describe("withSeededMathRandom", () => {
  it("gives Math.random the seeded stream inside and restores it after, also after a throw", () => {
    const original = Math.random;
    const inside = withSeededMathRandom(5, () => Array.from({ length: 5 }, () => Math.random()));
    expect(inside).toEqual(Array.from({ length: 5 }, mulberry32(5)));
    expect(Math.random).toBe(original);
    expect(() =>
      withSeededMathRandom(5, () => {
        throw new Error("boom");
      }),
    ).toThrowError("boom");
    expect(Math.random).toBe(original);
  });

  it("refuses an asynchronous function (other code would run with the seeded stream)", () => {
    expect(() => withSeededMathRandom(1, async () => 1)).toThrowError(/synchronous/);
    expect(withSeededMathRandom(1, () => 2)).toBe(2);
  });
});
