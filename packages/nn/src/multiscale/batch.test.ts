import { FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, icosphere, MeshGeometry, torus } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { gemConv, gemConvBases } from "../conv.js";
import { validateConvGraph } from "../graph.js";
import { activeConvGraph, withConvGraph } from "../graph-context.js";
import { activeBatchLevel, activeMeshBatch, activePoolingMap, batchMeshes, withMeshBatch } from "./batch.js";
import { buildMeshHierarchy } from "./hierarchy.js";
import { MultiscaleError } from "./sampling.js";

const options = { coarsening: [{ ratio: 0.3 }] };
const meshes = [bumpySphere({ level: 2 }), torus({ majorSegments: 12, minorSegments: 8 }), icosphere(1)].map(
  (d) => buildMeshHierarchy(MeshGeometry.fromData(d), options),
);

describe("batchMeshes", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("stacks the meshes level by level into valid block-diagonal graphs and pooling maps", () => {
    const batch = batchMeshes(meshes);
    expect(batch.size).toBe(3);
    batch.levels.forEach((level, k) => {
      validateConvGraph(level.graph);
      const counts = meshes.map((h) => h.levels[k].graph.nVertices);
      expect(Array.from(level.meshOffsets)).toEqual([
        0,
        counts[0],
        counts[0] + counts[1],
        counts[0] + counts[1] + counts[2],
      ]);
      // No edge leaves its mesh.
      for (let i = 0; i < 3; i++) {
        for (let p = level.meshOffsets[i]; p < level.meshOffsets[i + 1]; p++) {
          for (let e = level.graph.offsets[p]; e < level.graph.offsets[p + 1]; e++) {
            expect(level.graph.sources[e]).toBeGreaterThanOrEqual(level.meshOffsets[i]);
            expect(level.graph.sources[e]).toBeLessThan(level.meshOffsets[i + 1]);
          }
        }
      }
    });
    const pool = batch.pools[0];
    const fine = batch.levels[0].meshOffsets;
    const coarse = batch.levels[1].meshOffsets;
    for (let i = 0; i < 3; i++) {
      for (let v = fine[i]; v < fine[i + 1]; v++) {
        expect(pool.cell[v] - coarse[i]).toBe(meshes[i].pools[0].cell[v - fine[i]]);
        expect(pool.transport[v]).toBe(meshes[i].pools[0].transport[v - fine[i]]);
      }
    }
  });

  it("makes a GemConv on the batch compute what it computes on each mesh alone", () => {
    const spec = { inType: FieldType.parse("3x0+2x1"), outType: FieldType.parse("2x0+2x1+1x2"), rings: 2 };
    const { nWeights, nBias } = gemConvBases(spec);
    const random = new SeededRandom(2);
    const weights = tf.tensor1d(random.gaussianArray(nWeights, "float32") as Float32Array);
    const bias = tf.tensor1d(random.gaussianArray(nBias, "float32") as Float32Array);
    const fields = meshes.map(
      (h) => random.gaussianArray(h.levels[0].graph.nVertices * spec.inType.dim, "float32") as Float32Array,
    );
    const alone = meshes.map((h, i) =>
      Array.from(
        gemConv(
          tf.tensor2d(fields[i], [h.levels[0].graph.nVertices, 7]),
          h.levels[0].graph,
          weights,
          bias,
          spec,
        ).dataSync(),
      ),
    );
    const batch = batchMeshes(meshes);
    const stacked = tf.tensor2d(Float32Array.from(fields.flatMap((f) => Array.from(f))), [
      batch.levels[0].graph.nVertices,
      7,
    ]);
    const together = gemConv(stacked, batch.levels[0].graph, weights, bias, spec).dataSync();
    expect(relativeError(together, alone.flat())).toBeLessThan(1e-6);
  });

  it("reuses a single mesh's graphs (and caches that batch)", () => {
    const batch = batchMeshes([meshes[0]]);
    expect(batch.levels[0].graph).toBe(meshes[0].levels[0].graph);
    expect(batch.pools[0]).toBe(meshes[0].pools[0]);
    expect(batchMeshes([meshes[0]])).toBe(batch);
  });

  it("provides the active batch's levels to layers, and level 0 of a plain withConvGraph", () => {
    const batch = batchMeshes(meshes);
    expect(activeMeshBatch()).toBeUndefined();
    withMeshBatch(batch, () => {
      expect(activeMeshBatch()).toBe(batch);
      expect(activeConvGraph()).toBe(batch.levels[0].graph);
      expect(activeBatchLevel(1, "test")).toBe(batch.levels[1]);
      expect(activePoolingMap(0, "test")).toBe(batch.pools[0]);
      expect(() => activeBatchLevel(2, "layer X")).toThrow(
        /layer X: runs at level 2, but the mesh batch has 2 level/,
      );
      expect(() => activePoolingMap(1, "layer Y")).toThrow(/layer Y/);
    });
    expect(activeMeshBatch()).toBeUndefined();
    const graph = meshes[1].levels[0].graph;
    withConvGraph(graph, () => {
      expect(activeBatchLevel(0, "test").graph).toBe(graph);
      expect(Array.from(activeBatchLevel(0, "test").meshOffsets)).toEqual([0, graph.nVertices]);
      expect(() => activeBatchLevel(1, "layer Z")).toThrow(/layer Z: no mesh graph for level 1/);
    });
    expect(() => activeBatchLevel(0, "layer W")).toThrow(MultiscaleError);
  });

  it("rejects an empty batch and hierarchies with different numbers of levels", () => {
    expect(() => batchMeshes([])).toThrow(/non-empty array/);
    const flat = buildMeshHierarchy(MeshGeometry.fromData(icosphere(1)));
    expect(() => batchMeshes([meshes[0], flat])).toThrow(/mesh 1 has 1 levels but mesh 0 has 2/);
    const otherRings = buildMeshHierarchy(MeshGeometry.fromData(icosphere(1)), {
      ...options,
      graph: { rings: 3 },
    });
    expect(() => batchMeshes([meshes[0], otherRings])).toThrow(/level 0: graph 1 has 3 rings/);
  });
});
