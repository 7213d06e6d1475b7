import { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";

/** The constructor arguments every tfjs layer takes (name, inputShape, trainable, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The one input shape of a single-input layer. */
export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

/** The one input tensor of a single-input layer: a packed field `[V × dim]`. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor2D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
}

/**
 * A packed field `[V × dim]` split into its scalars `[V × s]` and its 2-dimensional copies
 * `[V × c × 2]` (in canonical order the scalars come first and every other copy is a pair).
 */
export function splitField(
  x: tf.Tensor2D,
  type: FieldType,
): { scalars: tf.Tensor2D | null; pairs: tf.Tensor3D | null } {
  const nVertices = x.shape[0];
  const s = type.scalarCount;
  const c = type.nonScalarCount;
  return {
    scalars: s > 0 ? tf.slice(x, [0, 0], [nVertices, s]) : null,
    pairs:
      c > 0 ? (tf.reshape(tf.slice(x, [0, s], [nVertices, 2 * c]), [nVertices, c, 2]) as tf.Tensor3D) : null,
  };
}

/** The inverse of `splitField`. */
export function joinField(
  scalars: tf.Tensor | null,
  pairs: tf.Tensor | null,
  nVertices: number,
): tf.Tensor2D {
  const parts: tf.Tensor[] = [];
  if (scalars !== null) parts.push(scalars);
  if (pairs !== null) parts.push(tf.reshape(pairs, [nVertices, -1]));
  return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor2D;
}

/** Norms of the copies `[V × c × 2] → [V × c]`, differentiable at zero (the 1e-24 is below float32 resolution). */
export function copyNorms(pairs: tf.Tensor3D): tf.Tensor2D {
  return tf.sqrt(tf.add(tf.sum(tf.square(pairs), 2), 1e-24)) as tf.Tensor2D;
}

/** The last axis of a layer's input shape must be the field type's dimension. */
export function checkFieldDim(
  inputShape: tf.Shape | tf.Shape[],
  type: FieldType,
  name: string,
  ErrorClass: new (message: string) => Error,
): void {
  const shape = singleShape(inputShape);
  if (shape.at(-1) !== type.dim) {
    throw new ErrorClass(
      `${name}: input has ${shape.at(-1)} numbers per vertex, but "${type}" has dimension ${type.dim}`,
    );
  }
}

/** A layer argument given as a field type string (as configs store it) or a `FieldType`. */
export function fieldTypeArgument(
  value: string | FieldType,
  what: string,
  ErrorClass: new (message: string) => Error,
): FieldType {
  if (value instanceof FieldType) return value;
  if (typeof value !== "string") {
    throw new ErrorClass(`${what} must be a field type string such as "16x0+8x1", got ${String(value)}`);
  }
  return FieldType.parse(value);
}
