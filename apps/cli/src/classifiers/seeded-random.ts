import { mulberry32 } from "@gemcnn/geometry";

/**
 * Runs `fn` with `Math.random` replaced by a mulberry32 stream seeded by `seed`, then restores
 * it. tfjs has no global seed: its weight initialisers and dropout layers, when given no seed of
 * their own, seed their generators from `Math.random`. Wrapping model construction and every
 * training step makes a run repeatable (and a resumed run continue with the same dropout masks)
 * without changing the layers. `fn` must be synchronous, so that no other code runs meanwhile.
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("withSeededRandom: fn must be synchronous");
    }
    return result;
  } finally {
    Math.random = original;
  }
}

/** A 32-bit seed for step `step` of a run seeded by `seed` (a multiplicative hash, so streams differ). */
export function stepSeed(seed: number, step: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b);
  h = Math.imul(h ^ (step + 0x27d4eb2f), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
