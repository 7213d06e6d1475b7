import { meshFeatures } from "@gemcnn/features";
import { bumpySphere, MeshGeometry, torus, withSeededMathRandom } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { buildGemClassifier, type GemModelConfig, meshOptionsOf } from "../models/builders.js";
import { applyToMeshes } from "../models/run.js";
import { batchMeshes } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import { type BatchShare, batchShareOf, shareRowsOf, withBatchShare } from "./batch-share.js";
import { Collective } from "./collective.js";
import { splitDropoutLayers } from "./replica.js";
import { splitEvenly } from "./split.js";

// The parts of a data-parallel step that need no second thread, run here one part after the
// other: each part's dropout masks must be the whole batch's rows (checked exactly, on a model
// without normalisation), and each part's own normalisation statistics must not be (negative
// control for the combined statistics, which replica-pool.test.ts checks over real workers).

const meshes = [
  bumpySphere({ level: 1, seed: 4 }),
  torus({ majorSegments: 9, minorSegments: 5 }),
  bumpySphere({ level: 2, seed: 5, amplitude: 0.2 }),
  torus({ majorSegments: 7, minorSegments: 6, minorRadius: 0.35 }),
];
const geometries = meshes.map((m) => MeshGeometry.fromData(m));
const features = geometries.map(
  (g) => meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values,
);

function model(normalization: boolean): tf.LayersModel {
  const config: GemModelConfig = {
    inputType: "3x0",
    blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "4x0+2x1", pool: true }],
    classes: 3,
    head: [16],
    dropout: 0.2,
    fieldDropout: 0.3,
    normalization,
    mesh: { poolRatio: 0.3 },
  };
  const m = withSeededMathRandom(3, () => buildGemClassifier(config));
  splitDropoutLayers(m);
  return m;
}

/** The shares of `parts`, as the replicas of a step would see them (all-reduce over this part only). */
function sharesOf(m: tf.LayersModel, parts: number[][]): { share: BatchShare; indices: number[] }[] {
  const batches = parts.map((part) =>
    batchMeshes(part.map((i) => buildMeshHierarchy(geometries[i], meshOptionsOf(m)))),
  );
  const counts = batches.map((b) => [
    b.size,
    ...b.levels.map((l) => l.meshOffsets[l.meshOffsets.length - 1]),
  ]);
  return batches.map((batch, rank) => ({
    indices: parts[rank],
    share: batchShareOf(batch, {
      rank,
      replicas: parts.length,
      allGather: () => counts.map((c) => Float64Array.from(c)),
      allReduce: (values) => Float64Array.from(values),
    }),
  }));
}

/** Training-mode outputs of `indices` as one batch, with `Math.random` seeded by `seed`. */
function forward(m: tf.LayersModel, indices: number[], seed: number, share?: BatchShare): Float32Array {
  const batch = batchMeshes(indices.map((i) => buildMeshHierarchy(geometries[i], meshOptionsOf(m))));
  const run = () =>
    withSeededMathRandom(seed, () =>
      tf.tidy(
        () =>
          applyToMeshes(
            m,
            batch,
            indices.map((i) => features[i]),
            { training: true },
          ).dataSync() as Float32Array,
      ),
    );
  return share === undefined ? run() : withBatchShare(share, run);
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0);

describe("batch shares", () => {
  beforeAll(async () => {
    await initBackend();
  });

  it("gives each part the rows of the whole batch's dropout masks", () => {
    const m = model(false);
    const whole = forward(m, [0, 1, 2, 3], 21);
    const parts = sharesOf(m, splitEvenly([0, 1, 2, 3], 2));
    const split = new Float32Array(
      parts.flatMap(({ indices, share }) => Array.from(forward(m, indices, 21, share))),
    );
    // Every mesh's logits must depend on its masks for the comparison to see them: none may be
    // all zero (as a mesh whose head units the masks all drop would be).
    for (let mesh = 0; mesh < 4; mesh++) {
      expect(whole.slice(3 * mesh, 3 * mesh + 3).some((z) => z !== 0)).toBe(true);
    }
    // Every row's arithmetic is the same as in the whole batch (only its neighbours differ), so
    // the rows agree bit for bit.
    expect(split).toEqual(whole);
    // Negative control: the parts with their own masks (no share) are something else.
    const own = new Float32Array(parts.flatMap(({ indices }) => Array.from(forward(m, indices, 21))));
    expect(maxDifference(own, whole)).toBeGreaterThan(1e-2);
  });

  it("finds where a part's rows sit, by level or by count, and says when it cannot tell", () => {
    const m = model(false);
    const [first, second] = sharesOf(m, [
      [0, 1],
      [2, 3],
    ]);
    const level0 = geometries.map((g) => g.mesh.nVertices);
    withBatchShare(second.share, () => {
      expect(shareRowsOf(level0[2] + level0[3], 0, "test")).toEqual({
        offset: level0[0] + level0[1],
        rows: level0[2] + level0[3],
        total: level0.reduce((a, b) => a + b, 0),
      });
      expect(shareRowsOf(2, undefined, "test")).toEqual({ offset: 2, rows: 2, total: 4 });
      expect(() => shareRowsOf(7, undefined, "layer x")).toThrow(
        /layer x: cannot tell where a tensor of 7 rows/,
      );
      expect(() => shareRowsOf(5, 0, "layer y")).toThrow(/layer y: 5 rows at level 0/);
    });
    expect(first.share.meshes).toEqual({ offset: 0, rows: 2, total: 4 });
    expect(shareRowsOf(3, 0, "test")).toBeUndefined();
  });

  it("shows that each part's own normalisation statistics differ from the whole batch's (negative control)", () => {
    const m = model(true);
    const whole = forward(m, [0, 1, 2, 3], 8);
    const parts = sharesOf(m, splitEvenly([0, 1, 2, 3], 2));
    const split = new Float32Array(
      parts.flatMap(({ indices, share }) => Array.from(forward(m, indices, 8, share))),
    );
    expect(maxDifference(split, whole)).toBeGreaterThan(1e-2);
  });
});

describe("Collective", () => {
  it("gathers and reduces a single replica's vector, and refuses one beyond its capacity", () => {
    const buffer = new SharedArrayBuffer(16 + 2 * 8 + 2 * 4 * 8);
    const collective = new Collective(buffer, 1, 4, 0, 1);
    expect(Array.from(collective.allReduce([1, 2.5]))).toEqual([1, 2.5]);
    const two = new Collective(new SharedArrayBuffer(16 + 2 * 2 * 8 + 2 * 2 * 4 * 8), 2, 4, 0, 2);
    expect(() => two.allGather([1, 2, 3, 4, 5])).toThrow(/exceeds the buffer's capacity of 4/);
    expect(() => new Collective(buffer, 1, 4, 1, 1)).toThrow(RangeError);
  });
});
