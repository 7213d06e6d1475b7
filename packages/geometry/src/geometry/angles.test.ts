import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { angleDistance, TWO_PI, wrapAngle } from "./angles.js";

describe("wrapAngle", () => {
  it("maps into (−π, π], sending −π to π", () => {
    expect(wrapAngle(0)).toBe(0);
    expect(wrapAngle(Math.PI)).toBe(Math.PI);
    expect(wrapAngle(-Math.PI)).toBe(Math.PI);
    expect(wrapAngle(3 * Math.PI)).toBeCloseTo(Math.PI, 14);
    expect(wrapAngle(-3 * Math.PI)).toBeCloseTo(Math.PI, 14);
    expect(wrapAngle(1.5 * Math.PI)).toBeCloseTo(-0.5 * Math.PI, 14);
    expect(wrapAngle(-1.5 * Math.PI)).toBeCloseTo(0.5 * Math.PI, 14);
    expect(wrapAngle(Number.POSITIVE_INFINITY)).toBeNaN();
  });

  it("differs from its input by a multiple of 2π", () => {
    const random = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const x = (random() - 0.5) * 200;
      const y = wrapAngle(x);
      expect(y).toBeGreaterThan(-Math.PI);
      expect(y).toBeLessThanOrEqual(Math.PI);
      const turns = (x - y) / TWO_PI;
      expect(Math.abs(turns - Math.round(turns))).toBeLessThan(1e-12);
    }
  });

  it("measures distances on the circle", () => {
    expect(angleDistance(Math.PI - 0.1, -Math.PI + 0.1)).toBeCloseTo(0.2, 14);
    expect(angleDistance(0.3, 0.3 + 4 * Math.PI)).toBeLessThan(1e-14);
  });
});
