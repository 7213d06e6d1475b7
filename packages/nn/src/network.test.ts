import { FieldType, randomField, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry, randomGauge, rotateFrames, tangentFrames, torus } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.js";
import { buildConvGraph, type ConvGraph } from "./graph.js";
import { GemConv } from "./layers/gem-conv.js";
import { GatedNonlinearity, NormNonlinearity } from "./layers/nonlinearities.js";
import { InvariantPooling } from "./layers/pooling.js";

/** conv → norm → conv → gated → conv → invariant pooling, random non-zero weights and biases. */
function smallNetwork(seed: number) {
  const random = new SeededRandom(seed);
  const init = () => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: random.int(1e6) });
  const layers = [
    new GemConv({
      inType: "4x0",
      outType: "4x0+4x1+2x2",
      kernelInitializer: init(),
      biasInitializer: init(),
    }),
    new NormNonlinearity({ fieldType: "4x0+4x1+2x2", activation: "relu" }),
    new GemConv({
      inType: "4x0+4x1+2x2",
      outType: "9x0+4x1+2x2",
      kernelInitializer: init(),
      biasInitializer: init(),
    }),
    new GatedNonlinearity({ fieldType: "3x0+4x1+2x2" }),
    new GemConv({
      inType: "3x0+4x1+2x2",
      outType: "2x0+2x1",
      kernelInitializer: init(),
      biasInitializer: init(),
    }),
    new InvariantPooling({ fieldType: FieldType.parse("2x0+2x1") }),
  ];
  // Non-zero norm biases too.
  layers[1].apply(tf.zeros([1, 16]));
  layers[1].setWeights([tf.tensor1d(Float32Array.from({ length: 10 }, () => random.uniform(-0.5, 0.5)))]);
  return (x: tf.Tensor2D, graph: ConvGraph): Float32Array =>
    tf.tidy(
      () =>
        layers
          .reduce<tf.Tensor>((h, layer) => layer.apply(h, { graph }) as tf.Tensor, x)
          .dataSync() as Float32Array,
    );
}

function rigidMotion(positions: Float64Array, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  // A random rotation from a random unit quaternion, and a random translation.
  const q = [random.gaussian(), random.gaussian(), random.gaussian(), random.gaussian()];
  const n = Math.hypot(...q);
  const [w, x, y, z] = q.map((c) => c / n);
  const R = [
    [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ];
  const t = [random.uniform(-2, 2), random.uniform(-2, 2), random.uniform(-2, 2)];
  const out = new Float64Array(positions.length);
  for (let v = 0; v < positions.length; v += 3) {
    for (let i = 0; i < 3; i++) {
      out[v + i] = R[i][0] * positions[v] + R[i][1] * positions[v + 1] + R[i][2] * positions[v + 2] + t[i];
    }
  }
  return out;
}

describe("a whole network with exact nonlinearities (float32, wasm)", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  for (const [name, data] of [
    ["torus", torus({ majorSegments: 24, minorSegments: 12 })],
    ["bumpy sphere", bumpySphere({ level: 2 })],
  ] as const) {
    it(`gives the same logits after a random gauge change and a random rigid motion: ${name}`, () => {
      const network = smallNetwork(1);
      const geometry = MeshGeometry.fromData(data);
      const nVertices = geometry.mesh.nVertices;
      const x = tf.tensor2d(randomField(FieldType.scalars(4), nVertices, 2, "float32") as Float32Array, [
        nVertices,
        4,
      ]);
      const frames = tangentFrames(geometry);
      const logits = network(x, buildConvGraph(geometry, { frames }));
      expect(Math.min(...logits.map(Math.abs))).toBeGreaterThan(1e-3);

      const turnedFrames = rotateFrames(frames, randomGauge(nVertices, 3));
      const gaugeChanged = buildConvGraph(geometry, { frames: turnedFrames });
      expect(relativeError(network(x, gaugeChanged), logits)).toBeLessThan(1e-5);

      const moved = MeshGeometry.fromData({
        positions: rigidMotion(data.positions, 4),
        triangles: data.triangles,
      });
      expect(relativeError(network(x, buildConvGraph(moved, {})), logits)).toBeLessThan(1e-5);

      // Negative control: the same network with transport of the wrong sign is not gauge invariant.
      const wrongSign = (graph: ConvGraph): ConvGraph => ({
        ...graph,
        transport: graph.transport.map((g) => -g),
      });
      const broken = network(x, wrongSign(buildConvGraph(geometry, { frames })));
      expect(relativeError(network(x, wrongSign(gaugeChanged)), broken)).toBeGreaterThan(1e-3);
    });
  }
});
