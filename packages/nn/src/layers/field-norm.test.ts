import { FieldType, testing } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { assertGaugeEquivariant, checkGaugeEquivariance } from "../testing.js";
import { FieldLayerError } from "./field-layer-utils.js";
import { FieldNorm } from "./field-norm.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
const type = FieldType.parse("3x0+2x1+2x2");
const nVertices = geometry.mesh.nVertices;

/** A built layer with random non-zero scales, offsets and moving statistics. */
function randomLayer(seed: number): FieldNorm {
  const layer = new FieldNorm({ fieldType: type, momentum: 0.9 });
  layer.build([null, type.dim]);
  const random = new testing.SeededRandom(seed);
  layer.setWeights(
    layer.weights.map((w) => {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      const positive = w.originalName.endsWith("gamma") || w.originalName.endsWith("variance");
      return tf.tensor1d(
        Float32Array.from({ length: size }, () => (positive ? random.uniform(0.5, 2) : random.gaussian())),
      );
    }),
  );
  return layer;
}

/** A field with non-zero means and uneven scales, as a layer's input would have. */
function unevenField(seed: number): tf.Tensor2D {
  const random = new testing.SeededRandom(seed);
  const values = Float32Array.from(
    { length: nVertices * type.dim },
    (_, i) => 3 * random.gaussian() + (i % type.dim),
  );
  return tf.tensor2d(values, [nVertices, type.dim]);
}

describe("FieldNorm", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("is gauge equivariant in training and in inference (float32, 1e-5)", () => {
    for (const training of [true, false]) {
      const layer = randomLayer(1);
      const error = assertGaugeEquivariant((x) => layer.apply(x, { training }) as tf.Tensor2D, {
        geometry,
        inType: type,
        outType: type,
        seed: 2,
      });
      expect(error).toBeLessThan(1e-5);
    }
  });

  it("catches a normalisation that subtracts the mean of vector components (negative control)", () => {
    const wrong = (x: tf.Tensor2D) => tf.sub(x, tf.mean(x, 0, true)) as tf.Tensor2D;
    const { relativeError } = checkGaugeEquivariance(wrong, {
      geometry,
      inType: type,
      outType: type,
      seed: 2,
    });
    expect(relativeError).toBeGreaterThan(1e-2);
  });

  it("standardises scalars and scales copies to unit mean square in training, and folds the statistics into the moving ones", () => {
    const layer = new FieldNorm({ fieldType: type, momentum: 0.75 });
    const x = unevenField(3);
    const y = layer.apply(x, { training: true }) as tf.Tensor2D;
    const scalars = tf.slice(y, [0, 0], [nVertices, 3]);
    const { mean, variance } = tf.moments(scalars, 0);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-5);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
    const pairs = tf.reshape(tf.slice(y, [0, 3], [nVertices, 8]), [nVertices, 4, 2]);
    for (const ms of tf.mean(tf.square(pairs), [0, 2]).dataSync()) expect(ms).toBeCloseTo(1, 3);
    // Vectors are only scaled: the direction of every copy is kept.
    const inPairs = tf.reshape(tf.slice(x, [0, 3], [nVertices, 8]), [nVertices, 4, 2]);
    const cross = tf.sub(
      tf.mul(tf.slice(inPairs, [0, 0, 0], [-1, -1, 1]), tf.slice(pairs, [0, 0, 1], [-1, -1, 1])),
      tf.mul(tf.slice(inPairs, [0, 0, 1], [-1, -1, 1]), tf.slice(pairs, [0, 0, 0], [-1, -1, 1])),
    );
    expect(tf.max(tf.abs(cross)).dataSync()[0]).toBeLessThan(1e-4);
    const [, , movingMean, movingVariance] = layer.getWeights();
    const batchMean = tf.mean(tf.slice(x, [0, 0], [nVertices, 3]), 0);
    expect(testing.relativeError(movingMean.dataSync(), tf.mul(batchMean, 0.25).dataSync())).toBeLessThan(
      1e-5,
    );
    expect(movingVariance.shape).toEqual([7]);
    expect(movingVariance.dataSync()[0]).toBeGreaterThan(1);
  });

  it("uses the moving statistics at inference", () => {
    const layer = randomLayer(5);
    const [gamma, beta, movingMean, movingVariance] = layer.getWeights().map((w) => w.dataSync());
    const x = unevenField(6);
    const y = (layer.apply(x) as tf.Tensor).dataSync();
    const xs = x.dataSync();
    for (let v = 0; v < 5; v++) {
      for (let j = 0; j < type.dim; j++) {
        const copy = j < 3 ? j : 3 + Math.floor((j - 3) / 2);
        const scale = gamma[copy] / Math.sqrt(movingVariance[copy] + 1e-5);
        const expected =
          j < 3 ? (xs[v * type.dim + j] - movingMean[j]) * scale + beta[j] : xs[v * type.dim + j] * scale;
        expect(y[v * type.dim + j], `vertex ${v}, column ${j}`).toBeCloseTo(expected, 4);
      }
    }
  });

  it("trains: the loss gradient reaches the scale and the offset", () => {
    const layer = randomLayer(7);
    const x = unevenField(8);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.sin(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(Object.keys(grads)).toHaveLength(2);
    for (const g of Object.values(grads)) expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
  });

  it("round-trips its config and rejects bad arguments", () => {
    const layer = new FieldNorm({
      fieldType: "2x1+1x0",
      momentum: 0.5,
      epsilon: 1e-3,
      center: false,
      name: "fn",
    });
    const config = layer.getConfig();
    expect(config).toMatchObject({
      fieldType: "1x0+2x1",
      momentum: 0.5,
      epsilon: 1e-3,
      center: false,
      scale: true,
    });
    expect(FieldNorm.fromConfig(FieldNorm, config).getConfig()).toEqual(config);
    expect(() => new FieldNorm({ fieldType: "1x0", momentum: 1 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => new FieldNorm({ fieldType: "1x0", epsilon: 0 })).toThrow(FieldLayerError);
    expect(() => new FieldNorm({ fieldType: 3 as unknown as string })).toThrow(
      /fieldType must be a field type string/,
    );
    expect(() => new FieldNorm({ fieldType: "2x1" }).apply(tf.zeros([4, 3]))).toThrow(/3 numbers per vertex/);
  });
});
