// The one rule for where a graph layer's graph comes from (`layerGraph`): the call's `{ graph }`
// beats the active mesh batch's level, which beats `withConvGraph`; with none, a clear error.
// Checked on GemConv, ResidualBlock and InvariantPooling with graphs of different sizes, so that
// the graph a layer used shows in its output.
import { FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry, torus } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { GemConvError } from "../conv.js";
import type { ConvGraph } from "../graph.js";
import { withConvGraph } from "../graph-context.js";
import { batchMeshes, layerGraph, type MeshBatch, withMeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import { MultiscaleError } from "../multiscale/sampling.js";
import { GemConv } from "./gem-conv.js";
import { InvariantPooling } from "./pooling.js";
import { ResidualBlock } from "./residual-block.js";

const inType = FieldType.parse("2x0+1x1");
const outType = FieldType.parse("2x0+1x1");

describe("layerGraph: call argument → the active batch's level → withConvGraph", () => {
  let batch: MeshBatch;
  /** A graph that is in neither the batch nor the context. */
  let given: ConvGraph;
  /** The withConvGraph graph. */
  let context: ConvGraph;

  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    const hierarchies = [icosphere(2), torus({ majorSegments: 12, minorSegments: 6 })].map((d) =>
      buildMeshHierarchy(MeshGeometry.fromData(d), { coarsening: [{ ratio: 0.3 }] }),
    );
    batch = batchMeshes(hierarchies);
    given = buildMeshHierarchy(MeshGeometry.fromData(icosphere(1))).levels[0].graph;
    context = buildMeshHierarchy(MeshGeometry.fromData(torus({ majorSegments: 8, minorSegments: 4 })))
      .levels[0].graph;
  });

  function field(rows: number, seed: number): tf.Tensor2D {
    const random = new SeededRandom(seed);
    return tf.tensor2d(
      Float32Array.from({ length: rows * inType.dim }, () => random.gaussian()),
      [rows, inType.dim],
    );
  }

  it("resolves in that order, and names the layer when there is none", () => {
    withConvGraph(context, () =>
      withMeshBatch(batch, () => {
        expect(layerGraph({ graph: given }, 1, "L").graph).toBe(given);
        expect(Array.from(layerGraph({ graph: given }, 1, "L").meshOffsets)).toEqual([0, given.nVertices]);
        expect(layerGraph({}, 1, "L")).toBe(batch.levels[1]);
        // The batch beats withConvGraph even when withConvGraph is the inner one.
        withConvGraph(context, () => expect(layerGraph(undefined, 0, "L")).toBe(batch.levels[0]));
      }),
    );
    withConvGraph(context, () => {
      expect(layerGraph(undefined, 0, "L").graph).toBe(context);
      expect(() => layerGraph(undefined, 1, "layer L")).toThrow(/layer L: no mesh graph for level 1/);
    });
    expect(() => layerGraph(undefined, 0, "layer L")).toThrow(MultiscaleError);
    expect(() => layerGraph(undefined, 0, "layer L")).toThrow(
      /layer L: no mesh graph for level 0; call it with \{ graph \} or run it inside withMeshBatch\(batch, …\) or withConvGraph\(graph, …\)/,
    );
    expect(() => layerGraph(undefined, 0, "layer L", GemConvError)).toThrow(GemConvError);
    withMeshBatch(batch, () => {
      expect(() => layerGraph(undefined, 2, "layer M")).toThrow(
        /layer M: runs at level 2, but the mesh batch has 2/,
      );
    });
  });

  it("GemConv and ResidualBlock follow it at their level", () => {
    for (const level of [0, 1]) {
      const conv = new GemConv({ inType, outType, level });
      const block = new ResidualBlock({ inType, outType, level });
      for (const layer of [conv, block]) {
        const run = (x: tf.Tensor2D, graph: ConvGraph) => layer.apply(x, { graph }) as tf.Tensor2D;
        const levelGraph = batch.levels[level].graph;
        const x = field(levelGraph.nVertices, 1 + level);
        const xGiven = field(given.nVertices, 3);
        const xContext = field(context.nVertices, 4);
        const explicit = run(x, levelGraph).dataSync();
        // The call argument beats the batch (and the context).
        const fromCall = withConvGraph(context, () =>
          withMeshBatch(batch, () => layer.apply(xGiven, { graph: given }) as tf.Tensor),
        );
        expect(relativeError(fromCall.dataSync(), run(xGiven, given).dataSync())).toBe(0);
        // The batch's level beats withConvGraph.
        const fromBatch = withConvGraph(context, () =>
          withMeshBatch(batch, () => layer.apply(x) as tf.Tensor),
        );
        expect(relativeError(fromBatch.dataSync(), explicit)).toBe(0);
        // withConvGraph, at level 0 only.
        if (level === 0) {
          const fromContext = withConvGraph(context, () => layer.apply(xContext) as tf.Tensor);
          expect(relativeError(fromContext.dataSync(), run(xContext, context).dataSync())).toBe(0);
        } else {
          expect(() => withConvGraph(context, () => layer.apply(xContext))).toThrow(
            /no mesh graph for level 1/,
          );
        }
        // Negative control: a layer given the wrong graph cannot pass the checks above, since
        // the graphs differ in size and a mismatch is refused.
        expect(() => run(x, given)).toThrow();
      }
      expect(() => conv.apply(field(5, 9))).toThrow(GemConvError);
      expect(() => conv.apply(field(5, 9))).toThrow(
        new RegExp(`GemConv "${conv.name}": no mesh graph for level ${level}`),
      );
    }
  });

  it("GemConv keeps its level through getConfig and checks it", () => {
    const conv = new GemConv({ inType, outType, level: 1 });
    expect(conv.getConfig().level).toBe(1);
    expect(new GemConv(conv.getConfig() as never).level).toBe(1);
    expect(new GemConv({ inType, outType }).level).toBe(0);
    expect(() => new GemConv({ inType, outType, level: -1 })).toThrow(
      /GemConv: level must be a non-negative integer/,
    );
  });

  it("InvariantPooling follows it: one mesh from the call or the context, the batch's meshes otherwise", () => {
    const pool = new InvariantPooling({ fieldType: inType });
    const rows = batch.levels[0].graph.nVertices;
    const inBatch = (fn: () => tf.Tensor) => withConvGraph(context, () => withMeshBatch(batch, fn)).shape;
    expect(inBatch(() => pool.apply(field(given.nVertices, 1), { graph: given }) as tf.Tensor)).toEqual([
      1, 3,
    ]);
    expect(inBatch(() => pool.apply(field(rows, 1)) as tf.Tensor)).toEqual([2, 3]);
    expect(withConvGraph(context, () => pool.apply(field(context.nVertices, 1)) as tf.Tensor).shape).toEqual([
      1, 3,
    ]);
    // Without any graph the whole input is one mesh (pooling needs no edges).
    expect((pool.apply(field(7, 1)) as tf.Tensor).shape).toEqual([1, 3]);
    expect(() => new InvariantPooling({ fieldType: inType, level: 1 }).apply(field(7, 1))).toThrow(
      /no mesh graph for level 1/,
    );
  });
});
