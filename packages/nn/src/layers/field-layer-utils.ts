/** A bad argument or input of one of the field layers; the message names the layer and the problem. */
export class FieldLayerError extends Error {
  override name = "FieldLayerError";
}

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
