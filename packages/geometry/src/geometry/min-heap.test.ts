import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { MinHeap } from "./min-heap.js";

describe("MinHeap", () => {
  it("pops values in order of their keys, growing past its initial 64 entries", () => {
    const random = mulberry32(3);
    const heap = new MinHeap();
    const entries: { key: number; value: number }[] = [];
    for (let value = 0; value < 1000; value++) {
      // Some repeated keys, so ties occur.
      const key = Math.floor(random() * 300) / 7;
      entries.push({ key, value });
      heap.push(key, value);
    }
    expect(heap.size).toBe(1000);
    expect(heap.keys.length).toBeGreaterThanOrEqual(1000);
    const popped: { key: number; value: number }[] = [];
    while (heap.size > 0) {
      const key = heap.topKey();
      const value = heap.pop();
      popped.push({ key, value });
    }
    const keys = popped.map((e) => e.key);
    expect(keys).toEqual(entries.map((e) => e.key).sort((a, b) => a - b));
    // Each value comes out with the key it was pushed with, exactly once.
    for (const { key, value } of popped) expect(key).toBe(entries[value].key);
    expect(popped.map((e) => e.value).sort((a, b) => a - b)).toEqual(entries.map((e) => e.value));
  });

  it("interleaves pushes and pops", () => {
    const random = mulberry32(11);
    const heap = new MinHeap();
    const reference: number[] = [];
    for (let step = 0; step < 2000; step++) {
      if (heap.size === 0 || random() < 0.6) {
        const key = random();
        heap.push(key, step);
        reference.push(key);
      } else {
        reference.sort((a, b) => a - b);
        expect(heap.topKey()).toBe(reference[0]);
        heap.pop();
        reference.shift();
      }
      expect(heap.size).toBe(reference.length);
    }
    expect(heap.size).toBeGreaterThan(64);
  });
});
