import { describe, expect, test } from "vitest";
import {
  CATEGORICAL_PALETTE,
  carryColors,
  labelColor,
  labelColors,
  templateColors,
  UNLABELLED_COLOR,
} from "./palette.js";

describe("categorical palette", () => {
  test("twelve distinct colours, repeating by label modulo twelve, grey for unknown labels", () => {
    const keys = new Set(CATEGORICAL_PALETTE.map((c) => c.join()));
    expect(keys.size).toBe(12);
    expect(labelColor(3)).toEqual(CATEGORICAL_PALETTE[3]);
    expect(labelColor(15)).toEqual(CATEGORICAL_PALETTE[3]);
    expect(labelColor(-1)).toEqual(UNLABELLED_COLOR);
    expect(labelColor(1.5)).toEqual(UNLABELLED_COLOR);
    expect(keys.has(UNLABELLED_COLOR.join())).toBe(false);
  });

  test("neighbouring labels differ clearly (no two consecutive colours within 0.3 in RGB)", () => {
    for (let k = 0; k + 1 < CATEGORICAL_PALETTE.length; k++) {
      const [a, b] = [CATEGORICAL_PALETTE[k], CATEGORICAL_PALETTE[k + 1]];
      expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeGreaterThan(0.3);
    }
  });

  test("labelColors writes three floats per vertex", () => {
    const colors = labelColors([0, -1, 2]);
    expect(colors.length).toBe(9);
    expect(Array.from(colors.subarray(3, 6))).toEqual(Array.from(Float32Array.from(UNLABELLED_COLOR)));
    expect(Array.from(colors.subarray(6, 9))).toEqual(Array.from(Float32Array.from(CATEGORICAL_PALETTE[2])));
  });
});

describe("template colours", () => {
  test("the bounding box maps to [0.1, 0.9] per channel, linearly; a flat axis to the middle", () => {
    const positions = [0, 0, 5, 2, 4, 5, 1, 1, 5];
    const colors = templateColors(positions);
    expect(Array.from(colors.subarray(0, 3))).toEqual(Array.from(Float32Array.of(0.1, 0.1, 0.5)));
    expect(Array.from(colors.subarray(3, 6))).toEqual(Array.from(Float32Array.of(0.9, 0.9, 0.5)));
    expect(colors[6]).toBeCloseTo(0.5, 6);
    expect(colors[7]).toBeCloseTo(0.3, 6);
  });

  test("nearby template points get nearby colours (Lipschitz with the box's scale)", () => {
    const positions = Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * 3);
    const colors = templateColors(positions);
    const n = positions.length / 3;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const dp = Math.hypot(...[0, 1, 2].map((k) => positions[3 * a + k] - positions[3 * b + k]));
        const dc = Math.hypot(...[0, 1, 2].map((k) => colors[3 * a + k] - colors[3 * b + k]));
        // Each channel is scaled by 0.8 / span ≤ 0.8 / (6 · 0.99…), so colours move at most that fast.
        expect(dc).toBeLessThanOrEqual((0.8 / 5.9) * dp + 1e-6);
      }
    }
  });

  test("carryColors gives each vertex its template vertex's colour, grey for −1", () => {
    const template = templateColors([0, 0, 0, 1, 1, 1, 2, 0, 1]);
    const carried = carryColors(template, [2, 2, -1, 0]);
    expect(Array.from(carried.subarray(0, 3))).toEqual(Array.from(template.subarray(6, 9)));
    expect(Array.from(carried.subarray(3, 6))).toEqual(Array.from(template.subarray(6, 9)));
    expect(Array.from(carried.subarray(6, 9))).toEqual(Array.from(Float32Array.from(UNLABELLED_COLOR)));
    expect(Array.from(carried.subarray(9, 12))).toEqual(Array.from(template.subarray(0, 3)));
    // The identity correspondence shows the template's own colours.
    expect(Array.from(carryColors(template, [0, 1, 2]))).toEqual(Array.from(template));
  });
});
