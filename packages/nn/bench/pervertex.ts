// pnpm bench:pervertex — per-vertex learning at FAUST's size: one training step (forward,
// backward, Adam) on a 6,890-vertex mesh (a synthetic articulated body, `articulatedBodies`), its
// peak memory, an epoch estimate for FAUST's 80 training registrations, and the per-vertex
// prediction of all 6,890 template vertices. Each model runs in a child process of its own, so
// that its peak resident memory (getrusage's maxrss) is its own. Median of REPS steps after
// warm-ups, wall time and the process's CPU time (one thread does the work, so on a machine
// shared with other jobs the CPU time is what an idle machine's wall time would be). Options:
// --reps N, --only NAME (variants whose name contains NAME), --skip-baseline.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { meshFeatures } from "@gemcnn/features";
import { articulatedBodies, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import {
  batchForModel,
  buildGemCorrespondence,
  buildGemSegmenter,
  type GemModelConfig,
  initBackend,
  perVertexTrainStep,
  predictPerVertex,
} from "../src/index.js";

const VERTICES = 6890;
const TRAIN_MESHES = 80;
const BUDGET_MINUTES = 45;

interface Variant {
  readonly name: string;
  readonly build: "segmenter" | "correspondence";
  readonly config: GemModelConfig;
  /** Classes of the sampled softmax, or none for the full one. */
  readonly sampled?: number;
  /** Steps timed (the baseline is slow). */
  readonly reps?: number;
}

// The lighter network of issue 13: few channels at full resolution, three poolings (6,890 →
// 1,723 → 431 → 108 vertices), the widest fields on the coarse levels.
const light: GemModelConfig = {
  inputType: "3x0",
  blocks: [
    { fieldType: "8x0+4x1+2x2" },
    { fieldType: "16x0+8x1+4x2", pool: true },
    { fieldType: "32x0+16x1+8x2", pool: true },
    { fieldType: "32x0+16x1+8x2", pool: true },
  ],
  classes: VERTICES,
  embedding: 64,
};

const VARIANTS: readonly Variant[] = [
  {
    name: "baseline: buildGemSegmenter, GemConv to 6,890 logits, full softmax",
    build: "segmenter",
    config: {
      inputType: "3x0",
      blocks: [
        { fieldType: "16x0+16x1+16x2" },
        { fieldType: "16x0+16x1+16x2", pool: true },
        { fieldType: "32x0+16x1+16x2", pool: true },
      ],
      classes: VERTICES,
    },
    reps: 3,
  },
  { name: "correspondence (light), full softmax", build: "correspondence", config: light, reps: 5 },
  {
    name: "correspondence (light), 2,048 sampled classes",
    build: "correspondence",
    config: light,
    sampled: 2048,
  },
  {
    name: "correspondence (light), 1,024 sampled classes",
    build: "correspondence",
    config: light,
    sampled: 1024,
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
}

const argument = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function runVariant(index: number, reps: number): Promise<Record<string, number | string>> {
  const variant = VARIANTS[index];
  const report = await initBackend();
  const t0 = performance.now();
  const [body] = articulatedBodies({ shapes: 1, poses: 2, vertices: VERTICES }).slice(1);
  const geometry = MeshGeometry.fromData(body.data);
  const generateMs = performance.now() - t0;
  const model =
    variant.build === "segmenter"
      ? buildGemSegmenter(variant.config)
      : buildGemCorrespondence(variant.config);
  const t1 = performance.now();
  const batch = batchForModel(model, [geometry]);
  const prepareMs = performance.now() - t1;
  const features = [meshFeatures(geometry, { kinds: ["ones", "angle-defect", "relative-area"] }).values];
  const labels = [Int32Array.from({ length: VERTICES }, (_, v) => v)];
  const optimizer = tf.train.adam(1e-3);
  const step = () =>
    perVertexTrainStep(model, optimizer, batch, features, labels, { sampledClasses: variant.sampled });
  const warmUps = 2;
  for (let i = 0; i < warmUps; i++) step();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < (variant.reps ?? reps); i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    step();
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
    times.push(performance.now() - start);
  }
  const profile = await tf.profile(() => {
    step();
  });
  const t2 = performance.now();
  predictPerVertex(model, batch, features);
  const predictMs = performance.now() - t2;
  const stepMs = median(times);
  const epochS = (TRAIN_MESHES * stepMs) / 1000;
  return {
    variant: variant.name,
    backend: report.backend,
    weights: model.countParams(),
    "generate mesh ms": Math.round(generateMs),
    "hierarchy ms": Math.round(prepareMs),
    "step ms (median)": Math.round(stepMs),
    "step ms (min … max)": `${Math.round(Math.min(...times))} … ${Math.round(Math.max(...times))}`,
    // One thread does the work: its CPU time is what the wall time would be on an idle machine.
    "step CPU ms (median)": Math.round(median(cpu)),
    "peak RSS MB": Math.round(process.resourceUsage().maxRSS / 1024),
    "tf peak MB (one step)": Math.round(profile.peakBytes / 2 ** 20),
    "predict ms": Math.round(predictMs),
    "epoch s (80 meshes, CPU)": Math.round((TRAIN_MESHES * median(cpu)) / 1000),
    "epoch s (80 meshes)": Math.round(epochS),
    // The 80 hierarchies are built once, then every epoch reuses them.
    "epochs in 45 min": Math.floor((BUDGET_MINUTES * 60 - (TRAIN_MESHES * prepareMs) / 1000) / epochS),
  };
}

const child = argument("--child");
if (child !== undefined) {
  const result = await runVariant(Number(child), Number(argument("--reps") ?? 10));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} else {
  const reps = argument("--reps") ?? "10";
  const only = argument("--only");
  const rows: Record<string, number | string>[] = [];
  const script = fileURLToPath(import.meta.url);
  VARIANTS.forEach((variant, i) => {
    if (only !== undefined && !variant.name.includes(only)) return;
    if (process.argv.includes("--skip-baseline") && variant.name.startsWith("baseline")) return;
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", "--conditions=source", script, "--child", String(i), "--reps", reps],
      { encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = output.split("\n").find((l) => l.startsWith("RESULT "));
    if (line === undefined) throw new Error(`variant "${variant.name}" printed no result:\n${output}`);
    rows.push(JSON.parse(line.slice(7)));
  });
  console.log(`date: ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `command: pnpm bench:pervertex   mesh: a ${VERTICES}-vertex articulated body (articulatedBodies), labels = vertex index, Adam; light = ${light.blocks.map((b) => `${b.pool ? "pool → " : ""}${b.fieldType}`).join(", ")}, embedding ${light.embedding}`,
  );
  console.table(rows);
}
