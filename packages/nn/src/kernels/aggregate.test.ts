import { FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { buildConvGraph } from "../graph.js";
import { concatConvGraphs } from "../multiscale/batch.js";
import { aggregate, aggregationPlan, setAggregateSimd } from "./aggregate.js";
import { simdModuleBytes } from "./simd-module.js";
import { wasmArena } from "./wasm-arena.js";
import { activeWasmHeap } from "./wasm-heap.js";

// On wasm the SIMD kernels run on the backend's heap; on cpu in the private arena.
describe.each(["wasm", "cpu"] as const)(
  "aggregation kernel on %s: SIMD against the JavaScript loops",
  (backend) => {
    beforeAll(async () => {
      await initBackend({ backend });
    });
    afterAll(() => setAggregateSimd(true));

    it("assembles a valid SIMD module and finds where to run it", () => {
      expect(WebAssembly.validate(simdModuleBytes())).toBe(true);
      expect(activeWasmHeap() !== null).toBe(backend === "wasm");
      expect(wasmArena()).not.toBeNull();
    });

    // dim_in = 11: scalars, order-1 pairs and the order-2 pair all end in the SIMD loops' scalar tails.
    for (const [inType, outType] of [
      ["3x0+3x1+1x2", "2x0+1x1+2x2"],
      ["16x0+16x1+16x2", "16x0+16x1+16x2"],
    ]) {
      it(`gives the same blocks and input gradient for "${inType}" → "${outType}"`, () => {
        const geometry = MeshGeometry.fromData(icosphere(2));
        const graph = buildConvGraph(geometry, { rings: 2 });
        const plan = aggregationPlan(graph, FieldType.parse(inType), FieldType.parse(outType), "mean");
        const random = new SeededRandom(2);
        const x = tf.tensor2d(random.gaussianArray(graph.nVertices * plan.dimIn, "float32") as Float32Array, [
          graph.nVertices,
          plan.dimIn,
        ]);
        const cotangents = plan.blocks.map((b) =>
          tf.tensor2d(random.gaussianArray(graph.nVertices * b.width, "float32") as Float32Array, [
            graph.nVertices,
            b.width,
          ]),
        );
        const run = (simd: boolean) => {
          setAggregateSimd(simd);
          return tf.tidy(() => {
            const blocks = aggregate(x, plan).map((a) => a.dataSync());
            const loss = (input: tf.Tensor) =>
              tf.addN(aggregate(input as tf.Tensor2D, plan).map((a, i) => tf.sum(tf.mul(a, cotangents[i]))));
            return { blocks, dx: tf.grad(loss)(x).dataSync() };
          });
        };
        const js = run(false);
        const simd = run(true);
        js.blocks.forEach((b, i) => {
          expect(relativeError(simd.blocks[i], b)).toBeLessThan(1e-6);
        });
        expect(relativeError(simd.dx, js.dx)).toBeLessThan(1e-6);
        expect(Math.max(...js.dx.map(Math.abs))).toBeGreaterThan(0.01);
      });
    }
  },
);

describe("aggregation plans of a batch", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("are the meshes' plans side by side: the numbers of a plan built for the batch's graph itself, bit for bit", () => {
    const a = buildConvGraph(MeshGeometry.fromData(icosphere(1)), { rings: 2 });
    const b = buildConvGraph(MeshGeometry.fromData(bumpySphere({ level: 1, seed: 4, amplitude: 0.3 })), {
      rings: 2,
    });
    const inType = FieldType.parse("3x0+2x1+1x2");
    const outType = FieldType.parse("2x0+1x1+1x2");
    const batch = concatConvGraphs([a, b, a]);
    // The same graph as a plain object, which no concatenation recorded: its plan is built from its edges.
    const direct = aggregationPlan({ ...batch }, inType, outType, "mean");
    const composed = aggregationPlan(batch, inType, outType, "mean");
    expect(composed).not.toBe(direct);
    for (const key of ["transportTrig", "coefficients", "selfScale", "offsets", "sources"] as const) {
      expect(Array.from(composed[key])).toEqual(Array.from(direct[key]));
    }
    // The kernels (SIMD, with their float32 tables) give the same blocks bit for bit.
    const random = new SeededRandom(5);
    const x = tf.tensor2d(random.gaussianArray(batch.nVertices * inType.dim, "float32") as Float32Array, [
      batch.nVertices,
      inType.dim,
    ]);
    const blocks = (plan: typeof direct) =>
      tf.tidy(() => aggregate(x, plan).map((t) => Array.from(t.dataSync())));
    expect(blocks(composed)).toEqual(blocks(direct));
    // Negative control: the parts in another order are another graph, whose plan differs.
    const swapped = aggregationPlan(concatConvGraphs([b, a, a]), inType, outType, "mean");
    expect(Array.from(swapped.coefficients)).not.toEqual(Array.from(direct.coefficients));
    x.dispose();
  });
});
