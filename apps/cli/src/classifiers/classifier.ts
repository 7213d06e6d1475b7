import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FieldDeclaration, PreprocessedMesh, PreprocessOptions, TargetScaling } from "@gemcnn/features";
import { fitInputNormalization, type InputNormalization, NonFiniteFeatureError } from "@gemcnn/features";
import type { MeshParseError } from "@gemcnn/geometry";
import { readRegularFileBytes, writeFileAtomic } from "@gemcnn/geometry/node";
import { CliError, EXIT } from "../cli/errors.js";
import { TASK_KINDS, type TaskKind } from "../tasks/tasks.js";
import type { TrainableModel } from "../training/loop.js";
import type { GemArchitecture } from "./architecture.js";
import { LinearProbe } from "./linear-probe.js";
import { pooledStatistics } from "./pooled-statistics.js";
import { fitTrainingDistribution, type TrainingDistribution } from "./training-distribution.js";

/** The classifier kinds `gemcnn train --model` knows: the GEM-CNN (default) and the linear-probe baseline. */
export type ModelKind = "gemcnn" | "linear-probe";
export const MODEL_KINDS: readonly ModelKind[] = ["gemcnn", "linear-probe"];

/**
 * Everything needed to use a trained classifier besides its weights, saved as `gemcnn.json` in
 * the model directory (beside tfjs's `model.json` and `weights.bin` for a GEM-CNN): the class
 * names (logit `k` is `classes[k]`), how meshes are preprocessed into features, and how those
 * features are normalised into the network's input.
 */
export interface ModelSpec {
  /** Identifies the file: `"gemcnn-classifier"`. */
  readonly format: typeof SPEC_FORMAT;
  /** Version of this file's layout (`SPEC_VERSION`). */
  readonly version: typeof SPEC_VERSION | 2;
  readonly kind: ModelKind;
  /**
   * What the model predicts (absent in version 2 files: "classification"): one class per mesh, or
   * per vertex ("segmentation": part classes; "correspondence": the vertices of `template`).
   */
  readonly task?: TaskKind;
  /** Classification: the class names; segmentation: the part names (logit k is `classes[k]`); correspondence: []. */
  readonly classes: readonly string[];
  /** Segmentation: whether the training labels came per face (`.seg`, by area majority) or per vertex (`.vseg`). */
  readonly labels?: { readonly from: "face" | "vertex" };
  /**
   * Correspondence: the template mesh beside the model (binary PLY; vertex k is class k) and its
   * vertex count, the number of classes.
   */
  readonly template?: { readonly file: string; readonly vertexCount: number };
  /**
   * The user's declared fields, read from the field file beside each mesh: `input` joins the
   * geometric features (every task; absent or empty: features only); `target` is what a
   * regression predicts (never empty there; [] for the other tasks).
   */
  readonly fields?: {
    readonly input: readonly FieldDeclaration[];
    readonly target: readonly FieldDeclaration[];
  };
  /** Regression: how the targets were scaled for training (features' `TargetScaling`); predictions are mapped back. */
  readonly target?: TargetScaling;
  /** How meshes must be preprocessed for this model (features, repair…). */
  readonly preprocess: PreprocessOptions;
  readonly weightDecay: number;
  readonly seed: number;
  /** GEM-CNN only: the network's shape. */
  readonly architecture?: GemArchitecture;
  /** GEM-CNN only: feature normalisation fitted on the training meshes (see `InputNormalization`). */
  readonly input?: InputNormalization;
  /**
   * The training meshes' pooled invariant features, for telling meshes far outside the training
   * data (`predict` warns); absent in models saved before it was added.
   */
  readonly trainingSet?: TrainingDistribution;
  /** Epochs the saved weights were trained for. */
  readonly epochs?: number;
  /** How these weights were chosen among the epochs: the best by validation (`model-best/`). */
  readonly selection?: {
    readonly by: "validation";
    readonly epoch: number;
    /** Absent for regression, which measures no accuracy (chosen by the validation loss). */
    readonly valAccuracy?: number;
    readonly valLoss: number;
  };
}

export const SPEC_FORMAT = "gemcnn-classifier";
/**
 * Version of `gemcnn.json`. 2: the heat-kernel features are `hksEigenpairs` and `hksTimeCount`
 * (times set by the spectrum), and `input` holds the robust normalisation (`scalarCenter`,
 * `scalarScale`, `copyScale`, `clip`). Version 1 files are refused with a message: their heat
 * kernel and normalisation are no longer computed, so their inputs could not be reproduced.
 */
export const SPEC_VERSION = 3;
/**
 * Version 3 added `task` (with `labels` for segmentation and `template` for correspondence); a
 * version 2 file is a classifier and is read as one.
 */
const READABLE_VERSIONS: readonly number[] = [2, 3];
/** Name of the spec file in a model directory. */
export const SPEC_FILE = "gemcnn.json";

/** A trainable classifier over a fixed list of preprocessed meshes (indexed from 0). */
export interface Classifier extends TrainableModel {
  /** Class probabilities of each sample. */
  predict(indices: readonly number[]): Promise<Float64Array[]>;
  /** Number of weights, where the model counts them (the GEM-CNN). */
  readonly parameterCount?: number;
  /** Writes the trained model's files (not the optimizer state) into `dir`. */
  exportModel(dir: string): Promise<void>;
  /** Stops the worker threads the model runs on, where it has any. */
  close?(): Promise<void>;
}

/** How a classifier runs (not part of the model): worker threads for the GEM-CNN. */
export interface RunOptions {
  /** Threads of data-parallel training and inference (the calling one and workers); 1 (default): the calling one only. */
  readonly threads?: number;
}

/**
 * Completes `spec` for training on `meshes`: the training samples `train` give the distribution
 * of pooled features that `predict` compares new meshes with, and a GEM-CNN's input
 * normalisation (both deterministic, so a resumed run fits the same ones).
 */
export function specForTraining(
  spec: Omit<ModelSpec, "input" | "trainingSet">,
  meshes: readonly PreprocessedMesh[],
  train: readonly number[],
): ModelSpec {
  const trainMeshes = train.map((i) => meshes[i]);
  const withDistribution = { ...spec, trainingSet: fitTrainingDistribution(trainMeshes) };
  if (spec.kind !== "gemcnn") return withDistribution;
  try {
    return { ...withDistribution, input: fitInputNormalization(trainMeshes) };
  } catch (error) {
    // Features are checked where they are computed, so this is a mesh that reached training by
    // another way (a cache entry from an older version, say): the user's input, not a bug.
    if (error instanceof NonFiniteFeatureError) {
      throw new CliError(error.message, EXIT.failure, { cause: error });
    }
    throw error;
  }
}

// gem-classifier.js is imported on demand: it loads tfjs, which commands like `info` do not need.

/**
 * Builds a new classifier of `spec` over `meshes` (`labels[i]` is mesh i's class, −1 when
 * unknown); `train` lists the samples whose statistics normalise the inputs.
 */
export async function createClassifier(
  spec: ModelSpec,
  meshes: readonly PreprocessedMesh[],
  labels: readonly number[],
  train: readonly number[],
  run: RunOptions = {},
): Promise<Classifier> {
  switch (spec.kind) {
    case "linear-probe": {
      const probe = new LinearProbe(meshes.map(pooledStatistics), labels, train, {
        classes: spec.classes.length,
        weightDecay: spec.weightDecay,
        seed: spec.seed,
      });
      return Object.assign(probe, {
        predict: async (indices: readonly number[]) => indices.map((i) => probe.probabilities(i)),
        exportModel: (dir: string) => probe.saveState(dir),
      });
    }
    case "gemcnn": {
      const { architecture, input } = gemParts(spec, "createClassifier");
      const { GemCnnClassifier } = await import("./gem-classifier.js");
      return GemCnnClassifier.create(architecture, spec.classes.length, meshes, labels, {
        input,
        weightDecay: spec.weightDecay,
        seed: spec.seed,
        threads: run.threads,
      });
    }
  }
}

/** A saved classifier over `meshes`, its weights restored (labels unknown: evaluation only). */
export async function loadClassifier(
  modelDir: string,
  spec: ModelSpec,
  meshes: readonly PreprocessedMesh[],
  labels: readonly number[] = meshes.map(() => -1),
  run: RunOptions = {},
): Promise<Classifier> {
  try {
    if (spec.kind === "gemcnn") {
      const { input } = gemParts(spec, modelDir);
      const { GemCnnClassifier } = await import("./gem-classifier.js");
      return await GemCnnClassifier.load(modelDir, meshes, labels, {
        input,
        weightDecay: spec.weightDecay,
        seed: spec.seed,
        threads: run.threads,
      });
    }
    const model = await createClassifier(spec, meshes, labels, []);
    await model.loadState(modelDir);
    return model;
  } catch (error) {
    throw modelLoadFailure(modelDir, error);
  }
}

/**
 * What a failure to load the model in `modelDir` becomes: a `CliError` as it is, anything else a
 * one-line `CliError` naming the directory (a field type's own message adds the input and a caret
 * on two more lines; only its first is kept). Shared by every task's loader.
 */
export function modelLoadFailure(modelDir: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const reason = (error as Error).message.split("\n")[0];
  return new CliError(`${modelDir}: cannot load the model (${reason})`, EXIT.failure, { cause: error });
}

function gemParts(spec: ModelSpec, where: string) {
  if (spec.architecture === undefined || spec.input === undefined) {
    throw new CliError(`${where}: a gemcnn model description needs "architecture" and "input"`);
  }
  return { architecture: spec.architecture, input: spec.input };
}

/**
 * Saves a trained classifier: its model files, then `gemcnn.json` (after, because a GEM-CNN's
 * `saveModel` replaces the whole directory).
 */
export async function saveClassifier(dir: string, spec: ModelSpec, model: Classifier): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.exportModel(dir);
  await writeFileAtomic(join(dir, SPEC_FILE), `${JSON.stringify(spec, null, 1)}\n`);
}

/** Reads `gemcnn.json` of a saved classifier; a `CliError` names the directory when it is not one. */
export async function readModelSpec(dir: string): Promise<ModelSpec> {
  const path = join(dir, SPEC_FILE);
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFileBytes(path, "model description"));
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new CliError(
        `${dir}: not a saved gemcnn model (no ${SPEC_FILE}); pass the model/ directory of a run`,
      );
    }
    throw new CliError(`${path}: ${(error as MeshParseError).detail}`);
  }
  let spec: ModelSpec;
  try {
    spec = JSON.parse(text) as ModelSpec;
  } catch (error) {
    throw new CliError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (spec?.format === SPEC_FORMAT && (spec.version as number) === 1) {
    throw new CliError(
      `${path}: a classifier saved by an earlier gemcnn (description version 1), whose heat-kernel features and input normalisation this version no longer computes; train it again`,
    );
  }
  if (
    spec?.format !== SPEC_FORMAT ||
    !READABLE_VERSIONS.includes(spec.version) ||
    !MODEL_KINDS.includes(spec.kind) ||
    !Array.isArray(spec.classes)
  ) {
    throw new CliError(
      `${path}: not a gemcnn classifier description (format ${SPEC_FORMAT}, version ${SPEC_VERSION})`,
    );
  }
  if (spec.task !== undefined && !TASK_KIND_NAMES.includes(spec.task)) {
    throw new CliError(
      `${path}: unknown task "${String(spec.task)}" (this gemcnn knows ${TASK_KIND_NAMES.join(", ")}); a newer gemcnn may read it`,
    );
  }
  if (
    Array.isArray(spec.preprocess?.features?.kinds) &&
    spec.preprocess.features.kinds.length === 0 &&
    !(Array.isArray(spec.fields?.input) && spec.fields.input.length > 0)
  ) {
    throw new CliError(
      `${path}: a ${spec.task ?? "classification"} model without geometric features (preprocess.features.kinds is empty) and without input fields: it would have no input`,
    );
  }
  return spec;
}

/** The task of a model description: "classification" when the file does not say (version 2). */
export function taskOf(spec: Pick<ModelSpec, "task">): TaskKind {
  return spec.task ?? "classification";
}

const TASK_KIND_NAMES: readonly string[] = TASK_KINDS;
