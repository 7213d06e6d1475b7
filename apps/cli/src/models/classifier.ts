import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CliError } from "../cli/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { PreprocessedMesh, PreprocessOptions } from "../preprocess/pipeline.js";
import type { TrainableModel } from "../train/loop.js";
import { LinearProbe } from "./linear-probe.js";
import { pooledStatistics } from "./pooled-statistics.js";

/** The classifier kinds `gemcnn train --model` knows. */
export type ModelKind = "linear-probe" | "gemcnn";
export const MODEL_KINDS: readonly ModelKind[] = ["gemcnn", "linear-probe"];

/** Settings of a classifier, saved in `model.json` beside its weights. */
export interface ModelSpec {
  readonly kind: ModelKind;
  readonly classes: readonly string[];
  /** How meshes must be preprocessed for this model (features, repair…). */
  readonly preprocess: PreprocessOptions;
  readonly weightDecay: number;
  readonly seed: number;
}

/** A trainable classifier over a fixed list of preprocessed meshes (indexed from 0). */
export interface Classifier extends TrainableModel {
  /** Class probabilities of each sample. */
  predict(indices: readonly number[]): Promise<Float64Array[]>;
}

/**
 * Builds the classifier of `spec` over `meshes` (`labels[i]` is mesh i's class, −1 when
 * unknown); `train` lists the samples whose statistics normalise the inputs.
 */
export function createClassifier(
  spec: ModelSpec,
  meshes: readonly PreprocessedMesh[],
  labels: readonly number[],
  train: readonly number[],
): Classifier {
  switch (spec.kind) {
    case "linear-probe": {
      const probe = new LinearProbe(meshes.map(pooledStatistics), labels, train, {
        classes: spec.classes.length,
        weightDecay: spec.weightDecay,
        seed: spec.seed,
      });
      return Object.assign(probe, {
        predict: async (indices: readonly number[]) => indices.map((i) => probe.probabilities(i)),
      });
    }
    case "gemcnn":
      // The seam for the nn package: GemConv residual blocks, invariant pooling and a dense
      // head, trained with tfjs's Adam; it plugs in here as another `Classifier`.
      throw new CliError(
        "--model gemcnn needs the nn package's model builder and save/load, which are not merged into this build yet; use --model linear-probe",
      );
  }
}

const SPEC_FILE = "model.json";

/** Saves a trained classifier: `model.json` (its spec) and its state files. */
export async function saveClassifier(dir: string, spec: ModelSpec, model: Classifier): Promise<void> {
  await writeFileAtomic(join(dir, SPEC_FILE), `${JSON.stringify(spec, null, 1)}\n`);
  await model.saveState(dir);
}

/** Reads `model.json` of a saved classifier; a `CliError` names the directory when it is not one. */
export async function readModelSpec(dir: string): Promise<ModelSpec> {
  const path = join(dir, SPEC_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new CliError(
      `${dir}: not a saved gemcnn model (no ${SPEC_FILE}); pass the model/ directory of a run`,
    );
  }
  const spec = JSON.parse(text) as ModelSpec;
  if (!MODEL_KINDS.includes(spec.kind) || !Array.isArray(spec.classes)) {
    throw new CliError(`${path}: not a gemcnn model description`);
  }
  return spec;
}
