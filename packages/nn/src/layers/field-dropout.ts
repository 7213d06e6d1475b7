import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import {
  checkFieldDim,
  FieldLayerError,
  fieldTypeArg,
  isTraining,
  type LayerArgs,
  singleInput,
  singleShape,
} from "./field-layer-utils.js";

export interface FieldDropoutArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** Probability that a copy is dropped, in `[0, 1)`. */
  rate: number;
  /** Seed of the masks: call `k` of the layer draws with seed `seed + k` (default: unseeded). */
  seed?: number;
}

/**
 * Dropout by whole irrep copies: during training each copy at each vertex is zeroed with
 * probability `rate` (both numbers of a 2-dimensional copy together, so the mask commutes with
 * every gauge change) and the survivors are scaled by `1 / (1 − rate)`. The identity at inference.
 */
export class FieldDropout extends tf.layers.Layer {
  static className = "FieldDropout";
  readonly fieldType: FieldType;
  readonly rate: number;
  readonly seed: number | undefined;
  private calls = 0;

  constructor(args: FieldDropoutArgs) {
    super(args);
    this.fieldType = fieldTypeArg(args?.fieldType, "FieldDropout", "fieldType");
    this.rate = args.rate;
    if (typeof this.rate !== "number" || !(this.rate >= 0 && this.rate < 1)) {
      throw new FieldLayerError(`FieldDropout: rate must be a number in [0, 1), got ${String(args.rate)}`);
    }
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, `FieldDropout "${this.name}"`);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = singleInput(inputs);
    if (!isTraining(kwargs) || this.rate === 0) return x;
    return tf.tidy(() => {
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      const keep = 1 - this.rate;
      const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
      const uniform = tf.randomUniform([nVertices, nScalars + nPairs], 0, 1, "float32", seed);
      const mask = tf.div(tf.floor(tf.add(uniform, keep)), keep);
      const columns: tf.Tensor[] = [];
      if (nScalars > 0) columns.push(tf.slice(mask, [0, 0], [nVertices, nScalars]));
      if (nPairs > 0) {
        const pairMask = tf.reshape(tf.slice(mask, [0, nScalars], [nVertices, nPairs]), [
          nVertices,
          nPairs,
          1,
        ]);
        columns.push(tf.reshape(tf.tile(pairMask, [1, 1, 2]), [nVertices, 2 * nPairs]));
      }
      return tf.mul(x, columns.length === 1 ? columns[0] : tf.concat(columns, 1));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { fieldType: this.fieldType.toString(), rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(FieldDropout);
