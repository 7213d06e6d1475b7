import { meshFeatures } from "@gemcnn/features";
import { relativeError } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry, torus } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { batchMeshes } from "../multiscale/batch.js";
import {
  buildGemClassifier,
  buildGemSegmenter,
  type GemModelConfig,
  gemModelInfo,
  meshOptionsOf,
} from "./builders.js";
import {
  applyToMeshes,
  batchForModel,
  classifierTrainStep,
  meshHierarchyFor,
  NonFiniteInputError,
} from "./run.js";

/** Two invariant scalars per vertex (`"2x0"`, the config's input), from the features package. */
const invariantScalars = (g: MeshGeometry) => meshFeatures(g, { kinds: ["ones", "angle-defect"] }).values;

const config: GemModelConfig = {
  inputType: "2x0",
  blocks: [
    { fieldType: "4x0+4x1+2x2" },
    { fieldType: "4x0+4x1+2x2", pool: true },
    { fieldType: "8x0+4x1+2x2", pool: true },
  ],
  classes: 3,
  head: [16],
};
const geometries = [
  MeshGeometry.fromData(bumpySphere({ level: 2 })),
  MeshGeometry.fromData(torus({ majorSegments: 16, minorSegments: 8 })),
  MeshGeometry.fromData(bumpySphere({ level: 2, seed: 4, amplitude: 0.3 })),
];

describe("buildGemClassifier", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("builds residual blocks per level, pooling, invariant pooling and a dense head", () => {
    const model = buildGemClassifier(config);
    expect(model.layers.map((l) => l.name)).toEqual([
      "features",
      "block0",
      "pool1",
      "block1",
      "pool2",
      "block2",
      "invariant_pooling",
      "head_dense0",
      "logits",
    ]);
    expect(model.layers.map((l) => (l.getConfig() as { level?: number }).level)).toEqual([
      undefined,
      0,
      0,
      1,
      1,
      2,
      2,
      undefined,
      undefined,
    ]);
    const info = gemModelInfo(model)!;
    expect(info.kind).toBe("classifier");
    expect(info.config).toEqual(config);
    expect(meshOptionsOf(model)).toEqual({
      graph: { rings: 2 },
      coarsening: [
        { ratio: 0.25, hops: 1 },
        { ratio: 0.25, hops: 1 },
      ],
      seed: 0,
    });
    expect(meshHierarchyFor(model, geometries[0]).levels).toHaveLength(3);
  });

  it("gives each mesh of a batch the logits it gets alone (the batch is block diagonal)", () => {
    const model = buildGemClassifier(config);
    const features = geometries.map((g) => invariantScalars(g));
    const together = applyToMeshes(model, batchForModel(model, geometries), features);
    expect(together.shape).toEqual([3, 3]);
    const alone = geometries.map((g, i) =>
      Array.from(applyToMeshes(model, batchForModel(model, [g]), [features[i]]).dataSync()),
    );
    expect(relativeError(together.dataSync(), alone.flat())).toBeLessThan(1e-5);
    // Different meshes get different logits.
    expect(relativeError(alone[0], alone[1])).toBeGreaterThan(1e-3);
  });

  it("learns: a few Adam steps on a batch lower the cross-entropy", () => {
    const model = buildGemClassifier({ ...config, fieldDropout: 0.1, dropout: 0.1 });
    const batch = batchForModel(model, geometries);
    const features = geometries.map((g) => invariantScalars(g));
    const optimizer = tf.train.adam(0.01);
    const losses = Array.from({ length: 12 }, () =>
      classifierTrainStep(model, optimizer, batch, features, [0, 1, 2]),
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]);
    expect(() => classifierTrainStep(model, optimizer, batch, features, [0, 1])).toThrow(
      /2 labels for a batch of 3/,
    );
  });

  it("rejects bad configurations with messages naming the field", () => {
    const bad: [Partial<GemModelConfig>, RegExp][] = [
      [{ blocks: [] }, /blocks must be a non-empty array/],
      [{ blocks: [{ fieldType: "2x0", pool: true }] }, /blocks\[0\] cannot pool/],
      [{ classes: 0 }, /classes must be a positive integer/],
      [{ nonlinearity: "tanh" as "norm" }, /nonlinearity must be one of/],
      [{ activation: "gelu" as "relu" }, /activation must be one of/],
      [{ rings: 0 }, /rings must be a positive integer/],
      [{ fieldDropout: 1 }, /fieldDropout must be in \[0, 1\)/],
      [{ head: [0] }, /head widths/],
      [{ mesh: { poolRatio: 1 } }, /mesh.poolRatio must be in \(0, 1\)/],
    ];
    for (const [change, message] of bad) {
      expect(() => buildGemClassifier({ ...config, ...change })).toThrow(message);
    }
    expect(() => buildGemClassifier({ ...config, inputType: "2x" })).toThrow(/2x/);
  });
});

describe("buildGemSegmenter", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("gives per-vertex logits through a U-Net of transport pooling and unpooling", () => {
    const model = buildGemSegmenter({ ...config, blocks: [...config.blocks, { fieldType: "4x0+2x1" }] });
    expect(model.layers.map((l) => l.name)).toContain("unpool1_linear");
    expect(model.layers.map((l) => l.name)).toContain("up_block0");
    expect(gemModelInfo(model)!.kind).toBe("segmenter");
    const batch = batchForModel(model, geometries.slice(0, 2));
    const y = applyToMeshes(
      model,
      batch,
      geometries.slice(0, 2).map((g) => invariantScalars(g)),
    );
    expect(y.shape).toEqual([batch.levels[0].graph.nVertices, 3]);
  });
});

describe("applyToMeshes", () => {
  it("checks the features against the batch", async () => {
    await initBackend({ backend: "wasm" });
    const model = buildGemClassifier(config);
    const batch = batchMeshes(geometries.slice(0, 2).map((g) => meshHierarchyFor(model, g)));
    expect(() => applyToMeshes(model, batch, [new Float32Array(4)])).toThrow(
      /1 feature arrays for a batch of 2/,
    );
    expect(() => applyToMeshes(model, batch, [new Float32Array(4), new Float32Array(4)])).toThrow(
      /features of mesh 0 have 4 numbers, expected 162 vertices × 2/,
    );
    expect(() => applyToMeshes(model, batch, tf.zeros([5, 2]))).toThrow(
      /must have shape \[290 vertices, 2\]/,
    );
  });
});

describe("non-finite input features", () => {
  it("are refused before any tensor is made, naming the mesh, the vertex and the channel", async () => {
    await initBackend({ backend: "wasm" });
    const model = buildGemClassifier(config);
    const batch = batchForModel(model, geometries);
    const clean = geometries.map((g) => invariantScalars(g));
    const names = ["a/sphere.obj", "b/torus.off", "c/bumpy.ply"];
    for (const [bad, text] of [
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [Number.NEGATIVE_INFINITY, "-Infinity"],
      [1e39, "1e+39, beyond float32 (it rounds to an infinity)"],
    ] as const) {
      const features = clean.map((f) => f.slice());
      features[1][2 * 37 + 1] = bad; // vertex 37, channel 1 of the torus
      features[2][0] = bad; // a later mesh: the first bad number is named
      const tensorsBefore = tf.memory().numTensors;
      let error: unknown;
      try {
        applyToMeshes(model, batch, features, { meshNames: names });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NonFiniteInputError);
      const e = error as NonFiniteInputError;
      expect([e.mesh, e.meshIndex, e.vertex, e.channel]).toEqual(['mesh "b/torus.off"', 1, 37, 1]);
      expect(e.message).toBe(
        `applyToMeshes: the input features of mesh "b/torus.off" (batch index 1) are not finite: vertex 37, channel 1 is ${text}`,
      );
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      // Without names, the batch position; in a training step, before the weights change.
      expect(() => applyToMeshes(model, batch, features)).toThrow(/of mesh 1 \(batch index 1\)/);
      const optimizer = tf.train.adam(0.01);
      const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
      expect(() =>
        classifierTrainStep(model, optimizer, batch, features, [0, 1, 2], { meshNames: names }),
      ).toThrow(/mesh "b\/torus\.off" \(batch index 1\) are not finite: vertex 37, channel 1/);
      expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weightsBefore);
    }
    // Finite inputs still run (the check is not just refusing everything).
    expect(applyToMeshes(model, batch, clean, { meshNames: names }).shape).toEqual([3, 3]);
  });
});
