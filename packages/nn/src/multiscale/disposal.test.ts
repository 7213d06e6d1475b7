import { FieldType, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { gemConv, gemConvBases } from "../conv.js";
import { buildConvGraph, ConvGraphError, disposeConvGraph, isConvGraphDisposed } from "../graph.js";
import { wasmTableBytes } from "../kernels/wasm-heap.js";
import { buildGemClassifier, meshOptionsOf } from "../models/builders.js";
import { applyToMeshes, classifierTrainStep } from "../models/run.js";
import { batchMeshes, disposeMeshBatch, isMeshBatchDisposed, type MeshBatch } from "./batch.js";
import { buildMeshHierarchy, disposeMeshHierarchy, type MeshHierarchy } from "./hierarchy.js";
import { MultiscaleError } from "./sampling.js";

const geometries = [1, 1.2, 1.4].map((radius) => MeshGeometry.fromData(icosphere(2, radius)));
const random = new SeededRandom(5);
let model: tf.LayersModel;
let hierarchies: MeshHierarchy[];
let features: Float32Array[];
let optimizer: tf.Optimizer;

/** One training step on a fresh batch of meshes 0, 1, 2 (a new composition: new graphs, new tables). */
function freshStep(): MeshBatch {
  const batch = batchMeshes(hierarchies);
  classifierTrainStep(model, optimizer, batch, features, [0, 1, 2]);
  return batch;
}

const heapBytes = () =>
  (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;

describe("disposing batches, graphs and hierarchies frees the kernels' wasm tables", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    model = buildGemClassifier({
      inputType: "1x0",
      blocks: [{ fieldType: "4x0+2x1" }, { fieldType: "4x0+2x1", pool: true }],
      classes: 3,
    });
    hierarchies = geometries.map((g) => buildMeshHierarchy(g, meshOptionsOf(model)));
    features = hierarchies.map(
      (h) => random.gaussianArray(h.levels[0].graph.nVertices, "float32") as Float32Array,
    );
    optimizer = tf.train.sgd(0.01);
  });

  it("keeps the heap flat over a training loop that never yields, when each batch is disposed", () => {
    disposeMeshBatch(freshStep());
    const tables = wasmTableBytes();
    const heap = heapBytes();
    for (let step = 0; step < 6; step++) {
      const batch = freshStep();
      expect(wasmTableBytes()).toBeGreaterThan(tables);
      disposeMeshBatch(batch);
      expect(wasmTableBytes()).toBe(tables);
    }
    expect(heapBytes()).toBe(heap);
  });

  it("grows by every batch's tables without it (the check can fail)", () => {
    const before = wasmTableBytes();
    const batches = [freshStep(), freshStep(), freshStep()];
    const perBatch = (wasmTableBytes() - before) / 3;
    expect(perBatch).toBeGreaterThan(10_000);
    for (const b of batches) disposeMeshBatch(b);
    expect(wasmTableBytes()).toBe(before);
  });

  it("makes disposing twice harmless and a disposed batch refuse to run, also between forward and backward", () => {
    const batch = freshStep();
    disposeMeshBatch(batch);
    disposeMeshBatch(batch);
    expect(isMeshBatchDisposed(batch)).toBe(true);
    expect(batch.levels.every((level) => isConvGraphDisposed(level.graph))).toBe(true);
    expect(() => applyToMeshes(model, batch, features)).toThrow(MultiscaleError);
    expect(() => applyToMeshes(model, batch, features)).toThrow(/batch of 3 mesh\(es\) has been disposed/);
    // Disposed after the forward pass: the backward pass stops with the same kind of message
    // instead of reading freed memory or making new tables for a dead graph.
    const live = batchMeshes(hierarchies);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = wasmTableBytes();
    expect(() =>
      tf.tidy(() =>
        tf.variableGrads(() => {
          const out = tf.sum(applyToMeshes(model, live, features, { training: true })) as tf.Scalar;
          disposeMeshBatch(live);
          return out;
        }, variables),
      ),
    ).toThrow(/has been disposed/);
    expect(wasmTableBytes()).toBeLessThanOrEqual(before);
  });

  it("refuses a disposed graph in a GemConv, and buildConvGraph makes a new one", () => {
    const geometry = MeshGeometry.fromData(icosphere(1));
    const graph = buildConvGraph(geometry, { rings: 2 });
    const spec = { inType: FieldType.parse("2x0+1x1"), outType: FieldType.parse("1x0+1x1"), rings: 2 };
    const { nWeights, nBias } = gemConvBases(spec);
    const x = tf.tensor2d(random.gaussianArray(graph.nVertices * 4, "float32") as Float32Array, [
      graph.nVertices,
      4,
    ]);
    const w = tf.tensor1d(random.gaussianArray(nWeights, "float32") as Float32Array);
    const b = tf.tensor1d(random.gaussianArray(nBias, "float32") as Float32Array);
    const first = gemConv(x, graph, w, b, spec).dataSync();
    const before = wasmTableBytes();
    disposeConvGraph(graph);
    disposeConvGraph(graph);
    expect(wasmTableBytes()).toBeLessThan(before);
    expect(() => gemConv(x, graph, w, b, spec)).toThrow(ConvGraphError);
    expect(() => gemConv(x, graph, w, b, spec)).toThrow(
      /GemConv: the convolution graph \(42 vertices\) has been disposed/,
    );
    const rebuilt = buildConvGraph(geometry, { rings: 2 });
    expect(rebuilt).not.toBe(graph);
    expect(Array.from(gemConv(x, rebuilt, w, b, spec).dataSync())).toEqual(Array.from(first));
    disposeConvGraph(rebuilt);
    tf.dispose([x, w, b]);
  });

  it("leaves a batch of one mesh to its hierarchy, whose disposal frees the graphs", () => {
    const geometry = MeshGeometry.fromData(icosphere(2, 2));
    const hierarchy = buildMeshHierarchy(geometry, meshOptionsOf(model));
    const input = [features[0]];
    const single = batchMeshes([hierarchy]);
    const expected = applyToMeshes(model, single, input).dataSync();
    // Shared through batchMeshes' cache: disposing it must not break the other users.
    disposeMeshBatch(single);
    expect(isMeshBatchDisposed(single)).toBe(false);
    expect(batchMeshes([hierarchy])).toBe(single);
    expect(applyToMeshes(model, single, input).dataSync()).toEqual(expected);
    const before = wasmTableBytes();
    disposeMeshHierarchy(hierarchy);
    disposeMeshHierarchy(hierarchy);
    expect(wasmTableBytes()).toBeLessThan(before);
    expect(() => applyToMeshes(model, single, input)).toThrow(/has been disposed/);
    expect(() => batchMeshes([hierarchy])).toThrow(
      /batchMeshes: mesh 0: the convolution graph .* has been disposed/,
    );
    const rebuilt = buildMeshHierarchy(geometry, meshOptionsOf(model));
    expect(rebuilt).not.toBe(hierarchy);
    expect(applyToMeshes(model, batchMeshes([rebuilt]), input).dataSync()).toEqual(expected);
    disposeMeshHierarchy(rebuilt);
  });
});
