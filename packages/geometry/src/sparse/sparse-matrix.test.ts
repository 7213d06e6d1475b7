import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { SparseSolverError } from "./errors.js";
import { SparseMatrix } from "./sparse-matrix.js";

describe("SparseMatrix", () => {
  it("builds CSR from triplets, summing duplicates and sorting columns", () => {
    const a = SparseMatrix.fromTriplets(3, 4, [2, 0, 0, 2, 1, 0], [1, 3, 0, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(a.rowOffsets)).toEqual([0, 2, 3, 4]);
    expect(Array.from(a.columnIndices)).toEqual([0, 3, 2, 1]);
    expect(Array.from(a.values)).toEqual([3, 8, 5, 5]);
    expect(a.get(0, 3)).toBe(8);
    expect(a.get(1, 1)).toBe(0);
    expect(Array.from(a.toDense())).toEqual([3, 0, 0, 8, 0, 0, 5, 0, 0, 5, 0, 0]);
  });

  it("multiplies like its dense copy", () => {
    const random = mulberry32(3);
    const rows: number[] = [];
    const columns: number[] = [];
    const values: number[] = [];
    for (let t = 0; t < 60; t++) {
      rows.push(Math.floor(random() * 9));
      columns.push(Math.floor(random() * 7));
      values.push(random() - 0.5);
    }
    const a = SparseMatrix.fromTriplets(9, 7, rows, columns, values);
    const x = Float64Array.from({ length: 7 }, () => random());
    const dense = a.toDense();
    const y = a.multiply(x);
    for (let i = 0; i < 9; i++) {
      let s = 0;
      for (let j = 0; j < 7; j++) s += dense[i * 7 + j] * x[j];
      expect(y[i]).toBeCloseTo(s, 14);
    }
  });

  it("tells diagonal and symmetric matrices apart", () => {
    const d = SparseMatrix.fromDiagonal([1, 2, 3]);
    expect(d.isDiagonal()).toBe(true);
    expect(Array.from(d.diagonal())).toEqual([1, 2, 3]);
    const s = SparseMatrix.fromTriplets(2, 2, [0, 1, 0], [1, 0, 0], [2, 2, 1]);
    expect(s.isDiagonal()).toBe(false);
    expect(s.isSymmetric()).toBe(true);
    const u = SparseMatrix.fromTriplets(2, 2, [0, 1], [1, 0], [2, 2.5]);
    expect(u.isSymmetric()).toBe(false);
  });

  it("rejects inconsistent arrays and triplets with a SparseSolverError", () => {
    expect(
      () => new SparseMatrix(2, 2, new Int32Array([0, 1]), new Int32Array([0]), new Float64Array([1])),
    ).toThrow(/rowOffsets must have nRows \+ 1 = 3 entries/);
    expect(
      () => new SparseMatrix(1, 2, new Int32Array([0, 2]), new Int32Array([1, 0]), new Float64Array([1, 1])),
    ).toThrow(/strictly increasing/);
    expect(() => SparseMatrix.fromTriplets(2, 2, [0], [2], [1])).toThrow(SparseSolverError);
    expect(() => SparseMatrix.fromTriplets(2, 2, [0], [1], [Number.NaN])).toThrow(/has value NaN/);
  });
});
