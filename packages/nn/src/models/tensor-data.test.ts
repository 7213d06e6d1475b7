import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { tensorData } from "./run.js";

beforeAll(async () => {
  await initBackend();
});

it("tensorData returns the computed tensor's values and leaves no tensor behind, also on a throw", () => {
  const before = tf.memory().numTensors;
  const values = tensorData(() => tf.mul(tf.range(0, 6), tf.scalar(2)));
  expect(Array.from(values)).toEqual([0, 2, 4, 6, 8, 10]);
  expect(tf.memory().numTensors).toBe(before);
  expect(() =>
    tensorData(() => {
      tf.ones([3]);
      throw new Error("inside");
    }),
  ).toThrowError("inside");
  expect(tf.memory().numTensors).toBe(before);
});

it("tensorData does not hand the values to tidy's walk, which visits a returned typed array entry by entry", () => {
  // Counting property reads of the returned array: tidy's walk reads every index (and, past 2^24
  // distinct values, throws "Set maximum size exceeded": the FAUST-size crash this replaces).
  const reads = (make: () => Float32Array | Int32Array | Uint8Array) => {
    let count = 0;
    const original = tf.Tensor.prototype.dataSync;
    tf.Tensor.prototype.dataSync = function (this: tf.Tensor) {
      const data = original.call(this) as Float32Array;
      return new Proxy(data, {
        get(target, key) {
          if (typeof key === "string" && /^\d+$/.test(key)) count++;
          const value = Reflect.get(target, key, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as never;
    };
    try {
      make();
    } finally {
      tf.Tensor.prototype.dataSync = original;
    }
    return count;
  };
  const n = 1000;
  expect(reads(() => tensorData(() => tf.range(0, n)))).toBe(0);
  // Negative control: returning dataSync() from tidy reads every entry.
  expect(reads(() => tf.tidy(() => tf.range(0, n).dataSync()))).toBeGreaterThanOrEqual(n);
});
