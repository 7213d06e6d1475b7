// pnpm bench:classifier — one training step (forward, backward, Adam update) of a SHREC-sized
// multiscale classifier, per mesh and per block-diagonal batch, on real SHREC-11 meshes read from
// ../shared/datasets/shrec_16 (250 vertices each). Median of REPS steps after WARM_UPS. Batches are
// either made afresh every step (new compositions, so the kernels' per-graph plans are rebuilt) or
// made once and reused (fixed compositions, shuffled order: the plans are cached). Also the one-off
// preprocessing per mesh (hierarchy: graphs, sampling, pooling maps) and inference. Last, the
// data-parallel step (ReplicaPool, GEMCNN_BENCH_THREADS workers, default every core) beside the
// single-threaded one (and that one with tfjs's AdamOptimizer instead of FusedAdamOptimizer), in
// wall time and in CPU time per thread. `pnpm bench:step-split` breaks the step into its phases.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { MeshGeometry, mulberry32 } from "@gemcnn/geometry";
import { readMeshSync } from "@gemcnn/geometry/node";
import * as tf from "@tensorflow/tfjs";
import {
  applyToMeshes,
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  classifierTrainStep,
  disposeMeshBatch,
  FusedAdamOptimizer,
  initBackend,
  type MeshBatch,
  meshOptionsOf,
} from "../src/index.js";
import { ReplicaPool } from "../src/parallel/index.js";
import { SHREC_BENCH_MODEL, shrecBenchFeatures, shrecBenchFiles } from "./shrec-sample.js";

const REPS = 10;
const WARM_UPS = 4;
const BATCH_SIZES = [1, 8, 16, 32];

const files = shrecBenchFiles();
const config = SHREC_BENCH_MODEL;

const report = await initBackend();
const model = buildGemClassifier(config);
const meshOptions = meshOptionsOf(model);
const geometries = files.map((f) => MeshGeometry.fromData(readMeshSync(f), { source: f }));
const features = geometries.map(shrecBenchFeatures);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const t0 = performance.now();
const hierarchies = geometries.map((g) => buildMeshHierarchy(g, meshOptions));
const preprocessMs = (performance.now() - t0) / geometries.length;

// The command line's optimizer (one loop per weight tensor; tfjs's AdamOptimizer makes 14 kernel
// calls per weight tensor), and tfjs's for the before/after comparison of the data-parallel part.
const optimizer = new FusedAdamOptimizer(1e-3);
const tfjsOptimizer = tf.train.adam(1e-3);

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

function trainStep(indices: number[], batch: MeshBatch, adam: tf.Optimizer = optimizer): void {
  classifierTrainStep(
    model,
    adam,
    batch,
    indices.map((i) => features[i]),
    indices.map((i) => i % 30),
  );
}

/** A step on a batch made for it, freed afterwards (as the CLI's training loop does). */
function freshStep(indices: number[], adam: tf.Optimizer = optimizer): void {
  const batch = batchMeshes(indices.map((i) => hierarchies[i]));
  trainStep(indices, batch, adam);
  disposeMeshBatch(batch);
}

const rows: Record<string, number>[] = [];
for (const size of BATCH_SIZES) {
  // A new batch every step (a fresh composition: its graphs' kernel plans are built anew) …
  const fresh = batchIndices(size);
  const freshStepMs = time(() => {
    freshStep(fresh());
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
  `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}, load average ${loadAverage()} (1, 5, 15 min)`,
);
console.log(`command: pnpm bench:classifier   backend: ${report.reason}`);
console.log(
  `model: ${config.blocks.map((b) => `${b.pool ? "pool → " : ""}block ${b.fieldType}`).join(", ")}; ${config.nonlinearity} nonlinearity, FieldNormalization, field dropout; ${parameters} parameters`,
);
console.log(
  `meshes: ${geometries.length} SHREC-11 training meshes, ${Math.round(hierarchies.reduce((n, h) => n + h.levels[0].graph.nVertices, 0) / hierarchies.length)} vertices on average; levels ${hierarchies[0].levels.map((l) => l.graph.nVertices).join(" → ")}`,
);
console.log(`preprocessing (hierarchy, once per mesh): ${preprocessMs.toFixed(1)} ms per mesh`);
console.log(
  `training step (forward + backward + FusedAdamOptimizer) and inference, median of ${REPS}, in ms:`,
);
console.table(rows);
const best = Math.min(...rows.map((r) => r["per mesh "]));
console.log(
  `one epoch of SHREC-11's 480 training meshes at ${best} ms per mesh: about ${Math.round((480 * best) / 1000)} s`,
);

/**
 * CPU time (ms) of every thread of this process, by thread id, from /proc/self/task/<tid>/stat
 * (utime + stime, in clock ticks of 10 ms); empty where /proc is missing (not Linux).
 */
function threadTimes(): Map<number, number> {
  const times = new Map<number, number>();
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return times;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      times.set(Number(task), (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times;
}

/** CPU ms between two `threadTimes()`: the calling thread's, and the others' in decreasing order. */
function cpuOf(before: Map<number, number>, after: Map<number, number>): { main: number; others: number[] } {
  if (after.size === 0) return { main: Number.NaN, others: [] };
  const main = (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0);
  const others = [...after]
    .filter(([tid]) => tid !== process.pid)
    .map(([tid, ms]) => ms - (before.get(tid) ?? 0))
    .sort((x, y) => y - x);
  return { main, others };
}

// Data parallelism: the same training step in this thread and split over a ReplicaPool of
// THREADS workers (one replica and one tfjs wasm backend each), on shuffled batches of fresh
// compositions as in training. The two alternate round by round, so that load from other jobs
// on the machine hits both alike; medians over the rounds' per-step times.
const THREADS = Number(process.env.GEMCNN_BENCH_THREADS ?? os.availableParallelism());
const ROUNDS = 7;
const STEPS_PER_ROUND = 6;
const poolModel = buildGemClassifier(config);
poolModel.setWeights(model.getWeights());
const poolOptimizer = new FusedAdamOptimizer(1e-3);
const poolVariables = poolModel.trainableWeights.map((w) => w.read() as tf.Variable);
const loadBefore = loadAverage();
const pool = await ReplicaPool.create(poolModel, {
  threads: THREADS,
  sample: (i) => ({ mesh: readMeshSync(files[i]), features: features[i], name: files[i] }),
});
try {
  const all = geometries.map((_, i) => i);
  // Every worker builds every hierarchy once before the timing, as the in-thread run did above.
  for (let shift = 0; shift < THREADS; shift++) {
    await pool.logits(all.map((_, i) => all[(i + Math.round((shift * all.length) / THREADS)) % all.length]));
  }
  let shuffleSeed = 1;
  const shuffled = (size: number) => {
    const random = mulberry32(shuffleSeed++);
    return all
      .map((i) => ({ i, key: random() }))
      .sort((a, b) => a.key - b.key)
      .slice(0, size)
      .map((e) => e.i);
  };
  const parallelRows: Record<string, number | string>[] = [];
  const cpuRows: Record<string, number | string>[] = [];
  for (const size of [8, 16]) {
    const inThread: number[] = [];
    const inPool: number[] = [];
    const tfjsAdamThread: number[] = [];
    const cpu = {
      thread: [] as number[],
      tfjsAdamThread: [] as number[],
      share: [] as number[],
      poolMain: [] as number[],
      workers: [] as number[][],
    };
    for (let round = 0; round < ROUNDS; round++) {
      // This thread on one worker's share of the batch: what a worker would cost if a replica
      // added nothing; beside the whole batch it shows the step's fixed cost.
      const share = Math.ceil(size / THREADS);
      const shareBefore = threadTimes();
      for (let s = 0; s < STEPS_PER_ROUND; s++) {
        const indices = shuffled(share);
        freshStep(indices);
      }
      cpu.share.push(cpuOf(shareBefore, threadTimes()).main / STEPS_PER_ROUND);
      let before = threadTimes();
      let start = performance.now();
      for (let s = 0; s < STEPS_PER_ROUND; s++) {
        const indices = shuffled(size);
        freshStep(indices);
      }
      inThread.push((performance.now() - start) / STEPS_PER_ROUND);
      cpu.thread.push(cpuOf(before, threadTimes()).main / STEPS_PER_ROUND);
      // The same in this thread with tfjs's AdamOptimizer (the command line's optimizer before
      // FusedAdamOptimizer), for the before/after comparison.
      before = threadTimes();
      start = performance.now();
      for (let s = 0; s < STEPS_PER_ROUND; s++) freshStep(shuffled(size), tfjsOptimizer);
      tfjsAdamThread.push((performance.now() - start) / STEPS_PER_ROUND);
      cpu.tfjsAdamThread.push(cpuOf(before, threadTimes()).main / STEPS_PER_ROUND);
      before = threadTimes();
      start = performance.now();
      for (let s = 0; s < STEPS_PER_ROUND; s++) {
        const indices = shuffled(size);
        // As the command line: the batch's gradient as one flat vector into the fused optimizer.
        const { gradient, hasGradient } = await pool.classifierGradientVector(
          indices,
          indices.map((i) => i % 30),
          { seed: s },
        );
        poolOptimizer.applyFlatGradients(poolVariables, gradient, hasGradient);
      }
      inPool.push((performance.now() - start) / STEPS_PER_ROUND);
      const used = cpuOf(before, threadTimes());
      cpu.poolMain.push(used.main / STEPS_PER_ROUND);
      cpu.workers.push(used.others.slice(0, THREADS).map((ms) => ms / STEPS_PER_ROUND));
    }
    const a = median(inThread);
    const b = median(inPool);
    parallelRows.push({
      batch: size,
      "1 thread, tfjs Adam: step ms": Number(median(tfjsAdamThread).toFixed(1)),
      "1 thread: step ms": Number(a.toFixed(1)),
      [`${THREADS} workers: step ms`]: Number(b.toFixed(1)),
      "step-rate ratio": Number((a / b).toFixed(2)),
      "ratio per round": inThread.map((t, r) => (t / inPool[r]).toFixed(2)).join(" "),
    });
    if (cpu.thread.some(Number.isNaN)) continue;
    const single = median(cpu.thread);
    const main = median(cpu.poolMain);
    const workers = Array.from({ length: THREADS }, (_, w) => median(cpu.workers.map((r) => r[w] ?? 0)));
    // With a free core per worker the step takes the calling thread's serial part (weights out,
    // gradients summed, Adam) plus the slowest worker's part, which run one after the other.
    const freeCores = main + Math.max(...workers);
    const tfjsAdamSingle = median(cpu.tfjsAdamThread);
    cpuRows.push({
      batch: size,
      "1 thread, tfjs Adam: CPU ms/step": Number(tfjsAdamSingle.toFixed(1)),
      "1 thread: CPU ms/step": Number(single.toFixed(1)),
      "tfjs Adam / fused": Number((tfjsAdamSingle / single).toFixed(2)),
      [`1 thread, ${Math.ceil(size / THREADS)} meshes`]: Number(median(cpu.share).toFixed(1)),
      "pool: calling thread CPU ms": Number(main.toFixed(1)),
      "workers: CPU ms each": workers.map((w) => w.toFixed(1)).join(" "),
      [`estimate on ${THREADS} free cores: ms`]: Number(freeCores.toFixed(1)),
      "CPU-time ratio": Number((single / freeCores).toFixed(2)),
    });
  }
  console.log(
    `data-parallel training step (ReplicaPool, ${THREADS} workers) beside this thread, fresh shuffled batches, ${ROUNDS} alternating rounds of ${STEPS_PER_ROUND} steps, medians (load average before: ${loadBefore}, after: ${loadAverage()}):`,
  );
  console.table(parallelRows);
  if (cpuRows.length > 0) {
    console.log(
      "the same steps in CPU time per thread (Linux /proc; clock ticks of 10 ms summed over a round), which other jobs on the machine do not inflate as they do wall time: the workers are the busiest threads besides the calling one",
    );
    console.table(cpuRows);
  }
} finally {
  await pool.close();
}
