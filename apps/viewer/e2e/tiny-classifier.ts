/**
 * The browser tests' trained classifier: a tiny GEM-CNN trained for a few seconds on a few meshes
 * of the command line's synthetic dataset and saved as `gemcnn train` saves a model, through the
 * command line's library (`specForTraining`, `createClassifier`, `saveClassifier`), with Node's
 * own prediction for the built-in meshes the tests open (`loadClassifier`, `predict`). Also the
 * broken and limited model directories the error tests load.
 */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createClassifier,
  generateSyntheticDataset,
  loadClassifier,
  type ModelSpec,
  readModelSpec,
  SYNTHETIC_CLASSES,
  saveClassifier,
  specForTraining,
} from "@gemcnn/cli";
import { preprocessMeshData } from "@gemcnn/features";
import { bumpySphere, type TriangleMeshData, torus } from "@gemcnn/geometry";

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
  /** URL of an untrained model with heat-kernel features. */
  readonly hksUrl: string;
  /** URL of that model keeping every component, with 5 eigenpairs: meshes of 5 components fail. */
  readonly noTimeScaleUrl: string;
}

declare module "vitest" {
  interface ProvidedContext {
    tinyClassifier: TinyClassifier;
  }
}

/** The built-in meshes of the page that the tests compare with Node (same generators, same data). */
const PAGE_MESHES: Record<string, TriangleMeshData> = { "bumpy sphere": bumpySphere(), torus: torus() };

/** Three of the synthetic classes: a few meshes of each, small. */
function dataset(minVertices: number, maxVertices: number, perClass: number) {
  return generateSyntheticDataset({
    seed: 5,
    trainPerClass: perClass,
    testPerClass: 0,
    minVertices,
    maxVertices,
    noise: 0.005,
    maxScale: 2,
    classes: SYNTHETIC_CLASSES.filter((c) => ["sphere", "peanut", "torus"].includes(c.name)),
  });
}

/** A small network with one block on the input mesh and one a level coarser. */
function spec(
  classes: readonly string[],
  kinds: ModelSpec["preprocess"]["features"]["kinds"],
): Omit<ModelSpec, "input"> {
  return {
    format: "gemcnn-classifier",
    version: 2,
    kind: "gemcnn",
    classes,
    preprocess: {
      features: { kinds, hksEigenpairs: 128, hksTimeCount: 2 },
      repair: false,
      largestComponentOnly: true,
    },
    weightDecay: 0,
    seed: 1,
    architecture: {
      blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "8x0+2x1+2x2", pool: true }],
      nonlinearity: "gated",
      head: [16],
      dropout: 0,
      fieldDropout: 0,
      rings: 2,
      poolRatio: 0.25,
    },
  };
}

/** Trains (or only creates, with no `steps`) and saves a classifier on `samples`. */
async function trainAndSave(
  dir: string,
  base: Omit<ModelSpec, "input">,
  samples: ReturnType<typeof dataset>["train"],
  steps: number,
): Promise<void> {
  const meshes = samples.map((s) => preprocessMeshData(s.mesh, s.name, base.preprocess));
  const indices = meshes.map((_, i) => i);
  const full = specForTraining(base, meshes, indices);
  const model = await createClassifier(
    full,
    meshes,
    samples.map((s) => s.label),
    indices,
  );
  for (let step = 0; step < steps; step++) {
    await model.trainBatch(
      indices.filter((i) => i % 2 === step % 2),
      0.01,
    );
  }
  await saveClassifier(dir, full, model);
}

/** Trains, saves and describes the test models under `root` (served at `baseUrl`, ending in `/`). */
export async function writeTinyClassifiers(root: string, baseUrl: string): Promise<TinyClassifier> {
  const { train, classes } = dataset(100, 160, 4);
  const dir = join(root, "tiny");
  await trainAndSave(dir, spec(classes, ["moments", "curvature"]), train, 24);

  // Node's prediction, from the saved directory, as `gemcnn predict` makes it.
  const saved = await readModelSpec(dir);
  const expected: TinyClassifier["expected"] = {};
  for (const [name, data] of Object.entries(PAGE_MESHES)) {
    const model = await loadClassifier(dir, saved, [preprocessMeshData(data, name, saved.preprocess)]);
    expected[name] = { probabilities: Array.from((await model.predict([0]))[0]) };
  }

  const broken = join(root, "broken");
  await cp(dir, broken, { recursive: true });
  await rm(join(broken, "weights.bin"));

  const unknownFeaturesDir = join(root, "unknown-features");
  await cp(dir, unknownFeaturesDir, { recursive: true });
  const description = JSON.parse(await readFile(join(unknownFeaturesDir, "gemcnn.json"), "utf8"));
  description.preprocess.features.kinds.push("wavelets");
  await writeFile(join(unknownFeaturesDir, "gemcnn.json"), JSON.stringify(description));

  // Untrained: it shows that the page computes heat-kernel features on any mesh it opens.
  const small = dataset(60, 90, 1).train;
  const hksDir = join(root, "hks");
  await trainAndSave(hksDir, spec(classes, ["moments", "curvature", "hks"]), small, 0);
  // The same with every component kept and 5 eigenpairs: on a mesh of 5 or more components the
  // heat kernel has only zero eigenvalues, so its features cannot be computed.
  const noTimeScaleDir = join(root, "no-time-scale");
  await cp(hksDir, noTimeScaleDir, { recursive: true });
  const hksDescription = JSON.parse(await readFile(join(noTimeScaleDir, "gemcnn.json"), "utf8"));
  hksDescription.preprocess.features.hksEigenpairs = 5;
  hksDescription.preprocess.largestComponentOnly = false;
  await writeFile(join(noTimeScaleDir, "gemcnn.json"), JSON.stringify(hksDescription));

  return {
    url: `${baseUrl}tiny/`,
    dir,
    classes: [...classes],
    expected,
    brokenUrl: `${baseUrl}broken/`,
    unknownFeaturesDir,
    hksUrl: `${baseUrl}hks/`,
    noTimeScaleUrl: `${baseUrl}no-time-scale/`,
  };
}
