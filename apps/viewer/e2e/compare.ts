import { expect } from "vitest";

/** Largest distance between corresponding points of two segment lists (same length). */
export function maxPointDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * The same for segments whose two ends may have swapped: a cross's arm has no direction, so after
 * a gauge change an arm may be drawn from the other end.
 */
export function maxUnorderedSegmentDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let s = 0; s < a.length; s += 6) {
    let same = 0;
    let swapped = 0;
    for (let k = 0; k < 3; k++) {
      same = Math.max(same, Math.abs(a[s + k] - b[s + k]), Math.abs(a[s + 3 + k] - b[s + 3 + k]));
      swapped = Math.max(swapped, Math.abs(a[s + k] - b[s + 3 + k]), Math.abs(a[s + 3 + k] - b[s + k]));
    }
    max = Math.max(max, Math.min(same, swapped));
  }
  return max;
}
