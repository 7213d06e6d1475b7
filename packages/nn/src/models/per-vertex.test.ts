import { meshFeatures } from "@gemcnn/features";
import { bumpySphere, MeshGeometry, mulberry32 } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { gatherRows } from "../kernels/rows.js";
import { buildGemClassifier, buildGemSegmenter, type GemModelConfig } from "./builders.js";
import { buildGemCorrespondence } from "./correspondence.js";
import { assertModelInvariant } from "./invariance.js";
import { perVertexTrainStep, predictPerVertex } from "./per-vertex.js";
import { assertModelRelabellingInvariant } from "./relabelling.js";
import { applyToMeshes, batchForModel, NonFiniteInputError } from "./run.js";

// Without normalisation and dropout a model computes the same in training and inference, so the
// loss a step returns (before its update) can be checked against the model's own output.
const config: GemModelConfig = {
  inputType: "3x0",
  blocks: [{ fieldType: "4x0+2x1" }, { fieldType: "6x0+2x1", pool: true }],
  classes: 4,
  normalization: false,
};

const meshes = [bumpySphere({ level: 2, seed: 1 }), bumpySphere({ level: 2, seed: 2 })].map((d) =>
  MeshGeometry.fromData(d),
);
const features = meshes.map(
  (g) => meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values,
);
const n = meshes[0].nVertices;
/** Labels a network on invariant inputs can learn: the quartile of each vertex's angle defect. */
const labels = meshes.map((g) => {
  const sorted = Array.from(g.vertexAngleDefects).sort((a, b) => a - b);
  const cuts = [1, 2, 3].map((q) => sorted[Math.floor((q * sorted.length) / 4)]);
  return Int32Array.from(g.vertexAngleDefects, (d) => cuts.filter((c) => d >= c).length);
});

/** Float64 weighted softmax cross-entropy of logits `[rows × classes]`. */
function crossEntropy(
  logits: Float32Array,
  classes: number,
  targets: ArrayLike<number>,
  weights: ArrayLike<number>,
  offset: (row: number, column: number) => number = () => 0,
): number {
  let sum = 0;
  let total = 0;
  for (let r = 0; r < targets.length; r++) {
    if (weights[r] === 0) continue;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c] + offset(r, c));
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(logits[r * classes + c] + offset(r, c) - max);
    sum += weights[r] * (max + Math.log(z) - logits[r * classes + targets[r]] - offset(r, targets[r]));
    total += weights[r];
  }
  return sum / total;
}

describe("per-vertex training and prediction", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("selects rows with a gradient that adds them back (gatherRows)", () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const rows = Int32Array.of(2, 0, 2);
    expect(Array.from(gatherRows(x, rows).dataSync())).toEqual([5, 6, 1, 2, 5, 6]);
    const grad = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, rows), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]))),
    );
    expect(Array.from(grad(x).dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
    expect(() => gatherRows(x, Int32Array.of(3))).toThrow(/row 3 is outside the tensor's 3 rows/);
  });

  // Thirty training steps: about 1 s alone, several on a loaded 2-core machine.
  it("returns the weighted, masked cross-entropy over the batch's vertices, and learns", {
    timeout: 60_000,
  }, () => {
    const model = buildGemSegmenter(config);
    const batch = batchForModel(model, meshes);
    const mask = labels.map((l) => Float64Array.from(l, (_, v) => (v % 5 === 0 ? 0 : 1)));
    const classWeights = [1, 0.5, 2, 1.5];
    const logits = applyToMeshes(model, batch, features).dataSync() as Float32Array;
    const flatLabels = Int32Array.from([...labels[0], ...labels[1]]);
    const weights = Float64Array.from(flatLabels, (c, v) => ((v % n) % 5 === 0 ? 0 : classWeights[c]));
    const expected = crossEntropy(logits, 4, flatLabels, weights);
    const optimizer = tf.train.adam(0.02);
    const first = perVertexTrainStep(model, optimizer, batch, features, labels, { mask, classWeights });
    expect(first).toBeCloseTo(expected, 5);
    // The labels of masked-out vertices do not matter; one flat array is the same as one per mesh.
    const scrambled = Int32Array.from(flatLabels, (c, v) => ((v % n) % 5 === 0 ? -7 : c));
    const flatMask = Float64Array.from(flatLabels, (_, v) => ((v % n) % 5 === 0 ? 0 : 1));
    const again = applyToMeshes(model, batch, features).dataSync() as Float32Array;
    const second = perVertexTrainStep(model, optimizer, batch, features, scrambled, {
      mask: flatMask,
      classWeights,
    });
    expect(second).toBeCloseTo(crossEntropy(again, 4, flatLabels, weights), 5);
    const losses = Array.from({ length: 30 }, () =>
      perVertexTrainStep(model, optimizer, batch, features, labels),
    );
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]);
  });

  it("treats negative labels as unlabelled by default and rejects bad labels clearly", () => {
    const model = buildGemSegmenter(config);
    const batch = batchForModel(model, [meshes[0]]);
    const some = Int32Array.from(labels[0], (c, v) => (v < 10 ? c : -1));
    const logits = applyToMeshes(model, batch, [features[0]]).dataSync() as Float32Array;
    const loss = perVertexTrainStep(model, tf.train.sgd(0), batch, [features[0]], some);
    expect(loss).toBeCloseTo(
      crossEntropy(
        logits,
        4,
        labels[0],
        Float64Array.from(some, (c) => (c >= 0 ? 1 : 0)),
      ),
      5,
    );
    const step = (l: ArrayLike<number>, options = {}) =>
      perVertexTrainStep(model, tf.train.sgd(0), batch, [features[0]], l, options);
    expect(() => step(Int32Array.from(labels[0], () => 4))).toThrow(
      /vertex 0 of the batch has label 4, not a class from 0 to 3/,
    );
    expect(() => step(labels[0].slice(1))).toThrow(/161 values for a batch of 162 vertices/);
    expect(() => step(Int32Array.from(labels[0], () => -1))).toThrow(/no vertex of the batch is labelled/);
    expect(() => step(labels[0], { classWeights: [1, 1] })).toThrow(
      /2 class weights for a model of 4 classes/,
    );
    expect(() => step(labels[0], { sampledClasses: 2 })).toThrow(
      /needs a model whose output layer is a linear dense head/,
    );
    const classifier = buildGemClassifier(config);
    expect(() =>
      perVertexTrainStep(
        classifier,
        tf.train.sgd(0),
        batchForModel(classifier, [meshes[0]]),
        [features[0]],
        labels[0],
      ),
    ).toThrow(/is a classifier/);
  });

  it("names the mesh, vertex and channel of a NaN input, in a step and in prediction", () => {
    const model = buildGemSegmenter(config);
    const batch = batchForModel(model, meshes);
    const poisoned = features.map((f) => f.slice());
    poisoned[1][3 * 17 + 2] = Number.NaN;
    const meshNames = ["a/first.off", "b/second.obj"];
    const message =
      /the input features of mesh "b\/second\.obj" \(batch index 1\) are not finite: vertex 17, channel 2 is NaN/;
    const optimizer = tf.train.adam(0.01);
    expect(() => perVertexTrainStep(model, optimizer, batch, poisoned, labels, { meshNames })).toThrow(
      NonFiniteInputError,
    );
    expect(() => perVertexTrainStep(model, optimizer, batch, poisoned, labels, { meshNames })).toThrow(
      message,
    );
    expect(() => predictPerVertex(model, batch, poisoned, { meshNames })).toThrow(message);
    expect(() => predictPerVertex(model, batch, poisoned)).toThrow(/of mesh 1 \(batch index 1\)/);
    expect(predictPerVertex(model, batch, features, { meshNames }).labels.map((l) => l.length)).toEqual(
      meshes.map((g) => g.nVertices),
    );
  });

  it("predicts the arg max and its probability, in chunks", () => {
    const model = buildGemSegmenter(config);
    const batch = batchForModel(model, meshes);
    const logits = applyToMeshes(model, batch, features).dataSync() as Float32Array;
    for (const maxLogits of [undefined, 7]) {
      const { labels: predicted, probability } = predictPerVertex(model, batch, features, { maxLogits });
      expect(predicted.map((p) => p.length)).toEqual([n, n]);
      for (let v = 0; v < 2 * n; v++) {
        const row = Array.from(logits.subarray(4 * v, 4 * v + 4));
        const best = row.indexOf(Math.max(...row));
        const z = row.reduce((s, x) => s + Math.exp(x - row[best]), 0);
        expect(predicted[Math.floor(v / n)][v % n]).toBe(best);
        expect(probability[Math.floor(v / n)][v % n]).toBeCloseTo(1 / z, 5);
      }
    }
  });
});

describe("correspondence model", () => {
  // Every vertex is its own class: the template is the mesh itself (shared connectivity).
  const correspondence: GemModelConfig = { ...config, classes: n, embedding: 8 };

  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("factors the logits through an embedding and a dense head, invariantly", { timeout: 60_000 }, () => {
    const model = buildGemCorrespondence(correspondence);
    expect(model.getLayer("logits").getWeights()[0].shape).toEqual([8, n]);
    const batch = batchForModel(model, [meshes[0]]);
    expect(applyToMeshes(model, batch, [features[0]]).shape).toEqual([n, n]);
    const report = assertModelInvariant(model, meshes[0]);
    expect(report.gauge).toBeLessThan(1e-5);
    expect(report.rigidMotion).toBeLessThan(1e-5);
    expect(assertModelRelabellingInvariant(model, meshes[1])).toBeLessThan(1e-5);
    expect(() => buildGemCorrespondence({ ...correspondence, embedding: 0 })).toThrow(
      /buildGemCorrespondence: embedding must be a positive integer, got 0/,
    );
  });

  it("samples classes: the corrected sampled cross-entropy, updates only drawn columns, and learns", {
    timeout: 60_000,
  }, () => {
    const model = buildGemCorrespondence(correspondence);
    const batch = batchForModel(model, meshes);
    const identity = Int32Array.from({ length: n }, (_, v) => v);
    // A stream whose draws are known: replay it to find the drawn classes.
    const stream = () => {
      let k = 0;
      return () => ((k++ * 0.618034) % 1) as number;
    };
    const k = 40;
    const replay = stream();
    const pool = Array.from({ length: n }, (_, c) => c);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(replay() * (n - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const drawn = pool.slice(0, k);
    const logits = applyToMeshes(model, batch, features).dataSync() as Float32Array;
    // Rows: the vertices of both meshes whose class was drawn, against the drawn columns.
    const sub: number[] = [];
    const targets: number[] = [];
    for (let m = 0; m < 2; m++) {
      for (let v = 0; v < n; v++) {
        const j = drawn.indexOf(v);
        if (j < 0) continue;
        for (const c of drawn) sub.push(logits[(m * n + v) * n + c]);
        targets.push(j);
      }
    }
    const correction = Math.log((n - 1) / (k - 1));
    const expected = crossEntropy(
      Float32Array.from(sub),
      k,
      targets,
      targets.map(() => 1),
      (r, c) => (c === targets[r] ? 0 : correction),
    );
    const kernelBefore = model.getLayer("logits").getWeights()[0].arraySync() as number[][];
    const loss = perVertexTrainStep(model, tf.train.sgd(0.1), batch, features, [identity, identity], {
      sampledClasses: k,
      random: stream(),
    });
    expect(loss).toBeCloseTo(expected, 4);
    const kernelAfter = model.getLayer("logits").getWeights()[0].arraySync() as number[][];
    for (let c = 0; c < n; c++) {
      const moved = kernelAfter.some((row, d) => row[c] !== kernelBefore[d][c]);
      expect(moved, `column ${c}`).toBe(drawn.includes(c));
    }
    // With all classes "sampled" the step is the full softmax.
    const full = buildGemCorrespondence(correspondence);
    const fullBatch = batchForModel(full, [meshes[0]]);
    const fullLogits = applyToMeshes(full, fullBatch, [features[0]]).dataSync() as Float32Array;
    expect(
      perVertexTrainStep(full, tf.train.sgd(0), fullBatch, [features[0]], identity, {
        sampledClasses: n + 5,
      }),
    ).toBeCloseTo(
      crossEntropy(
        fullLogits,
        n,
        identity,
        identity.map(() => 1),
      ),
      4,
    );
    const optimizer = tf.train.adam(0.03);
    // Seeded draws, so the classes sampled do not depend on which tests ran before this one.
    const drawsForLearning = mulberry32(11);
    const losses = Array.from({ length: 60 }, () =>
      perVertexTrainStep(model, optimizer, batch, features, [identity, identity], {
        sampledClasses: 64,
        random: drawsForLearning,
      }),
    );
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(
      losses.slice(0, 5).reduce((a, b) => a + b) / 5,
    );
    const { labels: predicted } = predictPerVertex(model, batch, features, { maxLogits: 5000 });
    const correct = predicted[0].filter((c, v) => c === v).length;
    console.log(`correspondence after 60 sampled steps: ${correct} of ${n} vertices right`);
    // Chance is one vertex in n; runs with different initial weights (tfjs's initialisers are
    // not seeded) gave 15 to 42 of 162 right, so 1/16 of the vertices shows learning without
    // depending on the draw of weights.
    expect(correct).toBeGreaterThan(n / 16);
  });
});
