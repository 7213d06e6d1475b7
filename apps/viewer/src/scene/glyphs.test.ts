import { describe, expect, test } from "vitest";
import { ARROW_FLOATS, arrowSegments, CROSS_FLOATS, crossSegments } from "./glyphs.js";

const point = (a: Float32Array, i: number) => [a[3 * i], a[3 * i + 1], a[3 * i + 2]];
const sub = (a: number[], b: number[]) => a.map((x, i) => x - b[i]);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe("arrowSegments", () => {
  const origin = [0.5, -1, 2];
  const vector = [0.3, 0.4, 0]; // tangent to the plane with normal +z
  const normal = [0, 0, 1];
  const segments = arrowSegments(origin, vector, normal);

  test("the shaft runs from the origin to origin + vector", () => {
    expect(segments.length).toBe(ARROW_FLOATS);
    expect(point(segments, 0)).toEqual(origin.map(Math.fround));
    const tip = origin.map((x, i) => Math.fround(x + vector[i]));
    expect(point(segments, 1)).toEqual(tip);
    expect(point(segments, 2)).toEqual(tip);
    expect(point(segments, 4)).toEqual(tip);
  });

  test("the barbs lie in the tangent plane, point backwards and mirror each other", () => {
    const tip = point(segments, 1);
    const left = sub(point(segments, 3), tip);
    const right = sub(point(segments, 5), tip);
    expect(dot(left, normal)).toBeCloseTo(0, 6);
    expect(dot(right, normal)).toBeCloseTo(0, 6);
    expect(dot(left, vector)).toBeLessThan(0);
    expect(dot(left, vector)).toBeCloseTo(dot(right, vector), 6);
    const side = [-vector[1], vector[0], 0]; // n × v
    expect(dot(left, side)).toBeCloseTo(-dot(right, side), 6);
    expect(dot(left, side)).toBeGreaterThan(0);
  });
});

describe("crossSegments", () => {
  test("two perpendicular tangent arms of equal length centred on the origin", () => {
    const origin = [1, 2, 3];
    const axis = [0, 0.6, 0.8];
    const normal = [1, 0, 0];
    const segments = crossSegments(origin, axis, normal);
    expect(segments.length).toBe(CROSS_FLOATS);
    const first = sub(point(segments, 1), point(segments, 0));
    const second = sub(point(segments, 3), point(segments, 2));
    expect(dot(first, second)).toBeCloseTo(0, 6);
    expect(dot(first, first)).toBeCloseTo(dot(second, second), 5);
    expect(dot(second, normal)).toBeCloseTo(0, 6);
    const mid = point(segments, 2).map((x, i) => (x + point(segments, 3)[i]) / 2);
    for (const [i, x] of mid.entries()) expect(x).toBeCloseTo(origin[i], 6);
  });
});
