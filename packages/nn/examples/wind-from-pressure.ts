// Per-vertex regression of a tangent vector field: the wind on a sphere from the pressure, by the
// geostrophic-like relation wind = n × ∇P of the synthetic weather (a vortex, a pair, a dipole or
// a jet, at a random rotation of the sphere). The input is a scalar (order 0), the output a
// vector (order 1) in the vertex frames, which are arbitrary: every sample gets its own random
// gauge. The loss, the RMSE and the angular error do not depend on the frames. A control that
// outputs two invariant scalars per vertex as the wind's frame coefficients cannot follow the
// frames and stays near the 90° of a random direction.
// Run: pnpm --filter @gemcnn/nn example:wind-regression
import {
  ambientToFrameCoefficients,
  MeshGeometry,
  moveMesh,
  randomGauge,
  randomRigidMotion,
  rotateFrames,
  type SphericalWindSample,
  sphericalWindDataset,
  type TangentFrames,
  tangentFrames,
} from "@gemcnn/geometry";
import {
  batchMeshes,
  buildGemRegressor,
  buildMeshHierarchy,
  fieldRegressionMetrics,
  initBackend,
  meshOptionsOf,
  perVertexRegressionStep,
  predictPerVertexFields,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

/** One sample as the network sees it: a sphere, its frames, the pressure and the wind in those frames. */
interface Case {
  readonly geometry: MeshGeometry;
  readonly frames: TangentFrames;
  readonly pressure: Float64Array;
  /** Order-1 coefficients `[V × 2]` of the wind in `frames`. */
  readonly wind: Float64Array;
}

/** `s` on `geometry` (the icosphere, or the icosphere turned by `rotation`, the wind turned alike) in random frames. */
function asCase(s: SphericalWindSample, geometry: MeshGeometry, seed: number, rotation?: Float64Array): Case {
  let wind = s.wind;
  if (rotation !== undefined) {
    wind = new Float64Array(wind.length);
    for (let v = 0; v < wind.length; v += 3) {
      for (let r = 0; r < 3; r++) {
        wind[v + r] =
          rotation[3 * r] * s.wind[v] +
          rotation[3 * r + 1] * s.wind[v + 1] +
          rotation[3 * r + 2] * s.wind[v + 2];
      }
    }
  }
  const frames = rotateFrames(tangentFrames(geometry), randomGauge(geometry.nVertices, seed));
  return {
    geometry,
    frames,
    pressure: s.pressure,
    wind: ambientToFrameCoefficients(frames, wind).coefficients,
  };
}

export interface WindRegressionOptions {
  /** Adam steps on the whole training set (default 300). */
  readonly steps?: number;
  /** Icosphere level (default 2: 162 vertices, about 17° between neighbours). */
  readonly level?: number;
  /** Training samples per weather class, 6 classes (default 3). */
  readonly samplesPerClass?: number;
  /** Also train the control (default true). */
  readonly control?: boolean;
}

export async function windRegressionExample(options: WindRegressionOptions = {}) {
  await initBackend();
  const { steps = 300, level = 2, samplesPerClass = 3, control = true } = options;
  // Training wind has tangent noise of 0.05 of the peak speed; the test wind has none: the
  // relation itself is what the model should recover.
  const train = sphericalWindDataset({ level, samplesPerClass, seed: 0, noise: 0.05 });
  const test = sphericalWindDataset({ level, samplesPerClass: 2, seed: 1000, noise: 0 });
  const sphere = MeshGeometry.fromData(train[0].mesh);
  const trainCases = train.map((s, i) => asCase(s, sphere, i));
  const testCases = test.map((s, i) => asCase(s, sphere, 1000 + i));
  // The same test samples on spheres turned by random rotations (and in other random frames).
  const rotatedCases = test.map((s, i) => {
    const { rotation } = randomRigidMotion(500 + i);
    return asCase(s, moveMesh(sphere, { rotation, translation: new Float64Array(3) }), 2000 + i, rotation);
  });

  const run = (outputType: "1x1" | "2x0") => {
    const model = buildGemRegressor({
      inputType: "1x0",
      blocks: [{ fieldType: "8x0+8x1" }, { fieldType: "8x0+8x1" }],
      outputType,
      normalization: false,
      inputFields: { type: "1x0", names: ["pressure"] },
      outputFields:
        outputType === "1x1"
          ? { type: "1x1", names: ["wind"] }
          : { type: "2x0", names: ["wind_1", "wind_2"] },
    });
    // Each case's graph in its own frames, so that its coefficients and its graph agree.
    const batchOf = (cases: Case[]) =>
      batchMeshes(
        cases.map((c) => buildMeshHierarchy(c.geometry, { ...meshOptionsOf(model), frames: c.frames })),
      );
    const optimizer = tf.train.adam(0.01);
    const batch = batchOf(trainCases);
    const inputs = trainCases.map((c) => c.pressure);
    const targets = trainCases.map((c) => c.wind);
    const losses = Array.from({ length: steps }, () =>
      perVertexRegressionStep(model, optimizer, batch, inputs, targets),
    );
    // The metrics read the output as the wind's coefficients (order 1), whatever the model says.
    const evaluate = (cases: Case[]) => {
      const predicted = predictPerVertexFields(
        model,
        batchOf(cases),
        cases.map((c) => c.pressure),
      );
      const truth = cases.map((c) => c.wind);
      const all = fieldRegressionMetrics("1x1", predicted, truth).copies[0];
      // Where the wind is calm its direction is ill-defined at this resolution: also the angular
      // error where the speed is at least a tenth of the systems' peak speed (1).
      const windy = fieldRegressionMetrics("1x1", predicted, truth, { minTargetMagnitude: 0.1 }).copies[0];
      return { all: all.angularError!, windy: windy.angularError!, rmse: all.rmse, windRms: all.targetRms };
    };
    return { model, losses, test: evaluate(testCases), rotated: evaluate(rotatedCases) };
  };

  const show = (what: string, m: ReturnType<typeof run>["test"]) =>
    `${what}: angular error median ${m.all.median.toFixed(1)}°, mean ${m.all.mean.toFixed(1)}°; ` +
    `where speed ≥ 0.1 (${m.windy.count} of ${m.all.count} vertices) median ${m.windy.median.toFixed(1)}°, ` +
    `mean ${m.windy.mean.toFixed(1)}°; RMSE ${m.rmse.toFixed(3)} (wind RMS ${m.windRms.toFixed(3)})`;
  const vector = run("1x1");
  console.log(show("order-1 output, test", vector.test));
  console.log(show("order-1 output, rotated test spheres", vector.rotated));
  const scalar = control ? run("2x0") : undefined;
  if (scalar !== undefined) {
    console.log(show("control (two scalars), test", scalar.test));
    console.log(show("control, rotated test spheres", scalar.rotated));
  }
  return { vector, scalar };
}

if (process.argv[1]?.endsWith("wind-from-pressure.ts")) await windRegressionExample();
