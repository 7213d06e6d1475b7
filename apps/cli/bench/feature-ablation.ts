// Which input features help? Trains the linear probe (pooled invariant statistics, AdamW) on
// every combination of feature groups and prints test accuracies as a markdown table.
//   pnpm exec tsx --conditions=source apps/cli/bench/feature-ablation.ts --data ../shared/datasets/shrec_16 \
//     [--split a.json --split b.json …] [--synthetic] [--epochs 150] [--seeds 3]
// Features are preprocessed once with every group (cached), then columns are selected per run.
import { parseArgs } from "node:util";
import type { PreprocessedMesh } from "@gemcnn/features";
import { LinearProbe } from "../src/classifiers/linear-probe.js";
import { fieldOrders, pooledStatistics } from "../src/classifiers/pooled-statistics.js";
import { captureIO } from "../src/cli/capture-io.js";
import { datasetFromArgs, preprocessDataset, preprocessingFromArgs } from "../src/commands/shared.js";
import { epochOrder } from "../src/training/loop.js";
import { DEFAULT_SCHEDULE, learningRateAt } from "../src/training/schedule.js";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    split: { type: "string", multiple: true },
    synthetic: { type: "boolean" },
    epochs: { type: "string", default: "150" },
    seeds: { type: "string", default: "1" },
    workers: { type: "string", default: "2" },
  },
});

const GROUPS = ["moments", "curvature", "hks"] as const;
type Group = (typeof GROUPS)[number];
const SUBSETS: Group[][] = [
  ["moments"],
  ["curvature"],
  ["hks"],
  ["moments", "curvature"],
  ["curvature", "hks"],
  ["moments", "hks"],
  ["moments", "curvature", "hks"],
];

/** The feature group of each entry of `pooledStatistics(mesh)` (same iteration order). */
function descriptorGroups(mesh: PreprocessedMesh): Group[] {
  const groups: Group[] = [];
  const orders = fieldOrders(mesh.fieldType);
  let column = 0;
  for (const n of orders) {
    const name = mesh.channels[column];
    const group: Group = name.startsWith("moment") ? "moments" : name.startsWith("hks") ? "hks" : "curvature";
    for (let k = 0; k < (n === 0 ? 5 : 2); k++) groups.push(group);
    column += n === 0 ? 1 : 2;
  }
  return groups;
}

async function accuracy(
  descriptors: Float64Array[],
  labels: number[],
  nTrain: number,
  classes: number,
  seed: number,
): Promise<number> {
  const train = labels.slice(0, nTrain).map((_, i) => i);
  const test = labels.slice(nTrain).map((_, i) => nTrain + i);
  const probe = new LinearProbe(descriptors, labels, train, { classes, weightDecay: 1e-4, seed });
  const epochs = Number(values.epochs);
  const schedule = { ...DEFAULT_SCHEDULE, base: 0.01 };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = epochOrder(train, seed, epoch);
    for (let b = 0; b < order.length; b += 16)
      await probe.trainBatch(order.slice(b, b + 16), learningRateAt(schedule, epoch, epochs));
  }
  const t = await probe.evaluate(test);
  return t.correct / t.count;
}

const splits: (string | undefined)[] = values.split?.length ? values.split : [undefined];
const header = `| features | ${splits.map((s) => (s ? s.split("/").at(-1) : values.synthetic ? "synthetic" : "folders")).join(" | ")} |`;
const rows = new Map<string, string[]>();
for (const split of splits) {
  const argv = {
    options: { ...values, split, features: GROUPS.join(","), workers: values.workers },
    positionals: {},
  };
  const io = { ...captureIO(), stderr: process.stderr };
  const sources = await datasetFromArgs(argv, io);
  const data = await preprocessDataset(sources, preprocessingFromArgs(argv, io), io);
  const meshes = [...data.train, ...data.test];
  const full = meshes.map((s) => pooledStatistics(s.mesh));
  const groups = descriptorGroups(meshes[0].mesh);
  const labels = meshes.map((s) => s.label);
  for (const subset of SUBSETS) {
    const keep = groups.map((g, i) => (subset.includes(g) ? i : -1)).filter((i) => i >= 0);
    const descriptors = full.map((d) => Float64Array.from(keep, (i) => d[i]));
    const accs: number[] = [];
    for (let seed = 0; seed < Number(values.seeds); seed++) {
      accs.push(await accuracy(descriptors, labels, data.train.length, data.classes.length, seed));
    }
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const cell = `${(100 * mean).toFixed(1)}${accs.length > 1 ? ` (${accs.map((a) => (100 * a).toFixed(1)).join(", ")})` : ""}`;
    const key = subset.join(" + ");
    rows.set(key, [...(rows.get(key) ?? []), cell]);
  }
}
console.log(header);
console.log(`|---|${splits.map(() => "---").join("|")}|`);
for (const [key, cells] of rows) console.log(`| ${key} | ${cells.join(" | ")} |`);
