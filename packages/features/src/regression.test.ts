import { FieldType, NamedFieldType, randomField, randomGaugeAngles, SeededRandom } from "@gemcnn/gauge";
import { describe, expect, it } from "vitest";
import {
  fitTargetScaling,
  parseTargetScaling,
  scaleTarget,
  TargetScalingError,
  unscaleTarget,
} from "./regression.js";

/** Largest absolute difference of two arrays of the same length. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Targets of `TARGET_TYPE` on one mesh: scalars `3 + 2·spread·N`, the vector and order-2 copy `spread·N²`. */
const TARGET_TYPE = FieldType.parse("2x0+1x1+1x2");
function targetMesh(nVertices: number, seed: number, spread = 1): Float64Array {
  const random = new SeededRandom(seed);
  const out = new Float64Array(nVertices * 6);
  for (let v = 0; v < nVertices; v++) {
    out[6 * v] = 3 + 2 * spread * random.gaussian();
    out[6 * v + 1] = -1 + 0.5 * spread * random.gaussian();
    for (let c = 2; c < 6; c++) out[6 * v + c] = 0.7 * spread * random.gaussian();
  }
  return out;
}

describe("fitTargetScaling, scaleTarget, unscaleTarget", () => {
  const training = Array.from({ length: 10 }, (_, i) => targetMesh(400, i + 1));

  it("fit the median and IQR/1.349 of scalars and one over the median norm/√ln2 of copies (normal data: about 3, 2, −1, 0.5, 1/(0.7√2))", () => {
    const scaling = fitTargetScaling(training, TARGET_TYPE);
    expect(scaling.fieldType).toBe("2x0+1x1+1x2");
    expect(scaling.scalarCenter[0]).toBeCloseTo(3, 0);
    expect(scaling.scalarCenter[1]).toBeCloseTo(-1, 1);
    expect(scaling.scalarScale[0] / 2).toBeCloseTo(1, 1);
    expect(scaling.scalarScale[1] / 0.5).toBeCloseTo(1, 1);
    // Each component has SD 0.7, so the RMS norm of a copy is 0.7·√2.
    for (const k of scaling.copyScale) expect(k * 0.7 * Math.SQRT2).toBeCloseTo(1, 1);
    // The record is plain JSON and reads back as itself.
    const json = JSON.parse(JSON.stringify(scaling));
    expect(json).toEqual(scaling);
    expect(parseTargetScaling(json, "gemcnn.json target")).toEqual(scaling);
  });

  it("round-trip in float64: unscaleTarget(scaleTarget(t)) = t and scaleTarget(unscaleTarget(y)) = y", () => {
    const scaling = fitTargetScaling(training, NamedFieldType.of("2x0+1x1+1x2", ["a", "b", "u", "w"]));
    const t = targetMesh(50, 99);
    expect(maxDifference(unscaleTarget(scaleTarget(t, scaling), scaling), t)).toBeLessThan(1e-12);
    const y = randomField(TARGET_TYPE, 50, 7) as Float64Array;
    expect(maxDifference(scaleTarget(unscaleTarget(y, scaling), scaling), y)).toBeLessThan(1e-12);
    // Scaled training targets have scalars centred on 0 with unit robust spread.
    const scaled = scaleTarget(training[0], scaling);
    expect(Math.abs(scaled[0])).toBeLessThan(5);
    expect(unscaleTarget(new Float32Array([0, 0, 1, 0, 0, 0]), scaling)[2]).toBeCloseTo(
      1 / scaling.copyScale[0],
      12,
    );
  });

  it("are gauge-equivariant: rotated training targets fit the same record, and scaling commutes with ρ(−φ); a shift of an order-1 copy does not", () => {
    const scaling = fitTargetScaling(training, TARGET_TYPE);
    const turnedTraining = training.map((t, i) =>
      TARGET_TYPE.changeGauge(t, randomGaugeAngles(t.length / 6, 100 + i)),
    );
    const refit = fitTargetScaling(turnedTraining, TARGET_TYPE);
    expect(maxDifference(refit.scalarCenter, scaling.scalarCenter)).toBe(0);
    expect(maxDifference(refit.scalarScale, scaling.scalarScale)).toBe(0);
    expect(maxDifference(refit.copyScale, scaling.copyScale)).toBeLessThan(1e-12);

    const t = targetMesh(60, 123);
    const angles = randomGaugeAngles(60, 321);
    for (const [map, name] of [
      [scaleTarget, "scale"],
      [unscaleTarget, "unscale"],
    ] as const) {
      const error = maxDifference(
        map(TARGET_TYPE.changeGauge(t, angles), scaling),
        TARGET_TYPE.changeGauge(map(t, scaling), angles),
      );
      expect(error, name).toBeLessThan(1e-12);
    }
    // Negative control: centring the order-1 copy as well (a shift by a fixed 2-vector) is not
    // equivariant, and the same check sees it.
    const shifted = (x: Float64Array) => {
      const out = scaleTarget(x, scaling);
      for (let v = 0; v < 60; v++) {
        out[6 * v + 2] -= 0.5;
        out[6 * v + 3] -= 0.25;
      }
      return out;
    };
    expect(
      maxDifference(shifted(TARGET_TYPE.changeGauge(t, angles)), TARGET_TYPE.changeGauge(shifted(t), angles)),
    ).toBeGreaterThan(0.1);
  });

  it("are robust: one training mesh spread 100 times as far moves the centres by < 0.1 scale and the scales by < 15% (mean and SD move far more)", () => {
    const base = fitTargetScaling(training, TARGET_TYPE);
    const withOutlier = [...training.slice(0, 9), targetMesh(400, 77, 100)];
    const moved = fitTargetScaling(withOutlier, TARGET_TYPE);
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(moved.scalarCenter[c] - base.scalarCenter[c]) / base.scalarScale[c]).toBeLessThan(0.1);
      expect(Math.abs(moved.scalarScale[c] / base.scalarScale[c] - 1)).toBeLessThan(0.15);
    }
    for (let k = 0; k < 2; k++)
      expect(Math.abs(moved.copyScale[k] / base.copyScale[k] - 1)).toBeLessThan(0.15);
    // The control: the plain standard deviation of scalar 0 grows more than tenfold.
    const std = (meshes: Float64Array[]) => {
      const column = meshes.flatMap((m) => Array.from({ length: m.length / 6 }, (_, v) => m[6 * v]));
      const mean = column.reduce((s, x) => s + x, 0) / column.length;
      return Math.sqrt(column.reduce((s, x) => s + (x - mean) ** 2, 0) / column.length);
    };
    expect(std(withOutlier) / std(training)).toBeGreaterThan(10);
  });

  it("fall back to the SD or RMS for a column constant on most vertices, and to 1 for a constant column", () => {
    const type = FieldType.parse("2x0+1x1");
    const V = 40;
    const values = new Float64Array(V * 4);
    for (let v = 0; v < V; v++) {
      values[4 * v] = v === 0 ? 10 : 2; // IQR 0, SD > 0
      values[4 * v + 1] = 5; // constant
      // vector zero on all vertices (median norm 0, RMS 0)
    }
    const scaling = fitTargetScaling([values], type);
    expect(scaling.scalarScale[0]).toBeCloseTo(Math.sqrt(64 / 40 - (8 / 40) ** 2), 12);
    expect(scaling.scalarScale[1]).toBe(1);
    expect(scaling.copyScale[0]).toBe(1);
    expect(maxDifference(unscaleTarget(scaleTarget(values, scaling), scaling), values)).toBeLessThan(1e-12);
  });

  it("refuse no vertices, NaN, bad lengths and records that do not fit their type", () => {
    expect(() => fitTargetScaling([], TARGET_TYPE)).toThrow(/no training vertices/);
    const bad = targetMesh(5, 1);
    bad[13] = Number.NaN;
    expect(() => fitTargetScaling([bad], TARGET_TYPE)).toThrow(/mesh 0, vertex 2: target value NaN/);
    expect(() => fitTargetScaling([new Float64Array(7)], TARGET_TYPE)).toThrow(TargetScalingError);
    const scaling = fitTargetScaling(training, TARGET_TYPE);
    expect(() => scaleTarget(new Float64Array(5), scaling)).toThrow(/5 numbers are not whole rows of 6/);
    expect(() => parseTargetScaling({ ...scaling, copyScale: [1] }, "m/gemcnn.json")).toThrow(
      /m\/gemcnn\.json: "copyScale" must be 2 number\(s\) for the field type "2x0\+1x1\+1x2"/,
    );
    expect(() => parseTargetScaling({ ...scaling, scalarScale: [1, 0] }, "m")).toThrow(
      /not a finite positive/,
    );
    expect(() => parseTargetScaling({ ...scaling, fieldType: "2y" }, "m")).toThrow(/^m: invalid field type/);
    expect(() => parseTargetScaling([], "m")).toThrow(/expected an object/);
  });
});
