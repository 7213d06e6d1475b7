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

/**
 * Largest number of weights, or of numbers in a matrix built from a layer's field types, that one
 * layer may have: 2^26 (256 MiB as float32). GEM-CNN's widest layers ("64x0+64x1+64x2" to the
 * same, 2 rings) need about 0.5 M, so this is over 100 times what a real network reaches; what it
 * refuses is a mistyped field type ("20000x0"), which would otherwise end in a bare RangeError
 * from a typed array or an out-of-memory wasm heap, long after the layer was made.
 */
export const MAX_LAYER_SIZE = 2 ** 26;

/** Throws `ErrorClass` naming the layer when `what` would hold more than `MAX_LAYER_SIZE` numbers. */
export function assertLayerSize(
  layer: string,
  what: string,
  size: number,
  ErrorClass: new (message: string) => Error = FieldLayerError,
): void {
  if (!(size <= MAX_LAYER_SIZE)) {
    throw new ErrorClass(
      `${layer}: ${what} would hold ${size} numbers, above the limit of ${MAX_LAYER_SIZE} per layer (MAX_LAYER_SIZE)`,
    );
  }
}
