import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FieldType, randomField } from "@gemcnn/gauge";
import {
  bumpySphere,
  MeshGeometry,
  mulberry32,
  randomGauge,
  rotateFrames,
  tangentFrames,
} from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { batchMeshes } from "../multiscale/batch.js";
import { buildMeshHierarchy } from "../multiscale/hierarchy.js";
import {
  buildGemClassifier,
  gemModelInfo,
  meshOptionsOf,
  namedFieldTypesOf,
  outputTypeOf,
} from "./builders.js";
import { assertModelInvariant, checkMeshMapGaugeEquivariance } from "./invariance.js";
import { loadModel, saveModel } from "./io.js";
import {
  buildGemRegressor,
  fieldSquaredError,
  perVertexRegressionStep,
  predictPerVertexFields,
  REGRESSION_OUTPUT_LAYER,
} from "./regression.js";
import { assertModelRelabellingInvariant, checkMeshMapRelabellingInvariance } from "./relabelling.js";
import { applyToMeshes, batchForModel } from "./run.js";

const inputType = "2x0+1x1";
const outputType = "1x0+1x1+1x2";
const outType = FieldType.parse(outputType);
// Pooling, so that transport pooling and unpooling are in the checked path; no normalisation, so
// that a step's loss (before its update) can be checked against the model's own output.
const config = {
  inputType,
  blocks: [{ fieldType: "4x0+2x1+1x2" }, { fieldType: "4x0+2x1", pool: true }],
  outputType,
  normalization: false,
} as const;

const meshes = [bumpySphere({ level: 2, seed: 1 }), bumpySphere({ level: 2, seed: 2 })].map((d) =>
  MeshGeometry.fromData(d),
);
const inType = FieldType.parse(inputType);
const inputs = meshes.map((g, i) => randomField(inType, g.nVertices, 10 + i, "float64") as Float64Array);
const targets = meshes.map((g, i) => randomField(outType, g.nVertices, 20 + i, "float64") as Float64Array);

/** Every weight, biases included (zero when built), set to seeded random numbers. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(
      weights.map((w) =>
        tf.tensor(
          Float32Array.from({ length: w.size }, () => 0.6 * (random() - 0.5)),
          w.shape,
        ),
      ),
    );
  }
}

/** Float64 mean over the rows with a non-zero weight of the squared norm of the row's difference. */
function squaredError(p: ArrayLike<number>, t: ArrayLike<number>, dim: number, weights?: ArrayLike<number>) {
  let sum = 0;
  let total = 0;
  for (let r = 0; r < t.length / dim; r++) {
    const w = weights === undefined ? 1 : weights[r];
    if (w === 0) continue;
    let row = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) row += (p[k] - t[k]) ** 2;
    sum += w * row;
    total += w;
  }
  return sum / total;
}

describe("per-vertex regressor", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("outputs a field of the declared type per vertex, with a bias on its scalars only", () => {
    const model = buildGemRegressor(config);
    const info = gemModelInfo(model)!;
    expect(info.kind).toBe("regressor");
    expect(info.config.outputType).toBe(outputType);
    expect(info.config.classes).toBe(outType.dim);
    expect(outputTypeOf(info).equals(outType)).toBe(true);
    const out = applyToMeshes(model, batchForModel(model, meshes), inputs);
    expect(out.shape).toEqual([meshes[0].nVertices + meshes[1].nVertices, 5]);
    const biases = model.getLayer(REGRESSION_OUTPUT_LAYER).weights.filter((w) => /bias/.test(w.name));
    expect(biases.map((b) => b.shape)).toEqual([[1]]);
  });

  it("is gauge equivariant and rigid-motion invariant with random weights and biases; a non-equivariant head is caught", {
    timeout: 60_000,
  }, () => {
    const model = buildGemRegressor(config);
    randomizeWeights(model, 3);
    const report = assertModelInvariant(model, meshes[0], { seed: 4 });
    expect(report.gauge).toBeLessThan(1e-5);
    expect(report.rigidMotion).toBeLessThan(1e-5);
    const options = { geometry: meshes[0], meshOptions: meshOptionsOf(model), inType, outType, seed: 4 };
    const map = (x: tf.Tensor2D, batch: Parameters<typeof applyToMeshes>[1]) =>
      applyToMeshes(model, batch, x);
    // The output is not invariant: checked as scalars (no turning), it fails.
    const asScalars = checkMeshMapGaugeEquivariance(map, { ...options, outType: FieldType.scalars(5) });
    expect(asScalars.relativeError).toBeGreaterThan(1e-2);
    // A head that mixes the two coefficients of the vector as if they were scalars breaks it.
    const mixing = tf.tensor2d(
      [
        [1, 0, 0, 0, 0],
        [0, 1, 0.5, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
      ],
      [5, 5],
    );
    const mixed = checkMeshMapGaugeEquivariance((x, batch) => tf.matMul(map(x, batch), mixing), options);
    expect(mixed.relativeError).toBeGreaterThan(1e-2);
    mixing.dispose();
    // Renumbering the mesh turns every frame: the vectors and line fields must turn with them.
    expect(assertModelRelabellingInvariant(model, meshes[0], { seed: 5 })).toBeLessThan(1e-5);
    const unturned = checkMeshMapRelabellingInvariance(map, {
      ...options,
      inType: FieldType.scalars(inType.dim),
      outType: FieldType.scalars(5),
    });
    expect(unturned.relativeError).toBeGreaterThan(1e-2);
  });

  it("saves and loads with its kind, output type and names, computing the same", async () => {
    const model = buildGemRegressor({
      ...config,
      outputFields: { type: outputType, names: ["p", "wind", "lines"] },
    });
    randomizeWeights(model, 12);
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-regressor-"));
    try {
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      const info = gemModelInfo(loaded)!;
      expect(info.kind).toBe("regressor");
      expect(outputTypeOf(info).equals(outType)).toBe(true);
      expect(namedFieldTypesOf(loaded).output?.toString()).toBe("p:0+wind:1+lines:2");
      const batch = batchForModel(model, meshes);
      expect(predictPerVertexFields(loaded, batch, inputs)).toEqual(
        predictPerVertexFields(model, batch, inputs),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a configuration without a usable output type, or with classifier options", () => {
    expect(() => buildGemRegressor({ ...config, outputType: "1xq" })).toThrow(
      /buildGemRegressor: outputType: /,
    );
    expect(() => buildGemRegressor({ ...config, classes: 3 } as never)).toThrow(
      /buildGemRegressor: a regressor has no "classes"/,
    );
    expect(() => buildGemRegressor({ ...config, outputFields: { type: "1x1", names: ["wind"] } })).toThrow(
      /outputFields names the field type "1x1", but the model's output is "1x0\+1x1\+1x2"/,
    );
    const named = buildGemRegressor({
      ...config,
      outputFields: { type: "1x2+1x1+1x0", names: ["lines", "wind", "pressure"] },
    });
    expect(gemModelInfo(named)!.config.outputFields!.names).toEqual(["lines", "wind", "pressure"]);
  });

  it("fieldSquaredError is the mean squared norm of the difference, unchanged when both turn by one gauge change", () => {
    const rows = 50;
    const p = randomField(outType, rows, 5, "float64") as Float64Array;
    const t = randomField(outType, rows, 6, "float64") as Float64Array;
    const weights = Float64Array.from({ length: rows }, (_, r) => (r % 3 === 0 ? 0 : 1));
    const loss = (a: Float64Array, b: Float64Array, w?: Float64Array) =>
      tf.tidy(
        () =>
          fieldSquaredError(
            tf.tensor2d(Float32Array.from(a), [rows, 5]),
            tf.tensor2d(Float32Array.from(b), [rows, 5]),
            w === undefined ? undefined : tf.tensor1d(Float32Array.from(w)),
          ).dataSync()[0],
      );
    const reference = squaredError(p, t, 5);
    expect(loss(p, t)).toBeCloseTo(reference, 5);
    expect(loss(p, t, weights)).toBeCloseTo(squaredError(p, t, 5, weights), 5);
    const phi = randomGauge(rows, 7);
    // Float32 rounding of numbers of order 1, relative error about 1e-7 per term.
    expect(Math.abs(loss(outType.changeGauge(p, phi), outType.changeGauge(t, phi)) - reference)).toBeLessThan(
      1e-5 * reference,
    );
    // Negative control: turning the prediction alone changes the loss.
    expect(Math.abs(loss(outType.changeGauge(p, phi), t) - reference)).toBeGreaterThan(1e-2 * reference);
  });

  it("a step returns the masked loss of the model's output and learns", { timeout: 60_000 }, () => {
    const model = buildGemRegressor(config);
    randomizeWeights(model, 8);
    const batch = batchForModel(model, meshes);
    // A target the model can reach: the output of a teacher of the same shape with other weights.
    const teacher = buildGemRegressor(config);
    randomizeWeights(teacher, 11);
    const targets = predictPerVertexFields(teacher, batch, inputs);
    const mask = meshes.map((g) =>
      Float64Array.from({ length: g.nVertices }, (_, v) => (v % 4 === 0 ? 0 : 1)),
    );
    const before = predictPerVertexFields(model, batch, inputs);
    expect(before.map((b) => b.length)).toEqual(meshes.map((g) => g.nVertices * 5));
    const expected =
      (squaredError(before[0], targets[0], 5, mask[0]) * mask[0].reduce((a, b) => a + b, 0) +
        squaredError(before[1], targets[1], 5, mask[1]) * mask[1].reduce((a, b) => a + b, 0)) /
      (mask[0].reduce((a, b) => a + b, 0) + mask[1].reduce((a, b) => a + b, 0));
    const optimizer = tf.train.adam(0.01);
    const first = perVertexRegressionStep(model, optimizer, batch, inputs, targets, { mask });
    expect(Math.abs(first - expected)).toBeLessThan(1e-4 * expected);
    let last = first;
    for (let i = 0; i < 40; i++)
      last = perVertexRegressionStep(model, optimizer, batch, inputs, targets, { mask });
    expect(last).toBeLessThan(0.8 * first);
  });

  it("a step's loss does not depend on the gauge: frames, input and target turned together", {
    timeout: 60_000,
  }, () => {
    const model = buildGemRegressor(config);
    randomizeWeights(model, 9);
    const frames = tangentFrames(meshes[0]);
    const phi = randomGauge(meshes[0].nVertices, 10);
    const batchIn = (f: typeof frames) =>
      batchMeshes([buildMeshHierarchy(meshes[0], { ...meshOptionsOf(model), frames: f })]);
    // Plain gradient descent with a zero rate: the loss before the update, and no update.
    const still = tf.train.sgd(0);
    const loss = perVertexRegressionStep(model, still, batchIn(frames), [inputs[0]], [targets[0]]);
    const turned = perVertexRegressionStep(
      model,
      still,
      batchIn(rotateFrames(frames, phi)),
      [inType.changeGauge(inputs[0], phi)],
      [outType.changeGauge(targets[0], phi)],
    );
    expect(Math.abs(turned - loss)).toBeLessThan(1e-5 * loss);
    // Negative control: the target left in the old frames gives another loss.
    const wrong = perVertexRegressionStep(
      model,
      still,
      batchIn(rotateFrames(frames, phi)),
      [inType.changeGauge(inputs[0], phi)],
      [targets[0]],
    );
    expect(Math.abs(wrong - loss)).toBeGreaterThan(1e-3 * loss);
  });

  it("names the mesh, vertex and channel of a bad target, and refuses bad counts, empty masks and classifiers", () => {
    const model = buildGemRegressor(config);
    const batch = batchForModel(model, meshes);
    const optimizer = tf.train.sgd(0);
    const broken = [targets[0], Float64Array.from(targets[1])];
    broken[1][7 * 5 + 3] = Number.NaN;
    const step = (t: Float64Array[], options = {}) =>
      perVertexRegressionStep(model, optimizer, batch, inputs, t, options);
    expect(() => step(broken, { meshNames: ["a.ply", "b.ply"] })).toThrow(
      /perVertexRegressionStep: the target of mesh "b.ply" at vertex 7, channel 3, is NaN/,
    );
    // Masked out, the NaN does not count.
    const mask = meshes.map((g, i) =>
      Float64Array.from({ length: g.nVertices }, (_, v) => (i === 1 && v === 7 ? 0 : 1)),
    );
    expect(Number.isFinite(step(broken, { mask }))).toBe(true);
    expect(() => step([targets[0], targets[1].subarray(5)])).toThrow(
      /targets\): mesh 1 has 162 vertices × 5 but 805 values/,
    );
    expect(() => step(targets, { mask: meshes.map((g) => new Float64Array(g.nVertices)) })).toThrow(
      /the mask counts no vertex of the batch/,
    );
    expect(() => buildGemClassifier({ ...config, classes: 2 })).toThrow(
      /buildGemClassifier: outputType is a regressor's \(buildGemRegressor\)/,
    );
    const classifier = buildGemClassifier({ ...config, classes: 2, outputType: undefined });
    expect(() => perVertexRegressionStep(classifier, optimizer, batch, inputs, targets)).toThrow(
      /is a classifier \(one output per mesh\); use a regressor/,
    );
  });
});
