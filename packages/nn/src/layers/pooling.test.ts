import { FieldType, randomField, randomGaugeAngles, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry, torus } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { withConvGraph } from "../graph-context.js";
import {
  assertMeshMapGaugeEquivariant,
  checkMeshMapGaugeEquivariance,
  checkMeshMapRigidMotionInvariance,
  type MeshBatchMap,
} from "../models/invariance.js";
import { batchMeshes, type MeshBatch, withMeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import { MultiscaleError } from "../multiscale/sampling.js";
import { GemConv } from "./gem-conv.js";
import {
  InvariantPooling,
  PoolingError,
  TransportPooling,
  TransportUnpooling,
  vertexInvariants,
} from "./pooling.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
const meshOptions = { coarsening: [{ ratio: 0.25 }] };
const type = FieldType.parse("2x0+2x1+2x2+1x3");
const check = { geometry, meshOptions, inType: type, outType: type, seed: 5 };

const pool = new TransportPooling({ fieldType: type, level: 0 });
const unpool = new TransportUnpooling({ fieldType: type, level: 0 });
const pooled: MeshBatchMap = (x, batch) => withMeshBatch(batch, () => pool.apply(x) as tf.Tensor2D);

/** The batch with every pooling transport angle changed by `f`. */
function withTransport(batch: MeshBatch, f: (g: number) => number): MeshBatch {
  return { ...batch, pools: batch.pools.map((p) => ({ ...p, transport: p.transport.map(f) })) };
}

describe("TransportPooling and TransportUnpooling", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("pooling is gauge equivariant (float32, 1e-5), frames and transports recomputed", () => {
    expect(assertMeshMapGaugeEquivariant(pooled, { ...check, outLevel: 1 })).toBeLessThan(1e-5);
  });

  it("unpooling is gauge equivariant: restrict to the coarse vertices, then unpool", () => {
    const restrictThenUnpool: MeshBatchMap = (x, batch) => {
      // The coarse vertices keep their input-mesh frames, so restriction commutes with the gauge action.
      const vertices = buildMeshHierarchy(geometry, meshOptions).levels[1].vertices;
      const coarse = tf.gather(x, tf.tensor1d(Array.from(vertices), "int32")) as tf.Tensor2D;
      return withMeshBatch(batch, () => unpool.apply(coarse) as tf.Tensor2D);
    };
    expect(assertMeshMapGaugeEquivariant(restrictThenUnpool, { ...check, outLevel: 0 })).toBeLessThan(1e-5);
    const roundTrip: MeshBatchMap = (x, batch) =>
      withMeshBatch(batch, () => unpool.apply(pool.apply(x)) as tf.Tensor2D);
    expect(assertMeshMapGaugeEquivariant(roundTrip, { ...check, outLevel: 0 })).toBeLessThan(1e-5);
  });

  it("catches pooling without transport and with the wrong sign (negative controls)", () => {
    for (const corrupt of [() => 0, (g: number) => -g]) {
      const wrong: MeshBatchMap = (x, batch) => pooled(x, withTransport(batch, corrupt));
      expect(checkMeshMapGaugeEquivariance(wrong, { ...check, outLevel: 1 }).relativeError).toBeGreaterThan(
        1e-2,
      );
    }
  });

  it("keeps coarse levels equivariant on a symmetric torus, where GEM-CNN's normal rotation breaks", () => {
    // 128 → 32 → 8 vertices: coarse neighbours sit across the hole, with opposite normals and
    // straight-line directions along the normal.
    const small = MeshGeometry.fromData(torus({ majorSegments: 16, minorSegments: 8 }));
    const pool1 = new TransportPooling({ fieldType: type, level: 1 });
    const conv = new GemConv({ inType: type, outType: type, biasInitializer: tf.initializers.ones() });
    const deep: MeshBatchMap = (x, batch) =>
      withMeshBatch(
        batch,
        () => conv.apply(pool1.apply(pool.apply(x)), { graph: batch.levels[2].graph }) as tf.Tensor2D,
      );
    const options = (transport: "path" | "normal-rotation") => ({
      ...check,
      geometry: small,
      meshOptions: {
        coarsening: [
          { ratio: 0.25, transport },
          { ratio: 0.25, transport },
        ],
      },
      outLevel: 2,
    });
    expect(assertMeshMapGaugeEquivariant(deep, options("path"))).toBeLessThan(1e-5);
    expect(checkMeshMapRigidMotionInvariance(deep, options("path")).relativeError).toBeLessThan(1e-5);
    expect(checkMeshMapGaugeEquivariance(deep, options("normal-rotation")).relativeError).toBeGreaterThan(
      1e-3,
    );
  });

  it("keeps a constant scalar field constant and averages each cell", () => {
    const hierarchy = buildMeshHierarchy(geometry, meshOptions);
    const batch = batchMeshes([hierarchy]);
    const scalars = new TransportPooling({ fieldType: "1x0" });
    const x = tf.fill([geometry.mesh.nVertices, 1], 2.5);
    const y = withMeshBatch(batch, () => scalars.apply(x) as tf.Tensor).dataSync();
    expect(y).toHaveLength(hierarchy.levels[1].vertices.length);
    for (const value of y) expect(value).toBeCloseTo(2.5, 6);
  });

  it("trains: gradients flow through pooling and unpooling", () => {
    const batch = batchMeshes([buildMeshHierarchy(geometry, meshOptions)]);
    const x = tf.randomNormal([geometry.mesh.nVertices, type.dim], 0, 1, "float32", 1);
    const g = tf.grad((input: tf.Tensor) =>
      withMeshBatch(batch, () => tf.sum(tf.square(unpool.apply(pool.apply(input)) as tf.Tensor))),
    )(x);
    expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
  });

  it("round-trips their configs and name the level when the batch does not fit", () => {
    const layer = new TransportPooling({ fieldType: "1x1+1x0", level: 2, name: "p" });
    expect(layer.getConfig()).toMatchObject({ fieldType: "1x0+1x1", level: 2, name: "p" });
    expect(TransportPooling.fromConfig(TransportPooling, layer.getConfig()).getConfig()).toEqual(
      layer.getConfig(),
    );
    const back = new TransportUnpooling({ fieldType: "1x0", level: 1 });
    expect(TransportUnpooling.fromConfig(TransportUnpooling, back.getConfig()).getConfig()).toEqual(
      back.getConfig(),
    );
    expect(() => new TransportPooling({ fieldType: "1x0", level: -1 })).toThrow(
      /level must be a non-negative integer/,
    );
    const batch = batchMeshes([buildMeshHierarchy(geometry, meshOptions)]);
    expect(() => withMeshBatch(batch, () => pool.apply(tf.zeros([5, type.dim])))).toThrow(
      /input has shape \[5, 12\], but level 0 of the mesh batch has 162 vertices/,
    );
    expect(() => withMeshBatch(batch, () => unpool.apply(tf.zeros([5, type.dim])))).toThrow(
      /level 1 of the mesh batch/,
    );
    expect(() => pool.apply(tf.zeros([5, type.dim]))).toThrow(MultiscaleError);
    const twoLevels = new TransportPooling({ fieldType: type, level: 1 });
    expect(() => withMeshBatch(batch, () => twoLevels.apply(tf.zeros([5, type.dim])))).toThrow(/has 2 level/);
  });
});

describe("InvariantPooling", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("gives each mesh of a batch the mean of its scalars and copy norms", () => {
    const meshes = [geometry, MeshGeometry.fromData(torus({ majorSegments: 10, minorSegments: 6 }))].map(
      (g) => buildMeshHierarchy(g),
    );
    const batch = batchMeshes(meshes);
    const n = batch.levels[0].meshOffsets;
    const random = new SeededRandom(3);
    const x = random.gaussianArray(n[2] * type.dim, "float32") as Float32Array;
    const layer = new InvariantPooling({ fieldType: type });
    expect(layer.invariantType.toString()).toBe("7x0");
    const y = withMeshBatch(batch, () => layer.apply(tf.tensor2d(x, [n[2], type.dim])) as tf.Tensor);
    expect(y.shape).toEqual([2, 7]);
    const expected = new Float64Array(14);
    for (let i = 0; i < 2; i++) {
      for (let v = n[i]; v < n[i + 1]; v++) {
        type.copies().forEach((copy, k) => {
          const o = v * type.dim + copy.offset;
          const value = copy.dim === 1 ? x[o] : Math.hypot(x[o], x[o + 1]);
          expected[i * 7 + k] += value / (n[i + 1] - n[i]);
        });
      }
    }
    expect(relativeError(y.dataSync(), expected)).toBeLessThan(1e-6);
    // One mesh inside withConvGraph is a batch of one.
    const first = withConvGraph(meshes[0].levels[0].graph, () =>
      layer.apply(tf.tensor2d(x.subarray(0, n[1] * type.dim), [n[1], type.dim])),
    ) as tf.Tensor;
    expect(relativeError(first.dataSync(), expected.subarray(0, 7))).toBeLessThan(1e-6);
  });

  it("is gauge invariant, at any level; per-vertex invariants are too", () => {
    const invariant = new InvariantPooling({ fieldType: type, level: 1 });
    const map: MeshBatchMap = (x, batch) =>
      withMeshBatch(batch, () => invariant.apply(pool.apply(x)) as tf.Tensor2D);
    const outType = FieldType.scalars(7);
    expect(assertMeshMapGaugeEquivariant(map, { ...check, outType, outLevel: "mesh" })).toBeLessThan(1e-5);
    const perVertex: MeshBatchMap = (x) => vertexInvariants(x, type);
    expect(assertMeshMapGaugeEquivariant(perVertex, { ...check, outType, outLevel: 0 })).toBeLessThan(1e-5);
    // Negative control: the mean of the raw coefficients is not invariant.
    const raw: MeshBatchMap = (x) => tf.mean(x, 0, true) as tf.Tensor2D;
    const { relativeError } = checkMeshMapGaugeEquivariance(raw, {
      ...check,
      outType: FieldType.scalars(type.dim),
      outLevel: "mesh",
    });
    expect(relativeError).toBeGreaterThan(1e-2);
  });

  it("passes gradients to every input number and round-trips its config", () => {
    const layer = new InvariantPooling({ fieldType: type, name: "inv" });
    const graph = buildMeshHierarchy(geometry).levels[0].graph;
    const x = tf.randomNormal([graph.nVertices, type.dim], 0, 1, "float32", 2);
    const g = withConvGraph(graph, () =>
      tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor))(x),
    );
    expect(tf.min(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    expect(layer.getConfig()).toMatchObject({ fieldType: type.toString(), level: 0, name: "inv" });
    expect(InvariantPooling.fromConfig(InvariantPooling, layer.getConfig()).getConfig()).toEqual(
      layer.getConfig(),
    );
    expect(() => withConvGraph(graph, () => layer.apply(tf.zeros([3, type.dim])))).toThrow(/162 vertices/);
  });
});

describe("InvariantPooling on one mesh, without a graph", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("averages the scalars and the norms of the other copies, invariantly", () => {
    const type = FieldType.parse("2x0+1x1+1x3");
    const V = 30;
    const layer = new InvariantPooling({ fieldType: type });
    const x = randomField(type, V, 1, "float32") as Float32Array;
    const pool = (field: Float32Array) =>
      (layer.apply(tf.tensor2d(field, [V, type.dim])) as tf.Tensor).dataSync();
    const pooled = pool(x);
    const expected = new Float64Array(4);
    for (let v = 0; v < V; v++) {
      const row = x.subarray(v * 6, v * 6 + 6);
      expected[0] += row[0] / V;
      expected[1] += row[1] / V;
      expected[2] += Math.hypot(row[2], row[3]) / V;
      expected[3] += Math.hypot(row[4], row[5]) / V;
    }
    expect(layer.computeOutputShape()).toEqual([null, 4]);
    expect(layer.outputDim).toBe(4);
    expect(relativeError(pooled, expected)).toBeLessThan(1e-6);
    const turned = type.actOnField(x, randomGaugeAngles(V, 2));
    expect(relativeError(pool(turned), pooled)).toBeLessThan(1e-6);
    // Negative control: the mean of the raw vector coefficients is not invariant.
    const rawMean = (field: Float32Array) =>
      [2, 3].map((c) => Array.from({ length: V }, (_, v) => field[v * 6 + c]).reduce((a, b) => a + b, 0) / V);
    expect(relativeError(rawMean(turned), rawMean(x))).toBeGreaterThan(0.1);
  });

  it("round-trips its config and checks its input", () => {
    const layer = new InvariantPooling({ fieldType: "3x0+1x2" });
    expect(InvariantPooling.fromConfig(InvariantPooling, layer.getConfig()).getConfig()).toEqual(
      layer.getConfig(),
    );
    expect(() => layer.apply(tf.zeros([4, 3]))).toThrow(PoolingError);
  });
});
