import { describe, expect, test } from "vitest";
import { FieldType } from "./field-type.js";
import {
  assertFieldMapEquivariant,
  assertRelativelyClose,
  EQUIVARIANCE_TOLERANCE,
  EquivarianceError,
  type FieldMap,
  mulberry32,
  randomField,
  randomGaugeAngles,
  relativeError,
  SeededRandom,
} from "./testing.js";

describe("seeded randomness", () => {
  test("mulberry32 is deterministic and uniform in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 10000 }, () => a());
    expect(values.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, x) => s + x) / values.length).toBeCloseTo(0.5, 1);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
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

describe("errors and assertions", () => {
  test("relativeError is ‖a − b‖ / ‖b‖, absolute when b = 0, NaN-propagating", () => {
    expect(relativeError([3, 4], [0, 0])).toBe(5);
    expect(relativeError([1, 1], [1, 0])).toBe(1);
    expect(relativeError([0, 0], [0, 0])).toBe(0);
    expect(Number.isNaN(relativeError([Number.NaN], [1]))).toBe(true);
    expect(() => relativeError([1], [1, 2])).toThrow(/length/);
  });

  test("assertRelativelyClose uses the dtype's tolerance and fails on NaN", () => {
    expect(() => assertRelativelyClose([1 + 1e-6], [1], { dtype: "float32" })).not.toThrow();
    expect(() => assertRelativelyClose([1 + 1e-6], [1], { dtype: "float64", label: "tight" })).toThrow(
      /tight: relative error/,
    );
    expect(() => assertRelativelyClose([Number.NaN], [1], { tolerance: 1 })).toThrow(EquivarianceError);
    expect(EQUIVARIANCE_TOLERANCE).toEqual({ float64: 1e-9, float32: 1e-4 });
  });

  test("assertFieldMapEquivariant passes equivariant maps and catches a wrong-sign one", () => {
    const type = FieldType.parse("1x0+2x1+1x2");
    const scale: FieldMap = (f) => f.map((x) => 3 * x) as typeof f;
    expect(assertFieldMapEquivariant(scale, type, type)).toBeLessThan(1e-15);
    // A map that rotates by a fixed angle commutes with the action (SO(2) is abelian) …
    const rotate: FieldMap = (f) => type.actOnField(f, new Float64Array(f.length / type.dim).fill(0.4));
    expect(assertFieldMapEquivariant(rotate, type, type, { dtype: "float32" })).toBeLessThan(1e-6);
    // … but one that flips the sin-parts (a reflection, the classic sign bug) does not.
    const flip: FieldMap = (f) => f.map((x, i) => (i % type.dim === 2 ? -x : x)) as typeof f;
    expect(() => assertFieldMapEquivariant(flip, type, type)).toThrow(EquivarianceError);
  });
});
