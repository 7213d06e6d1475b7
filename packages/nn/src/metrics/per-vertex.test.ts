import { grid, MeshGeometry } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  confusionMatrix,
  exactGeodesics,
  type GeodesicDistances,
  geodesicErrorCurve,
  intersectionOverUnion,
  MetricError,
  perVertexAccuracy,
} from "./per-vertex.js";

describe("per-vertex accuracy, confusion and IoU", () => {
  const truth = [0, 0, 1, 1, 2, -1, 2];
  const predicted = [0, 1, 1, 1, 0, 2, 2];

  it("counts labelled vertices only (or the mask)", () => {
    expect(perVertexAccuracy(predicted, truth)).toBeCloseTo(4 / 6, 15);
    expect(perVertexAccuracy(predicted, truth, [1, 1, 0, 0, 0, 0, 1])).toBeCloseTo(2 / 3, 15);
    expect(() => perVertexAccuracy([1], [1, 2])).toThrow(/1 predictions for 2 true labels/);
    expect(() => perVertexAccuracy([1], [-1])).toThrow(/no vertex is labelled/);
  });

  it("builds the confusion matrix and the IoU per class, leaving absent classes out of the mean", () => {
    const confusion = confusionMatrix(predicted, truth, 4);
    expect(Array.from(confusion.counts)).toEqual([1, 1, 0, 0, 0, 2, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    const iou = intersectionOverUnion(confusion);
    // Class 0: 1 / (2 + 2 − 1); class 1: 2 / (2 + 3 − 2); class 2: 1 / (2 + 1 − 1); class 3 absent.
    expect(Array.from(iou.perClass.subarray(0, 3))).toEqual([1 / 3, 2 / 3, 1 / 2]);
    expect(iou.perClass[3]).toBeNaN();
    expect(iou.present).toBe(3);
    expect(iou.mean).toBeCloseTo((1 / 3 + 2 / 3 + 1 / 2) / 3, 15);
    // A class only predicted has IoU 0 and counts in the mean.
    const onlyPredicted = intersectionOverUnion(confusionMatrix([3, 0], [0, 0], 4));
    expect(onlyPredicted.perClass[3]).toBe(0);
    expect(onlyPredicted.mean).toBeCloseTo(0.25, 15);
    // Accumulating two halves gives the whole.
    const half = confusionMatrix(predicted.slice(0, 3), truth.slice(0, 3), 4);
    confusionMatrix(predicted.slice(3), truth.slice(3), 4, { into: half });
    expect(half.counts).toEqual(confusion.counts);
    expect(() => confusionMatrix([4], [0], 4)).toThrow(
      /vertex 0 has predicted label 4, not a class from 0 to 3/,
    );
  });
});

describe("geodesic error curve", () => {
  const data = grid({ nx: 10, ny: 10, width: 2, height: 2 });
  const geometry = MeshGeometry.fromData(data);
  const n = geometry.nVertices;
  const area = 4;
  const truth = Int32Array.from({ length: n }, (_, v) => v);
  // Every fifth vertex matched one column to the right (distance 0.2), every seventh two rows up.
  const predicted = truth.map((v) =>
    v % 5 === 0 && v % 11 < 10 ? v + 1 : v % 7 === 0 && v + 22 < n ? v + 22 : v,
  );

  it("measures each wrong vertex's geodesic error over √area, and the fraction within each radius", () => {
    const calls: number[] = [];
    const exact = exactGeodesics(geometry);
    const distances: GeodesicDistances = (source, targets, maxDistance) => {
      calls.push(source);
      return exact(source, targets, maxDistance);
    };
    const curve = geodesicErrorCurve(predicted, truth, {
      distances,
      area,
      radii: [0, 0.05, 0.1, 0.15, 0.25],
    });
    const wrong = Array.from(truth).filter((v) => predicted[v] !== v);
    expect(calls.sort((a, b) => a - b)).toEqual(wrong);
    for (let v = 0; v < n; v++) {
      const euclidean = Math.hypot(
        data.positions[3 * predicted[v]] - data.positions[3 * v],
        data.positions[3 * predicted[v] + 1] - data.positions[3 * v + 1],
      );
      expect(curve.errors[v]).toBeCloseTo(euclidean / 2, 12);
    }
    const within = (r: number) => Array.from(curve.errors).filter((e) => e <= r).length / n;
    expect(Array.from(curve.fraction)).toEqual([0, 0.05, 0.1, 0.15, 0.25].map(within));
    expect(curve.atZero).toBe(1 - wrong.length / n);
    expect(curve.fraction[0]).toBe(curve.atZero);
    // 0.2 / 2 = 0.1 and 0.4 / 2 = 0.2: the curve steps there.
    expect(curve.fraction[2]).toBeGreaterThan(curve.fraction[1]);
    expect(curve.fraction[4]).toBe(1);
  });

  it("leaves errors beyond the largest radius unresolved (Infinity) and checks its arguments", () => {
    const curve = geodesicErrorCurve(predicted, truth, {
      distances: exactGeodesics(geometry),
      area,
      radii: [0, 0.15],
    });
    expect(Array.from(curve.errors).filter((e) => e === Number.POSITIVE_INFINITY).length).toBeGreaterThan(0);
    expect(curve.fraction[1]).toBeLessThan(1);
    const options = { distances: exactGeodesics(geometry), area };
    expect(() => geodesicErrorCurve([n], [0], options)).toThrow(MetricError);
    expect(() => geodesicErrorCurve(predicted, truth, { ...options, area: 0 })).toThrow(
      /area must be a positive number/,
    );
    expect(() => geodesicErrorCurve(predicted, truth, { ...options, radii: [0.1, 0.05] })).toThrow(
      /radii must increase/,
    );
  });
});
