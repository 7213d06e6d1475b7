import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import { mulberry32 } from "../random.js";
import { simdAvailable } from "./dense-kernels.js";
import { denseGeneralisedEigenpairs, hubDisc } from "./eigen.fixture.js";
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

  it("keeps a vertex of very high degree out of the dissection: a fan fills L about as its rim alone does", () => {
    // 3,001 vertices: 3 rings of 1,000 around one vertex joined to the whole first ring.
    const fan = MeshGeometry.fromData(hubDisc(1000, 3));
    const B = shiftedLaplacian(fan, 1);
    const order = nestedDissectionOrdering(B);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: B.nRows }, (_, i) => i));
    expect(order[B.nRows - 1]).toBe(0); // the hub, last
    const factor = SparseLDLT.factor(B, { ordering: order });
    // An annulus of 3 × 1,000 vertices orders as a narrow band, and the hub's row adds at most
    // 3,000 entries: 21k in all when measured. With the hub inside the level structures, their
    // middle levels held a large part of the ring and L took 578k.
    const n = B.nRows;
    expect(factor.nnz).toBeLessThan(4 * n * Math.log2(n));
    // Negative control: the same ordering with the hub kept in the graph (degree limit lifted)
    // is what the bound guards against.
    const hubInside = SparseLDLT.factor(B, { ordering: nestedDissectionOrdering(B, { denseDegree: n }) });
    expect(hubInside.nnz).toBeGreaterThan(10 * factor.nnz);
    const x = factor.solve(Float64Array.from({ length: n }, (_, i) => Math.sin(i)));
    const back = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let p = B.rowOffsets[i]; p < B.rowOffsets[i + 1]; p++)
        back[i] += B.values[p] * x[B.columnIndices[p]];
    }
    expect(
      maxAbsDifference(
        back,
        Float64Array.from({ length: n }, (_, i) => Math.sin(i)),
      ),
    ).toBeLessThan(1e-9);
  });

  it("fills a long thin strip no worse than n log n", () => {
    // 10,005 vertices, 2,000 × 4 cells: level structures from one end are 5 vertices wide.
    const strip = MeshGeometry.fromData(grid({ nx: 2000, ny: 4, width: 500, height: 1 }));
    const B = shiftedLaplacian(strip, 1);
    const n = B.nRows;
    const factor = SparseLDLT.factor(B, { ordering: nestedDissectionOrdering(B) });
    // Measured 99,640 entries, 10 per row.
    expect(factor.nnz).toBeLessThan(2 * n * Math.log2(n));
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

  it("gives the same factor and solves with the JavaScript kernels as with the WebAssembly SIMD ones (1e-12)", () => {
    // Node 20 and every current browser have WebAssembly SIMD; were it missing, both runs would
    // take the JavaScript path and the comparison would prove nothing.
    expect(simdAvailable()).toBe(true);
    const plane = MeshGeometry.fromData(grid({ nx: 30, ny: 30 }));
    const B = shiftedLaplacian(plane, 0.3);
    const simd = SparseLDLT.factor(B);
    const plain = SparseLDLT.factor(B, { javascriptKernels: true });
    expect(simd.simd).toBe(true);
    expect(plain.simd).toBe(false);
    expect(maxAbsDifference(plain.pivots, simd.pivots)).toBeLessThan(
      1e-12 * Math.max(...simd.pivots.map(Math.abs)),
    );
    const random = mulberry32(11);
    for (const columns of [1, 3, 8]) {
      const rhs = Float64Array.from({ length: B.nRows * columns }, () => random() - 0.5);
      const x = simd.solveMany(rhs, columns);
      const y = plain.solveMany(rhs, columns);
      const scale = Math.max(...x.map(Math.abs));
      expect(maxAbsDifference(x, y)).toBeLessThan(1e-12 * scale);
      // and the solution is right: B x = rhs for every column
      for (let c = 0; c < columns; c++) {
        const xc = Float64Array.from({ length: B.nRows }, (_, i) => x[i * columns + c]);
        const bc = Float64Array.from({ length: B.nRows }, (_, i) => rhs[i * columns + c]);
        expect(maxAbsDifference(B.multiply(xc), bc)).toBeLessThan(1e-10);
      }
    }
  });

  it("counts the eigenvalues below a shift by its negative pivots (allowIndefinite), as the dense spectrum does", () => {
    const plane = MeshGeometry.fromData(grid({ nx: 12, ny: 9 }));
    const L = plane.cotanLaplacian;
    const m = plane.vertexAreas;
    const { values } = denseGeneralisedEigenpairs(L, m);
    for (const j of [3, 10, 40]) {
      const sigma = 0.5 * (values[j - 1] + values[j]); // j eigenvalues below
      const shifted = shiftedLaplacian(plane, 0); // the pattern of L plus the diagonal
      for (let i = 0; i < L.nRows; i++) {
        for (let p = shifted.rowOffsets[i]; p < shifted.rowOffsets[i + 1]; p++) {
          if (shifted.columnIndices[p] === i) shifted.values[p] -= sigma * m[i];
        }
      }
      const factor = SparseLDLT.factor(shifted, { allowIndefinite: true });
      expect(factor.negativePivots).toBe(j);
      const random = mulberry32(j);
      const x = Float64Array.from({ length: L.nRows }, () => random() - 0.5);
      expect(maxAbsDifference(factor.solve(shifted.multiply(x)), x)).toBeLessThan(1e-8);
      // Without allowIndefinite the same matrix is refused.
      expect(() => SparseLDLT.factor(shifted)).toThrow(SparseSolverError);
    }
  });

  it("reuses an analysis for a matrix of the same pattern and refuses one of another", () => {
    const first = SparseLDLT.factor(A);
    const B = shiftedLaplacian(sphere, 2);
    const reused = SparseLDLT.factor(B, { analysis: first.analysis });
    const fresh = SparseLDLT.factor(B);
    expect(reused.timings.ordering).toBe(0);
    expect(maxAbsDifference(reused.pivots, fresh.pivots)).toBeLessThan(1e-12 * Math.max(...fresh.pivots));
    const other = shiftedLaplacian(MeshGeometry.fromData(icosphere(2)), 1);
    expect(() => SparseLDLT.factor(other, { analysis: first.analysis })).toThrow(/another pattern/);
    // A recycled factorisation's memory belongs to the new one: using it is an error, not garbage.
    const recycling = SparseLDLT.factor(B, { analysis: first.analysis, recycle: first });
    expect(() => first.solve(new Float64Array(n))).toThrow(/recycled/);
    expect(maxAbsDifference(recycling.pivots, fresh.pivots)).toBeLessThan(1e-12 * Math.max(...fresh.pivots));
  });

  it("refuses non-symmetric matrices and bad orderings", () => {
    const u = SparseMatrix.fromTriplets(2, 2, [0, 0, 1, 1], [0, 1, 0, 1], [2, 1, 0.5, 2]);
    expect(() => SparseLDLT.factor(u)).toThrow(/not symmetric: entry \(0, 1\) is 1, entry \(1, 0\) is 0.5/);
    expect(() => SparseLDLT.factor(A, { ordering: new Int32Array(n) })).toThrow(/not a permutation/);
  });
});
