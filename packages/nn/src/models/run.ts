import type { MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { batchMeshes, type MeshBatch, withMeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy, type MeshHierarchy } from "../multiscale/hierarchy.js";
import { ModelConfigError, meshOptionsOf } from "./builders.js";

/** One mesh's packed input field, `[V × dim]` row by row. */
export type FeatureArray = Float32Array | Float64Array;

/** The hierarchy of `geometry` that `model` expects (cached per geometry; see `buildMeshHierarchy`). */
export function meshHierarchyFor(model: tf.LayersModel, geometry: MeshGeometry): MeshHierarchy {
  return buildMeshHierarchy(geometry, meshOptionsOf(model));
}

/**
 * Runs a gemcnn model on a batch of meshes: `features` are the meshes' input fields stacked in
 * batch order (`[Σ V_i × dim]`, a tensor or one array per mesh, e.g. `@gemcnn/features`' values;
 * float64 arrays are rounded to float32). Returns the model's
 * output: `[meshes × classes]` for a classifier, `[Σ V_i × classes]` for a segmenter.
 * `training` turns on dropout and the normalisation's batch statistics.
 */
export function applyToMeshes(
  model: tf.LayersModel,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  options: { training?: boolean } = {},
): tf.Tensor2D {
  const nVertices = batch.levels[0].meshOffsets.at(-1)!;
  const dim = (model.inputs[0].shape.at(-1) ?? 0) as number;
  return tf.tidy(() => {
    let x: tf.Tensor2D;
    if (features instanceof tf.Tensor) {
      x = features;
    } else {
      if (features.length !== batch.size) {
        throw new ModelConfigError(
          `applyToMeshes: ${features.length} feature arrays for a batch of ${batch.size} meshes`,
        );
      }
      const values = new Float32Array(nVertices * dim);
      features.forEach((f, i) => {
        const rows = batch.levels[0].meshOffsets[i + 1] - batch.levels[0].meshOffsets[i];
        if (f.length !== rows * dim) {
          throw new ModelConfigError(
            `applyToMeshes: features of mesh ${i} have ${f.length} numbers, expected ${rows} vertices × ${dim}`,
          );
        }
        values.set(f, batch.levels[0].meshOffsets[i] * dim);
      });
      x = tf.tensor2d(values, [nVertices, dim]);
    }
    if (x.rank !== 2 || x.shape[0] !== nVertices || x.shape[1] !== dim) {
      throw new ModelConfigError(
        `applyToMeshes: features must have shape [${nVertices} vertices, ${dim}], got [${x.shape.join(", ")}]`,
      );
    }
    return withMeshBatch(batch, () => model.apply(x, { training: options.training === true }) as tf.Tensor2D);
  });
}

/**
 * One optimisation step of a classifier on a batch: softmax cross-entropy of the logits against
 * `labels` (one class index per mesh), averaged over the batch; gradients of every trainable weight
 * applied by `optimizer`. Returns the loss.
 */
export function classifierTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  labels: ArrayLike<number>,
): number {
  if (labels.length !== batch.size) {
    throw new ModelConfigError(
      `classifierTrainStep: ${labels.length} labels for a batch of ${batch.size} meshes`,
    );
  }
  const classes = model.outputs[0].shape.at(-1) as number;
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.tensor1d(Array.from(labels), "int32"), classes);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          targets,
          applyToMeshes(model, batch, features, { training: true }),
        ) as tf.Scalar,
      variables,
    );
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}

/** `batchMeshes` of the hierarchies that `model` expects for each geometry. */
export function batchForModel(model: tf.LayersModel, geometries: readonly MeshGeometry[]): MeshBatch {
  return batchMeshes(geometries.map((g) => meshHierarchyFor(model, g)));
}
