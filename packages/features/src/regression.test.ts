import { FieldType, NamedFieldType, randomField, randomGaugeAngles, SeededRandom } from "@gemcnn/gauge";
import { describe, expect, it } from "vitest";
import {
  fitTargetScaling,
  parseTargetScaling,
  RegressionInputError,
  regressionInput,
  scaleTarget,
  TargetScalingError,
  unscaleTarget,
  userFieldChannels,
} from "./regression.js";

/** Largest absolute difference of two arrays of the same length. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Random normal values shifted away from 0, so that no copy is accidentally all zero. */
function nonZeroField(type: FieldType, nVertices: number, seed: number): Float64Array {
  const values = randomField(type, nVertices, seed) as Float64Array;
  for (let i = 0; i < values.length; i++) values[i] += values[i] >= 0 ? 0.1 : -0.1;
  return values;
}

const FEATURE_TYPE = "2x0+1x1+1x2";
const FEATURE_CHANNELS = ["k", "h", "m1.cos", "m1.sin", "m2.cos", "m2.sin"];
// Orders 0, 1 and 4 (a cross field): interleaved with the features' orders 0, 1, 2 when combined.
const USER_TYPE = NamedFieldType.fromCopies([
  { name: "wind", order: 1 },
  { name: "pressure", order: 0 },
  { name: "cross", order: 4 },
  { name: "temperature", order: 0 },
]);

describe("regressionInput", () => {
  const V = 7;
  const features = {
    fieldType: FEATURE_TYPE,
    channels: FEATURE_CHANNELS,
    values: nonZeroField(FieldType.parse(FEATURE_TYPE), V, 1),
  };
  const user = { type: USER_TYPE, values: nonZeroField(USER_TYPE.type, V, 2) };

  it("packs features and user fields in their canonical type, the features' copies first within each order", () => {
    const input = regressionInput(features, user);
    expect(input.fieldType).toBe("4x0+2x1+1x2+1x4");
    expect(input.nVertices).toBe(V);
    // Written out: column j of the result is column from[j] of features (f) or user fields (u).
    // User packing: pressure 0, temperature 1, wind 2-3, cross 4-5.
    const from: [string, number][] = [
      ["f", 0],
      ["f", 1],
      ["u", 0],
      ["u", 1],
      ["f", 2],
      ["f", 3],
      ["u", 2],
      ["u", 3],
      ["f", 4],
      ["f", 5],
      ["u", 4],
      ["u", 5],
    ];
    expect(input.channels).toEqual([
      "k",
      "h",
      "pressure",
      "temperature",
      "m1.cos",
      "m1.sin",
      "wind.cos",
      "wind.sin",
      "m2.cos",
      "m2.sin",
      "cross.cos",
      "cross.sin",
    ]);
    for (let v = 0; v < V; v++) {
      from.forEach(([part, c], j) => {
        const expected = part === "f" ? features.values[v * 6 + c] : user.values[v * 6 + c];
        expect(input.values[v * 12 + j]).toBe(expected);
      });
    }
  });

  it("takes either part alone: the features as they are, or the user fields with their channel names", () => {
    const onlyFeatures = regressionInput(features, undefined);
    expect(onlyFeatures.fieldType).toBe(FEATURE_TYPE);
    expect(onlyFeatures.channels).toEqual(FEATURE_CHANNELS);
    expect(maxDifference(onlyFeatures.values, features.values)).toBe(0);
    const onlyUser = regressionInput(undefined, user);
    expect(onlyUser.fieldType).toBe(USER_TYPE.type.toString());
    expect(onlyUser.channels).toEqual(userFieldChannels(USER_TYPE));
    expect(maxDifference(onlyUser.values, user.values)).toBe(0);
  });

  it("is gauge-equivariant: ρ_F(−φ) and ρ_U(−φ) on the parts give ρ(−φ) on the result (concatenation is not)", () => {
    const combined = FieldType.parse(regressionInput(features, user).fieldType);
    const userSeeds = [3, 4, 5];
    for (const seed of userSeeds) {
      const angles = randomGaugeAngles(V, seed);
      const f = { ...features, values: nonZeroField(FieldType.parse(FEATURE_TYPE), V, 10 + seed) };
      const u = { type: USER_TYPE, values: nonZeroField(USER_TYPE.type, V, 20 + seed) };
      const turnedF = { ...f, values: FieldType.parse(FEATURE_TYPE).changeGauge(f.values, angles) };
      const turnedU = { type: USER_TYPE, values: USER_TYPE.type.changeGauge(u.values, angles) };
      const expected = combined.changeGauge(regressionInput(f, u).values, angles);
      expect(maxDifference(regressionInput(turnedF, turnedU).values, expected)).toBeLessThan(1e-12);

      // Negative control: the rows of the two parts side by side are not a field of the combined
      // type, so the same check fails on them.
      const concatenate = (a: Float64Array, b: Float64Array) => {
        const out = new Float64Array(V * 12);
        for (let v = 0; v < V; v++) {
          out.set(a.subarray(v * 6, v * 6 + 6), v * 12);
          out.set(b.subarray(v * 6, v * 6 + 6), v * 12 + 6);
        }
        return out;
      };
      const wrong = maxDifference(
        concatenate(turnedF.values, turnedU.values),
        combined.changeGauge(concatenate(f.values, u.values), angles),
      );
      expect(wrong).toBeGreaterThan(0.1);
    }
  });

  it("refuses a vertex-count mismatch, bad lengths, bad channel lists, repeated names and no input", () => {
    const fewer = { type: USER_TYPE, values: user.values.subarray(0, 6 * (V - 2)) };
    expect(() => regressionInput(features, fewer, "storm.ply")).toThrow(
      /storm\.ply: the geometric features have 7 vertices but the input fields 5/,
    );
    expect(() => regressionInput({ ...features, values: features.values.subarray(1) }, user)).toThrow(
      /41 numbers of geometric features are not whole rows of 6/,
    );
    expect(() => regressionInput({ ...features, channels: ["k"] }, user)).toThrow(
      /1 feature channel names for the 6 columns/,
    );
    const clash = { type: NamedFieldType.fromCopies([{ name: "k", order: 0 }]), values: new Float64Array(V) };
    expect(() => regressionInput(features, clash)).toThrow(/the channel name "k" is both/);
    expect(() => regressionInput(undefined, undefined, "empty.ply")).toThrow(RegressionInputError);
    expect(() => regressionInput(undefined, undefined, "empty.ply")).toThrow(/empty\.ply: no input at all/);
  });
});

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
