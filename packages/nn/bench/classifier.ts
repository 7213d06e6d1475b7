// pnpm bench:classifier — one training step (forward, backward, Adam update) of a SHREC-sized
// multiscale classifier, per mesh and per block-diagonal batch, on real SHREC-11 meshes read from
// ../shared/datasets/shrec_16 (250 vertices each). Median of REPS steps after WARM_UPS. Batches are
// either made afresh every step (new compositions, so the kernels' per-graph plans are rebuilt) or
// made once and reused (fixed compositions, shuffled order: the plans are cached). Also the one-off
// preprocessing per mesh (hierarchy: graphs, sampling, pooling maps) and inference.
import { readdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { meshFeatures } from "@gemcnn/features";
import { MeshGeometry } from "@gemcnn/geometry";
import { readMeshSync } from "@gemcnn/geometry/node";
import * as tf from "@tensorflow/tfjs";
import {
  applyToMeshes,
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  classifierTrainStep,
  type GemModelConfig,
  initBackend,
  type MeshBatch,
  meshOptionsOf,
} from "../src/index.js";

const REPS = 10;
const WARM_UPS = 4;
const BATCH_SIZES = [1, 8, 16, 32];

const root = fileURLToPath(new URL("../../../../shared/datasets/shrec_16/", import.meta.url));
const files = readdirSync(root)
  .sort()
  .flatMap((shape) =>
    ["train"].flatMap((split) =>
      readdirSync(join(root, shape, split)).map((f) => join(root, shape, split, f)),
    ),
  )
  .filter((_, i) => i % 5 === 0);

const config: GemModelConfig = {
  inputType: "3x0",
  blocks: [
    { fieldType: "16x0+16x1+16x2" },
    { fieldType: "16x0+16x1+16x2", pool: true },
    { fieldType: "32x0+16x1+16x2", pool: true },
  ],
  classes: 30,
  nonlinearity: "gated",
  head: [64],
  fieldDropout: 0.1,
  dropout: 0.2,
};

const report = await initBackend();
const model = buildGemClassifier(config);
const meshOptions = meshOptionsOf(model);
const geometries = files.map((f) => MeshGeometry.fromData(readMeshSync(f), { source: f }));
const features = geometries.map(
  (g) => meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values,
);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

const t0 = performance.now();
const hierarchies = geometries.map((g) => buildMeshHierarchy(g, meshOptions));
const preprocessMs = (performance.now() - t0) / geometries.length;

const optimizer = tf.train.adam(1e-3);

function time(fn: () => void): number {
  for (let i = 0; i < WARM_UPS; i++) fn();
  return median(
    Array.from({ length: REPS }, () => {
      const start = performance.now();
      fn();
      return performance.now() - start;
    }),
  );
}

/** Mesh indices of consecutive batches of `size`, cycling through the meshes. */
function batchIndices(size: number): () => number[] {
  let next = 0;
  return () => {
    const indices = Array.from({ length: size }, (_, k) => (next + k) % geometries.length);
    next = (next + size) % geometries.length;
    return indices;
  };
}

function trainStep(indices: number[], batch: MeshBatch): void {
  classifierTrainStep(
    model,
    optimizer,
    batch,
    indices.map((i) => features[i]),
    indices.map((i) => i % 30),
  );
}

const rows: Record<string, number>[] = [];
for (const size of BATCH_SIZES) {
  // A new batch every step (a fresh composition: its graphs' kernel plans are built anew) …
  const fresh = batchIndices(size);
  const freshStepMs = time(() => {
    const indices = fresh();
    trainStep(indices, batchMeshes(indices.map((i) => hierarchies[i])));
  });
  // … or batches made once and reused every epoch (plans cached on their graphs): WARM_UPS of them, cycled.
  const pick = batchIndices(size);
  const reused = Array.from({ length: WARM_UPS }, () => {
    const indices = pick();
    return { indices, batch: batchMeshes(indices.map((i) => hierarchies[i])) };
  });
  let k = 0;
  const reusedStepMs = time(() => {
    const { indices, batch } = reused[k++ % reused.length];
    trainStep(indices, batch);
  });
  const inferenceMs = time(() => {
    const { indices, batch } = reused[k++ % reused.length];
    tf.tidy(
      () =>
        void applyToMeshes(
          model,
          batch,
          indices.map((i) => features[i]),
        ).dataSync(),
    );
  });
  rows.push({
    batch: size,
    "fresh batch: step ms": Number(freshStepMs.toFixed(1)),
    "per mesh": Number((freshStepMs / size).toFixed(1)),
    "reused batch: step ms": Number(reusedStepMs.toFixed(1)),
    "per mesh ": Number((reusedStepMs / size).toFixed(1)),
    "inference per mesh": Number((inferenceMs / size).toFixed(1)),
  });
}

const parameters = model.countParams();
console.log(`date: ${new Date().toISOString()}`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}`,
);
console.log(`command: pnpm bench:classifier   backend: ${report.reason}`);
console.log(
  `model: ${config.blocks.map((b) => `${b.pool ? "pool → " : ""}block ${b.fieldType}`).join(", ")}; ${config.nonlinearity} nonlinearity, FieldNormalization, field dropout; ${parameters} parameters`,
);
console.log(
  `meshes: ${geometries.length} SHREC-11 training meshes, ${Math.round(hierarchies.reduce((n, h) => n + h.levels[0].graph.nVertices, 0) / hierarchies.length)} vertices on average; levels ${hierarchies[0].levels.map((l) => l.graph.nVertices).join(" → ")}`,
);
console.log(`preprocessing (hierarchy, once per mesh): ${preprocessMs.toFixed(1)} ms per mesh`);
console.log(`training step (forward + backward + Adam) and inference, median of ${REPS}, in ms:`);
console.table(rows);
const best = Math.min(...rows.map((r) => r["per mesh "]));
console.log(
  `one epoch of SHREC-11's 480 training meshes at ${best} ms per mesh: about ${Math.round((480 * best) / 1000)} s`,
);
