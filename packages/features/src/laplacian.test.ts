import { applyRigidMotion, icosphere, randomRigidMotion } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { FeatureSizeError, heatKernelSignature, laplacianEigenpairs } from "./heat-kernel.js";
import { applyStiffness, cotanLaplacian, scaledStiffnessDense } from "./laplacian.js";

describe("cotanLaplacian", () => {
  const sphere = icosphere(2);
  const lap = cotanLaplacian(sphere);

  it("annihilates constants, is symmetric and positive semi-definite on random vectors", () => {
    const ones = new Float64Array(lap.nVertices).fill(3.5);
    for (const v of applyStiffness(lap, ones, 1)) expect(Math.abs(v)).toBeLessThan(1e-12);
    const a = scaledStiffnessDense(lap);
    const n = lap.nVertices;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(a[i * n + j]).toBe(a[j * n + i]);
    for (let trial = 0; trial < 5; trial++) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(7.1 * i + trial));
      const lx = applyStiffness(lap, x, 1);
      expect(x.reduce((s, xi, i) => s + xi * lx[i], 0)).toBeGreaterThan(0);
    }
  });

  it("has barycentric masses that sum to the surface area", () => {
    const area = lap.mass.reduce((a, b) => a + b, 0);
    // The icosphere's area is a little below the sphere's 4π.
    expect(area).toBeGreaterThan(0.97 * 4 * Math.PI);
    expect(area).toBeLessThan(4 * Math.PI);
  });
});

describe("laplacianEigenpairs and heatKernelSignature", () => {
  const sphere = icosphere(2);
  const lap = cotanLaplacian(sphere);
  const eigen = laplacianEigenpairs(lap);

  it("approximates the unit sphere's spectrum l(l+1) with multiplicities 2l+1", () => {
    const v = Array.from(eigen.values);
    expect(v[0]).toBeLessThan(1e-9);
    for (let k = 1; k <= 3; k++) expect(v[k]).toBeCloseTo(2, 1);
    for (let k = 4; k <= 8; k++) expect(Math.abs(v[k] - 6) / 6).toBeLessThan(0.03);
    expect(v[9]).toBeGreaterThan(10);
  });

  it("gives eigenvectors orthonormal in the mass inner product", () => {
    const n = lap.nVertices;
    for (const [a, b] of [
      [0, 0],
      [1, 1],
      [1, 2],
      [5, 40],
      [100, 100],
    ]) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += lap.mass[i] * eigen.vectors[i * n + a] * eigen.vectors[i * n + b];
      expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
    }
  });

  it("has area-weighted mean 1 at every time and is unchanged by a rigid motion", () => {
    const times = [0.01, 0.1, 1];
    const hks = heatKernelSignature(lap, eigen, times);
    for (let c = 0; c < 3; c++) {
      let mean = 0;
      let area = 0;
      for (let i = 0; i < lap.nVertices; i++) {
        mean += lap.mass[i] * hks[3 * i + c];
        area += lap.mass[i];
      }
      expect(mean / area).toBeCloseTo(1, 12);
    }
    const moved = {
      positions: applyRigidMotion(sphere.positions, randomRigidMotion(7)),
      triangles: sphere.triangles,
    };
    const lapMoved = cotanLaplacian(moved);
    const hksMoved = heatKernelSignature(lapMoved, laplacianEigenpairs(lapMoved), times);
    for (let i = 0; i < hks.length; i++) expect(Math.abs(hksMoved[i] - hks[i])).toBeLessThan(1e-9);
  });

  it("refuses meshes above the size limit, naming the limit", () => {
    expect(() => laplacianEigenpairs(lap, 100)).toThrow(FeatureSizeError);
    expect(() => laplacianEigenpairs(lap, 100)).toThrow(/162 vertices.*limited to 100/);
  });
});
