import { FieldType } from "@gemcnn/gauge";
import type * as tf from "@tensorflow/tfjs";

/** A bad argument or input of one of the field layers; the message names the layer and the problem. */
export class FieldLayerError extends Error {
  override name = "FieldLayerError";
}

export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Parses a field-type argument, naming the layer and argument when it is not a string or `FieldType`. */
export function fieldTypeArg(value: unknown, layer: string, arg: string): FieldType {
  if (value instanceof FieldType) return value;
  if (typeof value !== "string") {
    throw new FieldLayerError(
      `${layer}: ${arg} must be a field type string such as "8x0+4x1", got ${String(value)}`,
    );
  }
  return FieldType.parse(value);
}

/** Checks a non-negative integer `level` argument (default 0). */
export function levelArg(value: unknown, layer: string): number {
  const level = value ?? 0;
  if (typeof level !== "number" || !Number.isSafeInteger(level) || level < 0) {
    throw new FieldLayerError(`${layer}: level must be a non-negative integer, got ${String(value)}`);
  }
  return level;
}

export function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor2D {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
}

/** Throws unless the last axis of `inputShape` is `type.dim`. */
export function checkFieldDim(inputShape: tf.Shape | tf.Shape[], type: FieldType, layer: string): void {
  const dim = singleShape(inputShape).at(-1);
  if (dim !== type.dim) {
    throw new FieldLayerError(
      `${layer}: input has ${dim} numbers per vertex, but "${type}" has dimension ${type.dim}`,
    );
  }
}

/** Whether the `training` keyword argument of a tfjs call is set. */
export function isTraining(kwargs: unknown): boolean {
  return (kwargs as { training?: unknown } | undefined)?.training === true;
}
