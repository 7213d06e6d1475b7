import { FieldType, relativeError, SeededRandom, selfInteractionBasis } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { assertGaugeEquivariant, checkGaugeEquivariance } from "../equivariance.js";
import { FieldLinear } from "./field-linear.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
const inType = FieldType.parse("3x0+2x1+2x2+1x3");
const outType = FieldType.parse("2x0+3x1+1x2+1x4");

function randomLayer(seed: number): FieldLinear {
  const layer = new FieldLinear({ inType, outType });
  layer.build([null, inType.dim]);
  const random = new SeededRandom(seed);
  layer.setWeights(
    layer.weights.map((w) => tf.tensor1d(random.gaussianArray(w.shape[0]!, "float32") as Float32Array)),
  );
  return layer;
}

describe("FieldLinear", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("applies S x + b with S from the self-interaction basis and b on the scalars", () => {
    const layer = randomLayer(1);
    const [kernel, bias] = layer.getWeights().map((w) => w.dataSync());
    const S = selfInteractionBasis(inType, outType).assemble(kernel);
    const random = new SeededRandom(2);
    const x = random.gaussianArray(10 * inType.dim, "float32") as Float32Array;
    const y = (layer.apply(tf.tensor2d(x, [10, inType.dim])) as tf.Tensor).dataSync();
    const expected = new Float64Array(10 * outType.dim);
    for (let v = 0; v < 10; v++) {
      for (let o = 0; o < outType.dim; o++) {
        let sum = o < 2 ? bias[o] : 0;
        for (let j = 0; j < inType.dim; j++) sum += S[o * inType.dim + j] * x[v * inType.dim + j];
        expected[v * outType.dim + o] = sum;
      }
    }
    expect(relativeError(y, expected)).toBeLessThan(1e-6);
    // Order 4 has no input of its order: always zero.
    for (let v = 0; v < 10; v++) expect(y[v * outType.dim + outType.dim - 1]).toBe(0);
  });

  it("is gauge equivariant (float32, 1e-5), and a bias on a vector breaks it (negative control)", () => {
    const layer = randomLayer(3);
    const map = (x: tf.Tensor2D) => layer.apply(x) as tf.Tensor2D;
    expect(assertGaugeEquivariant(map, { geometry, inType, outType, seed: 4 })).toBeLessThan(1e-5);
    const vectorBias = tf.tensor1d(Float32Array.from({ length: outType.dim }, (_, i) => (i === 2 ? 1 : 0)));
    const { relativeError } = checkGaugeEquivariance((x) => tf.add(map(x), vectorBias) as tf.Tensor2D, {
      geometry,
      inType,
      outType,
      seed: 4,
    });
    expect(relativeError).toBeGreaterThan(1e-2);
  });

  it("trains: the gradient reaches the kernel and the bias", () => {
    const layer = randomLayer(5);
    const x = tf.randomNormal([30, inType.dim], 0, 1, "float32", 6);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(Object.keys(grads)).toHaveLength(2);
    for (const g of Object.values(grads)) expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
  });

  it("round-trips its config; without shared orders or bias it outputs zeros", () => {
    const layer = new FieldLinear({ inType: "2x1", outType: "1x0+1x2", useBias: false, name: "lin" });
    const config = layer.getConfig();
    expect(config).toMatchObject({ inType: "2x1", outType: "1x0+1x2", useBias: false, name: "lin" });
    expect(FieldLinear.fromConfig(FieldLinear, config).getConfig()).toEqual(config);
    const y = layer.apply(tf.ones([3, 4])) as tf.Tensor;
    expect(layer.getWeights()).toHaveLength(0);
    expect(Array.from(y.dataSync())).toEqual(new Array(9).fill(0));
    expect(() => new FieldLinear({ inType: "1x0", outType: "1x0" }).apply(tf.ones([3, 2]))).toThrow(
      /2 numbers per vertex/,
    );
  });
});

describe("FieldLinear sizes", () => {
  it("refuses a matrix above MAX_LAYER_SIZE and builds the widest real layers at once", async () => {
    await initBackend({ backend: "wasm" });
    expect(() => new FieldLinear({ inType: "10000x0", outType: "10000x0" })).toThrow(
      'FieldLinear "10000x0" → "10000x0": its matrix (10000 × 10000) would hold 100000000 numbers, above the limit of 67108864 per layer (MAX_LAYER_SIZE)',
    );
    // 20480 weights into a 320 × 320 matrix: built from the basis blocks, not weight by weight.
    const type = "64x0+64x1+64x2";
    const layer = new FieldLinear({ inType: type, outType: type });
    const y = layer.apply(tf.ones([5, 320])) as tf.Tensor;
    expect(y.shape).toEqual([5, 320]);
    expect(layer.countParams()).toBe(64 * 64 + 2 * (64 * 64 * 2) + 64);
  });
});
