// A user's own vector field as input: wind on a sphere, cyclones against anticyclones. The two
// differ only in their sense of rotation, which a network sees in the wind as an order-1 field
// and not at all in its speed (the speeds are identical, vertex by vertex).
// Run: pnpm --filter @gemcnn/nn example:wind
import {
  ambientToFrameCoefficients,
  MeshGeometry,
  type SphericalWindSample,
  sphericalWindSample,
  tangentFrames,
} from "@gemcnn/geometry";
import {
  applyToMeshes,
  batchForModel,
  buildGemClassifier,
  classifierTrainStep,
  initBackend,
  namedFieldTypesOf,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export async function sphericalWindExample(steps = 60) {
  await initBackend();
  // Level-2 icosphere (162 vertices) to keep this to seconds; every sample is turned by a random
  // rotation of the sphere and has tangent noise of 0.1 of the peak speed.
  const pairs = (seeds: number[]) =>
    seeds.flatMap((seed) => [
      sphericalWindSample("cyclone", seed, { level: 2 }),
      sphericalWindSample("anticyclone", seed, { level: 2 }),
    ]);
  const train = pairs([0, 1, 2, 3]);
  const test = pairs([100, 101, 102, 103, 104, 105, 106, 107]);
  const geometry = MeshGeometry.fromData(train[0].mesh);
  const frames = tangentFrames(geometry); // the frames of the network's graph (its default)

  // The wind in the vertex frames: order-1 coefficients (v·e1, v·e2), the normal part dropped.
  const wind = (s: SphericalWindSample) =>
    ambientToFrameCoefficients(frames, s.wind, { onNormalComponent: "error" }).coefficients;
  // The negative control's input: the speed alone, a scalar.
  const speed = (s: SphericalWindSample) =>
    Float64Array.from({ length: geometry.nVertices }, (_, v) =>
      Math.hypot(s.wind[3 * v], s.wind[3 * v + 1], s.wind[3 * v + 2]),
    );

  const run = (inputType: string, name: string, input: (s: SphericalWindSample) => Float64Array) => {
    const model = buildGemClassifier({
      inputType,
      blocks: [{ fieldType: "4x0+4x1" }, { fieldType: "4x0+2x1" }],
      classes: 2,
      head: [8],
      normalization: false,
      inputFields: { type: inputType, names: [name] },
      outputFields: { type: "2x0", names: ["cyclone", "anticyclone"] },
    });
    const optimizer = tf.train.adam(0.02);
    const trainBatch = batchForModel(
      model,
      train.map(() => geometry),
    );
    const features = train.map(input);
    const labels = train.map((s) => s.label);
    const losses = Array.from({ length: steps }, () =>
      classifierTrainStep(model, optimizer, trainBatch, features, labels),
    );
    const logits = applyToMeshes(
      model,
      batchForModel(
        model,
        test.map(() => geometry),
      ),
      test.map(input),
    ).arraySync() as number[][];
    const predicted = logits.map((l) => (l[1] > l[0] ? 1 : 0));
    const accuracy = predicted.filter((p, i) => p === test[i].label).length / test.length;
    return { model, losses, logits, accuracy };
  };

  const vector = run("1x1", "wind", wind);
  const scalar = run("1x0", "speed", speed);
  console.log(`wind as a vector field: test accuracy ${vector.accuracy}`); // 1
  console.log(`speed alone: test accuracy ${scalar.accuracy}`); // 0.5: each pair looks the same
  console.log(`the model reads ${namedFieldTypesOf(vector.model).input}`); // wind:1
  return { vector, scalar };
}

if (process.argv[1]?.endsWith("spherical-wind.ts")) await sphericalWindExample();
