import { FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.js";
import { type GemConvSpec, gemConv, gemConvBases } from "./conv.js";
import { buildConvGraph, type ConvGraph } from "./graph.js";
import { gemConvReference } from "./reference.js";

function randomArray(n: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length: n }, () => random.gaussian());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const sphere = MeshGeometry.fromData(icosphere(1));

const cases: { name: string; spec: GemConvSpec; includesSelf: boolean }[] = [
  {
    name: "orders 0-2 to 0-2, mean, with self",
    spec: { inType: FieldType.parse("3x0+2x1+2x2"), outType: FieldType.parse("2x0+3x1+1x2"), rings: 2 },
    includesSelf: true,
  },
  {
    name: "vectors to scalars and order 3, sum, without self",
    spec: {
      inType: FieldType.parse("2x1"),
      outType: FieldType.parse("2x0+1x3"),
      rings: 3,
      aggregation: "sum",
    },
    includesSelf: false,
  },
  {
    name: "scalars to vectors, band-limited",
    spec: {
      inType: FieldType.parse("4x0+1x2"),
      outType: FieldType.parse("2x1+1x2"),
      rings: 1,
      maxFrequency: 1,
    },
    includesSelf: true,
  },
];

for (const backend of ["wasm", "cpu"] as const) {
  describe(`gemConv on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ backend });
    });

    for (const { name, spec, includesSelf } of cases) {
      describe(name, () => {
        const graph: ConvGraph = buildConvGraph(sphere, { rings: spec.rings, includeSelf: includesSelf });
        const random = new SeededRandom(11);
        const { nWeights, nBias } = gemConvBases(spec);
        const x = randomArray(graph.nVertices * spec.inType.dim, random);
        const weights = randomArray(nWeights, random);
        const bias = randomArray(nBias, random);
        const run = (xv: ArrayLike<number>, wv: ArrayLike<number>, bv: ArrayLike<number>) =>
          tf.tidy(() =>
            gemConv(
              tf.tensor2d(Float32Array.from(xv), [graph.nVertices, spec.inType.dim]),
              graph,
              tf.tensor1d(Float32Array.from(wv)),
              nBias > 0 ? tf.tensor1d(Float32Array.from(bv)) : null,
              spec,
            ).dataSync(),
          );

        it("matches the float64 reference", () => {
          const expected = gemConvReference(x, graph, weights, nBias > 0 ? bias : null, spec);
          const actual = run(x, weights, bias);
          // float32: each output sums ~7 neighbours × (R·dim_in + dim_in) terms; √K·6e-8 ≈ 1e-6.
          expect(relativeError(actual, expected)).toBeLessThan(1e-5);
          expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1);
        });

        it("has the gradients of the reference (directional derivatives)", () => {
          const cotangent = randomArray(graph.nVertices * spec.outType.dim, random);
          const dx = randomArray(x.length, random);
          const dw = randomArray(weights.length, random);
          const db = randomArray(bias.length, random);
          const [gx, gw, gb] = tf.tidy(() => {
            const target = tf.tensor2d(Float32Array.from(cotangent), [graph.nVertices, spec.outType.dim]);
            const f = (xt: tf.Tensor, wt: tf.Tensor, bt?: tf.Tensor) =>
              tf.sum(
                tf.mul(
                  gemConv(xt as tf.Tensor2D, graph, wt as tf.Tensor1D, (bt as tf.Tensor1D) ?? null, spec),
                  target,
                ),
              );
            const args = [
              tf.tensor2d(Float32Array.from(x), [graph.nVertices, spec.inType.dim]),
              tf.tensor1d(Float32Array.from(weights)),
            ];
            if (nBias > 0) args.push(tf.tensor1d(Float32Array.from(bias)));
            return tf
              .grads(f)(args)
              .map((g) => g.dataSync());
          });
          // The loss is linear in each argument, so central differences of the float64 reference
          // are exact up to rounding.
          const loss = (xv: Float64Array, wv: Float64Array, bv: Float64Array) =>
            dot(gemConvReference(xv, graph, wv, nBias > 0 ? bv : null, spec), cotangent);
          const h = 1e-3;
          const along = (which: 0 | 1 | 2, dir: Float64Array) => {
            const args = [x, weights, bias].map((a) => Float64Array.from(a));
            const plus = args.map((a) => Float64Array.from(a));
            const minus = args.map((a) => Float64Array.from(a));
            for (let i = 0; i < dir.length; i++) {
              plus[which][i] += h * dir[i];
              minus[which][i] -= h * dir[i];
            }
            return (loss(plus[0], plus[1], plus[2]) - loss(minus[0], minus[1], minus[2])) / (2 * h);
          };
          expect(relativeError([dot(gx, dx)], [along(0, dx)])).toBeLessThan(1e-5);
          expect(relativeError([dot(gw, dw)], [along(1, dw)])).toBeLessThan(1e-5);
          if (nBias > 0) expect(relativeError([dot(gb, db)], [along(2, db)])).toBeLessThan(1e-5);
        });
      });
    }
  });
}
