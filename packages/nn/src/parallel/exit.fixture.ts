// A process that leaves a ReplicaPool behind (run by replica-pool.test.ts in a child process):
// `throw`: the main thread throws while a step runs on the workers; `forget`: a step succeeds and
// one fails, the error is handled and the process ends without closing the pool. Either way the
// process must exit by itself, with its own exit code.

import { meshFeatures } from "@gemcnn/features";
import { bumpySphere, MeshGeometry, torus } from "@gemcnn/geometry";
import { initBackend } from "../backend.js";
import { buildGemClassifier } from "../models/builders.js";
import { ReplicaPool } from "./replica-pool.js";

const mode = process.argv[2];
await initBackend();
const model = buildGemClassifier({
  inputType: "2x0",
  blocks: [{ fieldType: "4x0+2x1" }, { fieldType: "4x0+2x1", pool: true }],
  classes: 2,
});
const meshes = [bumpySphere({ level: 2, seed: 1 }), torus({ majorSegments: 12, minorSegments: 6 })];
const features = meshes.map(
  (m) => meshFeatures(MeshGeometry.fromData(m), { kinds: ["ones", "angle-defect"] }).values,
);
const broken = { positions: new Float64Array([0, 0, 0, 1, 0, 0]), triangles: new Uint32Array([0, 1, 2]) };
const pool = await ReplicaPool.create(model, {
  threads: 2,
  sample: (i) =>
    i === 2 ? { mesh: broken, features: new Float32Array(6) } : { mesh: meshes[i], features: features[i] },
});
if (mode === "throw") {
  void pool.classifierGradients([0, 1], [0, 1], { seed: 1 });
  // After the step's messages are posted (a microtask later), while the workers compute.
  setTimeout(() => {
    throw new Error("the main thread failed during a step");
  }, 0);
} else if (mode === "forget") {
  await pool.classifierGradients([0, 1], [0, 1], { seed: 1 });
  await pool.classifierGradients([0, 2], [0, 1], { seed: 2 }).catch((error: Error) => {
    console.error(`handled: ${error.message}`);
    process.exitCode = 3;
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
