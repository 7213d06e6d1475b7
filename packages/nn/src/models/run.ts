import type { MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { batchMeshes, type MeshBatch, withMeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy, type MeshHierarchy } from "../multiscale/hierarchy.js";
import { ModelConfigError, meshOptionsOf } from "./builders.js";

/** One mesh's packed input field, `[V × dim]` row by row. */
export type FeatureArray = Float32Array | Float64Array;

/**
 * A mesh's input features hold a NaN or an infinity (or a number beyond float32, which becomes
 * one): one such number spreads through every layer after it (means, normalisation statistics,
 * gradients), so it is refused where the features meet the network, with the mesh, the vertex
 * and the channel of the first one.
 */
export class NonFiniteInputError extends Error {
  override name = "NonFiniteInputError";
  /** The mesh's name where the caller gave one (`meshNames`), else `mesh <index>`. */
  readonly mesh: string;
  /** Position of the mesh in the batch. */
  readonly meshIndex: number;
  /** Vertex of the mesh (0-based, in the mesh's own numbering). */
  readonly vertex: number;
  /** Column of the packed input field. */
  readonly channel: number;
  /** The number as given (finite when only its float32 rounding is not). */
  readonly value: number;

  constructor(
    caller: string,
    mesh: string,
    meshIndex: number,
    vertex: number,
    channel: number,
    value: number,
  ) {
    const shown = Number.isFinite(value)
      ? `${value}, beyond float32 (it rounds to an infinity)`
      : String(value);
    super(
      `${caller}: the input features of ${mesh} (batch index ${meshIndex}) are not finite: vertex ${vertex}, channel ${channel} is ${shown}`,
    );
    this.mesh = mesh;
    this.meshIndex = meshIndex;
    this.vertex = vertex;
    this.channel = channel;
    this.value = value;
  }
}

/** Options of `applyToMeshes` and `classifierTrainStep`. */
export interface ApplyToMeshesOptions {
  /** Turns on dropout and the normalisation's batch statistics (default false). */
  readonly training?: boolean;
  /** A name per mesh of the batch (a file path, say), used in errors about its input. */
  readonly meshNames?: readonly string[];
}

/**
 * Throws `NonFiniteInputError` at the first NaN or ±∞ of `values[start, start + original.length)`,
 * the float32 copy of mesh `index`'s packed features `original` (`[V × dim]`).
 */
function assertFiniteFeatures(
  caller: string,
  values: Float32Array,
  start: number,
  original: ArrayLike<number>,
  dim: number,
  index: number,
  names: readonly string[] | undefined,
): void {
  for (let i = 0; i < original.length; i++) {
    const x = values[start + i];
    // x − x is 0 for every finite x and NaN for NaN and ±∞: one comparison per number.
    if (x - x !== 0) {
      const name = names?.[index];
      const mesh = name === undefined ? `mesh ${index}` : `mesh ${JSON.stringify(name)}`;
      throw new NonFiniteInputError(caller, mesh, index, Math.floor(i / dim), i % dim, original[i]);
    }
  }
}

/** The hierarchy of `geometry` that `model` expects (cached per geometry; see `buildMeshHierarchy`). */
export function meshHierarchyFor(model: tf.LayersModel, geometry: MeshGeometry): MeshHierarchy {
  return buildMeshHierarchy(geometry, meshOptionsOf(model));
}

/**
 * Runs a gemcnn model on a batch of meshes: `features` are the meshes' input fields stacked in
 * batch order (`[Σ V_i × dim]`, a tensor or one array per mesh, e.g. `@gemcnn/features`' values;
 * float64 arrays are rounded to float32). Returns the model's
 * output: `[meshes × classes]` for a classifier, `[Σ V_i × classes]` for a segmenter.
 * `training` turns on dropout and the normalisation's batch statistics. Arrays are checked for
 * NaN and infinities (also numbers that float32 rounds to one) before any tensor is made: a
 * `NonFiniteInputError` naming the mesh (from `meshNames` where given), its vertex and channel.
 * A tensor is used as it is, since reading it back to check would wait for the backend.
 */
export function applyToMeshes(
  model: tf.LayersModel,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  options: ApplyToMeshesOptions = {},
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
        const start = batch.levels[0].meshOffsets[i] * dim;
        values.set(f, start);
        assertFiniteFeatures("applyToMeshes", values, start, f, dim, i, options.meshNames);
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
 * applied by `optimizer`. Returns the loss. Features are checked as in `applyToMeshes` (names
 * from `options.meshNames`), before anything changes.
 */
export function classifierTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  labels: ArrayLike<number>,
  options: Pick<ApplyToMeshesOptions, "meshNames"> = {},
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
          applyToMeshes(model, batch, features, { training: true, meshNames: options.meshNames }),
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

/**
 * The values of the tensor that `compute` makes, read back with every intermediate tensor freed.
 * Use this instead of returning `dataSync()` from `tf.tidy`: tidy walks whatever it returns for
 * tensors to keep, and it walks a typed array key by key into a `Set` of the values seen, which
 * costs time and memory per element and throws "Set maximum size exceeded" beyond 2^24 distinct
 * values (a FAUST-size `[6,890 × 6,890]` block of logits). Here tidy returns the tensor itself.
 */
export function tensorData(compute: () => tf.Tensor): Float32Array | Int32Array | Uint8Array {
  const tensor = tf.tidy(compute);
  try {
    return tensor.dataSync();
  } finally {
    tensor.dispose();
  }
}
