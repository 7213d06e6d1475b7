import {
  applyGatedNonlinearity,
  applyNormNonlinearity,
  applyRegularNonlinearity,
  checkFieldMapEquivariance,
  FieldType,
  randomField,
  relativeError,
  UnsupportedFieldTypeError,
} from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import {
  GatedNonlinearity,
  NonlinearityError,
  NormNonlinearity,
  RegularNonlinearity,
  registerActivation,
} from "./nonlinearities.js";

const relu = (x: number) => Math.max(0, x);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const V = 50;

/** Runs a layer on a packed float field (float32 through tfjs), returns the output as the same kind. */
function through(layer: tf.layers.Layer, dim: number) {
  return <T extends Float32Array | Float64Array>(field: T): T => {
    const input = tf.tensor2d(Float32Array.from(field), [field.length / dim, dim]);
    const output = layer.apply(input) as tf.Tensor;
    const values = output.dataSync();
    tf.dispose([input, output]);
    return (field instanceof Float64Array ? Float64Array.from(values) : Float32Array.from(values)) as T;
  };
}

describe("nonlinearity layers", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("norm: matches the gauge package and is equivariant within 1e-5", () => {
    const type = FieldType.parse("3x0+2x1+2x2");
    const layer = new NormNonlinearity({ fieldType: "3x0+2x1+2x2", activation: "relu" });
    const x = randomField(type, V, 1) as Float64Array;
    layer.apply(tf.zeros([V, type.dim]));
    const bias = Float32Array.from({ length: 7 }, (_, i) => 0.3 * (i - 3));
    layer.setWeights([tf.tensor1d(bias)]);
    const expected = applyNormNonlinearity(x, type, relu, bias);
    expect(relativeError(through(layer, type.dim)(x), expected)).toBeLessThan(1e-6);
    const equivariance = checkFieldMapEquivariance(through(layer, type.dim), type, type, {
      dtype: "float32",
      seed: 2,
    });
    expect(equivariance.relativeError).toBeLessThan(1e-5);
  });

  it("gated: matches the gauge package, drops the gates, is equivariant within 1e-5", () => {
    const type = FieldType.parse("2x0+2x1+1x2");
    const layer = new GatedNonlinearity({ fieldType: type });
    expect(layer.inputType.toString()).toBe("5x0+2x1+1x2");
    const input = randomField(layer.inputType, V, 3) as Float64Array;
    // Split the input into the field (scalars, then the non-scalar copies) and the gates.
    const field = new Float64Array(V * type.dim);
    const gates = new Float64Array(V * 3);
    for (let v = 0; v < V; v++) {
      const row = input.subarray(v * 11, (v + 1) * 11);
      field.set([...row.subarray(0, 2), ...row.subarray(5)], v * type.dim);
      gates.set(row.subarray(2, 5), v * 3);
    }
    const expected = applyGatedNonlinearity(field, type, gates, sigmoid, { scalarFn: relu });
    expect(relativeError(through(layer, 11)(input), expected)).toBeLessThan(1e-6);
    const equivariance = checkFieldMapEquivariance(through(layer, 11), layer.inputType, type, {
      dtype: "float32",
      seed: 4,
    });
    expect(equivariance.relativeError).toBeLessThan(1e-5);
  });

  it("regular: matches the gauge package; its error falls with N and vanishes on the sampling grid", () => {
    const type = FieldType.parse("4x0+4x1+4x2");
    const x = randomField(type, V, 5) as Float64Array;
    const errors = [5, 9, 17, 33].map((samples) => {
      const layer = new RegularNonlinearity({ fieldType: type, samples });
      const map = through(layer, type.dim);
      expect(relativeError(map(x), applyRegularNonlinearity(x, type, relu, samples))).toBeLessThan(1e-5);
      const onGrid = checkFieldMapEquivariance(map, type, type, {
        dtype: "float32",
        angles: Float64Array.from({ length: 64 }, (_, v) => (2 * Math.PI * (v % samples)) / samples),
      });
      expect(onGrid.relativeError).toBeLessThan(1e-5);
      return checkFieldMapEquivariance(map, type, type, { dtype: "float32", seed: 6 }).relativeError;
    });
    console.log(
      `regular nonlinearity (relu, L = 2) equivariance error for N = 5, 9, 17, 33: ${errors.map((e) => e.toExponential(1)).join(", ")}`,
    );
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(errors[i - 1]);
    expect(errors[0]).toBeGreaterThan(1e-3);
  });

  it("regular: takes any pointwise function registered by name, and keeps the name in its config", () => {
    // A function no built-in provides: leaky ReLU with slope 0.2.
    registerActivation("leaky_0.2", (t) => tf.maximum(t, tf.mul(t, 0.2)));
    const type = FieldType.parse("3x0+3x1+3x2");
    const x = randomField(type, V, 7) as Float64Array;
    const layer = new RegularNonlinearity({ fieldType: type, activation: "leaky_0.2", samples: 9 });
    const leaky = (v: number) => Math.max(v, 0.2 * v);
    const expected = applyRegularNonlinearity(x, type, leaky, 9);
    expect(relativeError(through(layer, type.dim)(x), expected)).toBeLessThan(1e-5);
    expect(relativeError(expected, applyRegularNonlinearity(x, type, relu, 9))).toBeGreaterThan(1e-2);
    const copy = RegularNonlinearity.fromConfig(
      RegularNonlinearity,
      layer.getConfig(),
    ) as RegularNonlinearity;
    expect(copy.activationName).toBe("leaky_0.2");
    expect(relativeError(through(copy, type.dim)(x), expected)).toBeLessThan(1e-5);
    // The norm and gated layers take registered names too.
    expect(new NormNonlinearity({ fieldType: "1x1", activation: "leaky_0.2" }).activationName).toBe(
      "leaky_0.2",
    );
    expect(new GatedNonlinearity({ fieldType: "1x1", gateActivation: "leaky_0.2" }).gateActivation).toBe(
      "leaky_0.2",
    );
    expect(() => registerActivation("relu", (t) => t)).toThrow(/built-in/);
    expect(() => registerActivation("", (t) => t)).toThrow(NonlinearityError);
    expect(() => new RegularNonlinearity({ fieldType: type, activation: "leaky_0.3" })).toThrow(
      /activation must be one of .*leaky_0.2.*registerActivation/,
    );
  });

  it("round-trip their configs and reject bad arguments", () => {
    for (const layer of [
      new NormNonlinearity({ fieldType: "2x0+1x1", activation: "tanh", useBias: false }),
      new GatedNonlinearity({ fieldType: "1x0+1x3", gateActivation: "tanh", scalarActivation: "elu" }),
      new RegularNonlinearity({ fieldType: "2x0+2x1", activation: "swish", samples: 7 }),
    ]) {
      const cls = layer.constructor as typeof NormNonlinearity;
      expect(
        (tf.layers.Layer as unknown as typeof NormNonlinearity)
          .fromConfig(cls, layer.getConfig())
          .getConfig(),
      ).toEqual(layer.getConfig());
    }
    expect(() => new NormNonlinearity({ fieldType: "2x0", activation: "gelu" as "relu" })).toThrow(
      NonlinearityError,
    );
    expect(() => new GatedNonlinearity({ fieldType: "3x0" })).toThrow(/no non-scalar copy/);
    expect(() => new RegularNonlinearity({ fieldType: "2x0+1x1" })).toThrow(UnsupportedFieldTypeError);
    expect(() => new NormNonlinearity({ fieldType: "2x1" }).apply(tf.zeros([3, 5]))).toThrow(/dimension 4/);
  });
});

describe("RegularNonlinearity sizes", () => {
  it("refuses a sampling or permutation matrix above MAX_LAYER_SIZE", () => {
    expect(() => new RegularNonlinearity({ fieldType: "4x0+4x1+4x2", samples: 1e9 })).toThrow(
      /RegularNonlinearity "4x0\+4x1\+4x2": its sampling matrix \(1000000000 samples × 5\) would hold 5000000000 numbers, above the limit of 67108864/,
    );
    expect(() => new RegularNonlinearity({ fieldType: "9000x0+9000x1" })).toThrow(
      /its column permutation \(27000 × 27000\) would hold 729000000 numbers/,
    );
    expect(new RegularNonlinearity({ fieldType: "4x0+4x1+4x2", samples: 17 }).samples).toBe(17);
  });
});
