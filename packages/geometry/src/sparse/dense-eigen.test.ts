import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { symmetricEigen } from "./dense-eigen.js";

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = random() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

describe("symmetricEigen", () => {
  it.each([1, 2, 7, 60])("matches ml-matrix's eigenvalues and has orthonormal eigenvectors (n = %i)", (n) => {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const reference = [
      ...new EigenvalueDecomposition(Matrix.from1DArray(n, n, a), { assumeSymmetric: true }).realEigenvalues,
    ].sort((x, y) => x - y);
    for (let j = 0; j < n; j++) expect(values[j]).toBeCloseTo(reference[j], 12);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[j * n + k];
        expect(Math.abs(av - values[j] * vectors[j * n + i])).toBeLessThan(1e-12);
      }
      for (let q = 0; q <= j; q++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[j * n + i] * vectors[q * n + i];
        expect(Math.abs(dot - (q === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it("handles repeated eigenvalues and diagonal input", () => {
    const n = 4;
    const a = new Float64Array(n * n);
    [3, 1, 3, 1].forEach((v, i) => {
      a[i * n + i] = v;
    });
    const { values } = symmetricEigen(a, n);
    expect(Array.from(values)).toEqual([1, 1, 3, 3]);
  });

  it("rejects a wrongly sized or non-finite matrix", () => {
    expect(() => symmetricEigen(new Float64Array(3), 2)).toThrow(/needs an 2 × 2 array/);
    expect(() => symmetricEigen(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2)).toThrow(
      /entry \(1, 0\) is NaN/,
    );
  });
});
