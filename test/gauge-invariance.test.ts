// The gauge-invariance suite of issue 4, float32 on the wasm backend: every GemConv, the norm and
// gated nonlinearities and whole multiscale networks, on the icosphere, the torus, the bunny and a
// SHREC-11 mesh, with random non-zero weights and biases, and the negative controls the checks
// must catch. The SHREC-11 mesh is read from ../shared/datasets (issue 4 asks for one; CI has it).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { meshFeatures } from "@gemcnn/features";
import { EquivarianceError, FieldType, relativeError, SeededRandom } from "@gemcnn/gauge";
import { bunny, icosphere, MeshGeometry, moveMesh, randomRigidMotion, torus } from "@gemcnn/geometry";
import { readMeshSync } from "@gemcnn/geometry/node";
import {
  applyToMeshes,
  assertGaugeEquivariant,
  assertModelInvariant,
  assertModelRelabellingInvariant,
  batchForModel,
  buildGemClassifier,
  buildGemRegressor,
  buildGemSegmenter,
  type ConvGraph,
  checkGaugeEquivariance,
  checkMeshMapGaugeEquivariance,
  checkMeshMapRelabellingInvariance,
  checkMeshMapRigidMotionInvariance,
  GAUGE_EQUIVARIANCE_TOLERANCE,
  GatedNonlinearity,
  type GemModelConfig,
  type GraphFieldMap,
  gemConv,
  gemConvBases,
  initBackend,
  type MeshBatch,
  type MeshBatchMap,
  meshOptionsOf,
  NormNonlinearity,
  RegularNonlinearity,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repositoryRoot = fileURLToPath(new URL("../", import.meta.url));
const SHREC_MESH = join(
  repositoryRoot,
  "..",
  "shared",
  "datasets",
  "shrec_16",
  "centaur",
  "train",
  "T168.obj",
);

const cache = new Map<string, MeshGeometry>();
function mesh(name: string, load: () => MeshGeometry): () => MeshGeometry {
  return () => {
    if (!cache.has(name)) cache.set(name, load());
    return cache.get(name)!;
  };
}

const MESHES: [string, () => MeshGeometry][] = [
  ["icosphere", mesh("icosphere", () => MeshGeometry.fromData(icosphere(3)))],
  ["torus", mesh("torus", () => MeshGeometry.fromData(torus()))],
  ["bunny", mesh("bunny", () => MeshGeometry.fromData(bunny()))],
  [
    "SHREC-11 centaur T168",
    mesh("shrec", () => {
      if (!existsSync(SHREC_MESH)) {
        throw new Error(
          `the SHREC-11 dataset is absent: ${SHREC_MESH} does not exist. This suite needs ../shared/datasets/shrec_16 beside the checkout (see ../shared/datasets/README.md).`,
        );
      }
      return MeshGeometry.fromData(readMeshSync(SHREC_MESH), { source: SHREC_MESH });
    }),
  ],
];

/** GemConv layer configurations: field types, graph options and aggregation. */
const CONVS = [
  { inType: "4x0", outType: "3x0+3x1+2x2", graph: {} },
  { inType: "3x0+2x1+2x2+1x3", outType: "2x0+2x1+2x2+1x3", graph: {} },
  {
    inType: "2x0+2x1+1x2",
    outType: "3x0+1x1",
    graph: { includeSelf: false, logMap: "projection", transport: "normal-rotation" },
  },
  {
    inType: "2x0+2x1",
    outType: "2x0+2x1+1x2",
    graph: { neighbourhood: { kind: "k-ring", k: 2 } },
    sum: true,
  },
] as const;

function randomConv(inType: FieldType, outType: FieldType, seed: number, sum = false): GraphFieldMap {
  const spec = { inType, outType, rings: 2, aggregation: sum ? ("sum" as const) : ("mean" as const) };
  const { nWeights, nBias } = gemConvBases(spec);
  const random = new SeededRandom(seed);
  const weights = tf.tensor1d(random.gaussianArray(nWeights, "float32") as Float32Array);
  const bias = tf.tensor1d(Float32Array.from({ length: nBias }, () => random.gaussian(0, 1) + 0.5));
  return (x, graph) => gemConv(x, graph, weights, bias, spec);
}

/** Random non-zero values for every weight of a model (positive scales and variances). */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const random = new SeededRandom(seed);
  model.setWeights(
    model.weights.map((w) => {
      const name = w.originalName;
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      const draw = () => {
        if (/gamma|moving_variance/.test(name)) return random.uniform(0.5, 2);
        if (/kernel/.test(name))
          return random.gaussian(0, name.includes("dense") || name.includes("logits") ? 0.3 : 0.4);
        return random.gaussian(0, 0.3);
      };
      return tf.tensor(Float32Array.from({ length: size }, draw), w.shape as number[]);
    }),
  );
}

const CLASSIFIER: GemModelConfig = {
  inputType: "2x0",
  blocks: [
    { fieldType: "6x0+4x1+2x2" },
    { fieldType: "6x0+4x1+2x2", pool: true },
    { fieldType: "8x0+4x1+2x2", pool: true },
  ],
  classes: 5,
  head: [16],
  fieldDropout: 0.1,
  dropout: 0.1,
};

/** The largest error of each check on each mesh, printed at the end. */
const measured: { mesh: string; check: string; relativeError: string }[] = [];
function record(meshName: string, check: string, error: number): void {
  const entry = measured.find((m) => m.mesh === meshName && m.check === check);
  if (entry === undefined) measured.push({ mesh: meshName, check, relativeError: error.toExponential(1) });
  else entry.relativeError = Math.max(Number(entry.relativeError), error).toExponential(1);
}

describe("gauge-invariance suite (float32, wasm)", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });
  afterAll(() => {
    console.log(`relative errors (tolerance ${GAUGE_EQUIVARIANCE_TOLERANCE})`);
    console.table(measured);
  });

  for (const [name, geometry] of MESHES) {
    describe(name, () => {
      it("every GemConv satisfies conv(ρ_in(−φ)x) = ρ_out(−φ) conv(x), geometry recomputed in the new gauge", () => {
        CONVS.forEach((c, i) => {
          const inType = FieldType.parse(c.inType);
          const outType = FieldType.parse(c.outType);
          const error = assertGaugeEquivariant(randomConv(inType, outType, 10 + i, "sum" in c), {
            geometry: geometry(),
            inType,
            outType,
            graphOptions: c.graph,
            seed: 20 + i,
            label: `${name}: GemConv "${c.inType}" → "${c.outType}"`,
          });
          expect(error).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
          record(name, "GemConv (4 configurations)", error);
        });
      });

      it("the norm and gated nonlinearities are equivariant within 1e-5", () => {
        const type = FieldType.parse("3x0+3x1+2x2+1x3");
        const norm = new NormNonlinearity({ fieldType: type, activation: "relu" });
        norm.build([null, type.dim]);
        const random = new SeededRandom(3);
        norm.setWeights([tf.tensor1d(Float32Array.from({ length: 9 }, () => random.uniform(-0.8, 0.3)))]);
        const gated = new GatedNonlinearity({ fieldType: type });
        const withGates = FieldType.directSum(type, FieldType.scalars(type.nonScalarCount));
        for (const [layer, inType] of [
          [norm, type],
          [gated, withGates],
        ] as const) {
          const error = assertGaugeEquivariant((x) => layer.apply(x) as tf.Tensor2D, {
            geometry: geometry(),
            inType,
            outType: type,
            seed: 4,
          });
          expect(error).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
          record(name, `${layer.getClassName()}`, error);
        }
      });

      it("the regular nonlinearity's error falls with the number of samples N (reported)", () => {
        const type = FieldType.parse("3x0+3x1+3x2");
        const errors = [5, 9, 17, 33, 65].map((samples) => {
          const layer = new RegularNonlinearity({ fieldType: type, samples });
          const { relativeError } = checkGaugeEquivariance((x) => layer.apply(x) as tf.Tensor2D, {
            geometry: geometry(),
            inType: type,
            outType: type,
            seed: 5,
          });
          return { N: samples, relativeError: Number(relativeError.toExponential(2)) };
        });
        console.log(`${name}: regular nonlinearity (L = 2, relu), relative error against N`);
        console.table(errors);
        for (let i = 1; i < errors.length; i++) {
          expect(errors[i].relativeError).toBeLessThan(errors[i - 1].relativeError);
        }
        expect(errors.at(-1)!.relativeError).toBeLessThan(1e-2);
      });

      it("a multiscale classifier with exact nonlinearities gives the same logits after a gauge change and a rigid motion", () => {
        for (const nonlinearity of ["gated", "norm"] as const) {
          const model = buildGemClassifier({ ...CLASSIFIER, nonlinearity });
          randomizeWeights(model, 7);
          const report = assertModelInvariant(model, geometry(), { seed: 8 });
          expect(report.gauge).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
          expect(report.rigidMotion).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
          record(name, `classifier (${nonlinearity}): gauge change`, report.gauge);
          record(name, `classifier (${nonlinearity}): rigid motion`, report.rigidMotion);
          // The logits depend on the input, so an error below 1e-5 is not a constant output's.
          const batch = batchForModel(model, [geometry()]);
          const n = geometry().mesh.nVertices;
          const [a, b] = [1, 2].map((seed) =>
            applyToMeshes(model, batch, tf.randomNormal([n, 2], 0, 1, "float32", seed)).dataSync(),
          );
          expect(relativeError(a, b)).toBeGreaterThan(1e-3);
        }
      });
    });
  }

  // Issue 13 §5: outputs must not depend on the order of the vertices and faces in the file. The
  // icosphere and the torus are left out: they are exactly symmetric, so no intrinsic rule can tell
  // their symmetric vertices apart (see intrinsicVertexRanks), while the bunny and the SHREC-11 mesh
  // are scanned and simplified shapes without exact symmetries.
  describe("renumbering the vertices and faces (pooled networks)", () => {
    for (const [name, geometry] of MESHES.slice(2)) {
      it(`classifiers and segmenters give the same outputs on the ${name} renumbered`, () => {
        for (const [kind, build] of [
          ["classifier", buildGemClassifier],
          ["segmenter", buildGemSegmenter],
        ] as const) {
          for (const nonlinearity of ["gated", "norm"] as const) {
            const model = build({ ...CLASSIFIER, nonlinearity });
            randomizeWeights(model, 15);
            for (const seed of [16, 17]) {
              const error = assertModelRelabellingInvariant(model, geometry(), { seed });
              expect(error).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
              record(name, `${kind} (${nonlinearity}): renumbered`, error);
            }
          }
        }
      });

      it(`on the ${name}, first samples and ties by vertex index ("file" ordering) change the outputs`, () => {
        for (const [kind, build] of [
          ["classifier", buildGemClassifier],
          ["segmenter", buildGemSegmenter],
        ] as const) {
          const model = build({ ...CLASSIFIER, mesh: { ordering: "file" } });
          randomizeWeights(model, 18);
          const options = {
            geometry: geometry(),
            meshOptions: meshOptionsOf(model),
            inType: FieldType.parse("2x0"),
            outType: FieldType.scalars(5),
            outLevel: kind === "classifier" ? ("mesh" as const) : 0,
            seed: 16,
          };
          const broken = checkMeshMapRelabellingInvariance(
            (x, batch) => applyToMeshes(model, batch, x),
            options,
          );
          expect(broken.relativeError, kind).toBeGreaterThan(1e-3);
          record(name, `${kind}: renumbered, "file" ordering (control)`, broken.relativeError);
        }
      });
    }
  });

  describe("whole networks on the SHREC-11 mesh", () => {
    const geometry = MESHES[3][1];

    it("features computed from the moved mesh (curvature, areas) give the same logits; raw coordinates do not", () => {
      const model = buildGemClassifier({ ...CLASSIFIER, inputType: "3x0" });
      randomizeWeights(model, 9);
      const moved = moveMesh(geometry(), randomRigidMotion(10));
      const logits = (g: MeshGeometry, features: Float32Array | Float64Array) =>
        applyToMeshes(model, batchForModel(model, [g]), [features]).dataSync();
      const invariant = (g: MeshGeometry) =>
        meshFeatures(g, { kinds: ["ones", "angle-defect", "relative-area"] }).values;
      const error = relativeError(logits(moved, invariant(moved)), logits(geometry(), invariant(geometry())));
      expect(error).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
      record(MESHES[3][0], "classifier on recomputed features: rigid motion", error);
      // Negative control: coordinates as input features move with the mesh.
      const coordinates = (g: MeshGeometry) => Float32Array.from(g.positions);
      const broken = relativeError(
        logits(moved, coordinates(moved)),
        logits(geometry(), coordinates(geometry())),
      );
      expect(broken).toBeGreaterThan(1e-3);
    });

    it("a segmenter (pooling and unpooling) is gauge and rigid-motion invariant per vertex", () => {
      const model = buildGemSegmenter({ ...CLASSIFIER, nonlinearity: "gated" });
      randomizeWeights(model, 11);
      const report = assertModelInvariant(model, geometry(), { seed: 12 });
      expect(report.gauge).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
      expect(report.rigidMotion).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
      record(MESHES[3][0], "segmenter: gauge change", report.gauge);
      record(MESHES[3][0], "segmenter: rigid motion", report.rigidMotion);
    });

    it("a regressor to vectors and line fields turns with the gauge and ignores rigid motions; a wrong transport is caught", () => {
      const { classes: _, head: __, dropout: ___, ...trunk } = CLASSIFIER;
      const model = buildGemRegressor({ ...trunk, nonlinearity: "gated", outputType: "1x0+2x1+1x2" });
      randomizeWeights(model, 15);
      const report = assertModelInvariant(model, geometry(), { seed: 16 });
      expect(report.gauge).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
      expect(report.rigidMotion).toBeLessThan(GAUGE_EQUIVARIANCE_TOLERANCE);
      record(MESHES[3][0], "regressor (1x0+2x1+1x2): gauge change", report.gauge);
      record(MESHES[3][0], "regressor (1x0+2x1+1x2): rigid motion", report.rigidMotion);
      const wrongSign = (batch: MeshBatch): MeshBatch => ({
        ...batch,
        levels: batch.levels.map((level, k) =>
          k === 0
            ? { ...level, graph: { ...level.graph, transport: level.graph.transport.map((g) => -g) } }
            : level,
        ),
      });
      const broken = checkMeshMapGaugeEquivariance((x, batch) => applyToMeshes(model, wrongSign(batch), x), {
        geometry: geometry(),
        meshOptions: meshOptionsOf(model),
        inType: FieldType.parse("2x0"),
        outType: FieldType.parse("1x0+2x1+1x2"),
        seed: 16,
      });
      expect(broken.relativeError).toBeGreaterThan(GAUGE_EQUIVARIANCE_TOLERANCE * 10);
    });

    it("catches a network whose level-0 transport has the wrong sign, or whose pooling ignores transport", () => {
      const model = buildGemClassifier({ ...CLASSIFIER, nonlinearity: "gated" });
      randomizeWeights(model, 13);
      const corruptions: [string, (batch: MeshBatch) => MeshBatch][] = [
        [
          "transport with the wrong sign",
          (batch) => ({
            ...batch,
            levels: batch.levels.map((level, k) =>
              k === 0
                ? { ...level, graph: { ...level.graph, transport: level.graph.transport.map((g) => -g) } }
                : level,
            ),
          }),
        ],
        [
          "pooling without transport",
          (batch) => ({
            ...batch,
            pools: batch.pools.map((p) => ({ ...p, transport: p.transport.map(() => 0) })),
          }),
        ],
      ];
      for (const [, corrupt] of corruptions) {
        const map: MeshBatchMap = (x, batch) => applyToMeshes(model, corrupt(batch), x);
        const options = {
          geometry: geometry(),
          meshOptions: meshOptionsOf(model),
          inType: FieldType.parse("2x0"),
          outType: FieldType.scalars(5),
          outLevel: "mesh" as const,
          seed: 14,
        };
        expect(checkMeshMapGaugeEquivariance(map, options).relativeError).toBeGreaterThan(
          GAUGE_EQUIVARIANCE_TOLERANCE * 10,
        );
        // A rigid motion leaves the corrupted network's logits alone: the corruption is a convention error.
        expect(checkMeshMapRigidMotionInvariance(map, options).relativeError).toBeLessThan(
          GAUGE_EQUIVARIANCE_TOLERANCE,
        );
      }
    });
  });

  describe("negative controls: each convention error is caught by assertGaugeEquivariant", () => {
    const inType = FieldType.parse("3x0+2x1+2x2");
    const outType = FieldType.parse("2x0+2x1+2x2+1x3");
    const conv = randomConv(inType, outType, 30);
    const controls: [string, GraphFieldMap][] = [
      [
        "a kernel that violates the constraint (K(θ) = W, θ ignored)",
        (x, graph) => conv(x, { ...graph, theta: new Float64Array(graph.theta.length) }),
      ],
      [
        "transport with the wrong sign",
        (x, graph) => conv(x, { ...graph, transport: graph.transport.map((g) => -g) } as ConvGraph),
      ],
      [
        "a bias on a vector field",
        (x, graph) => {
          const bias = new Float32Array(outType.dim);
          bias.fill(0.5, outType.slice(1).start, outType.slice(1).end);
          return tf.add(conv(x, graph), tf.tensor1d(bias)) as tf.Tensor2D;
        },
      ],
    ];
    for (const [name, geometry] of MESHES) {
      it(`on the ${name}`, () => {
        for (const [control, map] of controls) {
          const options = { geometry: geometry(), inType, outType, seed: 31, label: `${name}: ${control}` };
          expect(() => assertGaugeEquivariant(map, options), control).toThrow(EquivarianceError);
          expect(checkGaugeEquivariance(map, options).relativeError, control).toBeGreaterThan(1e-2);
        }
      });
    }
  });
});
