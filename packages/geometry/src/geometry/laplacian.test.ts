import { describe, expect, it } from "vitest";
import { bunny } from "../generate/bunny.js";
import { icosphere } from "../generate/icosphere.js";
import { mulberry32 } from "../random.js";
import { symmetricEigen } from "../sparse/dense-eigen.js";
import { bumpyIcosphere, flatGrid } from "./geometry.fixture.js";
import { cotanLaplacianOf, MAX_COTANGENT } from "./laplacian.js";
import { MeshGeometry } from "./mesh-geometry.js";

function triangle(positions: number[]): MeshGeometry {
  return MeshGeometry.fromData({
    positions: Float64Array.from(positions),
    triangles: Uint32Array.from([0, 1, 2]),
  });
}

describe("cotangent Laplacian", () => {
  it("has w = cot(60°)/2 on every (boundary) edge of an equilateral triangle, rows summing to zero", () => {
    const geometry = triangle([0, 0, 0, 1, 0, 0, 0.5, Math.sqrt(3) / 2, 0]);
    const L = geometry.cotanLaplacian.toDense();
    const w = 1 / (2 * Math.sqrt(3));
    const expected = [2 * w, -w, -w, -w, 2 * w, -w, -w, -w, 2 * w];
    for (let p = 0; p < 9; p++) expect(L[p]).toBeCloseTo(expected[p], 14);
    const area = Math.sqrt(3) / 4;
    for (const a of geometry.vertexAreas) expect(a).toBeCloseTo(area / 3, 15);
  });

  it("adds the two cotangents of an interior edge: zero on the diagonal of a square", () => {
    const geometry = MeshGeometry.fromData({
      positions: Float64Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]),
      triangles: Uint32Array.from([0, 1, 2, 0, 2, 3]),
    });
    const L = geometry.cotanLaplacian;
    expect(L.get(0, 2)).toBeCloseTo(0, 15); // cot 90° + cot 90°
    expect(L.get(0, 1)).toBeCloseTo(-0.5, 15); // cot 45° / 2 on a boundary edge
    expect(L.get(0, 0)).toBeCloseTo(1, 15);
    expect(L.isSymmetric()).toBe(true);
  });

  it("annihilates linear functions at the interior vertices of a jittered flat grid (and a graph Laplacian does not)", () => {
    const plane = flatGrid(12, 10, 0.3, 4);
    const L = plane.cotanLaplacian;
    const n = plane.nVertices;
    const x = Float64Array.from(
      { length: n },
      (_, v) => 2 * plane.positions[3 * v] - 3 * plane.positions[3 * v + 1],
    );
    const Lx = L.multiply(x);
    let worst = 0;
    let graphWorst = 0;
    for (let v = 0; v < n; v++) {
      if (plane.mesh.vertexOnBoundary[v]) continue;
      worst = Math.max(worst, Math.abs(Lx[v]));
      let graph = 0;
      for (let p = L.rowOffsets[v]; p < L.rowOffsets[v + 1]; p++) graph += x[v] - x[L.columnIndices[p]];
      graphWorst = Math.max(graphWorst, Math.abs(graph));
    }
    expect(worst).toBeLessThan(1e-12);
    expect(graphWorst).toBeGreaterThan(0.1);
  });

  it("is symmetric, sums to zero by rows and is positive semi-definite on a bumpy sphere and the bunny", () => {
    for (const geometry of [bumpyIcosphere(3, 0.2), MeshGeometry.fromData(bunny())]) {
      const L = geometry.cotanLaplacian;
      expect(L.isSymmetric(1e-15)).toBe(true);
      const ones = new Float64Array(L.nRows).fill(1);
      for (const r of L.multiply(ones)) expect(Math.abs(r)).toBeLessThan(1e-12);
      const random = mulberry32(9);
      for (let trial = 0; trial < 5; trial++) {
        const f = Float64Array.from({ length: L.nRows }, () => random() - 0.5);
        const Lf = L.multiply(f);
        let energy = 0;
        for (let i = 0; i < f.length; i++) energy += f[i] * Lf[i];
        expect(energy).toBeGreaterThan(0);
      }
      let area = 0;
      for (const a of geometry.faceAreas) area += a;
      let lumped = 0;
      for (const a of geometry.vertexAreas) lumped += a;
      expect(Math.abs(lumped - area)).toBeLessThan(1e-13 * area);
    }
  });

  it("scales a sliver's whole face so it stays positive semi-definite, where clamping each cotangent would not", () => {
    // Angles of about 179.9°, 0.05° and 0.05°: cotangents about −573, 1146 and 1146.
    const t = Math.tan((0.05 * Math.PI) / 180);
    const geometry = triangle([0, 0, 0, 2, 0, 0, 1, t, 0]);
    const L = geometry.cotanLaplacian;
    let largest = 0;
    for (let p = 0; p < L.nnz; p++)
      if (L.columnIndices[p] !== Math.floor(p / 3)) largest = Math.max(largest, Math.abs(L.values[p]));
    expect(largest).toBeCloseTo(MAX_COTANGENT / 2, 9);
    expect(symmetricEigen(L.toDense(), 3).values[0]).toBeGreaterThan(-1e-9);
    // The same face with each cotangent clamped to ±1000 on its own is indefinite.
    const cot = [1 / t, 1 / t, -(1 - t * t) / (2 * t)].map((c) =>
      Math.max(-MAX_COTANGENT, Math.min(MAX_COTANGENT, c)),
    );
    // Corner k is opposite the edge of the other two corners: corners at 0 and 1 look at edges (1, 2) and (0, 2).
    const clamped = new Float64Array(9);
    const edges: [number, number, number][] = [
      [1, 2, cot[0]],
      [0, 2, cot[1]],
      [0, 1, cot[2]],
    ];
    for (const [i, j, c] of edges) {
      clamped[i * 3 + i] += c / 2;
      clamped[j * 3 + j] += c / 2;
      clamped[i * 3 + j] -= c / 2;
      clamped[j * 3 + i] -= c / 2;
    }
    expect(symmetricEigen(clamped, 3).values[0]).toBeLessThan(-1);
  });

  it("gives a zero-area face no weight", () => {
    // A unit square and a zero-area triangle on its lower edge through the edge's midpoint 4.
    const geometry = MeshGeometry.fromData({
      positions: Float64Array.from([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 0, 0]),
      triangles: Uint32Array.from([0, 1, 2, 0, 2, 3, 1, 0, 4]),
    });
    const L = geometry.cotanLaplacian;
    for (let p = L.rowOffsets[4]; p < L.rowOffsets[5]; p++) expect(Math.abs(L.values[p])).toBe(0);
    expect(L.get(0, 1)).toBeCloseTo(-0.5, 15);
    expect(geometry.vertexAreas[4]).toBe(0);
  });

  it("is cached on MeshGeometry, with the lumped mass matrix diag(vertexAreas)", () => {
    const geometry = MeshGeometry.fromData(icosphere(2));
    expect(geometry.cotanLaplacian).toBe(geometry.cotanLaplacian);
    expect(Array.from(cotanLaplacianOf(geometry).values)).toEqual(Array.from(geometry.cotanLaplacian.values));
    expect(geometry.vertexAreas).toBe(geometry.vertexAreas);
    const M = geometry.lumpedMassMatrix;
    expect(M.isDiagonal()).toBe(true);
    expect(Array.from(M.diagonal())).toEqual(Array.from(geometry.vertexAreas));
  });
});
