import { FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { buildMeshHierarchy } from "./hierarchy.js";
import { poolingPlans, transportMap } from "./transport-map.js";

const hierarchy = buildMeshHierarchy(MeshGeometry.fromData(bumpySphere({ level: 2 })), {
  coarsening: [{ ratio: 0.25 }],
});
const map = hierarchy.pools[0];
const type = FieldType.parse("2x0+2x1+1x2+1x3");

/** Pooling written from its definition in float64: mean over the cell of ρ(g(v→c)) x_v. */
function poolReference(x: Float32Array): Float64Array {
  const out = new Float64Array(map.nCoarse * type.dim);
  for (let v = 0; v < map.nFine; v++) {
    const row = type.actOnField(Float64Array.from(x.subarray(v * type.dim, (v + 1) * type.dim)), [
      map.transport[v],
    ]);
    const c = map.cell[v];
    for (let j = 0; j < type.dim; j++) out[c * type.dim + j] += row[j] / map.cellSize[c];
  }
  return out;
}

function unpoolReference(x: Float32Array): Float64Array {
  const out = new Float64Array(map.nFine * type.dim);
  for (let v = 0; v < map.nFine; v++) {
    const c = map.cell[v];
    out.set(
      type.actOnField(Float64Array.from(x.subarray(c * type.dim, (c + 1) * type.dim)), [-map.transport[v]]),
      v * type.dim,
    );
  }
  return out;
}

for (const backend of ["wasm", "cpu"] as const) {
  describe(`transport map (${backend})`, () => {
    it("pools and unpools as written in the definition", async () => {
      await initBackend({ backend });
      const random = new SeededRandom(3);
      const fine = random.gaussianArray(map.nFine * type.dim, "float32") as Float32Array;
      const coarse = random.gaussianArray(map.nCoarse * type.dim, "float32") as Float32Array;
      const { pool, unpool } = poolingPlans(map, type);
      const pooled = transportMap(tf.tensor2d(fine, [map.nFine, type.dim]), pool).dataSync();
      expect(relativeError(pooled, poolReference(fine))).toBeLessThan(1e-6);
      const unpooled = transportMap(tf.tensor2d(coarse, [map.nCoarse, type.dim]), unpool).dataSync();
      expect(relativeError(unpooled, unpoolReference(coarse))).toBeLessThan(1e-6);
      expect(() => transportMap(tf.zeros([3, type.dim]), pool)).toThrow(/expected a field of shape/);
    });

    it("has the adjoint map as its gradient: ⟨M x, y⟩ = ⟨x, Mᵀ y⟩", async () => {
      await initBackend({ backend });
      const random = new SeededRandom(4);
      for (const plan of Object.values(poolingPlans(map, type))) {
        const x = tf.tensor2d(random.gaussianArray(plan.nCols * type.dim, "float32") as Float32Array, [
          plan.nCols,
          type.dim,
        ]);
        const y = tf.tensor2d(random.gaussianArray(plan.nRows * type.dim, "float32") as Float32Array, [
          plan.nRows,
          type.dim,
        ]);
        const gradient = tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(transportMap(input as tf.Tensor2D, plan), y)),
        )(x);
        const forward = tf.sum(tf.mul(transportMap(x, plan), y)).dataSync()[0];
        const backward = tf.sum(tf.mul(x, gradient)).dataSync()[0];
        expect(Math.abs(forward - backward)).toBeLessThan(1e-4 * Math.abs(forward) + 1e-4);
        // A linear map's gradient does not depend on x, and is not zero.
        expect(tf.norm(gradient).dataSync()[0]).toBeGreaterThan(0);
      }
    });
  });
}
