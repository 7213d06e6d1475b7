/**
 * The browser tests' regression models, saved under the contract of /work/tasks/model-format.md
 * ("Regression models"): nn's `buildGemRegressor`, trained for a few steps on the torus to
 * predict the wind around its axis from the geometry and a pressure field, saved with nn's
 * `saveModel` and a `gemcnn.json` version 3 with task "regression", the field declarations and the
 * target scaling of features' `fitTargetScaling`. The input is built with features'
 * `networkInput` (the function the command line uses too). Also Node's prediction for the
 * torus in the mesh's coordinates, the field file the page is given, and the broken directories
 * the error tests load.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type FieldDeclaration,
  fitInputNormalization,
  fitTargetScaling,
  namedFieldTypeOf,
  networkInput,
  normalizeInput,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
  scaleTarget,
  unscaleTarget,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "@gemcnn/features";
import {
  formatVertexFieldsCsv,
  MeshGeometry,
  mulberry32,
  type TriangleMeshData,
  torus,
  type VertexColumns,
} from "@gemcnn/geometry";
import {
  batchMeshes,
  buildGemRegressor,
  buildMeshHierarchy,
  meshOptionsOf,
  perVertexRegressionStep,
  predictPerVertexFields,
  saveModel,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export interface RegressionModels {
  /** URL of the regressor's directory: wind (a vector) and temperature (a scalar) from geometry and pressure. */
  readonly regressorUrl: string;
  /** The torus's field file (CSV): the input pressure and the true wind and temperature. */
  readonly torusCsv: string;
  /** The same without the pressure column. */
  readonly torusCsvWithoutPressure: string;
  /** Node's prediction on the torus in the mesh's coordinates, by column (`wind_x`, …, `temperature`). */
  readonly predicted: Record<string, number[]>;
  /** The regressor's model.json with a description that declares one more input field. */
  readonly inputMismatchUrl: string;
  /** The regressor's model.json described with another target (one vector, no scalar). */
  readonly outputMismatchUrl: string;
}

const PREPROCESS: PreprocessOptions = {
  features: { kinds: ["moments", "curvature"], hksEigenpairs: 128, hksTimeCount: 2 },
  repair: false,
  largestComponentOnly: true,
};
const INPUT_FIELDS: FieldDeclaration[] = [{ name: "pressure", kind: "scalar" }];
const TARGET_FIELDS: FieldDeclaration[] = [
  { name: "wind", kind: "vector" },
  { name: "temperature", kind: "scalar" },
];
const ARCHITECTURE = {
  blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "8x0+2x1+2x2", pool: true }],
  rings: 2,
};

/** The torus's columns: pressure z, wind (−y, x, 0) around the axis (tangent everywhere), temperature x + z. */
function torusColumns(data: TriangleMeshData): Map<string, Float64Array> {
  const p = data.positions;
  const n = p.length / 3;
  const column = (f: (x: number, y: number, z: number) => number) =>
    Float64Array.from({ length: n }, (_, v) => f(p[3 * v], p[3 * v + 1], p[3 * v + 2]));
  return new Map([
    ["pressure", column((_x, _y, z) => z)],
    ["wind_x", column((_x, y) => -y)],
    ["wind_y", column((x) => x)],
    ["wind_z", column(() => 0)],
    ["temperature", column((x, _y, z) => x + z)],
  ]);
}

async function editDescription(dir: string, edit: (d: Record<string, unknown>) => void): Promise<void> {
  const path = join(dir, "gemcnn.json");
  const description = JSON.parse(await readFile(path, "utf8"));
  edit(description);
  await writeFile(path, JSON.stringify(description));
}

/** Builds, trains, saves and describes the regression test models under `root` (served at `baseUrl`). */
export async function writeRegressionModels(root: string, baseUrl: string): Promise<RegressionModels> {
  // Seeded initialisers, as in per-vertex-models.ts, so that the fixture is the same on every run.
  const unseeded = Math.random;
  Math.random = mulberry32(11);
  try {
    return await writeModels(root, baseUrl);
  } finally {
    Math.random = unseeded;
  }
}

async function writeModels(root: string, baseUrl: string): Promise<RegressionModels> {
  const data = torus();
  const n = data.positions.length / 3;
  const prepared = preprocessMeshData(data, "torus", PREPROCESS);
  const frames = { e1: prepared.e1, e2: prepared.e2, n: prepared.normals };
  const all = torusColumns(data);
  const columns: VertexColumns = { source: "torus.csv", nVertices: n, columns: all };
  const user = vertexFieldsFromColumns(columns, INPUT_FIELDS, frames);
  const combined = networkInput(
    { fieldType: prepared.fieldType, channels: prepared.channels, values: prepared.features },
    user,
    "torus",
  );
  const mesh: PreprocessedMesh = {
    ...prepared,
    features: combined.values,
    fieldType: combined.fieldType,
    channels: combined.channels,
  };
  const input = fitInputNormalization([mesh]);
  const target = vertexFieldsFromColumns(columns, TARGET_FIELDS, frames);
  const scaling = fitTargetScaling([target.values], target.type);
  const outputType = namedFieldTypeOf(TARGET_FIELDS);

  const model = buildGemRegressor({
    inputType: input.fieldType,
    outputType: outputType.type.toString(),
    outputFields: outputType.toJSON(),
    ...ARCHITECTURE,
  });
  const geometry = MeshGeometry.fromData({ positions: prepared.positions, triangles: prepared.triangles });
  const batch = batchMeshes([buildMeshHierarchy(geometry, { ...meshOptionsOf(model), frames })]);
  const x = [normalizeInput(mesh, input)];
  const optimizer = tf.train.adam(0.02);
  const y = [scaleTarget(target.values, scaling)];
  for (let step = 0; step < 15; step++) perVertexRegressionStep(model, optimizer, batch, x, y);

  const [out] = predictPerVertexFields(model, batch, x);
  const ambient = vertexFieldsToColumns(outputType, unscaleTarget(out, scaling), frames, TARGET_FIELDS);
  const predicted = Object.fromEntries([...ambient].map(([name, column]) => [name, Array.from(column)]));

  const dir = join(root, "regressor");
  await saveModel(model, dir);
  await writeFile(
    join(dir, "gemcnn.json"),
    `${JSON.stringify(
      {
        format: "gemcnn-classifier",
        version: 3,
        kind: "gemcnn",
        task: "regression",
        classes: [],
        fields: { input: INPUT_FIELDS, target: TARGET_FIELDS },
        preprocess: PREPROCESS,
        input,
        target: scaling,
        architecture: ARCHITECTURE,
        seed: 1,
        epochs: 1,
      },
      null,
      1,
    )}\n`,
  );
  const inputMismatch = join(root, "regressor-input-mismatch");
  await cp(dir, inputMismatch, { recursive: true });
  await editDescription(inputMismatch, (d) => {
    (d.fields as { input: FieldDeclaration[] }).input = [
      ...INPUT_FIELDS,
      { name: "humidity", kind: "scalar" },
    ];
  });
  const outputMismatch = join(root, "regressor-output-mismatch");
  await cp(dir, outputMismatch, { recursive: true });
  await editDescription(outputMismatch, (d) => {
    d.fields = { input: INPUT_FIELDS, target: [{ name: "wind", kind: "vector" }] };
    d.target = { fieldType: "1x1", scalarCenter: [], scalarScale: [], copyScale: [1] };
  });

  const csv = formatVertexFieldsCsv(all);
  const withoutPressure = new Map([...all].filter(([name]) => name !== "pressure"));
  return {
    regressorUrl: `${baseUrl}regressor/`,
    torusCsv: csv,
    torusCsvWithoutPressure: formatVertexFieldsCsv(withoutPressure),
    predicted,
    inputMismatchUrl: `${baseUrl}regressor-input-mismatch/`,
    outputMismatchUrl: `${baseUrl}regressor-output-mismatch/`,
  };
}
