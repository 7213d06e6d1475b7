// Where the time of one bench:conv GemConv goes, stage by stage (median of 9 after 2 warm-ups):
//   tsx --conditions=source packages/nn/bench/conv-stages.ts
import { FieldType } from "@gemcnn/gauge";
import { geodesicSphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { buildConvGraph, initBackend } from "../src/index.js";
import { aggregate, aggregationPlan, setAggregateSimd } from "../src/kernels/aggregate.js";

console.log((await initBackend()).reason);
const graph = buildConvGraph(MeshGeometry.fromData(geodesicSphere(26)), { rings: 2 });
const type = FieldType.parse("16x0+16x1+16x2");
const plan = aggregationPlan(graph, type, type, "mean");
const x = tf.randomNormal([graph.nVertices, type.dim]) as tf.Tensor2D;

function time(name: string, fn: () => void): void {
  for (let i = 0; i < 2; i++) tf.tidy(fn);
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    tf.tidy(fn);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${times[4].toFixed(1).padStart(7)} ms`);
}

const blocks = aggregate(x, plan);
const mixing = plan.blocks.map(
  (b, i) => tf.randomNormal([b.width, type.slice(i).end - type.slice(i).start]) as tf.Tensor2D,
);
const dOut = mixing.map((m) => tf.randomNormal([graph.nVertices, m.shape[1]]) as tf.Tensor2D);
const cotangents = blocks.map((a) => tf.randomNormal(a.shape));
const loss = (input: tf.Tensor) =>
  tf.addN(aggregate(input as tf.Tensor2D, plan).map((a, i) => tf.sum(tf.mul(a, cotangents[i]))));
for (const simd of [true, false]) {
  setAggregateSimd(simd);
  const how = simd ? "wasm SIMD" : "JavaScript";
  time(`aggregate forward (${how})`, () => void aggregate(x, plan));
  time(`aggregate forward+backward (${how})`, () => void tf.grad(loss)(x));
  time(`  of which the loss's sums (${how})`, () => void loss(x));
}
time("mixing matMuls A_m · M_m", () => void blocks.map((a, i) => tf.matMul(a, mixing[i])));
time(
  "gradient dA_m = dOut_m · transpose(M_m)",
  () => void dOut.map((d, i) => tf.matMul(d, tf.transpose(mixing[i]))),
);
time(
  "gradient dM_m = transpose(A_m) · dOut_m",
  () => void dOut.map((d, i) => tf.matMul(tf.transpose(blocks[i]), d)),
);
time("  of which transpose(A_m)", () => void blocks.map((a) => tf.transpose(a)));
time(
  "same dA_m with matMul(transposeB)",
  () => void dOut.map((d, i) => tf.matMul(d, mixing[i], false, true)),
);
time(
  "same dM_m with matMul(transposeA)",
  () => void dOut.map((d, i) => tf.matMul(blocks[i], d, true, false)),
);
