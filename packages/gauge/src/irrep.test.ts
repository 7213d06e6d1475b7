import { describe, expect, test } from "vitest";
import { relativeError } from "./equivariance.js";
import { GaugeArgumentError } from "./errors.js";
import { irrepCompose, irrepDim, irrepInverse, irrepMatrix } from "./irrep.js";
import { SeededRandom } from "./random.js";

describe("irreps of SO(2)", () => {
  test("dimension is 1 for order 0 and 2 otherwise", () => {
    expect(irrepDim(0)).toBe(1);
    for (const n of [1, 2, 7]) expect(irrepDim(n)).toBe(2);
  });

  test("ρ_n(φ) is the counter-clockwise rotation by nφ", () => {
    expect(Array.from(irrepMatrix(0, 1.3))).toEqual([1]);
    const m = irrepMatrix(2, Math.PI / 4);
    // Rotation by π/2 sends e1 to e2: first column (0, 1).
    expect(Array.from(m).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([0, -1, 1, 0]);
  });

  test("composition is a homomorphism and the inverse is ρ_n(−φ)", () => {
    const rng = new SeededRandom(11);
    for (let n = 0; n <= 5; n++) {
      for (let trial = 0; trial < 10; trial++) {
        const a = rng.angle() * 3;
        const b = rng.angle() * 3;
        const product = irrepCompose(n, irrepMatrix(n, a), irrepMatrix(n, b));
        expect(relativeError(product, irrepMatrix(n, a + b))).toBeLessThan(1e-13);
        expect(relativeError(irrepInverse(n, irrepMatrix(n, a)), irrepMatrix(n, -a))).toBeLessThan(1e-13);
        const identity = irrepCompose(n, irrepMatrix(n, a), irrepInverse(n, irrepMatrix(n, a)));
        expect(relativeError(identity, n === 0 ? [1] : [1, 0, 0, 1])).toBeLessThan(1e-13);
        if (n > 0) {
          // Negative control: composing gives a + b, not a − b (unless b is a multiple of π/n).
          expect(relativeError(product, irrepMatrix(n, a - b))).toBeGreaterThan(1e-3);
        }
      }
    }
  });

  test("rejects bad orders, angles and matrix sizes", () => {
    expect(() => irrepDim(-1)).toThrow(GaugeArgumentError);
    expect(() => irrepDim(1.5)).toThrow(/non-negative integer/);
    expect(() => irrepMatrix(1, Number.NaN)).toThrow(/angle/);
    expect(() => irrepCompose(1, [1], [1, 0, 0, 1])).toThrow(/2×2/);
  });
});
