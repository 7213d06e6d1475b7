import {
  applyRigidMotion,
  geodesicSphere,
  icosphere,
  laplacianEigenpairs,
  MeshGeometry,
  randomRigidMotion,
  type TriangleMeshData,
} from "@gemcnn/geometry";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { FeatureError } from "./errors.js";
import { interpolateOnSphere, lumpyMesh, starShaped } from "./features.fixture.js";
import {
  HKS_EIGENPAIR_TOLERANCE,
  heatKernelSignature,
  heatKernelSignatureOfSpectrum,
  heatKernelTimes,
  type LaplacianSpectrum,
  MAX_HKS_VERTEX_EIGENPAIRS,
} from "./heat-kernel.js";

const RANGE_DECAY = 4 * Math.LN10;

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest |difference| per column of two row-major arrays of `columns` columns. */
function columnMaxDifference(a: Float64Array, b: Float64Array, columns: number): number[] {
  const out = new Array<number>(columns).fill(0);
  for (let i = 0; i < a.length; i++) out[i % columns] = Math.max(out[i % columns], Math.abs(a[i] - b[i]));
  return out;
}

function moved(data: TriangleMeshData, seed: number, scale: number): MeshGeometry {
  return MeshGeometry.fromData({
    positions: applyRigidMotion(data.positions, randomRigidMotion(seed), scale),
    triangles: data.triangles,
  });
}

/** Every eigenpair of `L φ = λ M φ` by ml-matrix's dense decomposition of `M^(−1/2) L M^(−1/2)` (the reference). */
function denseSpectrum(geometry: MeshGeometry): LaplacianSpectrum {
  const n = geometry.nVertices;
  const L = geometry.cotanLaplacian;
  const m = geometry.vertexAreas;
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let p = L.rowOffsets[i]; p < L.rowOffsets[i + 1]; p++) {
      a.set(i, L.columnIndices[p], L.values[p] / Math.sqrt(m[i] * m[L.columnIndices[p]]));
    }
  }
  const decomposition = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const lambda = decomposition.realEigenvalues;
  const psi = decomposition.eigenvectorMatrix;
  const order = Array.from(lambda.keys()).sort((x, y) => lambda[x] - lambda[y]);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) vectors[i * n + j] = psi.get(i, order[j]) / Math.sqrt(m[i]);
  }
  return { values: Float64Array.from(order, (j) => lambda[j]), vectors };
}

describe("heatKernelSignature", () => {
  // 642 vertices without symmetry: the sparse path with the default k = 128.
  const lumpy = lumpyMesh(5, 3);
  const geometry = MeshGeometry.fromData(lumpy);
  const base = heatKernelSignature(geometry);

  it("has area-weighted mean exactly 1 (as h) at Sun et al.'s log-spaced times", () => {
    expect(base.values.length).toBe(642 * 4);
    expect(base.pairsUsed).toBe(127);
    const areas = geometry.vertexAreas;
    const total = areas.reduce((a, b) => a + b, 0);
    for (let c = 0; c < 4; c++) {
      let mean = 0;
      for (let i = 0; i < 642; i++) mean += areas[i] * Math.exp(base.values[4 * i + c]);
      expect(mean / total).toBeCloseTo(1, 12);
    }
    expect(base.times[0] * base.largestEigenvalue).toBeCloseTo(RANGE_DECAY, 12);
    expect(base.times[3] * base.firstNonzeroEigenvalue).toBeCloseTo(RANGE_DECAY, 12);
    expect(base.times[1] / base.times[0]).toBeCloseTo(base.times[3] / base.times[2], 9);
    expect(heatKernelTimes(2, 8, 1)[0]).toBeCloseTo(RANGE_DECAY / 4, 14);
  });

  // Invariance is exact in exact arithmetic; the eigensolver stops at a relative residual of
  // HKS_EIGENPAIR_TOLERANCE (1e-6), and a rigid motion changes its round-off and so where it
  // stops: measured 1.9e-10 and 1.6e-10 here (3e-10 and 5e-10 at the solver's default 1e-10).
  // Hence 1e-9.
  it("is unchanged by scaling by 0.01 and 100 with a rigid motion (1e-9), its times scaling by s²", {
    timeout: 60_000,
  }, () => {
    for (const [seed, scale] of [
      [1, 0.01],
      [2, 100],
    ]) {
      const other = moved(lumpy, seed, scale);
      const spectrum = laplacianEigenpairs(other, 128, { tolerance: HKS_EIGENPAIR_TOLERANCE });
      const again = heatKernelSignatureOfSpectrum(spectrum, other.vertexAreas);
      expect(maxAbsDifference(again.values, base.values)).toBeLessThan(1e-9);
      for (let c = 0; c < 4; c++) expect(again.times[c] / (scale * scale * base.times[c])).toBeCloseTo(1, 10);
      // Negative control: the same spectrum at the unscaled mesh's times (fixed units) differs.
      const fixedTimes = heatKernelSignatureOfSpectrum(spectrum, other.vertexAreas, { times: base.times });
      expect(maxAbsDifference(fixedTimes.values, base.values)).toBeGreaterThan(0.1);
    }
  });

  // k = 128 is a fifth of this mesh's spectrum, where the discrete eigenvalues grow more slowly
  // than Weyl's law: measured 3.2e-4 in ln h at t_min (7.6e-5 on a 2,562-vertex mesh), 6e-10 at
  // the next time.
  it("leaves out little at the first time and nothing to 1e-8 later, against all 642 pairs of the dense reference", {
    timeout: 60_000,
  }, () => {
    const dense = denseSpectrum(geometry);
    const full = heatKernelSignatureOfSpectrum(dense, geometry.vertexAreas, { times: base.times });
    const error = columnMaxDifference(full.values, base.values, 4);
    // exp(−λ_max t_min) = 1e-4 bounds each left-out pair's weight relative to the constant's.
    expect(error[0]).toBeLessThan(5e-4);
    for (let c = 1; c < 4; c++) expect(error[c]).toBeLessThan(1e-8);
    // Negative control: at an eighth of t_min the truncation shows.
    const early = [base.times[0] / 8];
    const truncated = heatKernelSignatureOfSpectrum(
      laplacianEigenpairs(geometry, 128),
      geometry.vertexAreas,
      {
        times: early,
      },
    );
    const reference = heatKernelSignatureOfSpectrum(dense, geometry.vertexAreas, { times: early });
    expect(maxAbsDifference(truncated.values, reference.values)).toBeGreaterThan(1e-2);
  });

  it("leaves out a multiple eigenvalue cut by the k-th pair whole, so a symmetric mesh's signature is rotation-invariant", {
    timeout: 60_000,
  }, () => {
    // The icosphere's eigenvalue at pairs 125–129 is fivefold: k = 128 cuts it.
    const sphere = icosphere(3);
    const a = MeshGeometry.fromData(sphere);
    const b = moved(sphere, 4, 1);
    const ha = heatKernelSignature(a);
    const hb = heatKernelSignature(b);
    expect(ha.pairsUsed).toBe(125);
    expect(maxAbsDifference(ha.values, hb.values)).toBeLessThan(1e-9);
    // Negative control: summing the three computed members of the cut eigenspace as well makes
    // the result depend on the basis the solver picked in it, which the rotation changes.
    const withCut = (g: MeshGeometry, times: Float64Array) => {
      const pairs = laplacianEigenpairs(g, 128);
      // One pair more than the 128, so that the cut-off rule keeps the first 128.
      const values = Float64Array.from([...pairs.values, pairs.values[127] * 2]);
      const vectors = new Float64Array(642 * 129);
      for (let i = 0; i < 642; i++) vectors.set(pairs.vectors.subarray(128 * i, 128 * i + 128), 129 * i);
      return heatKernelSignatureOfSpectrum({ values, vectors }, g.vertexAreas, { times });
    };
    const ca = withCut(a, ha.times);
    expect(ca.pairsUsed).toBe(128);
    expect(maxAbsDifference(ca.values, withCut(b, ha.times).values)).toBeGreaterThan(1e-8);
  });

  it("is close on a remeshed copy: two triangulations of one surface, 2,562 vertices each, and a coarser one", {
    timeout: 60_000,
  }, () => {
    // The same star-shaped surface on an icosphere and on a geodesic sphere (different, not
    // nested vertex layouts); values compared at each vertex's direction, interpolated linearly
    // on the other mesh.
    const spheres = { ico4: icosphere(4), geo16: geodesicSphere(16), ico3: icosphere(3) };
    const hks = Object.fromEntries(
      Object.entries(spheres).map(([name, s]) => [
        name,
        heatKernelSignature(MeshGeometry.fromData(starShaped(s))),
      ]),
    );
    const compare = (from: keyof typeof spheres, to: keyof typeof spheres, mirror = 1) => {
      const p = spheres[from].positions;
      const n = p.length / 3;
      const max = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) {
        const d = [mirror * p[3 * i], p[3 * i + 1], p[3 * i + 2]];
        const there = interpolateOnSphere(spheres[to], hks[to].values, 4, d);
        for (let c = 0; c < 4; c++)
          max[c] = Math.max(max[c], Math.abs(hks[from].values[4 * i + c] - there[c]));
      }
      return max;
    };
    // The spectrum's ends agree within 0.2% (measured 0.17% for λ_max), and so do the times.
    for (let c = 0; c < 4; c++) expect(hks.geo16.times[c] / hks.ico4.times[c]).toBeCloseTo(1, 2);
    // Same resolution: measured at most 2.4e-3 at t1 (0.24% of h; the column's spread over the
    // surface is 2.2e-2), 1.8e-3 later: the discretisation error of the heat kernel at
    // t_min = 4 ln 10 / λ_max, whose diffusion length is about 5 edges.
    for (const e of compare("ico4", "geo16")) expect(e).toBeLessThan(5e-3);
    // 642 → 2,562 vertices: measured 5.2e-2 at t1 (λ_128 is 13% lower on the coarse mesh, so its
    // t_min is 13% later, and the coarse heat kernel is less accurate), 1.0e-2 later.
    const coarse = compare("ico3", "geo16");
    expect(coarse[0]).toBeLessThan(8e-2);
    for (const e of coarse.slice(1)) expect(e).toBeLessThan(2e-2);
    // Negative control: compared with the mirror image of the surface (not isometric to it).
    expect(Math.max(...compare("ico4", "geo16", -1))).toBeGreaterThan(2e-2);
  });

  it("takes λ₁ as the first non-zero eigenvalue of a mesh of several components", () => {
    // Two identical copies, the second moved: every eigenvalue twice, so k = 128 on both equals
    // k = 64 on one, and both copies get the one copy's signature.
    const one = lumpyMesh(7);
    const offset = new Float64Array(one.positions.length);
    for (let i = 0; i < offset.length; i++) offset[i] = one.positions[i] + (i % 3 === 0 ? 5 : 0);
    const two = {
      positions: Float64Array.from([...one.positions, ...offset]),
      triangles: Uint32Array.from([...one.triangles, ...Array.from(one.triangles, (v) => v + 162)]),
    };
    const single = heatKernelSignature(MeshGeometry.fromData(one), { eigenpairs: 64 });
    const both = heatKernelSignature(MeshGeometry.fromData(two));
    expect(both.firstNonzeroEigenvalue).toBeCloseTo(single.firstNonzeroEigenvalue, 8);
    expect(both.pairsUsed).toBe(2 * single.pairsUsed);
    expect(maxAbsDifference(both.values.subarray(0, 162 * 4), single.values)).toBeLessThan(1e-9);
    expect(maxAbsDifference(both.values.subarray(162 * 4), single.values)).toBeLessThan(1e-9);
  });

  it("uses every pair of a mesh of at most k + 1 vertices (dense), invariant as well", () => {
    const icosahedron = icosphere(0);
    const a = heatKernelSignature(MeshGeometry.fromData(icosahedron));
    const b = heatKernelSignature(moved(icosahedron, 3, 7));
    expect(a.pairsUsed).toBe(12);
    expect(maxAbsDifference(a.values, b.values)).toBeLessThan(1e-10);
    // Every vertex of the icosahedron is alike: h = 1 everywhere.
    for (const x of a.values) expect(Math.abs(x)).toBeLessThan(1e-12);
  });

  it("refuses, with a FeatureError that says what to change, meshes past its memory guard and meshes it cannot use", () => {
    const large = MeshGeometry.fromData(icosphere(6), { source: "big.obj" });
    const k = Math.floor(MAX_HKS_VERTEX_EIGENPAIRS / large.nVertices) + 1;
    expect(() => heatKernelSignature(large, { eigenpairs: k })).toThrow(FeatureError);
    expect(() => heatKernelSignature(large, { eigenpairs: k })).toThrow(
      /^big\.obj: the heat-kernel signature of 40,962 vertices with 6554 eigenpairs would need about 13 GB; .*use fewer eigenpairs or leave out the hks features$/,
    );
    const icosahedra = (count: number) => {
      const t = icosphere(0);
      return MeshGeometry.fromData({
        positions: Float64Array.from(
          { length: 36 * count },
          (_, i) => t.positions[i % 36] + 3 * Math.floor(i / 36),
        ),
        triangles: Uint32Array.from(
          { length: 60 * count },
          (_, i) => t.triangles[i % 60] + 12 * Math.floor(i / 60),
        ),
      });
    };
    expect(() => heatKernelSignature(icosahedra(3), { eigenpairs: 3 })).toThrow(/no time scale/);
    const degenerate = MeshGeometry.fromData(
      {
        positions: Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0.5, 0.5, 0]),
        triangles: Uint32Array.from([0, 1, 2, 1, 3, 2]),
      },
      { source: "sliver.off" },
    );
    expect(() => heatKernelSignature(degenerate)).toThrow(/^sliver\.off: vertex 3 has zero area/);
    expect(() => heatKernelSignature(geometry, { timeCount: 0 })).toThrow(RangeError);
  });
});
