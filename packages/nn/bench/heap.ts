// pnpm bench:heap — the wasm heap over a training loop that never yields to the event loop:
// STEPS classifier training steps, each on a fresh block-diagonal batch of BATCH icospheres (so
// every step builds new graphs and new kernel tables), as the CLI's training loop does. Prints the
// wasm memory's size and the bytes of kernel tables still allocated every REPORT_EVERY steps.
// With each batch disposed after its step (disposeMeshBatch) both stay flat; without it (what
// the loop did before the kernels' tables had an owner) they grow by the batch's tables per step.
// GEMCNN_HEAP_NO_DISPOSE=1 leaves the batches to the garbage collector, for the comparison.
import os from "node:os";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import * as nn from "../src/index.js";

const STEPS = 60;
const BATCH = 8;
const REPORT_EVERY = 10;

const report = await nn.initBackend({ backend: "wasm" });
const model = nn.buildGemClassifier({
  inputType: "1x0",
  blocks: [{ fieldType: "8x0+8x1+8x2" }, { fieldType: "8x0+8x1+8x2", pool: true }],
  classes: 4,
  nonlinearity: "gated",
});
const hierarchies = [0, 1, 2, 3].map((k) =>
  nn.buildMeshHierarchy(MeshGeometry.fromData(icosphere(3, 1 + 0.1 * k)), nn.meshOptionsOf(model)),
);
const optimizer = tf.train.adam(1e-3);
// Absent before the fix; the loop then leaves the batches to the garbage collector.
const dispose =
  process.env.GEMCNN_HEAP_NO_DISPOSE === "1" ? undefined : (nn as Record<string, unknown>).disposeMeshBatch;
const tableBytes = (nn as Record<string, unknown>).wasmTableBytes as (() => number) | undefined;
const heapBytes = () =>
  (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

console.log(
  `bench:heap ${new Date().toISOString()} · ${os.cpus()[0]?.model} × ${os.cpus().length} · Node ${process.version} · backend ${report.backend}`,
);
console.log(
  `${STEPS} steps, batches of ${BATCH} icospheres (642 vertices), ${typeof dispose === "function" ? "each batch disposed after its step" : "batches left to the garbage collector"}`,
);
console.log("step  wasm heap MiB  kernel tables MiB (after the step → after disposing)");
for (let step = 1; step <= STEPS; step++) {
  const indices = Array.from({ length: BATCH }, (_, k) => (step + k) % hierarchies.length);
  const batch = nn.batchMeshes(indices.map((i) => hierarchies[i]));
  nn.classifierTrainStep(
    model,
    optimizer,
    batch,
    indices.map((i) => new Float32Array(hierarchies[i].levels[0].graph.nVertices).fill(1 + i)),
    indices,
  );
  const stepTables = tableBytes?.();
  if (typeof dispose === "function") dispose(batch);
  if (step === 1 || step % REPORT_EVERY === 0) {
    const tables = tableBytes === undefined ? "n/a" : `${mib(stepTables ?? 0)} → ${mib(tableBytes())}`;
    console.log(`${String(step).padStart(4)}  ${mib(heapBytes()).padStart(13)}  ${tables.padStart(17)}`);
  }
}
