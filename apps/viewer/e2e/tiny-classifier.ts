/**
 * The browser tests' trained classifier: a tiny GEM-CNN (nn's builder) trained for a few seconds
 * on a few meshes of the command line's synthetic dataset, with the command line's preprocessing
 * and input normalisation, saved as `gemcnn train` saves a model (`model.json`, `weights.bin`,
 * `gemcnn.json`), with Node's own prediction for the built-in meshes the tests open. Also the broken and limited model directories the error tests
 * load. Everything is written under `root`, which the static server serves at `baseUrl`.
 */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSyntheticDataset, SYNTHETIC_CLASSES } from "@gemcnn/cli";
import {
  fitInputNormalization,
  type InputNormalization,
  normalizeInput,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "@gemcnn/cli/features";
import { bumpySphere, MeshGeometry, type TriangleMeshData, torus } from "@gemcnn/geometry";
import {
  applyToMeshes,
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  classifierTrainStep,
  type GemModelConfig,
  initBackend,
  loadModel,
  type MeshBatch,
  meshOptionsOf,
  saveModel,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export interface TinyClassifier {
  /** URL of the trained model's directory. */
  readonly url: string;
  /** The same directory on disk (for the file input). */
  readonly dir: string;
  readonly classes: string[];
  /** Node's class probabilities for built-in meshes of the page, by name. */
  readonly expected: Record<string, { probabilities: number[] }>;
  /** URL of a copy without its weight file. */
  readonly brokenUrl: string;
  /** Directory of a copy whose description asks for a feature kind the page does not know. */
  readonly unknownFeaturesDir: string;
  /** URL of an untrained model with heat-kernel features limited to 130 vertices. */
  readonly hksUrl: string;
}

declare module "vitest" {
  interface ProvidedContext {
    tinyClassifier: TinyClassifier;
  }
}

/** Three of the synthetic classes, in the dataset's order (which gives their labels). */
const CLASS_NAMES = ["sphere", "peanut", "torus"];

/** The built-in meshes of the page that the tests compare with Node (same generators, same data). */
const PAGE_MESHES: Record<string, TriangleMeshData> = { "bumpy sphere": bumpySphere(), torus: torus() };

function preprocessOptions(
  kinds: PreprocessOptions["features"]["kinds"],
  hksMaxVertices: number,
): PreprocessOptions {
  return {
    features: { kinds, hksTimes: [0.01, 0.05], hksMaxVertices },
    repair: false,
    largestComponentOnly: true,
  };
}

function dataset(minVertices: number, maxVertices: number, perClass: number) {
  return generateSyntheticDataset({
    seed: 5,
    trainPerClass: perClass,
    testPerClass: 0,
    minVertices,
    maxVertices,
    noise: 0.005,
    maxScale: 2,
    classes: SYNTHETIC_CLASSES.filter((c) => CLASS_NAMES.includes(c.name)),
  });
}

/** nn's classifier on the input the command line computes for `input`. */
function modelConfig(input: InputNormalization, classes: number): GemModelConfig {
  return {
    inputType: input.fieldType,
    blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "8x0+2x1+2x2", pool: true }],
    classes,
    head: [16],
    mesh: { poolRatio: 0.25, seed: 0 },
  };
}

/** One batch of preprocessed meshes, each hierarchy in the frames its features were computed in. */
function batchOf(model: tf.LayersModel, meshes: readonly PreprocessedMesh[]): MeshBatch {
  return batchMeshes(
    meshes.map((mesh) =>
      buildMeshHierarchy(MeshGeometry.fromData({ positions: mesh.positions, triangles: mesh.triangles }), {
        ...meshOptionsOf(model),
        frames: { e1: mesh.e1, e2: mesh.e2, n: mesh.normals },
      }),
    ),
  );
}

/** Saves `model` with the command line's description beside it (its `gemcnn.json`, format 1). */
async function save(
  dir: string,
  model: tf.LayersModel,
  classes: readonly string[],
  preprocess: PreprocessOptions,
  input: InputNormalization,
): Promise<void> {
  await saveModel(model, dir);
  const description = {
    format: "gemcnn-classifier",
    version: 1,
    kind: "gemcnn",
    classes,
    preprocess,
    weightDecay: 0,
    seed: 1,
    input,
  };
  await writeFile(join(dir, "gemcnn.json"), JSON.stringify(description, null, 1));
}

/** Trains, saves and describes the test models under `root` (served at `baseUrl`, ending in `/`). */
export async function writeTinyClassifiers(root: string, baseUrl: string): Promise<TinyClassifier> {
  await initBackend({ backend: "wasm" });
  const preprocess = preprocessOptions(["moments", "curvature"], 1000);
  const { train, classes } = dataset(100, 160, 4);
  const meshes = train.map((s) => preprocessMeshData(s.mesh, s.name, preprocess));
  const input = fitInputNormalization(meshes);
  const model = buildGemClassifier(modelConfig(input, classes.length));
  const optimizer = tf.train.adam(0.01);
  const halves = [0, 1].map((half) => train.map((_, i) => i).filter((i) => i % 2 === half));
  const batches = halves.map((indices) =>
    batchOf(
      model,
      indices.map((i) => meshes[i]),
    ),
  );
  const inputs = halves.map((indices) => indices.map((i) => normalizeInput(meshes[i], input)));
  for (let step = 0; step < 24; step++) {
    const half = step % 2;
    classifierTrainStep(
      model,
      optimizer,
      batches[half],
      inputs[half],
      halves[half].map((i) => train[i].label),
    );
  }
  const dir = join(root, "tiny");
  await save(dir, model, classes, preprocess, input);

  // Node's prediction, from the saved files, with the command line's preprocessing and normalisation.
  const saved = await loadModel(dir);
  const expected: TinyClassifier["expected"] = {};
  for (const [name, data] of Object.entries(PAGE_MESHES)) {
    const mesh = preprocessMeshData(data, name, preprocess);
    const logits = tf.tidy(() =>
      Array.from(applyToMeshes(saved, batchOf(saved, [mesh]), [normalizeInput(mesh, input)]).dataSync()),
    );
    const max = Math.max(...logits);
    const exps = logits.map((z) => Math.exp(z - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    expected[name] = { probabilities: exps.map((e) => e / sum) };
  }

  const broken = join(root, "broken");
  await cp(dir, broken, { recursive: true });
  await rm(join(broken, "weights.bin"));

  const unknownFeaturesDir = join(root, "unknown-features");
  await cp(dir, unknownFeaturesDir, { recursive: true });
  const description = JSON.parse(await readFile(join(unknownFeaturesDir, "gemcnn.json"), "utf8"));
  description.preprocess.features.kinds.push("wavelets");
  await writeFile(join(unknownFeaturesDir, "gemcnn.json"), JSON.stringify(description));

  // Untrained: only its heat-kernel limit matters. Normalised on small meshes within that limit.
  const hksPreprocess = preprocessOptions(["moments", "curvature", "hks"], 130);
  const small = dataset(60, 90, 1).train.map((s) => preprocessMeshData(s.mesh, s.name, hksPreprocess));
  const hksInput = fitInputNormalization(small);
  await save(
    join(root, "hks"),
    buildGemClassifier(modelConfig(hksInput, classes.length)),
    classes,
    hksPreprocess,
    hksInput,
  );

  return {
    url: `${baseUrl}tiny/`,
    dir,
    classes: [...classes],
    expected,
    brokenUrl: `${baseUrl}broken/`,
    unknownFeaturesDir,
    hksUrl: `${baseUrl}hks/`,
  };
}
