import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { rotationFromQuaternion } from "./rotation.js";

function determinant(r: Float64Array): number {
  return (
    r[0] * (r[4] * r[8] - r[5] * r[7]) -
    r[1] * (r[3] * r[8] - r[5] * r[6]) +
    r[2] * (r[3] * r[7] - r[4] * r[6])
  );
}

function expectMatrixClose(actual: Float64Array, expected: number[]): void {
  expect(actual).toHaveLength(9);
  for (let i = 0; i < 9; i++) expect(actual[i]).toBeCloseTo(expected[i], 15);
}

describe("rotationFromQuaternion", () => {
  it("a 90° turn about z takes x to y and y to −x (row-major, column vectors)", () => {
    const h = Math.SQRT1_2;
    expectMatrixClose(rotationFromQuaternion(h, 0, 0, h), [0, -1, 0, 1, 0, 0, 0, 0, 1]);
  });

  it("turns about x and y counter-clockwise too, and the identity quaternion gives the identity", () => {
    const h = Math.SQRT1_2;
    expectMatrixClose(rotationFromQuaternion(h, h, 0, 0), [1, 0, 0, 0, 0, -1, 0, 1, 0]);
    expectMatrixClose(rotationFromQuaternion(h, 0, h, 0), [0, 0, 1, 0, 1, 0, -1, 0, 0]);
    expect(Array.from(rotationFromQuaternion(1, 0, 0, 0))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("normalises the quaternion: a multiple, or the negation, gives the same matrix", () => {
    const h = Math.SQRT1_2;
    expectMatrixClose(rotationFromQuaternion(3, 0, 0, 3), [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    expectMatrixClose(rotationFromQuaternion(-5 * h, 0, 0, -5 * h), [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(rotationFromQuaternion(0, 0, 0, 0))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it("gives orthonormal matrices with determinant +1 for random quaternions", () => {
    const random = mulberry32(5);
    for (let trial = 0; trial < 200; trial++) {
      const q = [0, 0, 0, 0].map(() => 10 * (random() - 0.5));
      const r = rotationFromQuaternion(q[0], q[1], q[2], q[3]);
      expect(determinant(r)).toBeCloseTo(1, 13);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          const dot = r[3 * a] * r[3 * b] + r[3 * a + 1] * r[3 * b + 1] + r[3 * a + 2] * r[3 * b + 2];
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 13);
        }
      }
    }
  });
});
