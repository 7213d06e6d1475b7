import { describe, expect, test } from "vitest";
import {
  assertFieldMapEquivariant,
  assertRelativelyClose,
  EQUIVARIANCE_TOLERANCE,
  EquivarianceError,
  type FieldMap,
  relativeError,
} from "./equivariance.js";
import { FieldType } from "./field-type.js";

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
