import os from "node:os";
import { MeshGeometry, mulberry32 } from "@gemcnn/geometry";
import { readMeshSync } from "@gemcnn/geometry/node";
import * as tf from "@tensorflow/tfjs";
import {
  applyToMeshes,
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  disposeMeshBatch,
  FusedAdamOptimizer,
  initBackend,
  meshOptionsOf,
} from "../src/index.js";
import { type PoolStepTimings, ReplicaPool, threadCpuMs } from "../src/parallel/index.js";
import { SHREC_BENCH_MODEL, shrecBenchFeatures, shrecBenchFiles } from "./shrec-sample.js";

const stamp = () => ({ wall: performance.now(), cpu: threadCpuMs() });
const between = (a: { wall: number; cpu: number }, b: { wall: number; cpu: number }) => ({
  wall: b.wall - a.wall,
  cpu: b.cpu - a.cpu,
});

const ROUNDS = Number(process.env.GEMCNN_BENCH_ROUNDS ?? 7);
const STEPS_PER_ROUND = 5;
const THREADS = Number(process.env.GEMCNN_BENCH_THREADS ?? 2);
const BATCH_SIZES = [8, 16];

const files = shrecBenchFiles();
const config = SHREC_BENCH_MODEL;

const report = await initBackend();
const model = buildGemClassifier(config);
const geometries = files.map((f) => MeshGeometry.fromData(readMeshSync(f), { source: f }));
const hierarchies = geometries.map((g) => buildMeshHierarchy(g, meshOptionsOf(model)));
const features = geometries.map(shrecBenchFeatures);
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

/**
 * CPU times are averaged, not taken as medians: the kernel updates a running thread's CPU clock
 * at scheduler ticks (every few ms), so one phase's reading is a multiple of the tick or 0, and
 * only the mean over many steps is unbiased.
 */
function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

let shuffleSeed = 1;
const all = geometries.map((_, i) => i);
const shuffled = (size: number) => {
  const random = mulberry32(shuffleSeed++);
  return all
    .map((i) => ({ i, key: random() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, size)
    .map((e) => e.i);
};

/** Per phase: wall-clock ms and this thread's CPU ms. */
type Phases = Record<string, { wall: number; cpu: number }>;

/** One step on this thread, timed phase by phase (as the command line's single-threaded step). */
function threadStep(indices: number[], optimizer: tf.Optimizer): Phases {
  const t0 = stamp();
  const batch = batchMeshes(indices.map((i) => hierarchies[i]));
  const t1 = stamp();
  let t2 = t1;
  let t3 = t1;
  tf.tidy(() => {
    const targets = tf.oneHot(
      tf.tensor1d(
        indices.map((i) => i % 30),
        "int32",
      ),
      30,
    );
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const output = applyToMeshes(
        model,
        batch,
        indices.map((i) => features[i]),
        { training: true },
      );
      output.dataSync();
      const loss = tf.losses.softmaxCrossEntropy(targets, output) as tf.Scalar;
      t2 = stamp();
      return loss;
    }, variables);
    t3 = stamp();
    optimizer.applyGradients(grads);
  });
  const t4 = stamp();
  disposeMeshBatch(batch);
  return {
    batch: between(t0, t1),
    forward: between(t1, t2),
    backward: between(t2, t3),
    optimizer: between(t3, t4),
    total: between(t0, t4),
  };
}

const tfjsAdam = tf.train.adam(1e-3);
const fusedAdam = new FusedAdamOptimizer(1e-3);
const poolModel = buildGemClassifier(config);
poolModel.setWeights(model.getWeights());
const poolAdam = new FusedAdamOptimizer(1e-3);
const loadBefore = loadAverage();
const pool = await ReplicaPool.create(poolModel, {
  threads: THREADS,
  callerShare: true,
  sample: (i) => ({ mesh: readMeshSync(files[i]), features: features[i], name: files[i] }),
  profile: true,
});

/** One data-parallel step with the fused optimizer on this thread, timed phase by phase. */
async function poolStep(indices: number[], seed: number): Promise<Phases> {
  const t0 = stamp();
  const step = await pool.classifierGradientVector(
    indices,
    indices.map((i) => i % 30),
    { seed },
  );
  const t1 = stamp();
  poolAdam.applyFlatGradients(
    poolModel.trainableWeights.map((w) => w.read() as tf.Variable),
    step.gradient,
    step.hasGradient,
  );
  const t2 = stamp();
  const timings: PoolStepTimings = step.timings;
  const slowest = Math.max(...timings.replicas.map((r) => r.phases.total.wall));
  const wallOnly = (wall: number) => ({ wall, cpu: Number.NaN });
  const phases: Phases = {
    "calling thread: weights out": wallOnly(timings.weightsOut),
    "calling thread: its share and waiting for the workers": between(t0, t1),
    "  of which messages (wait − slowest share)": wallOnly(timings.workers - slowest),
    "calling thread: gradient sum": wallOnly(timings.gradientSum),
    "calling thread: optimizer": between(t1, t2),
    "calling thread: whole step": between(t0, t2),
  };
  // Rank 0 is this thread's own share (ReplicaPool's default `callerShare`), the others workers.
  timings.replicas.forEach((r, rank) => {
    for (const [phase, ms] of Object.entries(r.phases)) phases[`rank ${rank}: ${phase}`] = ms;
    phases[`rank ${rank}: waits at all-reduces`] = wallOnly(r.collectiveWait);
  });
  return phases;
}

const table = (columns: Record<string, Phases[]>) => {
  const rows: Record<string, Record<string, number>> = {};
  for (const [name, runs] of Object.entries(columns)) {
    for (const phase of Object.keys(runs[0])) {
      rows[phase] ??= {};
      rows[phase][`${name}: wall ms`] = Number(median(runs.map((r) => r[phase].wall)).toFixed(2));
      rows[phase][`${name}: CPU ms`] = Number(mean(runs.map((r) => r[phase].cpu)).toFixed(2));
    }
  }
  return rows;
};

try {
  // Every worker builds every hierarchy once before the timing, as this thread did above.
  for (let shift = 0; shift < THREADS; shift++) {
    await pool.logits(all.map((_, i) => all[(i + Math.round((shift * all.length) / THREADS)) % all.length]));
  }
  for (let i = 0; i < 3; i++) {
    threadStep(shuffled(8), tfjsAdam);
    threadStep(shuffled(8), fusedAdam);
    await poolStep(shuffled(8), i);
  }
  const tables: [string, Record<string, Record<string, number>>][] = [];
  const summary: Record<string, number | string>[] = [];
  for (const size of BATCH_SIZES) {
    const samples: Record<string, Phases[]> = { tfjs: [], fused: [], share: [], pool: [] };
    const share = Math.ceil(size / THREADS);
    for (let round = 0; round < ROUNDS; round++) {
      for (let s = 0; s < STEPS_PER_ROUND; s++) samples.tfjs.push(threadStep(shuffled(size), tfjsAdam));
      for (let s = 0; s < STEPS_PER_ROUND; s++) samples.fused.push(threadStep(shuffled(size), fusedAdam));
      // One worker's share of the batch on this thread: what a worker's part costs without the
      // pool (its all-reduces, whole-batch dropout masks, copies), phase by phase.
      for (let s = 0; s < STEPS_PER_ROUND; s++) samples.share.push(threadStep(shuffled(share), fusedAdam));
      for (let s = 0; s < STEPS_PER_ROUND; s++) samples.pool.push(await poolStep(shuffled(size), s));
    }
    tables.push([
      `batch ${size}, this thread, with tfjs's AdamOptimizer and with FusedAdamOptimizer; and ${share} meshes (one worker's share) with FusedAdamOptimizer:`,
      table({ "tfjs Adam": samples.tfjs, "fused Adam": samples.fused, [`${share} meshes`]: samples.share }),
    ]);
    tables.push([
      `batch ${size}, ${THREADS} threads: this one (rank 0) and ${THREADS - 1} workers (FusedAdamOptimizer.applyFlatGradients on the calling thread):`,
      table({ pool: samples.pool }),
    ]);
    const cpu = (runs: Phases[], phase: string) => mean(runs.map((r) => r[phase].cpu));
    const single = cpu(samples.fused, "total");
    const main = cpu(samples.pool, "calling thread: whole step");
    const own = cpu(samples.pool, "rank 0: total");
    const workers = Array.from({ length: THREADS - 1 }, (_, r) => cpu(samples.pool, `rank ${r + 1}: total`));
    // With a free core per thread the step takes the calling thread's serial part (its CPU time
    // without its own share) plus the slowest share, one after the other.
    const estimate = main - own + Math.max(own, ...workers);
    summary.push({
      batch: size,
      "1 thread (fused Adam): CPU ms": Number(single.toFixed(1)),
      [`1 thread, ${share} meshes: CPU ms`]: Number(cpu(samples.share, "total").toFixed(1)),
      "calling thread: CPU ms (its share)": `${main.toFixed(1)} (${own.toFixed(1)})`,
      "workers: CPU ms": workers.map((w) => w.toFixed(1)).join(" "),
      [`estimate on ${THREADS} free cores: ms`]: Number(estimate.toFixed(1)),
      "CPU-time ratio": Number((single / estimate).toFixed(2)),
    });
  }
  console.log(`date: ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}; backend: ${report.reason}`,
  );
  console.log(
    `command: pnpm bench:step-split; ${ROUNDS} alternating rounds of ${STEPS_PER_ROUND} steps, fresh shuffled batches, median wall-clock and mean thread-CPU ms per phase (load average before: ${loadBefore}, after: ${loadAverage()})`,
  );
  for (const [title, rows] of tables) {
    console.log(title);
    console.table(rows);
  }
  console.log(
    "CPU time per step (the calling thread's serial part plus the slowest worker's: the step on free cores):",
  );
  console.table(summary);
} finally {
  await pool.close();
}
