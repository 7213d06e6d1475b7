import { mulberry32 } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { FieldType } from "./field-type.js";
import { randomField, randomGaugeAngles, SeededRandom } from "./random.js";

describe("seeded randomness", () => {
  test("SeededRandom draws from the geometry package's mulberry32 stream", () => {
    const reference = mulberry32(42);
    const rng = new SeededRandom(42);
    for (let i = 0; i < 5; i++) expect(rng.uniform()).toBe(reference());
    expect(new SeededRandom(43).uniform()).not.toBe(new SeededRandom(42).uniform());
    expect(() => new SeededRandom(Number.NaN)).toThrow(/seed/);
  });

  test("Gaussian samples have mean 0 and variance 1", () => {
    const rng = new SeededRandom(7);
    const xs = Array.from({ length: 20000 }, () => rng.gaussian());
    const mean = xs.reduce((s, x) => s + x) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  test("random gauges and fields have the right shapes, ranges and types", () => {
    const angles = randomGaugeAngles(500, 1);
    expect(angles.every((a) => a >= -Math.PI && a < Math.PI)).toBe(true);
    expect(randomField(FieldType.parse("2x0+1x1"), 10, 2, "float32")).toBeInstanceOf(Float32Array);
    expect(randomField(FieldType.parse("2x0+1x1"), 10, 2).length).toBe(40);
  });
});
