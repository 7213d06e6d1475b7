import { grid, LabelFileError, type TriangleMeshData } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import {
  agreement,
  correspondenceErrors,
  correspondenceTruth,
  readTrueLabels,
  surfaceArea,
  vertexAccuracy,
} from "./truth.js";

/** Two triangles: a unit square split along its diagonal, and a far vertex no face uses. */
const SQUARE: TriangleMeshData = {
  positions: Float64Array.of(0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 9, 9, 9),
  triangles: Uint32Array.of(0, 1, 2, 0, 2, 3),
};
const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe("true labels from label files", () => {
  test(".vseg: one label per vertex, as written", () => {
    const truth = readTrueLabels("square.vseg", bytes("0\n1\n1\n2\n0\n"), SQUARE);
    expect(truth).toMatchObject({ source: "square.vseg", from: "vertex" });
    expect(Array.from(truth.labels)).toEqual([0, 1, 1, 2, 0]);
  });

  test(".seg: one label per face, made per vertex by the area majority; an unused vertex is −1", () => {
    const truth = readTrueLabels("square.seg", bytes("4\n7\n"), SQUARE);
    expect(truth.from).toBe("face");
    // Vertices 0 and 2 touch both faces (equal areas: the smaller label wins).
    expect(Array.from(truth.labels)).toEqual([4, 4, 4, 7, -1]);
  });

  test("a wrong count or a bad line is the reader's error, naming the file", () => {
    expect(() => readTrueLabels("square.vseg", bytes("0\n1\n"), SQUARE)).toThrow(
      /^square\.vseg: 2 labels for a mesh of 5 vertices/,
    );
    expect(() => readTrueLabels("square.seg", bytes("0\n1\n2\n"), SQUARE)).toThrow(
      /^square\.seg: 3 labels for a mesh of 2 faces/,
    );
    expect(() => readTrueLabels("square.seg", bytes("0\nhand\n"), SQUARE)).toThrow(LabelFileError);
  });
});

describe("accuracy and errors", () => {
  test("accuracy counts vertices labelled on both sides", () => {
    expect(vertexAccuracy([0, 1, 2, -1], [0, 2, 2, 1])).toEqual({ accuracy: 2 / 3, counted: 3, correct: 2 });
    expect(vertexAccuracy([0, 1], [-1, -1]).counted).toBe(0);
    expect(() => vertexAccuracy([0], [0, 1])).toThrow(RangeError);
    expect(Array.from(agreement([0, 1, 2], [0, 2, -1]))).toEqual([1, 0, Number.NaN]);
  });

  test("correspondence error: Euclidean distance on the template over √area", () => {
    const template = grid({ nx: 2, ny: 2 }); // a flat 3 × 3 grid of vertices
    const area = surfaceArea(template);
    expect(area).toBeGreaterThan(0);
    const p = template.positions;
    const distance = Math.hypot(p[0] - p[3 * 8], p[1] - p[3 * 8 + 1], p[2] - p[3 * 8 + 2]);
    const errors = correspondenceErrors(template, [8, 1, -1], [0, 1, 2]);
    expect(errors[0]).toBeCloseTo(distance / Math.sqrt(area), 12);
    expect(errors[1]).toBe(0);
    expect(errors[2]).toBeNaN();
    // Scaling the template leaves the normalised error unchanged.
    const scaled = { ...template, positions: template.positions.map((x) => 3 * x) };
    expect(correspondenceErrors(scaled, [8], [0])[0]).toBeCloseTo(errors[0], 12);
  });

  test("a registration's truth is vertex i → i; another vertex count has none", () => {
    expect(Array.from(correspondenceTruth(3, 3)!)).toEqual([0, 1, 2]);
    expect(correspondenceTruth(4, 3)).toBeUndefined();
  });
});
