// pnpm bench:classifier — one training step (forward, backward, Adam update) of a SHREC-sized
// multiscale classifier, per mesh and per block-diagonal batch, on real SHREC-11 meshes read from
// ../shared/datasets/shrec_16 (250 vertices each). Median of REPS steps after WARM_UPS. Batches are
// either made afresh every step (new compositions, so the kernels' per-graph plans are rebuilt) or
// made once and reused (fixed compositions, shuffled order: the plans are cached). Also the one-off
// preprocessing per mesh (hierarchy: graphs, sampling, pooling maps) and inference. Last, the
// data-parallel step (ReplicaPool over GEMCNN_BENCH_THREADS threads, default every core: this
// thread and the workers, and for comparison as many workers as threads) beside the
// single-threaded one, in wall time and in CPU time per thread. `pnpm bench:step-split` breaks the step into its phases.
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
// calls per weight tensor; `pnpm bench:step-split` compares the two).
const optimizer = new FusedAdamOptimizer(1e-3);

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

// Data parallelism: the same training step in this thread and split over THREADS shares, as
// ReplicaPool runs it by default (this thread computes the first share itself beside THREADS − 1
// workers, `callerShare`) and as it ran before (THREADS workers, this thread only waiting), on
// shuffled batches of fresh compositions as in training. The three alternate round by round, so
// that load from other jobs on the machine hits them alike; medians over the rounds' per-step times.
const THREADS = Number(process.env.GEMCNN_BENCH_THREADS ?? os.availableParallelism());
const ROUNDS = 7;
const STEPS_PER_ROUND = 6;
const loadBefore = loadAverage();
const sample = (i: number) => ({ mesh: readMeshSync(files[i]), features: features[i], name: files[i] });
/** A pool on a copy of the model (profiled, so that the caller's own share's CPU time is known). */
async function poolOf(callerShare: boolean) {
  const poolModel = buildGemClassifier(config);
  poolModel.setWeights(model.getWeights());
  const pool = await ReplicaPool.create(poolModel, { threads: THREADS, sample, callerShare, profile: true });
  return {
    pool,
    optimizer: new FusedAdamOptimizer(1e-3),
    variables: poolModel.trainableWeights.map((w) => w.read() as tf.Variable),
  };
}
const pools = { caller: await poolOf(true), workers: await poolOf(false) };
const workerThreads = { caller: THREADS - 1, workers: THREADS };
try {
  const all = geometries.map((_, i) => i);
  // Every share builds every hierarchy once before the timing, as the in-thread run did above.
  for (const { pool } of Object.values(pools)) {
    for (let shift = 0; shift < THREADS; shift++) {
      await pool.logits(
        all.map((_, i) => all[(i + Math.round((shift * all.length) / THREADS)) % all.length]),
      );
    }
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
    const wall = { thread: [] as number[], caller: [] as number[], workers: [] as number[] };
    const cpu = {
      thread: [] as number[],
      share: [] as number[],
      main: { caller: [] as number[], workers: [] as number[] },
      /** The calling thread's own share (rank 0), from the pool's profile. */
      own: [] as number[],
      busiest: { caller: [] as number[][], workers: [] as number[][] },
    };
    for (let round = 0; round < ROUNDS; round++) {
      // This thread on one share of the batch: what a share would cost if a replica added
      // nothing; beside the whole batch it shows the step's fixed cost.
      const share = Math.ceil(size / THREADS);
      const shareBefore = threadTimes();
      for (let s = 0; s < STEPS_PER_ROUND; s++) freshStep(shuffled(share));
      cpu.share.push(cpuOf(shareBefore, threadTimes()).main / STEPS_PER_ROUND);
      const before = threadTimes();
      const start = performance.now();
      for (let s = 0; s < STEPS_PER_ROUND; s++) freshStep(shuffled(size));
      wall.thread.push((performance.now() - start) / STEPS_PER_ROUND);
      cpu.thread.push(cpuOf(before, threadTimes()).main / STEPS_PER_ROUND);
      for (const kind of ["caller", "workers"] as const) {
        const { pool, optimizer: poolOptimizer, variables } = pools[kind];
        let own = 0;
        const before = threadTimes();
        const start = performance.now();
        for (let s = 0; s < STEPS_PER_ROUND; s++) {
          const indices = shuffled(size);
          // As the command line: the batch's gradient as one flat vector into the fused optimizer.
          const { gradient, hasGradient, timings } = await pool.classifierGradientVector(
            indices,
            indices.map((i) => i % 30),
            { seed: s },
          );
          poolOptimizer.applyFlatGradients(variables, gradient, hasGradient);
          if (kind === "caller") own += timings.replicas[0].phases.total.cpu;
        }
        wall[kind].push((performance.now() - start) / STEPS_PER_ROUND);
        const used = cpuOf(before, threadTimes());
        cpu.main[kind].push(used.main / STEPS_PER_ROUND);
        cpu.busiest[kind].push(used.others.slice(0, workerThreads[kind]).map((ms) => ms / STEPS_PER_ROUND));
        if (kind === "caller") cpu.own.push(own / STEPS_PER_ROUND);
      }
    }
    const a = median(wall.thread);
    parallelRows.push({
      batch: size,
      "1 thread: step ms": Number(a.toFixed(1)),
      [`this thread + ${THREADS - 1} workers: step ms`]: Number(median(wall.caller).toFixed(1)),
      "step-rate ratio": Number((a / median(wall.caller)).toFixed(2)),
      "ratio per round": wall.thread.map((t, r) => (t / wall.caller[r]).toFixed(2)).join(" "),
      [`${THREADS} workers (before): step ms`]: Number(median(wall.workers).toFixed(1)),
      "step-rate ratio ": Number((a / median(wall.workers)).toFixed(2)),
      "ratio per round ": wall.thread.map((t, r) => (t / wall.workers[r]).toFixed(2)).join(" "),
    });
    if (cpu.thread.some(Number.isNaN)) continue;
    const single = median(cpu.thread);
    const busiest = (kind: "caller" | "workers") =>
      Array.from({ length: workerThreads[kind] }, (_, w) => median(cpu.busiest[kind].map((r) => r[w] ?? 0)));
    // With a free core per thread: 2 workers, the calling thread's serial part (weights out,
    // gradients summed, Adam) plus the slowest worker's part, one after the other; this thread
    // with its own share, the longer of its own CPU time and the slowest worker's part plus this
    // thread's serial part (its CPU time without its share).
    const workersMain = median(cpu.main.workers);
    const workersCpu = busiest("workers");
    const workersEstimate = workersMain + Math.max(...workersCpu);
    const callerMain = median(cpu.main.caller);
    const callerWorkers = busiest("caller");
    const serial = callerMain - median(cpu.own);
    const callerEstimate = Math.max(callerMain, serial + Math.max(0, ...callerWorkers));
    cpuRows.push({
      batch: size,
      "1 thread: CPU ms/step": Number(single.toFixed(1)),
      [`1 thread, ${Math.ceil(size / THREADS)} meshes`]: Number(median(cpu.share).toFixed(1)),
      "caller share: this thread (its share)": `${callerMain.toFixed(1)} (${median(cpu.own).toFixed(1)})`,
      "workers, CPU ms each": callerWorkers.map((w) => w.toFixed(1)).join(" "),
      [`on ${THREADS} free cores`]: Number(callerEstimate.toFixed(1)),
      "CPU-time ratio": Number((single / callerEstimate).toFixed(2)),
      [`${THREADS} workers (before): this thread`]: Number(workersMain.toFixed(1)),
      "workers, CPU ms each ": workersCpu.map((w) => w.toFixed(1)).join(" "),
      [`on ${THREADS} free cores `]: Number(workersEstimate.toFixed(1)),
      "CPU-time ratio ": Number((single / workersEstimate).toFixed(2)),
    });
  }
  console.log(
    `data-parallel training step over ${THREADS} threads beside this thread alone, fresh shuffled batches, ${ROUNDS} alternating rounds of ${STEPS_PER_ROUND} steps, medians (load average before: ${loadBefore}, after: ${loadAverage()}):`,
  );
  console.table(parallelRows);
  if (cpuRows.length > 0) {
    console.log(
      "the same steps in CPU time per thread (Linux /proc; clock ticks of 10 ms summed over a round), which other jobs on the machine do not inflate as they do wall time: the workers are the busiest threads besides the calling one",
    );
    console.table(cpuRows);
  }
} finally {
  await Promise.all(Object.values(pools).map(({ pool }) => pool.close()));
}
