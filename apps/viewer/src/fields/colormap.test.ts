import { describe, expect, test } from "vitest";
import { colorize, colorRange } from "./colormap.js";

describe("colorRange", () => {
  test("a diverging range is symmetric about zero and ignores the extreme tail", () => {
    const values = Array.from({ length: 101 }, (_, i) => (i - 50) / 50);
    values.push(1000);
    const range = colorRange(values, "diverging", 0.98);
    expect(range.min).toBe(-range.max);
    expect(range.max).toBeGreaterThan(0.9);
    expect(range.max).toBeLessThan(1000);
  });

  test("a constant field still gets a non-empty range", () => {
    const range = colorRange([2, 2, 2], "sequential");
    expect(range.max).toBeGreaterThan(range.min);
  });
});

describe("colorize", () => {
  test("zero is near white on the diverging map and the ends are blue and red", () => {
    const rgb = colorize([-1, 0, 1], "diverging", { min: -1, max: 1 });
    expect(Math.min(rgb[3], rgb[4], rgb[5])).toBeGreaterThan(0.9);
    expect(rgb[2]).toBeGreaterThan(rgb[0]); // negative end: more blue than red
    expect(rgb[6]).toBeGreaterThan(rgb[8]); // positive end: more red than blue
  });

  test("values outside the range are clamped to the end colours", () => {
    const rgb = colorize([-5, -1, 1, 5], "sequential", { min: -1, max: 1 });
    expect(Array.from(rgb.slice(0, 3))).toEqual(Array.from(rgb.slice(3, 6)));
    expect(Array.from(rgb.slice(6, 9))).toEqual(Array.from(rgb.slice(9, 12)));
  });
});
