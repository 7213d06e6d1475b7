import { describe, expect, test } from "vitest";
import { GaugeArgumentError } from "./errors.js";
import { gaussianShellWeights, radialProfileSize, radialWeights, ringWeights } from "./radial.js";
import { SeededRandom } from "./random.js";

describe("ring weights (linear interpolation)", () => {
  const rings = 4;
  const maxRadius = 1.5;
  const centres = [0, 0.5, 1, 1.5];

  test("interpolate linearly between evenly spaced rings from 0 to maxRadius", () => {
    const rng = new SeededRandom(21);
    const radii = Float64Array.from({ length: 200 }, () => rng.uniform(0, maxRadius));
    const w = ringWeights(radii, { rings, maxRadius });
    expect(w.length).toBe(200 * rings);
    for (let i = 0; i < radii.length; i++) {
      const row = Array.from(w.subarray(i * rings, (i + 1) * rings));
      expect(row.every((x) => x >= 0)).toBe(true);
      expect(row.filter((x) => x > 0).length).toBeLessThanOrEqual(2);
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 14);
      // Reproduces linear functions: Σ w_k c_k = r.
      expect(row.reduce((s, x, k) => s + x * centres[k], 0)).toBeCloseTo(radii[i], 14);
    }
    expect(Array.from(ringWeights([0.5, 0.75], { rings, maxRadius }))).toEqual([0, 1, 0, 0, 0, 0.5, 0.5, 0]);
  });

  test('"clamp" keeps the last ring beyond maxRadius; "zero" falls to 0 at maxRadius', () => {
    expect(Array.from(ringWeights([1.5, 7], { rings, maxRadius }))).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    // Zero falloff: centres at k · maxRadius / rings = 0, 0.375, 0.75, 1.125.
    const zero = ringWeights([1.125, 1.3125, 1.5, 9], { rings, maxRadius, falloff: "zero" });
    expect(Array.from(zero)).toEqual([0, 0, 0, 1, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]);
    const justInside = ringWeights([maxRadius * (1 - 1e-9)], { rings, maxRadius, falloff: "zero" });
    expect(justInside[3]).toBeLessThan(1e-8);
  });

  test("a single ring is constant (clamp) or one hat (zero)", () => {
    expect(Array.from(ringWeights([0, 0.7, 3], { rings: 1, maxRadius: 1 }))).toEqual([1, 1, 1]);
    expect(Array.from(ringWeights([0, 0.25, 3], { rings: 1, maxRadius: 1, falloff: "zero" }))).toEqual([
      1, 0.75, 0,
    ]);
  });

  test("rejects bad radii and options", () => {
    expect(() => ringWeights([-0.1], { rings, maxRadius })).toThrow(/radii\[0\]/);
    expect(() => ringWeights([Number.NaN], { rings, maxRadius })).toThrow(GaugeArgumentError);
    expect(() => ringWeights([1], { rings: 0, maxRadius })).toThrow(/rings/);
    expect(() => ringWeights([1], { rings, maxRadius: 0 })).toThrow(/maxRadius/);
    expect(() => ringWeights([1], { rings, maxRadius, falloff: "soft" as "zero" })).toThrow(/falloff/);
  });
});

describe("Gaussian shells", () => {
  test("peak at their centres with the default width 0.6 × spacing", () => {
    const w = gaussianShellWeights([0, 1, 0.5], { shells: 3, maxRadius: 2 });
    expect(w[0]).toBe(1);
    expect(w[4]).toBe(1);
    const sigma = 0.6;
    expect(w[1]).toBeCloseTo(Math.exp(-0.5 / (sigma * sigma)), 15);
    expect(w[6]).toBeCloseTo(w[7], 15); // r = 0.5 is halfway between the first two centres
    expect(gaussianShellWeights([3], { shells: 1, maxRadius: 1, width: 2 })[0]).toBeCloseTo(
      Math.exp(-9 / 8),
      15,
    );
    expect(() => gaussianShellWeights([1], { shells: 2, maxRadius: 1, width: -1 })).toThrow(/width/);
  });

  test("radialWeights dispatches on the profile kind", () => {
    expect(radialWeights([0.3], { kind: "rings", rings: 3, maxRadius: 1 })).toEqual(
      ringWeights([0.3], { rings: 3, maxRadius: 1 }),
    );
    expect(radialWeights([0.3], { kind: "gaussian", shells: 2, maxRadius: 1 })).toEqual(
      gaussianShellWeights([0.3], { shells: 2, maxRadius: 1 }),
    );
    expect(radialProfileSize({ kind: "gaussian", shells: 5, maxRadius: 1 })).toBe(5);
    expect(() => radialWeights([0.3], { kind: "disc" } as never)).toThrow(/profile\.kind/);
  });
});
