/**
 * A small seeded pseudo-random generator (mulberry32): the one source of randomness in the
 * geometry package, so that every generated mesh and every randomised test is reproducible.
 * Returns a function giving numbers uniform in [0, 1); equal seeds give equal sequences. The
 * seed is reduced to an unsigned 32-bit integer. Written by hand because it is a few lines and
 * no dependency is worth that; it is not suitable for cryptography.
 */
export function mulberry32(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new RangeError(`mulberry32 seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `fn` with `Math.random` replaced by a mulberry32 stream seeded by `seed`, then restores it,
 * also when `fn` throws. tfjs has no global seed: its weight initialisers and dropout layers, given
 * no seed of their own, draw their seeds from `Math.random`; wrapping model construction (and each
 * training step) in this makes a run repeatable without changing the layers. `fn` must be
 * synchronous, so that no other code runs meanwhile; a promise is refused.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError("withSeededMathRandom: fn must be synchronous");
    return result;
  } finally {
    Math.random = original;
  }
}
