// A multiscale classifier on two meshes: batch them, train a few steps, save, load, and check
// that the loaded model is invariant to gauge changes and rigid motions.
// Run: pnpm --filter @gemcnn/nn example:classifier
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { meshFeatures } from "@gemcnn/features";
import { bumpySphere, MeshGeometry, torus } from "@gemcnn/geometry";
import {
  applyToMeshes,
  assertModelInvariant,
  batchForModel,
  buildGemClassifier,
  classifierTrainStep,
  initBackend,
  loadModel,
  saveModel,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export async function multiscaleClassifier(dir?: string) {
  await initBackend();
  const model = buildGemClassifier({
    inputType: "2x0", // per-vertex invariant scalars: ones and angle defects
    blocks: [
      { fieldType: "8x0+8x1+4x2" }, // level 0: the mesh itself
      { fieldType: "8x0+8x1+4x2", pool: true }, // level 1: a quarter of its vertices
      { fieldType: "16x0+8x1+4x2", pool: true }, // level 2: a sixteenth
    ],
    nonlinearity: "gated",
    classes: 2,
  });

  // Each mesh's hierarchy (graphs, samples, pooling maps) is built once and cached; the batch
  // stacks them into one block-diagonal graph per level.
  const meshes = [bumpySphere({ level: 2 }), torus({ majorSegments: 16, minorSegments: 8 })].map((data) =>
    MeshGeometry.fromData(data),
  );
  const batch = batchForModel(model, meshes);
  // Invariant scalars from @gemcnn/features: their packed values are the input field ("2x0").
  const features = meshes.map(
    (geometry) => meshFeatures(geometry, { kinds: ["ones", "angle-defect"] }).values,
  );
  const optimizer = tf.train.adam(0.01);
  const losses = Array.from({ length: 10 }, () =>
    classifierTrainStep(model, optimizer, batch, features, [0, 1]),
  );
  console.log(`loss: ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);

  // model.json + weights.bin, written without tfjs-node; a browser loads the same directory by URL.
  const target = dir ?? join(await mkdtemp(join(tmpdir(), "gemcnn-")), "classifier");
  await saveModel(model, target);
  const loaded = await loadModel(target);
  const logits = applyToMeshes(loaded, batch, features); // [2 meshes × 2 classes]
  console.log(`logits after loading: ${Array.from(logits.dataSync(), (v) => v.toFixed(3)).join(", ")}`);

  const invariance = assertModelInvariant(loaded, meshes[1]);
  console.log(
    `invariance: gauge ${invariance.gauge.toExponential(1)}, rigid motion ${invariance.rigidMotion.toExponential(1)}`,
  );
  return { losses, logits: logits.shape, invariance, dir: target };
}

if (process.argv[1]?.endsWith("multiscale-classifier.ts")) await multiscaleClassifier();
