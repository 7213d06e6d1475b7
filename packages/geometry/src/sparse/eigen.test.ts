import { describe, expect, it } from "vitest";
import { bumpySphere } from "../generate/bumpy-sphere.js";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { laplacianEigenpairs } from "../geometry/laplacian.js";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import {
  clusters,
  denseGeneralisedEigenpairs,
  disjointUnion,
  eigenspaceDistance,
  massOrthonormalityError,
} from "./eigen.fixture.js";
import { type Eigenpairs, smallestEigenpairs } from "./eigen.js";
import { SparseSolverError } from "./errors.js";
import { SparseMatrix } from "./sparse-matrix.js";

const ACCURACY = 1e-8;

/** Checks `result` against ml-matrix's dense decomposition: values, eigenspaces, M-orthonormality. */
function expectMatchesDense(geometry: MeshGeometry, result: Eigenpairs, k: number): void {
  const m = geometry.vertexAreas;
  const reference = denseGeneralisedEigenpairs(geometry.cotanLaplacian, m);
  const scale = reference.values[k - 1];
  for (let j = 0; j < k; j++) {
    const expected = reference.values[j];
    // Relative error, with the zero eigenvalues (one per component) measured against λ_k.
    expect(Math.abs(result.values[j] - expected)).toBeLessThanOrEqual(
      ACCURACY * Math.max(Math.abs(expected), 1e-3 * scale),
    );
  }
  let compared = 0;
  for (const cluster of clusters(reference.values, 1e-6)) {
    if (cluster[1] > k) break; // a cluster cut at k has no well-defined k-th eigenspace
    expect(eigenspaceDistance(result.vectors, k, reference.vectors, m, cluster)).toBeLessThanOrEqual(
      ACCURACY,
    );
    compared += cluster[1] - cluster[0];
  }
  expect(compared).toBeGreaterThan(k / 2);
  expect(massOrthonormalityError(result.vectors, k, m)).toBeLessThan(1e-10);
}

describe("smallestEigenpairs of the cotangent Laplacian", () => {
  it("matches the dense decomposition on a sphere, repeated eigenvalues compared as eigenspaces", {
    timeout: 30_000,
  }, () => {
    const sphere = MeshGeometry.fromData(icosphere(3)); // 642 vertices
    const k = 60;
    const result = laplacianEigenpairs(sphere, k, { tolerance: 1e-12 });
    expect(result.method).toBe("sparse");
    expect(result.restarts).toBeGreaterThan(0); // the thick restart is exercised
    expectMatchesDense(sphere, result, k);
    // The sphere's spectrum l(l + 1) with multiplicity 2l + 1: three eigenvalues near 2.
    expect(result.values[1] / result.values[3]).toBeCloseTo(1, 9);
    expect(result.values[3]).toBeCloseTo(2, 2);
    expect(result.values[4]).toBeCloseTo(6, 1);
  });

  it("matches the dense decomposition through many restarts of a small basis (converged pairs locked)", {
    timeout: 30_000,
  }, () => {
    // A basis of 80 for 59 wanted pairs keeps only 64 columns per restart: most pairs converge
    // and are locked several restarts before the last ones, whose Rayleigh-Ritz problems then
    // leave the locked ones out.
    const sphere = MeshGeometry.fromData(icosphere(3));
    const k = 60;
    const result = laplacianEigenpairs(sphere, k, { tolerance: 1e-12, maxBasisSize: 80 });
    expect(result.method).toBe("sparse");
    expect(result.restarts).toBeGreaterThanOrEqual(4);
    expectMatchesDense(sphere, result, k);
  });

  it("matches the dense decomposition on a grid with boundary", { timeout: 30_000 }, () => {
    const plane = MeshGeometry.fromData(grid({ nx: 20, ny: 20, width: 1, height: 1 }));
    const k = 27; // 7 zeros, 18 copies of the icosahedra's λ = 2, two of the grid: no cluster cut
    expectMatchesDense(plane, laplacianEigenpairs(plane, k, { tolerance: 1e-12 }), k);
  });

  it.each([
    ["a 642-vertex sphere", () => icosphere(3), 40],
    ["a 441-vertex grid (an odd row count: padded columns)", () => grid({ nx: 20, ny: 20 }), 30],
  ] as const)(
    "gives the same pairs with the JavaScript kernels as with the SIMD ones on %s",
    (_, mesh, k) => {
      const geometry = MeshGeometry.fromData(mesh());
      const m = geometry.vertexAreas;
      const n = m.length;
      const simd = laplacianEigenpairs(geometry, k, { tolerance: 1e-12 });
      const plain = laplacianEigenpairs(geometry, k, { tolerance: 1e-12, javascriptKernels: true });
      expect(simd.method).toBe("sparse");
      for (let j = 0; j < k; j++) {
        expect(Math.abs(plain.values[j] - simd.values[j])).toBeLessThanOrEqual(1e-12 * simd.values[k - 1]);
      }
      // Vectors: the same eigenspaces (within a repeated eigenvalue any basis is right). The two
      // runs round differently, and a Ritz vector's error is about its residual over the gap to
      // the next eigenvalue, so 1e-9 here, not 1e-12; the values above are quadratically accurate.
      let worst = 0;
      for (const [start, end] of clusters(simd.values, 1e-6)) {
        if (end >= k) break;
        for (let j = start; j < end; j++) {
          const rest = Float64Array.from({ length: n }, (_, i) => plain.vectors[i * k + j]);
          for (let q = start; q < end; q++) {
            let dot = 0;
            for (let i = 0; i < n; i++) dot += m[i] * simd.vectors[i * k + q] * rest[i];
            for (let i = 0; i < n; i++) rest[i] -= dot * simd.vectors[i * k + q];
          }
          let norm = 0;
          for (let i = 0; i < n; i++) norm += m[i] * rest[i] * rest[i];
          worst = Math.max(worst, Math.sqrt(norm));
        }
      }
      expect(worst).toBeLessThan(1e-9);
    },
  );

  it("finds every component: identical copies double each multiplicity, and a zero eigenvalue each", {
    timeout: 30_000,
  }, () => {
    const mesh = disjointUnion([icosphere(2), icosphere(2), bumpySphere({ level: 2, seed: 5 })], 3);
    const geometry = MeshGeometry.fromData(mesh);
    const k = 48;
    const result = laplacianEigenpairs(geometry, k, { tolerance: 1e-12 });
    expect(Array.from(result.values.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(result.values[3]).toBeGreaterThan(1);
    expectMatchesDense(geometry, result, k);
  });

  it("returns the constants when there are more components than eigenpairs asked for", () => {
    const mesh = disjointUnion(
      Array.from({ length: 9 }, () => icosphere(0)),
      3,
    );
    const geometry = MeshGeometry.fromData(mesh);
    const result = laplacianEigenpairs(geometry, 5);
    expect(Array.from(result.values)).toEqual([0, 0, 0, 0, 0]);
    expect(massOrthonormalityError(result.vectors, 5, geometry.vertexAreas)).toBeLessThan(1e-12);
    // Vector j is constant on component j and zero elsewhere.
    for (let i = 0; i < geometry.nVertices; i++) {
      const component = Math.floor(i / 12);
      for (let j = 0; j < 5; j++) expect(result.vectors[i * 5 + j] !== 0).toBe(j === component);
    }
  });

  it("mixes many small components with a large one", () => {
    const parts: TriangleMeshData[] = Array.from({ length: 6 }, () => icosphere(0));
    parts.push(grid({ nx: 15, ny: 15, width: 2, height: 2 })); // 256 vertices: the Krylov path
    const geometry = MeshGeometry.fromData(disjointUnion(parts, 3));
    const k = 27; // 7 zeros, 18 copies of the icosahedra's λ = 2, two of the grid: no cluster cut
    const result = laplacianEigenpairs(geometry, k, { tolerance: 1e-12 });
    expect(result.method).toBe("sparse");
    expectMatchesDense(geometry, result, k);
  });

  it("grows the basis past an invariant subspace: a complete graph's Laplacian, one eigenvalue n − 1 times", () => {
    // (K − σM)⁻¹ M is a multiple of the identity off the constants, so every block after the
    // first collapses under the orthogonalisation and must be replaced by fresh directions.
    const n = 300;
    const rows: number[] = [];
    const columns: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        rows.push(i);
        columns.push(j);
        values.push(i === j ? n - 1 : -1);
      }
    }
    const K = SparseMatrix.fromTriplets(n, n, rows, columns, values);
    const m = new Float64Array(n).fill(1);
    const k = 20;
    const result = smallestEigenpairs(K, m, k, { constantNullSpace: true });
    expect(result.method).toBe("sparse");
    expect(result.values[0]).toBe(0);
    for (let j = 1; j < k; j++) expect(Math.abs(result.values[j] - n)).toBeLessThan(1e-10 * n);
    expect(massOrthonormalityError(result.vectors, k, m)).toBeLessThan(1e-10);
    // Each is an eigenvector: K φ = n φ.
    for (let j = 1; j < k; j++) {
      const phi = Float64Array.from({ length: n }, (_, i) => result.vectors[i * k + j]);
      const Kphi = K.multiply(phi);
      let residual = 0;
      for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(Kphi[i] - n * phi[i]));
      expect(residual).toBeLessThan(1e-9);
    }
  });

  it("takes the dense path for problems too small for a Krylov basis, with the same answer", () => {
    const small = MeshGeometry.fromData(icosphere(1)); // 42 vertices
    const result = laplacianEigenpairs(small, 30);
    expect(result.method).toBe("dense");
    expectMatchesDense(small, result, 30);
  });

  it("negative control: the eigenspace check sees a vector tilted by 1e-6 out of its eigenspace", () => {
    const sphere = MeshGeometry.fromData(icosphere(2));
    const k = 30;
    const result = laplacianEigenpairs(sphere, k, { tolerance: 1e-12 });
    const reference = denseGeneralisedEigenpairs(sphere.cotanLaplacian, sphere.vertexAreas);
    const n = sphere.nVertices;
    const tilted = result.vectors.slice();
    // Column 1 belongs to the eigenspace {1, 2, 3}; add a little of eigenvector 10.
    for (let i = 0; i < n; i++) tilted[i * k + 1] += 1e-6 * reference.vectors[i * n + 10];
    expect(eigenspaceDistance(result.vectors, k, reference.vectors, sphere.vertexAreas, [1, 4])).toBeLessThan(
      ACCURACY,
    );
    expect(eigenspaceDistance(tilted, k, reference.vectors, sphere.vertexAreas, [1, 4])).toBeGreaterThan(
      5e-7,
    );
  });
});

describe("smallestEigenpairs errors", () => {
  const sphere = MeshGeometry.fromData(icosphere(2), { source: "ball.obj" });
  const L = sphere.cotanLaplacian;
  const m = sphere.vertexAreas;

  function errorOf(run: () => unknown): SparseSolverError {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(SparseSolverError);
      return error as SparseSolverError;
    }
    throw new Error("expected a SparseSolverError");
  }

  it("refuses k outside 1 … n − 1, naming the mesh", () => {
    for (const k of [0, 162, 2.5]) {
      const error = errorOf(() => laplacianEigenpairs(sphere, k));
      expect(error.kind).toBe("invalid-argument");
      expect(error.message).toMatch(/^ball\.obj: k must be an integer from 1 to n − 1 = 161/);
    }
  });

  it("refuses a mass that is not positive, not diagonal or of the wrong size", () => {
    const zero = m.slice();
    zero[7] = 0;
    expect(errorOf(() => smallestEigenpairs(L, zero, 4)).message).toMatch(/the mass of row 7 is 0/);
    expect(errorOf(() => smallestEigenpairs(L, L, 4)).message).toMatch(/must be diagonal/);
    expect(errorOf(() => smallestEigenpairs(L, m.subarray(1), 4)).message).toMatch(
      /161 entries for 162 rows/,
    );
    expect(smallestEigenpairs(L, sphere.lumpedMassMatrix, 4, { tolerance: 1e-12 }).values[0]).toBeCloseTo(
      0,
      10,
    );
  });

  it("refuses a vertex whose faces all have zero area", () => {
    // A unit square, plus a zero-area triangle on its lower edge through the edge's midpoint.
    const positions = Float64Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 0, 0]);
    const triangles = Uint32Array.from([0, 1, 2, 0, 2, 3, 1, 0, 4]);
    const geometry = MeshGeometry.fromData({ positions, triangles }, { source: "fin.obj" });
    const error = errorOf(() => laplacianEigenpairs(geometry, 2));
    expect(error.message).toMatch(/^fin\.obj: vertex 4 has zero area/);
  });

  it("refuses constantNullSpace for a stiffness whose rows do not sum to zero", () => {
    const shifted = new SparseMatrix(L.nRows, L.nColumns, L.rowOffsets, L.columnIndices, L.values.slice());
    shifted.values[shifted.rowOffsets[5]] += 0.1;
    expect(errorOf(() => smallestEigenpairs(shifted, m, 4, { constantNullSpace: true })).message).toMatch(
      /constantNullSpace: row 5 of the stiffness matrix sums to 0\.1/,
    );
  });

  it("reports a stiffness that is not positive semi-definite, on the sparse and the dense path", () => {
    const big = MeshGeometry.fromData(icosphere(3)).cotanLaplacian;
    const negate = (K: SparseMatrix) =>
      new SparseMatrix(
        K.nRows,
        K.nColumns,
        K.rowOffsets,
        K.columnIndices,
        K.values.map((v) => -v),
      );
    const bigMass = MeshGeometry.fromData(icosphere(3)).vertexAreas;
    const sparse = errorOf(() =>
      smallestEigenpairs(negate(big), bigMass, 10, { factorisation: { source: "negated" } }),
    );
    expect(sparse.kind).toBe("not-positive-definite");
    expect(sparse.message).toMatch(/^negated: the matrix is not positive definite: pivot \d+/);
    const dense = errorOf(() => smallestEigenpairs(negate(L), m, 4, { factorisation: { source: "small" } }));
    expect(dense.kind).toBe("not-positive-definite");
    expect(dense.message).toMatch(/^small: the stiffness matrix is not positive semi-definite/);
  });

  it("gives up with no-convergence when the restarts run out", () => {
    const big = MeshGeometry.fromData(icosphere(3));
    const error = errorOf(() => laplacianEigenpairs(big, 40, { maxRestarts: 0, tolerance: 1e-14 }));
    expect(error.kind).toBe("no-convergence");
    expect(error.message).toMatch(/converged \d+ of 39 eigenpairs in 0 restarts/);
  });
});
