import { EquivarianceError, FieldType, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.js";
import { type GemConvSpec, gemConv, gemConvBases } from "./conv.js";
import { assertGaugeEquivariant, checkGaugeEquivariance, type GraphFieldMap } from "./equivariance.js";
import { buildConvGraph, type ConvGraph } from "./graph.js";

/** An icosphere with bumps, so that curvature and transport vary from vertex to vertex. */
function bumpySphere(): MeshGeometry {
  const data = icosphere(2);
  const random = new SeededRandom(5);
  const positions = data.positions.map(
    (v, i) => v * (1 + 0.15 * Math.sin(3 * data.positions[i - (i % 3)]) + 0.05 * random.uniform()),
  );
  return MeshGeometry.fromData({ positions, triangles: data.triangles });
}

const geometry = bumpySphere();
const inType = FieldType.parse("3x0+2x1+2x2");
const outType = FieldType.parse("2x0+2x1+2x2+1x3");
const spec: GemConvSpec = { inType, outType, rings: 2 };
const { nWeights, nBias } = gemConvBases(spec);
const random = new SeededRandom(17);
const weights = Float32Array.from({ length: nWeights }, () => random.gaussian());
const bias = Float32Array.from({ length: nBias }, () => random.gaussian());

const conv: GraphFieldMap = (x, graph) => gemConv(x, graph, tf.tensor1d(weights), tf.tensor1d(bias), spec);

describe("GemConv gauge equivariance (float32, wasm)", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  for (const [name, graphOptions] of [
    ["1-ring with self, intrinsic log map, Levi-Civita transport", {}],
    [
      "1-ring without self, projection log map, normal rotation",
      { includeSelf: false, logMap: "projection", transport: "normal-rotation" },
    ],
    ["2-ring, sum over neighbours", { neighbourhood: { kind: "k-ring", k: 2 } }],
  ] as const) {
    it(`holds within 1e-5: ${name}`, () => {
      const aggregation = name.includes("sum") ? "sum" : "mean";
      const error = assertGaugeEquivariant(
        (x, g) =>
          gemConv(x, g, tf.tensor1d(weights), tf.tensor1d(bias), { ...spec, rings: g.rings, aggregation }),
        {
          geometry,
          inType,
          outType,
          graphOptions: graphOptions as object,
          seed: 3,
        },
      );
      expect(error).toBeLessThan(1e-5);
    });
  }

  it("checks the graph the options describe, frame options included", () => {
    const graphOptions = { frameOptions: { gauge: "random", seed: 4 } } as const;
    const seen: ConvGraph[] = [];
    assertGaugeEquivariant(
      (x, g) => {
        seen.push(g);
        return conv(x, g);
      },
      { geometry, inType, outType, graphOptions, seed: 3 },
    );
    // The first call runs in the untouched frames: the graph buildConvGraph makes from the options.
    expect(Array.from(seen[0].theta)).toEqual(Array.from(buildConvGraph(geometry, graphOptions).theta));
    expect(Array.from(seen[0].theta)).not.toEqual(Array.from(buildConvGraph(geometry).theta));
  });

  // Negative controls: each breaks one convention, and the check must see it.
  const controls: [string, GraphFieldMap][] = [
    [
      "a kernel that ignores θ (K(θ) = W, violating the constraint)",
      (x, graph) => conv(x, { ...graph, theta: new Float64Array(graph.theta.length) }),
    ],
    [
      "transport with the wrong sign",
      (x, graph) => conv(x, { ...graph, transport: graph.transport.map((g) => -g) } as ConvGraph),
    ],
    [
      "a bias on a vector field",
      (x, graph) => {
        const vectorBias = new Float32Array(outType.dim);
        vectorBias.fill(0.5, outType.slice(1).start, outType.slice(1).end);
        return tf.add(conv(x, graph), tf.tensor1d(vectorBias));
      },
    ],
  ];
  for (const [name, map] of controls) {
    it(`catches ${name}`, () => {
      const { relativeError } = checkGaugeEquivariance(map, { geometry, inType, outType, seed: 3 });
      expect(relativeError).toBeGreaterThan(1e-2);
      expect(() => assertGaugeEquivariant(map, { geometry, inType, outType, seed: 3 })).toThrow(
        EquivarianceError,
      );
    });
  }
});
