import {
  type FieldDeclaration,
  networkInput,
  normalizeInput,
  preprocessMeshData,
  unscaleTarget,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "@gemcnn/features";
import { NamedFieldType, SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry, rotateFrames, type VertexColumns } from "@gemcnn/geometry";
import {
  batchMeshes,
  buildGemRegressor,
  buildGemSegmenter,
  buildMeshHierarchy,
  initBackend,
  meshOptionsOf,
  predictPerVertexFields,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import type { RegressionDescription } from "../classifier/description.js";
import type { ModelArtifacts } from "../classifier/model-files.js";
import { MeshModel } from "../model/mesh-model.js";
import { UserFieldFile } from "../user-fields/user-fields.js";
import { missingColumns, TrainedRegressionModel } from "./regression-model.js";

// Moments and curvature (5x0+2x1+1x2) with the user's pressure (order 0) and flow (order 1):
// 6x0+3x1+1x2 in networkInput's canonical packing; the target is a temperature and a wind.
const INPUT_TYPE = "6x0+3x1+1x2";
const INPUT_FIELDS: FieldDeclaration[] = [
  { name: "pressure", kind: "scalar" },
  { name: "flow", kind: "vector" },
];
const TARGET_FIELDS: FieldDeclaration[] = [
  { name: "wind", kind: "vector", columns: ["u", "v", "w"] },
  { name: "temperature", kind: "scalar" },
];
const PREPROCESS = {
  features: {
    kinds: ["moments", "curvature"] as ("moments" | "curvature")[],
    hksEigenpairs: 128,
    hksTimeCount: 1,
  },
  repair: false,
  largestComponentOnly: true,
};
const DESCRIPTION: RegressionDescription = {
  task: "regression",
  classes: [],
  preprocess: PREPROCESS,
  input: {
    fieldType: INPUT_TYPE,
    channels: Array.from({ length: 14 }, (_, i) => `c${i}`),
    scalarCenter: [0.1, -0.2, 0.3, 0, 0.05, 0.4],
    scalarScale: [0.5, 2, 1, 0.7, 1.5, 0.8],
    copyScale: [3, 0.5, 1.5, 2],
    clip: 5,
  },
  fields: { input: INPUT_FIELDS, target: TARGET_FIELDS },
  target: { fieldType: "1x0+1x1", scalarCenter: [0.3], scalarScale: [2], copyScale: [0.5] },
};
const BLOCKS = [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "4x0+2x1+2x2", pool: true }];
const OUTPUT_FIELDS = { type: "1x0+1x1", names: ["temperature", "wind"] };

/** The in-memory files of a model, with random non-zero weights and biases (positive: the normalisations hold variances). */
async function artifactsOf(model: tf.LayersModel, seed = 1): Promise<ModelArtifacts> {
  const random = new SeededRandom(seed);
  model.setWeights(
    model.weights.map((w) => {
      const size = w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 1;
      return tf.tensor(
        Float32Array.from({ length: size }, () => random.uniform(0.1, 0.6)),
        w.shape as number[],
      );
    }),
  );
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  model.dispose();
  return saved as unknown as ModelArtifacts;
}

const regressor = (inputType = INPUT_TYPE) =>
  buildGemRegressor({ inputType, blocks: BLOCKS, outputType: "1x0+1x1", outputFields: OUTPUT_FIELDS });

/** A field file for `mesh`: a pressure varying over the surface and a tangent flow n × (1, 2, 3), non-zero. */
function fieldFile(mesh: MeshModel): VertexColumns {
  const n = mesh.nVertices;
  const p = mesh.geometry.positions;
  const normals = mesh.referenceFrames.n;
  const flow = [0, 1, 2].map(() => new Float64Array(n));
  for (let v = 0; v < n; v++) {
    const [a, b, c] = [normals[3 * v], normals[3 * v + 1], normals[3 * v + 2]];
    flow[0][v] = b * 3 - c * 2;
    flow[1][v] = c * 1 - a * 3;
    flow[2][v] = a * 2 - b * 1;
  }
  return {
    source: "bumpy.csv",
    nVertices: n,
    columns: new Map([
      ["pressure", Float64Array.from({ length: n }, (_, v) => Math.sin(3 * p[3 * v]) + p[3 * v + 2])],
      ["flow_x", flow[0]],
      ["flow_y", flow[1]],
      ["flow_z", flow[2]],
    ]),
  };
}

/** The frames the page draws a field file in (`ViewerApp.fieldFrames`). */
const fieldFrames = (mesh: MeshModel) => rotateFrames(mesh.referenceFrames, mesh.fieldGauge);

/** Largest absolute difference over the columns of two ambient predictions. */
function ambientDifference(
  a: ReadonlyMap<string, Float64Array>,
  b: ReadonlyMap<string, Float64Array>,
): number {
  let worst = 0;
  for (const [name, column] of a) {
    const other = b.get(name)!;
    for (let v = 0; v < column.length; v++) worst = Math.max(worst, Math.abs(column[v] - other[v]));
  }
  return worst;
}
function ambientScale(a: ReadonlyMap<string, Float64Array>): number {
  let largest = 0;
  for (const column of a.values()) for (const x of column) largest = Math.max(largest, Math.abs(x));
  return largest;
}

describe("TrainedRegressionModel", () => {
  let model: TrainedRegressionModel;
  let artifacts: ModelArtifacts;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    artifacts = await artifactsOf(regressor());
    model = await TrainedRegressionModel.create(artifacts, DESCRIPTION, "wind-model");
  });

  /**
   * The page's prediction against nn's on the input built by hand from the contract (command
   * line preprocessing, the user's fields in its frames, networkInput, the saved
   * normalisation, predictPerVertexFields, unscaleTarget): both run the same float32 network on
   * the same float32 input, so they agree to float32 rounding; 1e-5 of the output's size is ten
   * float32 ulps of its largest value.
   */
  test("predicts what nn predicts on the input the contract builds, in the mesh's coordinates", async () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const columns = fieldFile(mesh);
    const page = model.predict(mesh, columns, fieldFrames(mesh));

    const data = { positions: mesh.geometry.positions, triangles: mesh.geometry.mesh.triangles };
    const prepared = preprocessMeshData(data, "bumpy sphere", PREPROCESS);
    const frames = { e1: prepared.e1, e2: prepared.e2, n: prepared.normals };
    const user = vertexFieldsFromColumns(columns, INPUT_FIELDS, frames);
    const combined = networkInput(
      { fieldType: prepared.fieldType, channels: prepared.channels, values: prepared.features },
      user,
    );
    expect(combined.fieldType).toBe(INPUT_TYPE);
    const x = normalizeInput(
      { ...prepared, features: combined.values, fieldType: combined.fieldType, channels: combined.channels },
      DESCRIPTION.input,
    );
    const reference = tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const nnModel = await reference;
    const geometry = MeshGeometry.fromData({ positions: prepared.positions, triangles: prepared.triangles });
    const batch = batchMeshes([buildMeshHierarchy(geometry, { ...meshOptionsOf(nnModel), frames })]);
    const [out] = predictPerVertexFields(nnModel, batch, [x]);
    nnModel.dispose();
    const targetType = NamedFieldType.fromJSON(OUTPUT_FIELDS);
    const ambient = vertexFieldsToColumns(
      targetType,
      unscaleTarget(out, DESCRIPTION.target),
      frames,
      TARGET_FIELDS,
    );
    expect([...page.ambient.keys()]).toEqual(["u", "v", "w", "temperature"]);
    const scale = ambientScale(ambient);
    // Not a trivial output: the wind varies over the surface.
    expect(scale).toBeGreaterThan(1e-3);
    expect(ambientDifference(page.ambient, ambient)).toBeLessThan(1e-5 * scale);
    expect(page.type.toString()).toBe("temperature:0+wind:1");
  });

  /**
   * Under a gauge change the input fields' coefficients and the features turn by ρ(−φ), the
   * network's output with them, and the prediction in the mesh's coordinates stays: float32
   * sums in another order, about 1e-6 of the output's size; 1e-4 leaves a wide margin, and
   * features left in the old gauge (the negative control) move it by more than 1e-2.
   */
  test("a gauge change leaves the prediction in the mesh's coordinates; features left in the old gauge move it", () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const columns = fieldFile(mesh);
    const reference = model.predict(mesh, columns, fieldFrames(mesh));
    const scale = ambientScale(reference.ambient);
    mesh.changeGauge({ seed: 3 });
    const turned = model.predict(mesh, columns, fieldFrames(mesh));
    expect(turned.gaugeVersion).not.toBe(reference.gaugeVersion);
    expect(ambientDifference(turned.ambient, reference.ambient)).toBeLessThan(1e-4 * scale);
    // The coefficients are in the turned frames: ρ₁(−φ) of the reference ones, not the same numbers.
    const wind = turned.type.copy("wind").offset;
    const dim = turned.type.dim;
    let coefficientChange = 0;
    for (let v = 0; v < mesh.nVertices; v++)
      coefficientChange = Math.max(
        coefficientChange,
        Math.abs(turned.values[v * dim + wind] - reference.values[v * dim + wind]),
      );
    expect(coefficientChange).toBeGreaterThan(1e-2 * scale);
    mesh.changeGauge({ seed: 4, transformFields: false });
    const broken = model.predict(mesh, columns, fieldFrames(mesh));
    expect(ambientDifference(broken.ambient, reference.ambient)).toBeGreaterThan(1e-2 * scale);
  });

  test("into a field file: <name>_predicted beside the truth, paired, with the model's notes", () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const columns = fieldFile(mesh);
    const withTruth: VertexColumns = {
      ...columns,
      columns: new Map([...columns.columns, ["temperature", new Float64Array(mesh.nVertices).fill(1)]]),
    };
    const file = new UserFieldFile(withTruth, fieldFrames(mesh));
    file.setPredictor(model.predictorFor(mesh), fieldFrames(mesh));
    const values = file.valuesIn(fieldFrames(mesh));
    expect(values.fields.map((f) => f.name)).toContain("wind_predicted");
    expect(values.pairs).toContainEqual({ truth: "temperature", prediction: "temperature_predicted" });
    expect(values.notes.join("\n")).toContain(
      "temperature_predicted, wind_predicted: predicted by wind-model",
    );
  });

  test("missing input columns are named all at once; no field file is refused; a model of another task, output or input type is refused", async () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const columns = fieldFile(mesh);
    const partial: VertexColumns = {
      ...columns,
      columns: new Map([["flow_x", columns.columns.get("flow_x")!]]),
    };
    expect(missingColumns(partial, INPUT_FIELDS)).toEqual(["pressure", "flow_y", "flow_z"]);
    expect(() => model.predict(mesh, partial, fieldFrames(mesh))).toThrow(
      'bumpy.csv: no column(s) "pressure", "flow_y", "flow_z", which wind-model reads as its input field(s) pressure (scalar), flow (vector)',
    );
    expect(() => model.predict(mesh, undefined, fieldFrames(mesh))).toThrow(
      "wind-model: the model reads the input field(s) pressure (scalar), flow (vector); open the mesh's field file",
    );
    await expect(
      TrainedRegressionModel.create(
        await artifactsOf(buildGemSegmenter({ inputType: INPUT_TYPE, blocks: BLOCKS, classes: 3 })),
        DESCRIPTION,
        "m",
      ),
    ).rejects.toThrow("m: gemcnn.json describes a regression model, but model.json holds a gemcnn segmenter");
    await expect(
      TrainedRegressionModel.create(
        await artifactsOf(buildGemRegressor({ inputType: INPUT_TYPE, blocks: BLOCKS, outputType: "2x1" })),
        DESCRIPTION,
        "m",
      ),
    ).rejects.toThrow(
      "m: the model outputs fields of type 2x1, but gemcnn.json declares the target temperature:0+wind:1",
    );
    // The description's input without the flow field: the features and pressure make 6x0+2x1+1x2.
    const withoutFlow = {
      ...DESCRIPTION,
      input: {
        ...DESCRIPTION.input,
        fieldType: "6x0+2x1+1x2",
        copyScale: [3, 0.5, 2],
        channels: DESCRIPTION.input.channels.slice(2),
      },
      fields: { ...DESCRIPTION.fields, input: INPUT_FIELDS.slice(0, 1) },
    };
    await expect(
      TrainedRegressionModel.create(await artifactsOf(regressor()), withoutFlow, "m"),
    ).rejects.toThrow(
      "m: the model reads features of type 6x0+3x1+1x2, but gemcnn.json normalises 6x0+2x1+1x2",
    );
  });

  test("a model of the user's fields alone (no geometric features) predicts, and stays under a gauge change", async () => {
    const fieldsOnly: RegressionDescription = {
      ...DESCRIPTION,
      preprocess: { ...PREPROCESS, features: { ...PREPROCESS.features, kinds: [] } },
      input: {
        fieldType: "1x0+1x1",
        channels: ["pressure", "flow.cos", "flow.sin"],
        scalarCenter: [0.2],
        scalarScale: [0.7],
        copyScale: [0.4],
        clip: 5,
      },
    };
    const alone = await TrainedRegressionModel.create(
      await artifactsOf(regressor("1x0+1x1"), 2),
      fieldsOnly,
      "alone",
    );
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const columns = fieldFile(mesh);
    const reference = alone.predict(mesh, columns, fieldFrames(mesh));
    const scale = ambientScale(reference.ambient);
    expect(scale).toBeGreaterThan(1e-3);
    mesh.changeGauge({ seed: 5 });
    const turned = alone.predict(mesh, columns, fieldFrames(mesh));
    expect(ambientDifference(turned.ambient, reference.ambient)).toBeLessThan(1e-4 * scale);
    alone.dispose();
  });
});
