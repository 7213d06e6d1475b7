// pnpm bench:conv — one GemConv 16x0+16x1+16x2 → 16x0+16x1+16x2, 2 rings, 1-ring neighbourhoods
// with the vertex itself, on the 6,762-vertex geodesic sphere; forward and forward+backward,
// median of 20 runs after 3 warm-ups. Runs the PyTorch peer (../shared/bench) in the same run
// when /usr/bin/python3 has torch, and prints the ratios (GEMCNN_BENCH_SKIP_PEER=1 skips it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { FieldType, SeededRandom } from "@gemcnn/gauge";
// geodesicSphere: the geometry package's generator of the peer's geodesic sphere.
import { geodesicSphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { buildConvGraph, type GemConvSpec, gemConv, gemConvBases, initBackend } from "../src/index.js";

const FREQUENCY = 26;
const REPS = 20;
const WARM_UPS = 3;

const report = await initBackend();
const t0 = performance.now();
const graph = buildConvGraph(MeshGeometry.fromData(geodesicSphere(FREQUENCY)), {
  rings: 2,
  includeSelf: true,
});
const graphMs = performance.now() - t0;
const type = FieldType.parse("16x0+16x1+16x2");
const spec: GemConvSpec = { inType: type, outType: type, rings: 2, aggregation: "mean" };
const { nWeights, nBias } = gemConvBases(spec);
const random = new SeededRandom(1);
const x = tf.tensor2d(random.gaussianArray(graph.nVertices * type.dim, "float32") as Float32Array, [
  graph.nVertices,
  type.dim,
]);
const weights = tf.variable(
  tf.tensor1d(random.gaussianArray(nWeights, "float32") as Float32Array).mul(0.05) as tf.Tensor1D,
);
const bias = tf.variable(
  tf.tensor1d(random.gaussianArray(nBias, "float32") as Float32Array).mul(0.1) as tf.Tensor1D,
);

function medianMs(fn: () => void): number {
  for (let i = 0; i < WARM_UPS; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[(REPS - 1) >> 1] + times[REPS >> 1]) / 2;
}

// The wasm backend runs every op eagerly and synchronously, so the timings need no read-back.
const forwardMs = medianMs(() => tf.tidy(() => void gemConv(x, graph, weights, bias, spec)));
const lossGradients = tf.grads((input, w, b) =>
  tf.sum(tf.square(gemConv(input as tf.Tensor2D, graph, w as tf.Tensor1D, b as tf.Tensor1D, spec))),
);
// Gradients with respect to the input and every parameter, as PyTorch's backward() computes.
const forwardBackwardMs = medianMs(() => tf.tidy(() => void lossGradients([x, weights, bias])));

const nEdges = graph.sources.length + (graph.includesSelf ? graph.nVertices : 0);
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`gemcnn bench:conv  ${new Date().toISOString()}`);
console.log(
  `machine: ${cpu}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}, Node ${process.version}`,
);
const fellBack = report.attempts.filter((a) => !a.ok).map((a) => a.backend);
console.log(
  `backend: ${report.reason.split(":")[0]}${fellBack.length > 0 ? ` (unavailable: ${fellBack.join(", ")})` : ""}`,
);
console.log(
  `mesh: geodesic sphere frequency ${FREQUENCY}, ${graph.nVertices} vertices, ${nEdges} directed pairs with self; ` +
    `"${type}" → "${type}", ${spec.rings} rings, mean, ${nWeights} weights; graph built in ${graphMs.toFixed(0)} ms`,
);
const perSecond = (ms: number) => Math.round(graph.nVertices / (ms / 1000)).toLocaleString("en-US");
console.log(`gemcnn  forward          ${forwardMs.toFixed(1)} ms  (${perSecond(forwardMs)} vertices/s)`);
console.log(
  `gemcnn  forward+backward ${forwardBackwardMs.toFixed(1)} ms  (${perSecond(forwardBackwardMs)} vertices/s)`,
);

const peer = fileURLToPath(new URL("../../../../shared/bench/gemconv_ref.py", import.meta.url));
const python = "/usr/bin/python3";
const hasTorch = (() => {
  if (process.env.GEMCNN_BENCH_SKIP_PEER === "1") return false;
  try {
    execFileSync(python, ["-c", "import torch"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (process.env.GEMCNN_BENCH_SKIP_PEER === "1" || !existsSync(peer) || !hasTorch) {
  console.log(
    `PyTorch peer skipped: ${existsSync(peer) ? `${python} cannot import torch` : `${peer} not found`}`,
  );
} else {
  for (const threads of [1, 2]) {
    const args = [peer, "--freq", String(FREQUENCY), "--channels", "16", "--order", "2", "--rings", "2"];
    const out = execFileSync(python, [...args, "--threads", String(threads), "--self"], { encoding: "utf8" });
    const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
      forward_ms: number;
      forward_backward_ms: number;
      torch: string;
    };
    console.log(
      `pytorch ${threads} thread${threads > 1 ? "s" : " "} forward ${result.forward_ms} ms, forward+backward ${result.forward_backward_ms} ms ` +
        `(torch ${result.torch}) → gemcnn is ${(result.forward_ms / forwardMs).toFixed(2)}× / ${(result.forward_backward_ms / forwardBackwardMs).toFixed(2)}× as fast`,
    );
  }
}
