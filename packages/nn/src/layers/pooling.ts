import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import {
  checkFieldDim,
  copyNorms,
  fieldTypeArgument,
  type LayerArgs,
  singleInput,
  splitField,
} from "./field-parts.js";

/** A bad pooling argument; the message names the layer and the argument. */
export class PoolingError extends Error {
  override name = "PoolingError";
}

export interface InvariantPoolingArgs extends LayerArgs {
  fieldType: string | FieldType;
}

/**
 * Invariant pooling: a whole mesh's field `[V × dim]` to one row `[1 × (s + c)]` of invariants,
 * the mean over the vertices of each scalar and of the norm of each other copy (in packed
 * order). Invariant under any gauge change, and under rigid motions when the field is.
 */
export class InvariantPooling extends tf.layers.Layer {
  static className = "InvariantPooling";
  readonly fieldType: FieldType;

  constructor(args: InvariantPoolingArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "InvariantPooling: fieldType", PoolingError);
  }

  /** Number of invariants per mesh: one per copy. */
  get outputDim(): number {
    return this.fieldType.copies().length;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, PoolingError);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [1, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const { scalars, pairs } = splitField(x, this.fieldType);
      const parts: tf.Tensor[] = [];
      if (scalars !== null) parts.push(tf.mean(scalars, 0, true));
      if (pairs !== null) parts.push(tf.mean(copyNorms(pairs), 0, true));
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { fieldType: this.fieldType.toString(), ...super.getConfig() };
  }
}
tf.serialization.registerClass(InvariantPooling);
