import { relativeError, SeededRandom } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { sparseMatrix, sparseMatVec } from "./sparse-matvec.js";

describe("sparseMatVec", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    it(`computes M w and, as its gradient, Mᵀ dy (${backend})`, async () => {
      await initBackend({ backend });
      const random = new SeededRandom(1);
      const triplets: [number, number, number][] = Array.from({ length: 40 }, () => [
        random.int(12),
        random.int(7),
        random.gaussian(),
      ]);
      const matrix = sparseMatrix(12, 7, triplets);
      const dense = new Float64Array(12 * 7);
      for (const [r, c, v] of triplets) dense[r * 7 + c] += v;
      const w = random.gaussianArray(7, "float32") as Float32Array;
      const y = sparseMatVec(matrix, tf.tensor1d(w)).dataSync();
      const expected = Array.from({ length: 12 }, (_, r) =>
        w.reduce((s, wc, c) => s + dense[r * 7 + c] * wc, 0),
      );
      expect(relativeError(y, expected)).toBeLessThan(1e-6);
      const dy = random.gaussianArray(12, "float32") as Float32Array;
      const dw = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(sparseMatVec(matrix, v as tf.Tensor1D), tf.tensor1d(dy))),
      )(tf.tensor1d(w));
      const expectedDw = Array.from({ length: 7 }, (_, c) =>
        dy.reduce((s, d, r) => s + dense[r * 7 + c] * d, 0),
      );
      expect(relativeError(dw.dataSync(), expectedDw)).toBeLessThan(1e-6);
      expect(() => sparseMatVec(matrix, tf.zeros([3]))).toThrow(/length 7/);
    });
  }
});
