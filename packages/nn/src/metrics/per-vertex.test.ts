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

  const counting = (calls: number[]): GeodesicDistances => {
    const exact = exactGeodesics(geometry);
    return (source, targets, maxDistance) => {
      calls.push(...Array.from(targets, () => source));
      return exact(source, targets, maxDistance);
    };
  };
  const radii = [0, 0.05, 0.1, 0.15, 0.25];

  it("decides pairs farther apart in space than the largest radius without a distance, exactly", () => {
    // Largest radius 0.15 · 2 = 0.3: the matches two rows up (0.4 away) are beyond it in space.
    const [withPositions, without]: number[][] = [[], []];
    const options = { area, radii: [0, 0.1, 0.15] };
    const pruned = geodesicErrorCurve(predicted, truth, {
      ...options,
      distances: counting(withPositions),
      positions: data.positions,
    });
    const full = geodesicErrorCurve(predicted, truth, { ...options, distances: counting(without) });
    expect(Array.from(pruned.fraction)).toEqual(Array.from(full.fraction));
    expect(Array.from(pruned.errors)).toEqual(Array.from(full.errors));
    const farInSpace = Array.from(truth).filter((v) => predicted[v] === v + 22);
    expect(farInSpace.length).toBeGreaterThan(0);
    // The negative control: without positions every wrong vertex is asked.
    expect(without.length).toBe(withPositions.length + farInSpace.length);
    expect(pruned.undecided).toBe(withPositions.length);
    expect(pruned.queried).toBe(pruned.undecided);
    expect(() =>
      geodesicErrorCurve(predicted, truth, { ...options, distances: counting([]), positions: [0, 0, 0] }),
    ).toThrow(new RegExp(`1 vertex positions for a mesh of ${n} vertices`));
  });

  it("asks at most maxQueries distances, a seeded sample whose curve is unbiased; r = 0 stays exact", () => {
    const full = geodesicErrorCurve(predicted, truth, { distances: exactGeodesics(geometry), area, radii });
    const all = geodesicErrorCurve(predicted, truth, {
      distances: exactGeodesics(geometry),
      area,
      radii,
      maxQueries: full.undecided,
    });
    expect(Array.from(all.fraction)).toEqual(Array.from(full.fraction));
    const seeds = 300;
    const mean = new Float64Array(radii.length);
    const samples = new Set<string>();
    for (let seed = 0; seed < seeds; seed++) {
      const calls: number[] = [];
      const curve = geodesicErrorCurve(predicted, truth, {
        distances: counting(calls),
        area,
        radii,
        maxQueries: 5,
        seed,
      });
      expect(calls.length).toBe(5);
      expect(curve.queried).toBe(5);
      expect(curve.undecided).toBe(full.undecided);
      expect(curve.atZero).toBe(full.atZero);
      expect(curve.fraction[0]).toBe(full.fraction[0]);
      // Every wrong vertex is within 0.25: the weighted sample says so exactly.
      expect(curve.fraction[4]).toBeCloseTo(1, 12);
      samples.add(calls.sort((a, b) => a - b).join());
      curve.fraction.forEach((f, i) => {
        mean[i] += f / seeds;
      });
    }
    expect(samples.size).toBeGreaterThan(100);
    // At r = 0.1 the wrong vertices split (errors 0.1 and 0.2), so there the sample's mix matters:
    // one sample's fraction is off by up to a few percent, the mean over 300 seeds by less than
    // 0.005 (its standard error is about 0.001).
    const spread = Math.abs(mean[2] - full.fraction[2]);
    expect(spread).toBeLessThan(0.005);
    // The negative control: unweighted, the sample's fraction is far off.
    const unweighted = full.atZero + (5 * (full.fraction[2] - full.atZero)) / full.undecided;
    expect(Math.abs(unweighted - full.fraction[2])).toBeGreaterThan(0.05);
    expect(() =>
      geodesicErrorCurve(predicted, truth, { distances: exactGeodesics(geometry), area, maxQueries: 0 }),
    ).toThrow(/maxQueries must be a positive integer/);
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
