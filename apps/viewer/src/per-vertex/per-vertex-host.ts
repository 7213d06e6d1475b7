import type { TriangleMeshData } from "@gemcnn/geometry";
import type { PerVertexDescription } from "../classifier/description.js";
import { type ModelFileSource, readModelArtifacts } from "../classifier/model-files.js";
import { templateColors } from "../fields/palette.js";
import type { MeshModel } from "../model/mesh-model.js";
import type { PerVertexResult, TrainedPerVertexModel } from "./per-vertex-model.js";
import { readTemplate } from "./template.js";

/** A loaded per-vertex model, its template (correspondence) and the tfjs backend it runs on. */
export interface LoadedPerVertexModel {
  readonly model: TrainedPerVertexModel;
  readonly description: PerVertexDescription;
  /** The correspondence model's template mesh and a colour per template vertex. */
  readonly template?: { readonly data: TriangleMeshData; readonly colors: Float32Array };
  readonly backend: string;
}

/** A prediction, or why there is none for this mesh. */
export type PerVertexOutcome =
  | { readonly ok: true; readonly result: PerVertexResult }
  | { readonly ok: false; readonly mesh: string; readonly gaugeVersion: number; readonly message: string };

/**
 * Loads segmentation and correspondence models and runs them on the open mesh, as
 * `ClassifierHost` does for classifiers: files checked first (no tfjs), the model built with tfjs
 * on first use, a failed load leaving the previous model in place, predictions cached per mesh
 * and gauge.
 */
export class PerVertexHost {
  loaded: LoadedPerVertexModel | undefined;
  loading = false;
  private cache: { model: MeshModel; version: number; outcome: PerVertexOutcome } | undefined;

  async load(source: ModelFileSource, description: PerVertexDescription): Promise<LoadedPerVertexModel> {
    this.loading = true;
    try {
      const artifacts = await readModelArtifacts(source);
      const template =
        description.task === "correspondence" ? await readTemplate(source, description) : undefined;
      const [{ TrainedPerVertexModel }, { pageBackend }] = await Promise.all([
        import("./per-vertex-model.js"),
        import("../network/page-backend.js"),
      ]);
      const backend = await pageBackend();
      const model = await TrainedPerVertexModel.create(artifacts, description, source.label);
      this.loaded?.model.dispose();
      this.loaded = {
        model,
        description,
        template: template && { data: template, colors: templateColors(template.positions) },
        backend: backend.reason,
      };
      this.cache = undefined;
      return this.loaded;
    } finally {
      this.loading = false;
    }
  }

  unload(): void {
    this.loaded?.model.dispose();
    this.loaded = undefined;
    this.cache = undefined;
  }

  /** The answer for `model` in its current gauge if it has been computed, else undefined. */
  cached(model: MeshModel): PerVertexOutcome | undefined {
    const cache = this.cache;
    return cache?.model === model && cache.version === model.gaugeVersion ? cache.outcome : undefined;
  }

  /** The loaded model's answer for `model` in its current gauge (cached); undefined when none is loaded. */
  predict(model: MeshModel): PerVertexOutcome | undefined {
    const loaded = this.loaded;
    if (!loaded) return undefined;
    const cached = this.cached(model);
    if (cached) return cached;
    let outcome: PerVertexOutcome;
    try {
      outcome = { ok: true, result: loaded.model.predict(model) };
    } catch (error) {
      outcome = {
        ok: false,
        mesh: model.name,
        gaugeVersion: model.gaugeVersion,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    this.cache = { model, version: model.gaugeVersion, outcome };
    return outcome;
  }
}
