/** A 32-bit seed for step `step` of a run seeded by `seed` (a multiplicative hash, so streams differ). */
export function stepSeed(seed: number, step: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b);
  h = Math.imul(h ^ (step + 0x27d4eb2f), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
