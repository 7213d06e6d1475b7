import { FieldType, testing } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { InvariantPooling, PoolingError } from "./pooling.js";

describe("InvariantPooling", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("averages the scalars and the norms of the other copies, invariantly", () => {
    const type = FieldType.parse("2x0+1x1+1x3");
    const V = 30;
    const layer = new InvariantPooling({ fieldType: type });
    const x = testing.randomField(type, V, 1, "float32") as Float32Array;
    const pool = (field: Float32Array) =>
      (layer.apply(tf.tensor2d(field, [V, type.dim])) as tf.Tensor).dataSync();
    const pooled = pool(x);
    const expected = new Float64Array(4);
    for (let v = 0; v < V; v++) {
      const row = x.subarray(v * 6, v * 6 + 6);
      expected[0] += row[0] / V;
      expected[1] += row[1] / V;
      expected[2] += Math.hypot(row[2], row[3]) / V;
      expected[3] += Math.hypot(row[4], row[5]) / V;
    }
    expect(layer.computeOutputShape()).toEqual([1, 4]);
    expect(testing.relativeError(pooled, expected)).toBeLessThan(1e-6);
    const turned = type.actOnField(x, testing.randomGaugeAngles(V, 2));
    expect(testing.relativeError(pool(turned), pooled)).toBeLessThan(1e-6);
    // Negative control: the mean of the raw vector coefficients is not invariant.
    const rawMean = (field: Float32Array) =>
      [2, 3].map((c) => Array.from({ length: V }, (_, v) => field[v * 6 + c]).reduce((a, b) => a + b, 0) / V);
    expect(testing.relativeError(rawMean(turned), rawMean(x))).toBeGreaterThan(0.1);
  });

  it("round-trips its config and checks its input", () => {
    const layer = new InvariantPooling({ fieldType: "3x0+1x2" });
    expect(InvariantPooling.fromConfig(InvariantPooling, layer.getConfig()).getConfig()).toEqual(
      layer.getConfig(),
    );
    expect(() => layer.apply(tf.zeros([4, 3]))).toThrow(PoolingError);
  });
});
