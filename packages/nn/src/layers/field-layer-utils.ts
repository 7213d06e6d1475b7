import type * as tf from "@tensorflow/tfjs";

/** A bad argument or input of one of the field layers; the message names the layer and the problem. */
export class FieldLayerError extends Error {
  override name = "FieldLayerError";
}

export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Checks a non-negative integer `level` argument (default 0). */
export function levelArg(
  value: unknown,
  layer: string,
  ErrorClass: new (message: string) => Error = FieldLayerError,
): number {
  const level = value ?? 0;
  if (typeof level !== "number" || !Number.isSafeInteger(level) || level < 0) {
    throw new ErrorClass(`${layer}: level must be a non-negative integer, got ${String(value)}`);
  }
  return level;
}

export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor2D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
}
