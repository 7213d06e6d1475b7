import { FieldType, FieldTypeParseError, relativeError, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { GemConvError, gemConv } from "../conv.js";
import { buildConvGraph } from "../graph.js";
import { withConvGraph } from "../graph-context.js";
import { GemConv, gemConvLayer } from "./gem-conv.js";

const geometry = MeshGeometry.fromData(icosphere(2));
const graph = buildConvGraph(geometry, { rings: 2 });
const random = new SeededRandom(4);
const field = (dim: number) =>
  tf.tensor2d(random.gaussianArray(graph.nVertices * dim, "float32") as Float32Array, [graph.nVertices, dim]);

describe("GemConv layer", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("computes gemConv with its own weights, graph from kwargs or withConvGraph", () => {
    const layer = gemConvLayer({
      inType: "4x0+2x1",
      outType: "3x0+2x1+1x2",
      biasInitializer: tf.initializers.ones(),
    });
    const x = field(8);
    const y = layer.apply(x, { graph }) as tf.Tensor;
    expect(y.shape).toEqual([graph.nVertices, 3 + 4 + 2]);
    const [kernel, bias] = layer.getWeights();
    expect(kernel.shape).toEqual([layer.countParams() - 3]);
    expect(Array.from(bias.dataSync())).toEqual([1, 1, 1]);
    const expected = gemConv(x, graph, kernel as tf.Tensor1D, bias as tf.Tensor1D, layer.spec);
    expect(relativeError(y.dataSync(), expected.dataSync())).toBe(0);
    const viaContext = withConvGraph(graph, () => layer.apply(x) as tf.Tensor);
    expect(relativeError(viaContext.dataSync(), expected.dataSync())).toBe(0);
  });

  it("has no bias without scalar outputs, or when useBias is false", () => {
    const vectorsOnly = gemConvLayer({ inType: "2x0", outType: "2x1" });
    vectorsOnly.apply(field(2), { graph });
    expect(vectorsOnly.getWeights()).toHaveLength(1);
    const noBias = gemConvLayer({ inType: "2x0", outType: "2x0", useBias: false });
    noBias.apply(field(2), { graph });
    expect(noBias.getWeights()).toHaveLength(1);
  });

  it("serialises its config with field types as strings and round-trips through fromConfig", () => {
    const layer = new GemConv({
      inType: "8x1+4x0",
      outType: FieldType.parse("2x2"),
      rings: 3,
      maxFrequency: 2,
      aggregation: "sum",
      name: "conv_a",
    });
    const config = layer.getConfig();
    expect(config).toMatchObject({
      inType: "4x0+8x1",
      outType: "2x2",
      rings: 3,
      maxFrequency: 2,
      aggregation: "sum",
      useBias: true,
      name: "conv_a",
    });
    expect(tf.serialization.SerializationMap.getMap().classNameMap.GemConv).toBeDefined();
    const copy = GemConv.fromConfig(GemConv, config);
    expect(copy).toBeInstanceOf(GemConv);
    expect(copy.getConfig()).toEqual(config);
  });

  it("runs in a tfjs model that round-trips through its JSON", async () => {
    const model = tf.sequential({
      layers: [
        gemConvLayer({ inType: "4x0", outType: "4x0+4x1", inputShape: [4] }),
        gemConvLayer({ inType: "4x0+4x1", outType: "2x0" }),
      ],
    });
    const x = field(4);
    const y = withConvGraph(graph, () => model.predict(x, { batchSize: graph.nVertices }) as tf.Tensor);
    expect(y.shape).toEqual([graph.nVertices, 2]);
    const copy = await tf.models.modelFromJSON(JSON.parse(model.toJSON() as string));
    copy.setWeights(model.getWeights());
    const y2 = withConvGraph(graph, () => copy.predict(x, { batchSize: graph.nVertices }) as tf.Tensor);
    expect(relativeError(y2.dataSync(), y.dataSync())).toBe(0);
  });

  it("trains: the gradient of a loss reaches every weight", () => {
    const layer = gemConvLayer({ inType: "2x0+1x1", outType: "1x0+1x1" });
    const x = field(4);
    layer.apply(x, { graph });
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x, { graph }) as tf.Tensor)) as tf.Scalar,
    );
    const norms = Object.values(grads).map((g) => tf.norm(g).dataSync()[0]);
    expect(norms).toHaveLength(2);
    for (const n of norms) expect(n).toBeGreaterThan(0);
  });

  it("rejects bad arguments and inputs with clear errors", () => {
    expect(() => gemConvLayer({ inType: "4x0+", outType: "1x0" })).toThrow(FieldTypeParseError);
    expect(() => gemConvLayer({ inType: "4x0", outType: "1x0", rings: 0 })).toThrow(
      /rings must be a positive integer/,
    );
    expect(() => gemConvLayer({ inType: "4x0", outType: "1x0", aggregation: "max" as "sum" })).toThrow(
      /aggregation/,
    );
    const layer = gemConvLayer({ inType: "4x0", outType: "1x0" });
    expect(() => layer.apply(field(4))).toThrow(GemConvError);
    expect(() => layer.apply(field(4))).toThrow(/no mesh graph/);
    expect(() => gemConvLayer({ inType: "3x0", outType: "1x0" }).apply(field(4), { graph })).toThrow(
      /dimension 3/,
    );
    const otherRings = gemConvLayer({ inType: "4x0", outType: "1x0", rings: 3 });
    expect(() => otherRings.apply(field(4), { graph })).toThrow(/3 rings but the graph was built with 2/);
  });
});

describe("GemConv sizes", () => {
  it("refuses absurd field types and sizes with a clear error before allocating", async () => {
    await initBackend({ backend: "wasm" });
    // The field type itself: "99999999999x0" parsed before and died later in a RangeError.
    expect(() => new GemConv({ inType: "4x0", outType: "99999999999x0" })).toThrow(FieldTypeParseError);
    expect(() => new GemConv({ inType: "4x0", outType: "99999999999x0" })).toThrow(
      /dimension reaches 99999999999 here, above the largest 65536 numbers per vertex/,
    );
    // Legal field types whose kernel matrices would not fit a layer.
    expect(() => new GemConv({ inType: "20000x0", outType: "20000x0" })).toThrow(
      'GemConv "20000x0" → "20000x0": its kernel matrices (5 × 20000 × 20000) would hold 2000000000 numbers, above the limit of 67108864 per layer (MAX_LAYER_SIZE)',
    );
    expect(() =>
      gemConv(field(4), graph, tf.zeros([1]) as tf.Tensor1D, null, {
        inType: FieldType.parse("4x0"),
        outType: FieldType.parse("60000x0"),
        rings: 40,
      }),
    ).toThrow(GemConvError);
    // The widest layers of a real network are well inside the limit.
    const wide = new GemConv({ inType: "64x0+64x1+64x2", outType: "64x0+64x1+64x2" });
    const y = wide.apply(field(320), { graph }) as tf.Tensor;
    expect(y.shape).toEqual([graph.nVertices, 320]);
  });
});
