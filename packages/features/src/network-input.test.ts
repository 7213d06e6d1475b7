import { FieldType, NamedFieldType, randomField, randomGaugeAngles } from "@gemcnn/gauge";
import { describe, expect, it } from "vitest";
import { NetworkInputError, networkInput, userFieldChannels } from "./network-input.js";

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

describe("networkInput", () => {
  const V = 7;
  const features = {
    fieldType: FEATURE_TYPE,
    channels: FEATURE_CHANNELS,
    values: nonZeroField(FieldType.parse(FEATURE_TYPE), V, 1),
  };
  const user = { type: USER_TYPE, values: nonZeroField(USER_TYPE.type, V, 2) };

  it("packs features and user fields in their canonical type, the features' copies first within each order", () => {
    const input = networkInput(features, user);
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
    const onlyFeatures = networkInput(features, undefined);
    expect(onlyFeatures.fieldType).toBe(FEATURE_TYPE);
    expect(onlyFeatures.channels).toEqual(FEATURE_CHANNELS);
    expect(maxDifference(onlyFeatures.values, features.values)).toBe(0);
    const onlyUser = networkInput(undefined, user);
    expect(onlyUser.fieldType).toBe(USER_TYPE.type.toString());
    expect(onlyUser.channels).toEqual(userFieldChannels(USER_TYPE));
    expect(maxDifference(onlyUser.values, user.values)).toBe(0);
  });

  it("is gauge-equivariant: ρ_F(−φ) and ρ_U(−φ) on the parts give ρ(−φ) on the result (concatenation is not)", () => {
    const combined = FieldType.parse(networkInput(features, user).fieldType);
    const userSeeds = [3, 4, 5];
    for (const seed of userSeeds) {
      const angles = randomGaugeAngles(V, seed);
      const f = { ...features, values: nonZeroField(FieldType.parse(FEATURE_TYPE), V, 10 + seed) };
      const u = { type: USER_TYPE, values: nonZeroField(USER_TYPE.type, V, 20 + seed) };
      const turnedF = { ...f, values: FieldType.parse(FEATURE_TYPE).changeGauge(f.values, angles) };
      const turnedU = { type: USER_TYPE, values: USER_TYPE.type.changeGauge(u.values, angles) };
      const expected = combined.changeGauge(networkInput(f, u).values, angles);
      expect(maxDifference(networkInput(turnedF, turnedU).values, expected)).toBeLessThan(1e-12);

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
    expect(() => networkInput(features, fewer, "storm.ply")).toThrow(
      /storm\.ply: the geometric features have 7 vertices but the input fields 5/,
    );
    expect(() => networkInput({ ...features, values: features.values.subarray(1) }, user)).toThrow(
      /41 numbers of geometric features are not whole rows of 6/,
    );
    expect(() => networkInput({ ...features, channels: ["k"] }, user)).toThrow(
      /1 feature channel names for the 6 columns/,
    );
    const clash = { type: NamedFieldType.fromCopies([{ name: "k", order: 0 }]), values: new Float64Array(V) };
    expect(() => networkInput(features, clash)).toThrow(/the channel name "k" is both/);
    expect(() => networkInput(undefined, undefined, "empty.ply")).toThrow(NetworkInputError);
    expect(() => networkInput(undefined, undefined, "empty.ply")).toThrow(/empty\.ply: no input at all/);
  });
});
