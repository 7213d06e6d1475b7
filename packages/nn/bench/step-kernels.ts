import os from "node:os";
import { MeshGeometry } from "@gemcnn/geometry";
import { readMeshSync } from "@gemcnn/geometry/node";
import * as tf from "@tensorflow/tfjs";
import {
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  classifierTrainStep,
  FusedAdamOptimizer,
  initBackend,
  meshOptionsOf,
} from "../src/index.js";
import { setFusedFieldKernels } from "../src/kernels/field-kernels.js";
import { SHREC_BENCH_MODEL, shrecBenchFeatures, shrecBenchFiles } from "./shrec-sample.js";

const files = shrecBenchFiles().slice(0, 8);
const config = SHREC_BENCH_MODEL;
const report = await initBackend();
const model = buildGemClassifier(config);
const geometries = files.map((f) => MeshGeometry.fromData(readMeshSync(f), { source: f }));
const hierarchies = geometries.map((g) => buildMeshHierarchy(g, meshOptionsOf(model)));
const features = geometries.map(shrecBenchFeatures);
const tfjsAdam = tf.train.adam(1e-3);
const fusedAdam = new FusedAdamOptimizer(1e-3);
let optimizer: tf.Optimizer = tfjsAdam;
const step = () =>
  classifierTrainStep(
    model,
    optimizer,
    batchMeshes(hierarchies),
    features,
    files.map((_, i) => i % 30),
  );

// Kernel calls by label: the innermost layer whose forward call is running, else the phase.
let counts = new Map<string, Map<string, number>>();
const stack: string[] = [];
let phase = "";
const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
const runKernel = engine.runKernel.bind(engine);
engine.runKernel = (name, ...rest) => {
  const label = stack.at(-1) ?? phase;
  let byName = counts.get(label);
  if (byName === undefined) {
    byName = new Map();
    counts.set(label, byName);
  }
  byName.set(name, (byName.get(name) ?? 0) + 1);
  return runKernel(name, ...rest);
};
const SUBLAYERS = ["conv1", "norm1", "activationLayer", "dropout", "conv2", "norm2", "skip"];
const label = (layer: tf.layers.Layer, prefix: string) => {
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    stack.push(`${prefix}${layer.name} (${layer.getClassName()})`);
    try {
      return call(inputs, kwargs);
    } finally {
      stack.pop();
      if (stack.length === 0) phase = "loss and backward pass";
    }
  };
  for (const key of SUBLAYERS) {
    const sub = (layer as unknown as Record<string, unknown>)[key];
    if (sub instanceof tf.layers.Layer) label(sub, `${prefix}${layer.name}/`);
  }
};
for (const layer of model.layers) label(layer, "");
for (const adam of [tfjsAdam, fusedAdam] as tf.Optimizer[]) {
  const applyGradients = adam.applyGradients.bind(adam);
  adam.applyGradients = (gradients) => {
    phase = "Adam";
    applyGradients(gradients);
  };
}

function countStep(fused: boolean, adam: tf.Optimizer): Map<string, Map<string, number>> {
  setFusedFieldKernels(fused);
  optimizer = adam;
  for (let i = 0; i < 2; i++) step();
  counts = new Map();
  phase = "before the model";
  step();
  const counted = counts;
  counts = new Map();
  return counted;
}
const total = (m: Map<string, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);
const byKernel = (m: Map<string, number> | undefined) =>
  [...(m ?? [])]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");

const ops = countStep(false, tfjsAdam);
const fused = countStep(true, tfjsAdam);
const fusedAdamCounts = countStep(true, fusedAdam);
console.log(`date: ${new Date().toISOString()}`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; backend: ${report.reason}`,
);
console.log(
  "command: pnpm bench:step-kernels; kernel calls of one training step, batch of 8 SHREC-11 meshes",
);
const rows = [...new Set([...ops.keys(), ...fused.keys()])].map((key) => ({
  "layer (forward) or phase": key,
  "op by op": total(ops.get(key)),
  "whole-field kernels": total(fused.get(key)),
  "+ FusedAdamOptimizer": total(fusedAdamCounts.get(key)),
  "kernels (whole-field)": byKernel(fused.get(key)).slice(0, 90),
}));
const sum = (c: Map<string, Map<string, number>>) => [...c.values()].reduce((a, m) => a + total(m), 0);
rows.push({
  "layer (forward) or phase": "total",
  "op by op": sum(ops),
  "whole-field kernels": sum(fused),
  "+ FusedAdamOptimizer": sum(fusedAdamCounts),
  "kernels (whole-field)": "",
});
console.table(rows);
console.log(`op by op, loss and backward pass: ${byKernel(ops.get("loss and backward pass"))}`);
