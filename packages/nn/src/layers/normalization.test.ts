import { checkFieldMapEquivariance, FieldType, randomField, relativeError } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { dropoutUniforms } from "../kernels/field-kernels.js";
import { FieldDropout, FieldNormalization, NormalizationError } from "./normalization.js";

const type = FieldType.parse("3x0+2x1+2x2");
const V = 200;

function mapOf(layer: tf.layers.Layer, training: boolean) {
  return <T extends Float32Array | Float64Array>(field: T): T => {
    const input = tf.tensor2d(Float32Array.from(field), [field.length / type.dim, type.dim]);
    const output = layer.apply(input, { training }) as tf.Tensor;
    const values = output.dataSync();
    tf.dispose([input, output]);
    return (field instanceof Float64Array ? Float64Array.from(values) : Float32Array.from(values)) as T;
  };
}

describe("FieldNormalization", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("standardises scalars and the mean squared norm of the other copies while training", () => {
    const layer = new FieldNormalization({ fieldType: type, momentum: 0, epsilon: 1e-6 });
    const x = randomField(type, V, 1, "float32").map((v, i) => 3 * v + (i % type.dim) * 0.7) as Float32Array;
    const y = mapOf(layer, true)(x);
    for (let c = 0; c < 3; c++) {
      const column = Array.from({ length: V }, (_, v) => y[v * type.dim + c]);
      const mean = column.reduce((a, b) => a + b, 0) / V;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / V;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(variance).toBeCloseTo(1, 4);
    }
    for (let c = 0; c < 4; c++) {
      let meanSquare = 0;
      for (let v = 0; v < V; v++)
        meanSquare += y[v * type.dim + 3 + 2 * c] ** 2 + y[v * type.dim + 4 + 2 * c] ** 2;
      expect(meanSquare / V).toBeCloseTo(1, 4);
    }
    // With momentum 0 the moving statistics are the last batch's: inference gives the same output.
    expect(relativeError(mapOf(layer, false)(x), y)).toBeLessThan(1e-6);
  });

  it("is gauge equivariant within 1e-5, training or not, with non-trivial γ and β", () => {
    const layer = new FieldNormalization({ fieldType: type, momentum: 0.5 });
    layer.apply(tf.zeros([1, type.dim]));
    layer.setWeights([
      tf.tensor1d([0.5, 1.5, 2, 0.7, 1.2, 0.9, 1.1]),
      tf.tensor1d([0.3, -0.2, 0.1]),
      tf.tensor1d([0.2, -0.1, 0.4, 0, 0, 0, 0]),
      tf.tensor1d([1.5, 0.8, 1.2, 2, 0.5, 1, 3]),
    ]);
    for (const training of [true, false]) {
      const { relativeError } = checkFieldMapEquivariance(mapOf(layer, training), type, type, {
        dtype: "float32",
        nVertices: V,
        seed: 3,
      });
      expect(relativeError).toBeLessThan(1e-5);
    }
  });
});

describe("FieldDropout", () => {
  it("drops whole copies while training, scales the rest, and is the identity otherwise", () => {
    const layer = new FieldDropout({ fieldType: type, rate: 0.5, seed: 7 });
    const x = Float32Array.from({ length: V * type.dim }, () => 1);
    const y = mapOf(layer, true)(x);
    let dropped = 0;
    for (let v = 0; v < V; v++) {
      for (let c = 0; c < 4; c++) {
        const a = y[v * type.dim + 3 + 2 * c];
        const b = y[v * type.dim + 4 + 2 * c];
        expect(a).toBe(b);
        expect([0, 2]).toContain(a);
        if (a === 0) dropped++;
      }
    }
    expect(dropped / (4 * V)).toBeGreaterThan(0.4);
    expect(dropped / (4 * V)).toBeLessThan(0.6);
    expect(Array.from(mapOf(layer, false)(x))).toEqual(Array.from(x));
  });

  it("is gauge equivariant for a fixed mask", () => {
    // A fresh layer per call: both calls of the check draw the same (first) mask.
    const dropout = <T extends Float32Array | Float64Array>(x: T): T =>
      mapOf(new FieldDropout({ fieldType: type, rate: 0.3, seed: 11 }), true)(x);
    const { relativeError } = checkFieldMapEquivariance(dropout, type, type, { dtype: "float32" });
    expect(relativeError).toBeLessThan(1e-6);
  });

  it("draws a new mask on every training call, repeatably for a seed", () => {
    const x = Float32Array.from({ length: V * type.dim }, () => 1);
    const first = new FieldDropout({ fieldType: type, rate: 0.5, seed: 5 });
    const second = new FieldDropout({ fieldType: type, rate: 0.5, seed: 5 });
    const a1 = Array.from(mapOf(first, true)(x));
    const a2 = Array.from(mapOf(first, true)(x));
    expect(a2).not.toEqual(a1);
    expect(Array.from(mapOf(second, true)(x))).toEqual(a1);
    expect(Array.from(mapOf(second, true)(x))).toEqual(a2);
  });
});

describe("dropoutUniforms (FieldDropout's masks)", () => {
  it("gives a replica's rows exactly the whole batch's values there, and looks uniform", () => {
    const whole = dropoutUniforms(42, 0, 1000, 48);
    // Rows 300-699 alone (a replica's share) are those rows of the whole array, bit for bit.
    const part = dropoutUniforms(42, 300, 400, 48);
    expect(Array.from(part)).toEqual(Array.from(whole.subarray(300 * 48, 700 * 48)));
    // Negative control: one row off, or another seed, gives other numbers.
    expect(Array.from(dropoutUniforms(42, 301, 400, 48))).not.toEqual(Array.from(part));
    const next = dropoutUniforms(43, 0, 1000, 48);
    // Uniform on [0, 1): the mean, the fraction below 0.1 and the correlation of neighbouring
    // entries and of consecutive seeds within about 4 standard errors of 48,000 draws (0.0013,
    // 0.0014, 0.0046).
    let sum = 0;
    let below = 0;
    let neighbours = 0;
    let seeds = 0;
    for (let i = 0; i < whole.length; i++) {
      expect(whole[i]).toBeGreaterThanOrEqual(0);
      expect(whole[i]).toBeLessThan(1);
      sum += whole[i];
      if (whole[i] < 0.1) below++;
      if (i > 0) neighbours += (whole[i] - 0.5) * (whole[i - 1] - 0.5);
      seeds += (whole[i] - 0.5) * (next[i] - 0.5);
    }
    const n = whole.length;
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.006);
    expect(Math.abs(below / n - 0.1)).toBeLessThan(0.006);
    // Correlation = covariance / (1/12).
    expect(Math.abs((12 * neighbours) / n)).toBeLessThan(0.02);
    expect(Math.abs((12 * seeds) / n)).toBeLessThan(0.02);
  });
});

describe("normalisation layers' configs and errors", () => {
  it("round-trip and reject bad arguments", () => {
    for (const layer of [
      new FieldNormalization({ fieldType: "2x0+1x1", momentum: 0.9, epsilon: 1e-4 }),
      new FieldDropout({ fieldType: "1x2", rate: 0.25, seed: 3 }),
    ]) {
      const cls = layer.constructor as typeof FieldDropout;
      expect(FieldDropout.fromConfig(cls, layer.getConfig()).getConfig()).toEqual(layer.getConfig());
    }
    expect(() => new FieldDropout({ fieldType: "1x0", rate: 1 })).toThrow(NormalizationError);
    expect(() => new FieldNormalization({ fieldType: "1x0", momentum: 1 })).toThrow(/momentum/);
    expect(() => new FieldNormalization({ fieldType: "1x1" }).apply(tf.zeros([2, 3]))).toThrow(/dimension 2/);
  });
});
