import {
  type InputNormalization,
  type PreprocessedMesh,
  scaleTarget,
  type TargetScaling,
  unscaleTarget,
} from "@gemcnn/features";
import type { NamedFieldType } from "@gemcnn/gauge";
import { withSeededMathRandom } from "@gemcnn/geometry";
import {
  fieldRegressionMetrics,
  type GemRegressorConfig,
  gemModelInfo,
  loadModel,
  type MeshBatch,
  outputTypeOf,
  perVertexRegressionStep,
  predictPerVertexFields,
} from "@gemcnn/nn";
import type * as tf from "@tensorflow/tfjs";
import { type GemArchitecture, namedInputType } from "../classifiers/architecture.js";
import {
  buildArchitecture,
  ensureBackend,
  type GemCnnOptions,
  GemMeshNetwork,
  reportingNonFiniteInput,
} from "../classifiers/gem-classifier.js";
import { stepSeed } from "../classifiers/seeded-random.js";
import { CliError } from "../cli/errors.js";
import type { Totals } from "../training/loop.js";

/** The nn configuration of a regressor with the CLI's architecture. */
export function regressorConfig(
  architecture: GemArchitecture,
  input: InputNormalization,
  target: NamedFieldType,
): GemRegressorConfig {
  return {
    inputType: input.fieldType,
    blocks: architecture.blocks,
    outputType: target.type.toString(),
    nonlinearity: architecture.nonlinearity,
    fieldDropout: architecture.fieldDropout,
    rings: architecture.rings,
    mesh: { poolRatio: architecture.poolRatio, seed: 0 },
    inputFields: namedInputType(input).toJSON(),
    outputFields: target.toJSON(),
  };
}

/**
 * A per-vertex GEM-CNN regressor (nn's `buildGemRegressor`) over a fixed list of preprocessed
 * meshes whose `features` are the network's packed input (`withNetworkInput`), with packed
 * target fields in the meshes' frames (absent for meshes only predicted on). The network learns
 * the scaled targets (`scaleTarget` of the model's `TargetScaling`); predictions are mapped back
 * (`unscaleTarget`). Trained with nn's `perVertexRegressionStep` (mean squared norm of the
 * difference per irrep copy, a gauge invariant), evaluated and predicted one mesh at a time, on
 * the calling thread.
 */
export class GemRegressionModel extends GemMeshNetwork {
  readonly outputType: NamedFieldType;
  readonly scaling: TargetScaling;
  private readonly targets: readonly (ArrayLike<number> | undefined)[];
  private readonly scaledTargets: (Float32Array | undefined)[];
  private readonly meshBatches = new Map<number, MeshBatch>();

  private constructor(
    model: tf.LayersModel,
    meshes: readonly PreprocessedMesh[],
    targets: readonly (ArrayLike<number> | undefined)[],
    outputType: NamedFieldType,
    scaling: TargetScaling,
    options: GemCnnOptions,
  ) {
    super(model, meshes, options);
    this.outputType = outputType;
    this.scaling = scaling;
    this.targets = targets;
    this.scaledTargets = new Array(meshes.length);
  }

  /** A new, randomly initialised regressor to `outputType` (the target declarations' named type). */
  static async create(
    architecture: GemArchitecture,
    outputType: NamedFieldType,
    scaling: TargetScaling,
    meshes: readonly PreprocessedMesh[],
    targets: readonly (ArrayLike<number> | undefined)[],
    options: GemCnnOptions,
  ): Promise<GemRegressionModel> {
    await ensureBackend();
    const nn = await import("@gemcnn/nn");
    const config = regressorConfig(architecture, options.input, outputType);
    const model = buildArchitecture(options.seed, () => nn.buildGemRegressor(config));
    return new GemRegressionModel(model, meshes, targets, outputType, scaling, options);
  }

  /** A regressor saved with `exportModel`; its output type must be `outputType`'s. */
  static async load(
    modelDir: string,
    outputType: NamedFieldType,
    scaling: TargetScaling,
    meshes: readonly PreprocessedMesh[],
    targets: readonly (ArrayLike<number> | undefined)[],
    options: GemCnnOptions,
  ): Promise<GemRegressionModel> {
    await ensureBackend();
    const model = await loadModel(modelDir);
    const info = gemModelInfo(model);
    if (info?.kind !== "regressor") {
      model.dispose();
      throw new CliError(
        `${modelDir}: the network is a ${info?.kind ?? "model without gemcnn metadata"}, not a regressor (gemcnn.json says "regression")`,
      );
    }
    const type = outputTypeOf(info).toString();
    if (type !== outputType.type.toString() || info.config.inputType !== options.input.fieldType) {
      model.dispose();
      throw new CliError(
        `${modelDir}: the network maps "${info.config.inputType}" to "${type}", but gemcnn.json says "${options.input.fieldType}" to "${outputType.type}"`,
      );
    }
    return new GemRegressionModel(model, meshes, targets, outputType, scaling, options);
  }

  private scaledTarget(i: number): Float32Array {
    let scaled = this.scaledTargets[i];
    if (scaled === undefined) {
      const target = this.targets[i];
      if (target === undefined) throw new Error(`mesh ${this.meshes[i].name} has no target`);
      scaled = Float32Array.from(scaleTarget(target, this.scaling));
      this.scaledTargets[i] = scaled;
    }
    return scaled;
  }

  /** The mean over the batch's vertices of the squared error (scaled units), returned as a sum. */
  async trainBatch(indices: readonly number[], learningRate: number): Promise<Totals> {
    this.setLearningRate(learningRate);
    const batch = this.batch(indices);
    const inputs = indices.map((i) => this.input(i));
    const targets = indices.map((i) => this.scaledTarget(i));
    const meshNames = indices.map((i) => this.meshes[i].name);
    const seed = stepSeed(this.options.seed, this.steps);
    const loss = reportingNonFiniteInput(meshNames, () =>
      withSeededMathRandom(seed, () =>
        perVertexRegressionStep(this.model, this.optimizer, batch, inputs, targets, { meshNames }),
      ),
    );
    this.steps++;
    const count = indices.reduce((sum, i) => sum + this.meshes[i].nVertices, 0);
    return { loss: loss * count, correct: Number.NaN, count };
  }

  private meshBatch(i: number): MeshBatch {
    let batch = this.meshBatches.get(i);
    if (batch === undefined) {
      batch = this.batch([i]);
      this.meshBatches.set(i, batch);
    }
    return batch;
  }

  /** The network's output on mesh `i` (scaled units, in its frames), in inference mode. */
  scaledPrediction(i: number): Float32Array {
    const name = this.meshes[i].name;
    return reportingNonFiniteInput(
      [name],
      () => predictPerVertexFields(this.model, this.meshBatch(i), [this.input(i)], { meshNames: [name] })[0],
    );
  }

  /** The predicted fields of each mesh in the targets' units, packed in its frames (float64). */
  async predict(indices: readonly number[]): Promise<Float64Array[]> {
    return indices.map((i) => unscaleTarget(this.scaledPrediction(i), this.scaling));
  }

  /**
   * The loss (the squared error in scaled units, summed over vertices, float64) over `indices`,
   * and as `figures` per field the RMSE (target units) and, for order ≥ 1, the median and mean
   * angular error in degrees (nn's `fieldRegressionMetrics`); no accuracy (`correct` NaN).
   */
  async evaluate(indices: readonly number[]): Promise<Totals> {
    let loss = 0;
    let count = 0;
    const predicted: Float64Array[] = [];
    const truth: ArrayLike<number>[] = [];
    for (const i of indices) {
      const scaled = this.scaledPrediction(i);
      const target = this.scaledTarget(i);
      for (let k = 0; k < target.length; k++) loss += (scaled[k] - target[k]) ** 2;
      count += this.meshes[i].nVertices;
      predicted.push(unscaleTarget(scaled, this.scaling));
      truth.push(this.targets[i] as ArrayLike<number>);
    }
    return {
      loss,
      correct: Number.NaN,
      count,
      figures: regressionFigures(this.outputType, predicted, truth),
    };
  }

  /** Nothing to stop: the model runs on this thread. */
  async close(): Promise<void> {}
}

/** The RMSE and angular errors per field as flat figures: `rmse.<field>`, `angleMedian.<field>`, `angleMean.<field>`. */
export function regressionFigures(
  type: NamedFieldType,
  predicted: readonly ArrayLike<number>[],
  truth: readonly ArrayLike<number>[],
): Record<string, number> {
  const metrics = fieldRegressionMetrics(type, predicted, truth);
  const figures: Record<string, number> = {};
  for (const copy of metrics.copies) {
    figures[`rmse.${copy.name}`] = copy.rmse;
    if (copy.angularError !== undefined) {
      figures[`angleMedian.${copy.name}`] = copy.angularError.median;
      figures[`angleMean.${copy.name}`] = copy.angularError.mean;
    }
  }
  return figures;
}
