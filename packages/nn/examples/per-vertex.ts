import { meshFeatures } from "@gemcnn/features";
// Per-vertex learning: dense correspondence on synthetic registrations (every vertex its own
// class) and part segmentation on remeshed bodies, with their metrics.
// Run: pnpm --filter @gemcnn/nn example:per-vertex
import {
  articulatedBodies,
  BODY_PARTS,
  MeshGeometry,
  mulberry32,
  withSeededMathRandom,
} from "@gemcnn/geometry";
import {
  batchForModel,
  buildGemCorrespondence,
  buildGemSegmenter,
  confusionMatrix,
  exactGeodesics,
  geodesicErrorCurve,
  initBackend,
  intersectionOverUnion,
  perVertexAccuracy,
  perVertexTrainStep,
  predictPerVertex,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export async function perVertexExample(steps = 30, noise = 0.02, seed = 0) {
  await initBackend();
  const blocks = [
    { fieldType: "8x0+4x1+2x2" },
    { fieldType: "16x0+8x1+4x2", pool: true },
    { fieldType: "16x0+8x1+4x2", pool: true },
  ];
  const invariant = (g: MeshGeometry) =>
    meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values;

  // Correspondence: 2 shapes × 3 poses sharing one 410-vertex connectivity; label = vertex index.
  const registrations = articulatedBodies({ shapes: 2, poses: 3, vertices: 410, noise });
  const meshes = registrations.map((b) => MeshGeometry.fromData(b.data));
  const [train, test] = [meshes.slice(0, 5), meshes[5]];
  const classes = meshes[0].nVertices;
  // Seeded weights (tfjs's initialisers draw from Math.random) and class samples: a repeatable run.
  const model = withSeededMathRandom(seed, () =>
    buildGemCorrespondence({ inputType: "3x0", blocks, classes, embedding: 32, normalization: false }),
  );
  const random = mulberry32(seed + 1);
  const batch = batchForModel(model, train); // hierarchies cached per mesh, one block-diagonal batch
  const features = train.map(invariant);
  const labels = train.map(() => Int32Array.from({ length: classes }, (_, v) => v));
  const optimizer = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    // A softmax over 128 of the 410 classes per step: the [vertices × classes] logits never exist.
    losses.push(
      perVertexTrainStep(model, optimizer, batch, features, labels, { sampledClasses: 128, random }),
    );
  }
  const testBatch = batchForModel(model, [test]);
  const [predicted] = predictPerVertex(model, testBatch, [invariant(test)]).labels;
  const truth = Int32Array.from({ length: classes }, (_, v) => v);
  const area = test.faceAreas.reduce((a, b) => a + b, 0);
  // Exact polyhedral distances, asked only for the wrong vertices.
  const curve = geodesicErrorCurve(predicted, truth, { distances: exactGeodesics(test), area });
  console.log(
    `correspondence: loss ${losses[0].toFixed(2)} → ${losses.at(-1)!.toFixed(2)}, ` +
      `${(100 * curve.atZero).toFixed(1)}% exact, ${(100 * curve.fraction[20]).toFixed(1)}% within 0.05·√area`,
  );

  // Segmentation: the same kind of bodies, each remeshed on its own, labelled by part.
  const bodies = articulatedBodies({ shapes: 2, poses: 2, vertices: 410, remesh: true, seed: 1, noise });
  const parts = bodies.map((b) => MeshGeometry.fromData(b.data));
  const segmenter = withSeededMathRandom(seed + 2, () =>
    buildGemSegmenter({ inputType: "3x0", blocks, classes: BODY_PARTS.length, normalization: false }),
  );
  const partBatch = batchForModel(segmenter, parts.slice(0, 3));
  const partFeatures = parts.slice(0, 3).map(invariant);
  const segmentOptimizer = tf.train.adam(0.01);
  for (let i = 0; i < steps; i++) {
    perVertexTrainStep(
      segmenter,
      segmentOptimizer,
      partBatch,
      partFeatures,
      bodies.slice(0, 3).map((b) => b.parts),
    );
  }
  const [segmented] = predictPerVertex(segmenter, batchForModel(segmenter, [parts[3]]), [
    invariant(parts[3]),
  ]).labels;
  const accuracy = perVertexAccuracy(segmented, bodies[3].parts);
  const iou = intersectionOverUnion(confusionMatrix(segmented, bodies[3].parts, BODY_PARTS.length));
  console.log(`segmentation: accuracy ${(100 * accuracy).toFixed(1)}%, mean IoU ${iou.mean.toFixed(3)}`);
  return { losses, curve, accuracy, iou };
}

if (process.argv[1]?.endsWith("per-vertex.ts")) await perVertexExample();
