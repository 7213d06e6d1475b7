import { FieldType, testing } from "@gemcnn/gauge";
import { MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { geodesicSphere } from "../../geometry/bench/geodesic-sphere.js";
import { buildConvGraph, type GemConvSpec, gemConvBases, initBackend } from "../src/index.js";
import { aggregate, aggregateBackward, aggregateForward, aggregationPlan } from "../src/kernels/aggregate.js";

await initBackend();
const graph = buildConvGraph(MeshGeometry.fromData(geodesicSphere(26)), { rings: 2 });
const type = FieldType.parse("16x0+16x1+16x2");
const spec: GemConvSpec = { inType: type, outType: type, rings: 2 };
const plan = aggregationPlan(graph, type, type, "mean");
const V = graph.nVertices;
const x = tf.randomNormal([V, 80]) as tf.Tensor2D;
const time = (name: string, fn: () => void) => {
  for (let i = 0; i < 2; i++) fn();
  const ts = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    tf.tidy(fn);
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(30), ts[3].toFixed(1), "min", ts[0].toFixed(1));
};
const xs = new Float32Array(V * 80).map(() => Math.random());
const outs = plan.blocks.map((b) => new Float32Array(V * b.width));
time("js aggregateForward", () => {
  for (const o of outs) o.fill(0);
  aggregateForward(plan, xs, outs);
});
const dx = new Float32Array(V * 80);
time("js aggregateBackward", () => {
  dx.fill(0);
  aggregateBackward(plan, outs, dx);
});
time("kernel aggregate", () => {
  aggregate(x, plan);
});
const A = aggregate(x, plan);
const M = plan.blocks.map((b, i) => tf.randomNormal([b.width, i === 0 ? 16 : 32]) as tf.Tensor2D);
time("3 matmuls", () => {
  A.map((a, i) => tf.matMul(a, M[i]));
});
const dOut = M.map((m) => tf.randomNormal([V, m.shape[1]]) as tf.Tensor2D);
time("3 matmuls dA = dOut M^T", () => {
  dOut.map((d, i) => tf.matMul(d, M[i], false, true));
});
time("3 matmuls dM = A^T dOut", () => {
  dOut.map((d, i) => tf.matMul(A[i], d, true, false));
});
console.log(
  plan.blocks.map((b) => b.width),
  gemConvBases(spec).nWeights,
);
time("3 matmuls dOut @ transpose(M)", () => {
  dOut.map((d, i) => tf.matMul(d, tf.transpose(M[i])));
});
time("3 matmuls transpose(A) @ dOut", () => {
  dOut.map((d, i) => tf.matMul(tf.transpose(A[i]), d));
});
time("3 transpose(A)", () => {
  dOut.map((d, i) => tf.transpose(A[i]));
});
