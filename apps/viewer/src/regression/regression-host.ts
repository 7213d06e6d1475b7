import type { RegressionDescription } from "../classifier/description.js";
import { type ModelFileSource, readModelArtifacts } from "../classifier/model-files.js";
import type { TrainedRegressionModel } from "./regression-model.js";

/** A loaded regression model and the tfjs backend it runs on. */
export interface LoadedRegressionModel {
  readonly model: TrainedRegressionModel;
  readonly description: RegressionDescription;
  readonly backend: string;
}

/**
 * Loads regression models as `PerVertexHost` loads per-vertex ones: files checked first (no
 * tfjs), the model built with tfjs on first use, a failed load leaving the previous model in
 * place. Its predictions are run by the field file it is attached to (`FieldPredictor`).
 */
export class RegressionHost {
  loaded: LoadedRegressionModel | undefined;
  loading = false;

  async load(source: ModelFileSource, description: RegressionDescription): Promise<LoadedRegressionModel> {
    this.loading = true;
    try {
      const artifacts = await readModelArtifacts(source);
      const [{ TrainedRegressionModel }, { pageBackend }] = await Promise.all([
        import("./regression-model.js"),
        import("../network/page-backend.js"),
      ]);
      const backend = await pageBackend();
      const model = await TrainedRegressionModel.create(artifacts, description, source.label);
      this.loaded?.model.dispose();
      this.loaded = { model, description, backend: backend.reason };
      return this.loaded;
    } finally {
      this.loading = false;
    }
  }

  unload(): void {
    this.loaded?.model.dispose();
    this.loaded = undefined;
  }
}
