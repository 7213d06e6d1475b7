import { FieldType, relativeError, SeededRandom, UnsupportedFieldTypeError } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { assertGaugeEquivariant, checkGaugeEquivariance } from "../equivariance.js";
import { buildConvGraph } from "../graph.js";
import { withConvGraph } from "../graph-context.js";
import { assertMeshMapGaugeEquivariant, type MeshBatchMap } from "../models/invariance.js";
import { withMeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import { FieldLayerError } from "./field-layer-utils.js";
import { type NormNonlinearity, registerActivation } from "./nonlinearities.js";
import { ResidualBlock, type ResidualBlockArgs } from "./residual-block.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
const graph = buildConvGraph(geometry);
const inType = FieldType.parse("3x0+2x1+1x2");
const outType = FieldType.parse("2x0+2x1+2x2");

/** A block applied once (to build it), then given random non-zero weights, biases and statistics. */
function randomBlock(args: Partial<ResidualBlockArgs>, seed: number): ResidualBlock {
  const block = new ResidualBlock({ inType, outType, ...args });
  block.build([null, block.inType.dim]);
  const random = new SeededRandom(seed);
  block.setWeights(
    block.weights.map((w) => {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      const positive = /gamma|variance/.test(w.originalName);
      const scale = w.originalName.endsWith("kernel") ? 0.5 : 0.3;
      return tf.tensor(
        Float32Array.from({ length: size }, () =>
          positive ? random.uniform(0.5, 2) : scale * random.gaussian(),
        ),
        w.shape as number[],
      );
    }),
  );
  return block;
}

describe("ResidualBlock", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  for (const nonlinearity of ["gated", "norm"] as const) {
    it(`is gauge equivariant with the ${nonlinearity} nonlinearity and normalisation (float32, 1e-5)`, () => {
      for (const training of [false, true]) {
        const block = randomBlock({ nonlinearity, normalization: true }, 1);
        const error = assertGaugeEquivariant(
          (x, g) => block.apply(x, { graph: g, training }) as tf.Tensor2D,
          {
            geometry,
            inType,
            outType,
            seed: 2,
          },
        );
        expect(error).toBeLessThan(1e-5);
      }
    });
  }

  it("with the regular nonlinearity is equivariant up to its sampling error", () => {
    const regular = FieldType.parse("2x0+2x1+2x2");
    const block = randomBlock({ inType: regular, outType: regular, nonlinearity: "regular", samples: 17 }, 3);
    const { relativeError } = checkGaugeEquivariance((x, g) => block.apply(x, { graph: g }) as tf.Tensor2D, {
      geometry,
      inType: regular,
      outType: regular,
      seed: 4,
    });
    expect(relativeError).toBeLessThan(2e-2);
    expect(relativeError).toBeGreaterThan(1e-7);
  });

  it("runs at a coarse level of a mesh batch, equivariantly", () => {
    const block = randomBlock({ level: 1, inType, outType, normalization: true }, 5);
    const meshOptions = { coarsening: [{ ratio: 0.3 }] };
    const coarseVertices = buildMeshHierarchy(geometry, meshOptions).levels[1].vertices;
    const map: MeshBatchMap = (x, batch) => {
      // Restrict to the coarse vertices (an equivariant map: they keep their frames), then convolve there.
      const coarse = tf.gather(x, tf.tensor1d(Array.from(coarseVertices), "int32"));
      return withMeshBatch(batch, () => block.apply(coarse) as tf.Tensor2D);
    };
    expect(
      assertMeshMapGaugeEquivariant(map, { geometry, meshOptions, inType, outType, outLevel: 1, seed: 6 }),
    ).toBeLessThan(1e-5);
  });

  it("catches a bias on a vector output (negative control)", () => {
    const block = randomBlock({}, 7);
    const vectorBias = tf.tensor1d(Float32Array.from({ length: outType.dim }, (_, i) => (i === 3 ? 0.5 : 0)));
    const { relativeError } = checkGaugeEquivariance(
      (x, g) => tf.add(block.apply(x, { graph: g }) as tf.Tensor, vectorBias) as tf.Tensor2D,
      { geometry, inType, outType, seed: 2 },
    );
    expect(relativeError).toBeGreaterThan(1e-2);
  });

  it("adds its skip: with zero second convolution it is the skip projection (identity for equal types)", () => {
    const same = new ResidualBlock({ inType: outType, outType, name: "same" });
    same.build([null, outType.dim]);
    expect(same.skip).toBeNull();
    same.conv2.setWeights(same.conv2.getWeights().map((w) => tf.zerosLike(w)));
    const x = tf.randomNormal([graph.nVertices, outType.dim], 0, 1, "float32", 8);
    const y = same.apply(x, { graph }) as tf.Tensor;
    expect(relativeError(y.dataSync(), x.dataSync())).toBe(0);
    const projecting = new ResidualBlock({ inType, outType });
    projecting.build([null, inType.dim]);
    expect(projecting.skip?.outType.toString()).toBe(outType.toString());
  });

  it("names its sublayers' weights under its own name, and round-trips through a model's JSON", async () => {
    const input = tf.input({ shape: [inType.dim] });
    const block = new ResidualBlock({
      inType,
      outType,
      normalization: true,
      fieldDropout: 0.1,
      name: "res",
    });
    const model = tf.model({ inputs: input, outputs: block.apply(input) as tf.SymbolicTensor });
    const names = model.weights.map((w) => w.originalName);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("res/conv1/kernel");
    expect(names).toContain("res/norm2/moving_variance");
    expect(names).toContain("res/skip/kernel");
    const copy = await tf.models.modelFromJSON(JSON.parse(model.toJSON() as string));
    copy.setWeights(model.getWeights());
    expect((copy.layers[1] as ResidualBlock).getConfig()).toEqual(block.getConfig());
    const x = tf.randomNormal([graph.nVertices, inType.dim], 0, 1, "float32", 9);
    const [a, b] = [model, copy].map((m) => withConvGraph(graph, () => (m.apply(x) as tf.Tensor).dataSync()));
    expect(relativeError(b, a)).toBe(0);
  });

  it("trains: the gradient reaches every trainable weight of every sublayer", () => {
    const block = randomBlock({ nonlinearity: "norm", normalization: true }, 10);
    const x = tf.randomNormal([graph.nVertices, inType.dim], 0, 1, "float32", 11);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.sin(block.apply(x, { graph, training: true }) as tf.Tensor)) as tf.Scalar,
      block.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    expect(Object.keys(grads)).toHaveLength(block.trainableWeights.length);
    expect(block.trainableWeights.length).toBe(10);
    for (const g of Object.values(grads)) expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
  });

  it("rejects bad arguments with clear errors", () => {
    expect(() => new ResidualBlock({ inType, outType, nonlinearity: "relu" as "norm" })).toThrow(
      /nonlinearity must be one of/,
    );
    expect(() => new ResidualBlock({ inType, outType, activation: "nope" })).toThrow(FieldLayerError);
    registerActivation("softsign", (t) => tf.div(t, tf.add(tf.abs(t), 1)));
    const softsign = new ResidualBlock({ inType, outType, nonlinearity: "norm", activation: "softsign" });
    expect(softsign.getConfig().activation).toBe("softsign");
    expect((softsign.activationLayer as NormNonlinearity).activationName).toBe("softsign");
    expect(() => new ResidualBlock({ inType, outType: "2x0+1x1", nonlinearity: "regular" })).toThrow(
      UnsupportedFieldTypeError,
    );
    expect(() => new ResidualBlock({ inType, outType, level: 0.5 })).toThrow(
      /level must be a non-negative integer/,
    );
    expect(() => new ResidualBlock({ inType, outType }).apply(tf.zeros([3, 4]), { graph })).toThrow(
      /4 numbers per vertex/,
    );
    expect(() => new ResidualBlock({ inType, outType }).apply(tf.zeros([3, inType.dim]))).toThrow(
      /no mesh graph/,
    );
  });
});
