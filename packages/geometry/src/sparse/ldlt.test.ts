import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import { mulberry32 } from "../random.js";
import { SparseSolverError } from "./errors.js";
import { SparseLDLT } from "./ldlt.js";
import { nestedDissectionOrdering } from "./ordering.js";
import { SparseMatrix } from "./sparse-matrix.js";

/** L + s M for a mesh: symmetric positive definite for s > 0. */
function shiftedLaplacian(geometry: MeshGeometry, s: number): SparseMatrix {
  const L = geometry.cotanLaplacian;
  const m = geometry.vertexAreas;
  const rows: number[] = [];
  const columns: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < L.nRows; i++) {
    for (let p = L.rowOffsets[i]; p < L.rowOffsets[i + 1]; p++) {
      rows.push(i);
      columns.push(L.columnIndices[p]);
      values.push(L.values[p]);
    }
    rows.push(i);
    columns.push(i);
    values.push(s * m[i]);
  }
  return SparseMatrix.fromTriplets(L.nRows, L.nRows, rows, columns, values);
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("SparseLDLT", () => {
  const sphere = MeshGeometry.fromData(icosphere(3));
  const A = shiftedLaplacian(sphere, 0.5);
  const n = A.nRows;

  it.each(["nested-dissection", "natural"] as const)(
    "solves A x = b to rounding (%s ordering)",
    (ordering) => {
      const factor = SparseLDLT.factor(A, { ordering });
      const random = mulberry32(7);
      const x = Float64Array.from({ length: n }, () => random() - 0.5);
      const solved = factor.solve(A.multiply(x));
      expect(maxAbsDifference(solved, x)).toBeLessThan(1e-11);
    },
  );

  it.each([5, 8])("solves %i right-hand sides at once, like one at a time", (columns) => {
    const factor = SparseLDLT.factor(A);
    const random = mulberry32(8);
    const B = Float64Array.from({ length: n * columns }, () => random() - 0.5);
    const X = factor.solveMany(B, columns);
    for (let c = 0; c < columns; c++) {
      const b = Float64Array.from({ length: n }, (_, i) => B[i * columns + c]);
      const x = factor.solve(b);
      expect(
        maxAbsDifference(
          Float64Array.from({ length: n }, (_, i) => X[i * columns + c]),
          x,
        ),
      ).toBeLessThan(1e-13);
    }
  });

  it("nested dissection is a permutation and fills a grid far less than the natural order", () => {
    const plane = MeshGeometry.fromData(grid({ nx: 40, ny: 40 }));
    const B = shiftedLaplacian(plane, 1);
    const order = nestedDissectionOrdering(B);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: B.nRows }, (_, i) => i));
    const dissected = SparseLDLT.factor(B, { ordering: order });
    const natural = SparseLDLT.factor(B, { ordering: "natural" });
    // The natural (row by row) order of a 41 × 41 grid fills a band of ~41 per row.
    expect(dissected.nnz).toBeLessThan(0.6 * natural.nnz);
  });

  it("refuses a singular or indefinite matrix with a not-positive-definite error naming the row", () => {
    // The Laplacian itself is singular (constants): the last pivot of the component is rounding.
    expect(() => SparseLDLT.factor(sphere.cotanLaplacian, { source: "sphere" })).toThrow(
      /^sphere: the matrix is not positive definite: pivot \d+ \(row \d+\)/,
    );
    const indefinite = shiftedLaplacian(sphere, -3); // below the first non-zero eigenvalue, 2
    try {
      SparseLDLT.factor(indefinite);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SparseSolverError);
      expect((error as SparseSolverError).kind).toBe("not-positive-definite");
    }
    const withNaN = SparseMatrix.fromDiagonal([1, 2, 3]);
    withNaN.values[1] = Number.NaN;
    expect(() => SparseLDLT.factor(withNaN)).toThrow(/non-finite entry/);
  });

  it("refuses non-symmetric matrices and bad orderings", () => {
    const u = SparseMatrix.fromTriplets(2, 2, [0, 0, 1, 1], [0, 1, 0, 1], [2, 1, 0.5, 2]);
    expect(() => SparseLDLT.factor(u)).toThrow(/not symmetric: entry \(0, 1\) is 1, entry \(1, 0\) is 0.5/);
    expect(() => SparseLDLT.factor(A, { ordering: new Int32Array(n) })).toThrow(/not a permutation/);
  });
});
