import { FieldType } from "@gemcnn/gauge";
import type { MeshGeometry } from "@gemcnn/geometry";
import {
  applyToMeshes,
  checkMeshMapGaugeEquivariance,
  GAUGE_EQUIVARIANCE_TOLERANCE,
  gemModelInfo,
  InvariantPooling,
  type MeshBatchMap,
  meshOptionsOf,
  outputTypeOf,
  ResidualBlock,
  TransportPooling,
  TransportUnpooling,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

/**
 * Tolerance of `gemcnn check` on a trained GEM-CNN's logits (norm-wise relative change): 1e-4.
 * The features are recomputed in float64 for each gauge or pose, and the network runs in float32
 * (unit roundoff 6e-8) through about ten layers of sums over 10²–10³ terms, which leaves errors
 * of about 1e-6; a convention error (a feature or kernel in the wrong gauge) changes logits by
 * 1e-2 or more. 1e-4 separates the two with a margin on each side.
 */
export const LOGIT_TOLERANCE = 1e-4;

/** `‖a − b‖ / ‖b‖` over all numbers (b ≠ 0), in float64. */
export function relativeChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(difference / Math.max(norm, Number.MIN_VALUE));
}

/** One row of `layerEquivarianceReport`. */
export interface LayerCheck {
  /** The layer whose output is checked (the network from its input up to and including this layer). */
  readonly layer: string;
  /** Where the output lives: a level of the mesh hierarchy, or `"mesh"` (invariant, one row per mesh). */
  readonly level: number | "mesh";
  readonly outType: string;
  readonly relativeError: number;
  readonly tolerance: number;
}

/**
 * Layer by layer, the gauge equivariance of a trained gemcnn model on `geometry`: for each
 * residual block, pooling, unpooling and the invariant pooling, the network from its input up to that layer
 * (sharing the trained weights, in inference mode) is run on a random input field before and
 * after a random gauge change of every frame (the whole hierarchy recomputed in the new frames);
 * its output must transform by the representation of its field type at its level (nn's
 * `checkMeshMapGaugeEquivariance`), and the logits must not change.
 */
export function layerEquivarianceReport(
  model: tf.LayersModel,
  geometry: MeshGeometry,
  seed = 1,
): LayerCheck[] {
  const info = gemModelInfo(model);
  if (info === undefined) throw new Error(`model "${model.name}" is not a gemcnn model`);
  const inType = FieldType.parse(info.config.inputType);
  const meshOptions = meshOptionsOf(model);
  const rows: LayerCheck[] = [];
  const checked: { layer: tf.layers.Layer; level: number | "mesh"; outType: FieldType }[] = [];
  for (const layer of model.layers) {
    if (layer instanceof ResidualBlock) {
      checked.push({ layer, level: layer.level, outType: layer.outType });
    } else if (layer instanceof TransportPooling) {
      checked.push({ layer, level: layer.level + 1, outType: layer.fieldType });
    } else if (layer instanceof TransportUnpooling) {
      // A per-vertex model's decoder: from level + 1 back to `level`.
      checked.push({ layer, level: layer.level, outType: layer.fieldType });
    } else if (layer instanceof InvariantPooling) {
      checked.push({ layer, level: "mesh", outType: FieldType.scalars(outputDim(layer)) });
    }
  }
  // The output: logits per mesh for a classifier, per input vertex (level 0) for a segmenter or
  // correspondence model, a field of the regressor's output type per input vertex.
  checked.push({
    layer: model.layers[model.layers.length - 1],
    level: info.kind === "classifier" ? "mesh" : 0,
    outType: outputTypeOf(info),
  });
  for (const { layer, level, outType } of checked) {
    const prefix = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
    const map: MeshBatchMap = (x, batch) => applyToMeshes(prefix, batch, x);
    const { relativeError, tolerance } = checkMeshMapGaugeEquivariance(map, {
      geometry,
      meshOptions,
      inType,
      outType,
      outLevel: level,
      seed,
      tolerance: GAUGE_EQUIVARIANCE_TOLERANCE,
    });
    rows.push({ layer: layer.name, level, outType: outType.toString(), relativeError, tolerance });
  }
  return rows;
}

function outputDim(layer: tf.layers.Layer): number {
  const shape = layer.outputShape as number[];
  return shape[shape.length - 1];
}
