import { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { GemConv } from "../layers/gem-conv.js";
import type { MeshBatch } from "../multiscale/batch.js";
import {
  check,
  encoderDecoder,
  type GemModelConfig,
  type GemRegressorConfig,
  gemModelInfo,
  ModelConfigError,
  outputTypeOf,
  withInfo,
} from "./builders.js";
import type { PerVertexValues } from "./per-vertex.js";
import { applyToMeshes, type FeatureArray, tensorData } from "./run.js";

// Per-vertex regression of typed fields: a network whose output is a field of a declared type
// (scalars, tangent vectors, order-n fields) and the invariant loss that trains it.

/** Name of a regressor's output layer, the GemConv to its output field. */
export const REGRESSION_OUTPUT_LAYER = "field_output";

/**
 * A per-vertex regressor as a tfjs `LayersModel`: the segmenter's encoder-decoder
 * (`buildGemSegmenter`: residual blocks, transport pooling and unpooling) and a final GemConv to
 * a field of `config.outputType` per vertex (layer `"field_output"`), linear, with a bias on the
 * scalar copies only (a bias on a vector would pick a direction in every frame and break
 * equivariance). Input and output rows are the input mesh's vertices; the output is in the
 * vertex frames of the graph the model runs on, so that changing the gauge by `φ` turns it by
 * `ρ_out(−φ)`. The model's record (`gemModelInfo`) has kind `"regressor"`, `config.outputType`
 * and, in `config.classes`, the output's width. `outputFields` (`{ type, names }`) must name the
 * copies of `outputType`.
 */
export function buildGemRegressor(config: GemRegressorConfig): tf.LayersModel {
  const builder = "buildGemRegressor";
  if (config === null || typeof config !== "object") {
    throw new ModelConfigError(`${builder}: expected a configuration object`);
  }
  for (const key of ["classes", "head", "dropout", "embedding"]) {
    if ((config as unknown as Record<string, unknown>)[key] !== undefined) {
      throw new ModelConfigError(
        `${builder}: a regressor has no "${key}" (its output is the field type "outputType")`,
      );
    }
  }
  if (typeof config.outputType !== "string") {
    throw new ModelConfigError(
      `${builder}: outputType must be a field type string such as "1x1", got ${JSON.stringify(config.outputType)}`,
    );
  }
  let outputType: FieldType;
  try {
    outputType = FieldType.parse(config.outputType);
  } catch (error) {
    throw new ModelConfigError(`${builder}: outputType: ${(error as Error).message}`);
  }
  const stored: GemModelConfig = { ...config, classes: outputType.dim };
  const checked = check(stored, builder, outputType);
  const input = tf.input({ shape: [checked.inputType.dim], name: "features" });
  const { tensor, type } = encoderDecoder(stored, checked, input);
  const output = new GemConv({
    inType: type,
    outType: outputType,
    rings: config.rings,
    aggregation: config.aggregation,
    maxFrequency: config.maxFrequency,
    name: REGRESSION_OUTPUT_LAYER,
  }).apply(tensor) as tf.SymbolicTensor;
  return withInfo(
    tf.model({ inputs: input, outputs: output, name: "gem_regressor" }),
    "regressor",
    stored,
    checked,
  );
}

/** The output field type of a per-vertex model; throws for a classifier or a model without a gemcnn record. */
function perVertexOutputType(model: tf.LayersModel, caller: string): FieldType {
  const info = gemModelInfo(model);
  if (info === undefined) {
    throw new ModelConfigError(`${caller}: model "${model.name}" has no gemcnn metadata`);
  }
  if (info.kind === "classifier") {
    throw new ModelConfigError(
      `${caller}: model "${model.name}" is a classifier (one output per mesh); use a regressor (buildGemRegressor)`,
    );
  }
  return outputTypeOf(info);
}

/** Per-vertex values of a batch laid out `[Σ V_i × width]`, from one array or one per mesh, checked. */
function flattenRows(values: PerVertexValues, batch: MeshBatch, width: number, what: string): Float32Array {
  const offsets = batch.levels[0].meshOffsets;
  const n = offsets[batch.size];
  const out = new Float32Array(n * width);
  const perMesh = Array.isArray(values) && values.length > 0 && typeof values[0] !== "number";
  if (perMesh) {
    const arrays = values as readonly ArrayLike<number>[];
    if (arrays.length !== batch.size) {
      throw new ModelConfigError(`${what}: ${arrays.length} arrays for a batch of ${batch.size} meshes`);
    }
    arrays.forEach((a, i) => {
      const rows = offsets[i + 1] - offsets[i];
      if (a.length !== rows * width) {
        throw new ModelConfigError(
          `${what}: mesh ${i} has ${rows} vertices × ${width} but ${a.length} values`,
        );
      }
      for (let k = 0; k < a.length; k++) out[offsets[i] * width + k] = Number(a[k]);
    });
  } else {
    const a = values as ArrayLike<number>;
    if (a.length !== n * width) {
      throw new ModelConfigError(`${what}: ${a.length} values for a batch of ${n} vertices × ${width}`);
    }
    for (let k = 0; k < a.length; k++) out[k] = Number(a[k]);
  }
  return out;
}

/**
 * The regression loss of a prediction against a target, both packed fields of the same type
 * `[rows × dim]`: the mean over the counted rows of the squared norm of the difference, summed
 * over the irrep copies, `Σ_v w_v Σ_c |ŷ_vc − y_vc|² / Σ_v w_v` (`weights`: one per row, 0 for a
 * row that does not count; default all 1). Gauge invariant: a gauge change acts on every copy of
 * prediction and target alike by a rotation `ρ_n(−φ_v)`, which keeps the norm of their
 * difference. Differentiable (a tensor op).
 */
export function fieldSquaredError(
  prediction: tf.Tensor2D,
  target: tf.Tensor2D,
  weights?: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const perRow = tf.sum(tf.square(tf.sub(prediction, target)), 1);
    if (weights === undefined) return tf.mean(perRow) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perRow, weights)), tf.sum(weights)) as tf.Scalar;
  });
}

/** Options of `perVertexRegressionStep`. */
export interface PerVertexRegressionOptions {
  /**
   * Which vertices count (non-zero) and which do not (0), one number per vertex of the batch (one
   * array over all of them or one per mesh); default every vertex.
   */
  readonly mask?: PerVertexValues;
  /** A name per mesh of the batch (a file path, say), used in errors about its input or target. */
  readonly meshNames?: readonly string[];
}

/**
 * One optimisation step of a per-vertex regressor (`buildGemRegressor`) on a batch: the loss
 * `fieldSquaredError` of its output against `targets` over the counted vertices (the mean of the
 * squared norm of the difference per irrep copy, summed over the copies: gauge invariant), the
 * gradients of every trainable weight applied by `optimizer`. `targets` is a packed field of the
 * model's output type per vertex, in the frames of the batch's graphs (one array `[Σ V_i × dim]`
 * or one `[V_i × dim]` per mesh); `options.mask` says which vertices count. A NaN or infinite
 * target at a counted vertex, a wrong count or an empty mask is a `ModelConfigError` naming the
 * mesh and vertex; features are checked as in `applyToMeshes`. Returns the loss.
 */
export function perVertexRegressionStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  targets: PerVertexValues,
  options: PerVertexRegressionOptions = {},
): number {
  const caller = "perVertexRegressionStep";
  const type = perVertexOutputType(model, caller);
  const dim = type.dim;
  const y = flattenRows(targets, batch, dim, `${caller} (targets)`);
  const offsets = batch.levels[0].meshOffsets;
  const n = offsets[batch.size];
  const mask = options.mask === undefined ? null : flattenRows(options.mask, batch, 1, `${caller} (mask)`);
  const weights = new Float32Array(n);
  let counted = 0;
  let mesh = 0;
  for (let v = 0; v < n; v++) {
    while (v >= offsets[mesh + 1]) mesh++;
    if (mask !== null && mask[v] === 0) {
      // Weight 0 times a NaN target would still be NaN: uncounted targets are not read.
      y.fill(0, v * dim, (v + 1) * dim);
      continue;
    }
    if (mask !== null && !Number.isFinite(mask[v])) {
      throw new ModelConfigError(
        `${caller}: the mask of vertex ${v - offsets[mesh]} of ${meshName(options, mesh)} is ${mask[v]}`,
      );
    }
    for (let k = 0; k < dim; k++) {
      const t = y[v * dim + k];
      if (!Number.isFinite(t)) {
        throw new ModelConfigError(
          `${caller}: the target of ${meshName(options, mesh)} at vertex ${v - offsets[mesh]}, channel ${k}, is ${t}, not a finite float32 number${mask === null ? "" : " (the mask counts it)"}`,
        );
      }
    }
    weights[v] = 1;
    counted++;
  }
  if (counted === 0) throw new ModelConfigError(`${caller}: the mask counts no vertex of the batch`);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const target = tf.tensor2d(y, [n, dim]);
    const w = mask === null ? undefined : tf.tensor1d(weights);
    const { value, grads } = tf.variableGrads(
      () =>
        fieldSquaredError(
          applyToMeshes(model, batch, features, { training: true, meshNames: options.meshNames }),
          target,
          w,
        ),
      variables,
    );
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}

function meshName(options: { meshNames?: readonly string[] }, index: number): string {
  const name = options.meshNames?.[index];
  return name === undefined ? `mesh ${index}` : `mesh ${JSON.stringify(name)}`;
}

/**
 * A per-vertex model's output field on every mesh of a batch, in inference mode: one packed
 * `[V_i × dim]` array per mesh, in the vertex frames of the batch's graphs (convert vectors to the
 * mesh's coordinates with geometry's `frameCoefficientsToAmbient` or features'
 * `vertexFieldsToColumns`). Features are checked as in `applyToMeshes`.
 */
export function predictPerVertexFields(
  model: tf.LayersModel,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  options: { meshNames?: readonly string[] } = {},
): Float32Array[] {
  const dim = perVertexOutputType(model, "predictPerVertexFields").dim;
  const values = tensorData(() =>
    applyToMeshes(model, batch, features, { meshNames: options.meshNames }),
  ) as Float32Array;
  const offsets = batch.levels[0].meshOffsets;
  return Array.from({ length: batch.size }, (_, i) => values.slice(offsets[i] * dim, offsets[i + 1] * dim));
}
