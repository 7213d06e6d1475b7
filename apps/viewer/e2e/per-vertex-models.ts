/**
 * The browser tests' per-vertex models: a segmenter (`buildGemSegmenter`) and a correspondence
 * model (`buildGemCorrespondence`, its template the page's built-in torus) built with nn's
 * builders, trained for a few steps and saved as the command line saves a model directory under
 * the per-vertex contract (/work/tasks/model-format.md): nn's `saveModel` (model.json,
 * weights.bin), then `gemcnn.json` version 3 with the task and, for correspondence,
 * `template.ply` (binary little-endian, float x y z). The command line's own writer is being
 * built at the same time, so this follows the contract rather than its code. Also Node's
 * prediction for the built-in meshes the tests open, and the broken directories the error tests
 * load.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  fitInputNormalization,
  normalizeInput,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "@gemcnn/features";
import {
  bumpySphere,
  faceLabelsToVertexLabels,
  MeshGeometry,
  mulberry32,
  type TriangleMeshData,
  torus,
  vertexLabelsToFaceLabels,
} from "@gemcnn/geometry";
import {
  batchMeshes,
  buildGemCorrespondence,
  buildGemSegmenter,
  buildMeshHierarchy,
  type GemModelConfig,
  meshOptionsOf,
  perVertexTrainStep,
  predictPerVertex,
  saveModel,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

/** Node's prediction for one mesh: a label and its probability per vertex. */
export interface ExpectedLabels {
  readonly labels: number[];
  readonly probability: number[];
}

export interface PerVertexModels {
  /** URL of the segmenter's directory (three parts of the torus by distance from its axis). */
  readonly segmenterUrl: string;
  readonly parts: string[];
  /** Node's segmentation of the page's built-in meshes, by name. */
  readonly segmented: Record<string, ExpectedLabels>;
  /** The torus's true parts per vertex (what a .vseg file holds) and per face (a .seg file). */
  readonly torusParts: { vertex: number[]; face: number[]; faceToVertex: number[] };
  /** URL of the correspondence model's directory (template: the built-in torus, 512 vertices). */
  readonly correspondenceUrl: string;
  readonly templateVertices: number;
  /** Node's correspondence for the page's built-in meshes, by name. */
  readonly corresponded: Record<string, ExpectedLabels>;
  /** A description naming task "detection" (a task the page does not run). */
  readonly otherTaskUrl: string;
  /** A segmenter's model.json with a correspondence model's description and template. */
  readonly mismatchedUrl: string;
  /** A description of version 4. */
  readonly newerVersionUrl: string;
  /** A correspondence model whose template.ply is missing. */
  readonly noTemplateUrl: string;
}

const PAGE_MESHES: Record<string, TriangleMeshData> = { torus: torus(), "bumpy sphere": bumpySphere() };

const PREPROCESS: PreprocessOptions = {
  features: { kinds: ["moments", "curvature"], hksEigenpairs: 128, hksTimeCount: 2 },
  repair: false,
  largestComponentOnly: true,
};

const ARCHITECTURE = {
  blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "8x0+2x1+2x2", pool: true }],
  rings: 2,
};

/** Three parts of a torus about the z axis: outer, middle and inner thirds of the distance from the axis. */
function torusPartsOf(data: TriangleMeshData): Int32Array {
  const n = data.positions.length / 3;
  const rho = Float64Array.from({ length: n }, (_, v) =>
    Math.hypot(data.positions[3 * v], data.positions[3 * v + 1]),
  );
  const min = Math.min(...rho);
  const max = Math.max(...rho);
  return Int32Array.from(rho, (r) => 2 - Math.min(2, Math.floor((3 * (r - min)) / (max - min + 1e-12))));
}

/** A mesh's batch and normalised input, as the page builds them in the reference gauge. */
function inputOf(
  model: tf.LayersModel,
  mesh: PreprocessedMesh,
  description: { input: ReturnType<typeof fitInputNormalization> },
) {
  const geometry = MeshGeometry.fromData({ positions: mesh.positions, triangles: mesh.triangles });
  const hierarchy = buildMeshHierarchy(geometry, {
    ...meshOptionsOf(model),
    frames: { e1: mesh.e1, e2: mesh.e2, n: mesh.normals },
  });
  return { batch: batchMeshes([hierarchy]), features: [normalizeInput(mesh, description.input)] };
}

function predictions(
  model: tf.LayersModel,
  input: ReturnType<typeof fitInputNormalization>,
): Record<string, ExpectedLabels> {
  const out: Record<string, ExpectedLabels> = {};
  for (const [name, data] of Object.entries(PAGE_MESHES)) {
    const { batch, features } = inputOf(model, preprocessMeshData(data, name, PREPROCESS), { input });
    const predicted = predictPerVertex(model, batch, features);
    out[name] = {
      labels: Array.from(predicted.labels[0]),
      probability: Array.from(predicted.probability[0]),
    };
  }
  return out;
}

/** The template as the contract says: binary little-endian PLY, float x y z, faces as uchar/int lists. */
export function templatePly(data: TriangleMeshData): Uint8Array {
  const n = data.positions.length / 3;
  const f = data.triangles.length / 3;
  const header = new TextEncoder().encode(
    "ply\nformat binary_little_endian 1.0\n" +
      `element vertex ${n}\nproperty float x\nproperty float y\nproperty float z\n` +
      `element face ${f}\nproperty list uchar int vertex_indices\nend_header\n`,
  );
  const body = new DataView(new ArrayBuffer(12 * n + 13 * f));
  let at = 0;
  for (let i = 0; i < 3 * n; i++, at += 4) body.setFloat32(at, data.positions[i], true);
  for (let t = 0; t < f; t++) {
    body.setUint8(at++, 3);
    for (let c = 0; c < 3; c++, at += 4) body.setInt32(at, data.triangles[3 * t + c], true);
  }
  const out = new Uint8Array(header.length + body.byteLength);
  out.set(header);
  out.set(new Uint8Array(body.buffer), header.length);
  return out;
}

async function save(dir: string, model: tf.LayersModel, description: object): Promise<void> {
  await saveModel(model, dir);
  await writeFile(join(dir, "gemcnn.json"), `${JSON.stringify(description, null, 1)}\n`);
}

async function editDescription(
  dir: string,
  edit: (description: Record<string, unknown>) => void,
): Promise<void> {
  const path = join(dir, "gemcnn.json");
  const description = JSON.parse(await readFile(path, "utf8"));
  edit(description);
  await writeFile(path, JSON.stringify(description));
}

/** Builds, trains, saves and describes the per-vertex test models under `root` (served at `baseUrl`). */
export async function writePerVertexModels(root: string, baseUrl: string): Promise<PerVertexModels> {
  // tfjs's weight initialisers draw their seeds from Math.random: a seeded stream for the builders
  // makes the fixture the same on every run (a segmenter that predicts more than one part).
  const unseeded = Math.random;
  Math.random = mulberry32(7);
  try {
    return await writeModels(root, baseUrl);
  } finally {
    Math.random = unseeded;
  }
}

async function writeModels(root: string, baseUrl: string): Promise<PerVertexModels> {
  const data = PAGE_MESHES.torus;
  const mesh = preprocessMeshData(data, "torus", PREPROCESS);
  const input = fitInputNormalization([mesh]);
  const parts = torusPartsOf(data);
  const common = {
    format: "gemcnn-classifier",
    version: 3,
    kind: "gemcnn",
    preprocess: PREPROCESS,
    input,
    seed: 1,
    epochs: 1,
  };

  // Segmentation: three parts, a few Adam steps so that the prediction follows the parts.
  const segConfig: GemModelConfig = { inputType: input.fieldType, classes: 3, ...ARCHITECTURE };
  const segmenter = buildGemSegmenter(segConfig);
  const { batch, features } = inputOf(segmenter, mesh, { input });
  const optimizer = tf.train.adam(0.02);
  for (let step = 0; step < 25; step++) perVertexTrainStep(segmenter, optimizer, batch, features, [parts]);
  const partNames = ["outer", "middle", "inner"];
  const segmenterDir = join(root, "segmenter");
  await save(segmenterDir, segmenter, {
    ...common,
    task: "segmentation",
    classes: partNames,
    labels: { from: "vertex" },
    architecture: ARCHITECTURE,
  });
  const faceParts = vertexLabelsToFaceLabels(data.triangles, parts);

  // Correspondence to the torus itself: template vertex k is class k.
  const nVertices = data.positions.length / 3;
  const corrConfig: GemModelConfig = {
    inputType: input.fieldType,
    classes: nVertices,
    embedding: 16,
    ...ARCHITECTURE,
  };
  const correspondence = buildGemCorrespondence(corrConfig);
  const corrInput = inputOf(correspondence, mesh, { input });
  const identity = Int32Array.from({ length: nVertices }, (_, v) => v);
  const corrOptimizer = tf.train.adam(0.02);
  for (let step = 0; step < 15; step++) {
    perVertexTrainStep(correspondence, corrOptimizer, corrInput.batch, corrInput.features, [identity]);
  }
  const correspondenceDir = join(root, "correspondence");
  await save(correspondenceDir, correspondence, {
    ...common,
    task: "correspondence",
    classes: [],
    template: { file: "template.ply", vertexCount: nVertices },
    architecture: { ...ARCHITECTURE, embedding: 16 },
  });
  await writeFile(join(correspondenceDir, "template.ply"), templatePly(data));

  const otherTask = join(root, "other-task");
  await cp(segmenterDir, otherTask, { recursive: true });
  await editDescription(otherTask, (d) => {
    d.task = "detection";
  });
  const mismatched = join(root, "mismatched");
  await cp(segmenterDir, mismatched, { recursive: true });
  await cp(join(correspondenceDir, "gemcnn.json"), join(mismatched, "gemcnn.json"));
  await cp(join(correspondenceDir, "template.ply"), join(mismatched, "template.ply"));
  const newer = join(root, "newer-version");
  await cp(segmenterDir, newer, { recursive: true });
  await editDescription(newer, (d) => {
    d.version = 4;
  });
  const noTemplate = join(root, "no-template");
  await cp(correspondenceDir, noTemplate, {
    recursive: true,
    filter: (path) => !path.endsWith("template.ply"),
  });

  return {
    segmenterUrl: `${baseUrl}segmenter/`,
    parts: partNames,
    segmented: predictions(segmenter, input),
    torusParts: {
      vertex: Array.from(parts),
      face: Array.from(faceParts),
      faceToVertex: Array.from(faceLabelsToVertexLabels(data, faceParts)),
    },
    correspondenceUrl: `${baseUrl}correspondence/`,
    templateVertices: nVertices,
    corresponded: predictions(correspondence, input),
    otherTaskUrl: `${baseUrl}other-task/`,
    mismatchedUrl: `${baseUrl}mismatched/`,
    newerVersionUrl: `${baseUrl}newer-version/`,
    noTemplateUrl: `${baseUrl}no-template/`,
  };
}
