// Data-parallel training on worker threads: a ReplicaPool splits every batch over two replicas of
// the model, returns the batch's gradient as one flat vector, and the optimizer steps on this
// thread (FusedAdamOptimizer: Adam over every weight without a tensor op per weight).
// Run: pnpm --filter @gemcnn/nn example:parallel
import { meshFeatures } from "@gemcnn/features";
import { bumpySphere, MeshGeometry, torus } from "@gemcnn/geometry";
import { buildGemClassifier, FusedAdamOptimizer, initBackend } from "@gemcnn/nn";
import { ReplicaPool } from "@gemcnn/nn/parallel";
import type * as tf from "@tensorflow/tfjs";

export async function dataParallel() {
  await initBackend();
  const model = buildGemClassifier({
    inputType: "2x0",
    blocks: [{ fieldType: "8x0+4x1+4x2" }, { fieldType: "8x0+4x1+4x2", pool: true }],
    classes: 2,
    fieldDropout: 0.1,
    dropout: 0.2,
  });
  const meshes = [
    bumpySphere({ level: 2, seed: 1 }),
    torus({ majorSegments: 16, minorSegments: 8 }),
    bumpySphere({ level: 2, seed: 2 }),
    torus({ majorSegments: 14, minorSegments: 7 }),
  ];
  const features = meshes.map(
    (m) => meshFeatures(MeshGeometry.fromData(m), { kinds: ["ones", "angle-defect"] }).values,
  );
  const labels = [0, 1, 0, 1];

  // Each worker is sent a mesh (and builds its hierarchy) the first time a batch includes it.
  const pool = await ReplicaPool.create(model, {
    threads: 2,
    sample: (i) => ({ mesh: meshes[i], features: features[i] }),
  });
  const optimizer = new FusedAdamOptimizer(0.01); // tf.train.adam's arithmetic, bit for bit
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      // Meshes 0, 1 on one worker, 2, 3 on the other; normalisation statistics over all four.
      const { gradient, hasGradient, loss } = await pool.classifierGradientVector([0, 1, 2, 3], labels, {
        seed: step,
      });
      optimizer.applyFlatGradients(variables, gradient, hasGradient);
      losses.push(loss);
    }
    console.log(`loss: ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
    const logits = await pool.logits([0, 1, 2, 3]); // [4 meshes × 2 classes], row-major
    return { losses, logits };
  } finally {
    await pool.close();
  }
}

if (process.argv[1]?.endsWith("data-parallel.ts")) await dataParallel();
