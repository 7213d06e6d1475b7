import type { MeshModel } from "../model/mesh-model.js";
import { type ClassifierDescription, readClassifierDescription } from "./description.js";
import { type ModelFileSource, readModelArtifacts } from "./model-files.js";
import type { ClassifierPrediction, TrainedClassifier } from "./trained-classifier.js";

/** The loaded classifier and the tfjs backend it runs on. */
export interface LoadedClassifier {
  readonly classifier: TrainedClassifier;
  readonly description: ClassifierDescription;
  /** nn's one-line account of the backend (`wasm (SIMD on, single-threaded): first choice`). */
  readonly backend: string;
}

/** A prediction, or why there is none for this mesh. */
export type PredictionResult =
  | { readonly ok: true; readonly prediction: ClassifierPrediction }
  | { readonly ok: false; readonly mesh: string; readonly gaugeVersion: number; readonly message: string };

/**
 * Loads trained classifiers and runs them on the open mesh. Reading and checking the files needs
 * no tfjs; building the model imports `trained-classifier.js` (tfjs, nn) on first use. A failed
 * load leaves the classifier loaded before in place. Predictions are cached per mesh and gauge.
 */
export class ClassifierHost {
  loaded: LoadedClassifier | undefined;
  /** True while a model is being read and built. */
  loading = false;
  private cache: { model: MeshModel; version: number; result: PredictionResult } | undefined;
  /** The prediction of the open mesh in its reference gauge, to compare later gauges with. */
  private reference: { model: MeshModel; probabilities: Float64Array } | undefined;

  /** Reads, checks and builds the classifier of `source`; throws a message-bearing error on failure. */
  async load(source: ModelFileSource): Promise<LoadedClassifier> {
    this.loading = true;
    try {
      const artifacts = await readModelArtifacts(source);
      const description = await readClassifierDescription(source);
      const [{ TrainedClassifier }, { pageBackend }] = await Promise.all([
        import("./trained-classifier.js"),
        import("../network/page-backend.js"),
      ]);
      const backend = await pageBackend();
      const classifier = await TrainedClassifier.create(artifacts, description, source.label);
      this.loaded?.classifier.dispose();
      this.loaded = { classifier, description, backend: backend.reason };
      this.cache = undefined;
      this.reference = undefined;
      return this.loaded;
    } finally {
      this.loading = false;
    }
  }

  /** Forgets the loaded classifier and its predictions. */
  unload(): void {
    this.loaded?.classifier.dispose();
    this.loaded = undefined;
    this.cache = undefined;
    this.reference = undefined;
  }

  /** The answer for `model` in its current gauge if it has been computed, else undefined. */
  cached(model: MeshModel): PredictionResult | undefined {
    const cache = this.cache;
    return cache?.model === model && cache.version === model.gaugeVersion ? cache.result : undefined;
  }

  /** The loaded classifier's answer for `model` in its current gauge (cached), or undefined when none is loaded. */
  predict(model: MeshModel): PredictionResult | undefined {
    const loaded = this.loaded;
    if (!loaded) return undefined;
    const cached = this.cached(model);
    if (cached) return cached;
    let result: PredictionResult;
    try {
      result = { ok: true, prediction: loaded.classifier.predict(model) };
    } catch (error) {
      result = {
        ok: false,
        mesh: model.name,
        gaugeVersion: model.gaugeVersion,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    this.cache = { model, version: model.gaugeVersion, result };
    if (result.ok && model.gaugeVersion === 0) {
      this.reference = { model, probabilities: result.prediction.probabilities };
    }
    return result;
  }

  /**
   * Largest change of a class probability between `prediction` and the same mesh's prediction in
   * its reference gauge, or undefined when that is not known (or `prediction` is it).
   */
  changeSinceReference(model: MeshModel, prediction: ClassifierPrediction): number | undefined {
    if (this.reference?.model !== model || model.gaugeVersion === 0) return undefined;
    const reference = this.reference.probabilities;
    let max = 0;
    prediction.probabilities.forEach((p, c) => {
      max = Math.max(max, Math.abs(p - reference[c]));
    });
    return max;
  }
}
