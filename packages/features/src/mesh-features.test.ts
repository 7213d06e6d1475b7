import {
  applyRigidMotion,
  icosphere,
  MeshGeometry,
  randomGauge,
  randomRigidMotion,
  rotateFrames,
  type TriangleMeshData,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { lumpyMesh } from "./features.fixture.js";
import {
  assertFiniteFeatures,
  computeFeatures,
  DEFAULT_FEATURE_OPTIONS,
  FEATURE_KINDS,
  type MeshFeatures,
  meshFeatures,
  NonFiniteFeatureError,
  type PreparedMesh,
  prepareMesh,
} from "./mesh-features.js";

const options = { ...DEFAULT_FEATURE_OPTIONS, hksTimeCount: 2 };

function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Applies `ρ_n(angle)` to the 2-vector at `values[offset]`, `values[offset + 1]` in place. */
function rotateCopy(values: Float64Array, offset: number, n: number, angle: number): void {
  const c = Math.cos(n * angle);
  const s = Math.sin(n * angle);
  const [x, y] = [values[offset], values[offset + 1]];
  values[offset] = c * x - s * y;
  values[offset + 1] = s * x + c * y;
}

/**
 * The features expected after a gauge change `phi`: scalars unchanged, each order-n copy
 * multiplied by `ρ_n(sign · φ_p)` (the convention says sign = −1).
 */
function gaugeTransformed(f: MeshFeatures, phi: Float64Array, orders: number[], sign: number): Float64Array {
  const out = f.values.slice();
  for (let v = 0; v < phi.length; v++) {
    let offset = v * f.dim + f.dim - 2 * orders.length;
    for (const n of orders) {
      rotateCopy(out, offset, n, sign * phi[v]);
      offset += 2;
    }
  }
  return out;
}

describe("input features", () => {
  const mesh = lumpyMesh(11);
  const prepared = prepareMesh(mesh, "lumpy");
  const features = computeFeatures(prepared, options);

  it("packs 3 moment, 2 curvature and one heat-kernel scalar per time, then 2 vectors and 1 order-2 field (13 numbers)", () => {
    expect(features.fieldType).toBe("7x0+2x1+1x2");
    expect(features.dim).toBe(13);
    expect(features.channels).toHaveLength(13);
    expect(features.channels.slice(3, 7)).toEqual([
      "gaussian-curvature",
      "mean-curvature",
      "hks.t1",
      "hks.t2",
    ]);
    expect(features.values.length).toBe(162 * 13);
    for (const x of features.values) expect(Number.isFinite(x)).toBe(true);
  });

  it("are unchanged by random rigid motions and scalings (float64)", () => {
    for (const [seed, scale] of [
      [1, 1],
      [2, 37.5],
      [3, 0.002],
    ]) {
      const moved = {
        positions: applyRigidMotion(mesh.positions, randomRigidMotion(seed), scale),
        triangles: mesh.triangles,
      };
      const again = computeFeatures(prepareMesh(moved), options);
      expect(maxAbsDifference(again.values, features.values)).toBeLessThan(1e-9);
    }
  });

  it("negative control: without the unit-area normalisation, scaling changes them", () => {
    const scaled = { positions: mesh.positions.map((x) => 3 * x), triangles: mesh.triangles };
    const unnormalised = (data: TriangleMeshData): PreparedMesh => {
      const p = prepareMesh(data);
      // Undo the normalisation: same frames, original size.
      const geometry = new MeshGeometry(p.geometry.mesh, data.positions);
      return { ...p, geometry, scale: 1 };
    };
    const a = computeFeatures(unnormalised(mesh), options);
    const b = computeFeatures(unnormalised(scaled), options);
    expect(maxAbsDifference(a.values, b.values)).toBeGreaterThan(1e-2);
  });

  it("transform under a random gauge change as their field type says: x' = ρ_n(−φ) x", () => {
    const phi = randomGauge(prepared.geometry.nVertices, 5);
    const rotated = computeFeatures({ ...prepared, frames: rotateFrames(prepared.frames, phi) }, options);
    const expected = gaugeTransformed(features, phi, [1, 1, 2], -1);
    expect(maxAbsDifference(rotated.values, expected)).toBeLessThan(1e-10);
    // The order-1 and order-2 parts really do change (the test is not vacuous).
    expect(maxAbsDifference(rotated.values, features.values)).toBeGreaterThan(1e-2);
  });

  it("negative controls: the wrong sign or the wrong order fails the gauge check", () => {
    const phi = randomGauge(prepared.geometry.nVertices, 6);
    const rotated = computeFeatures({ ...prepared, frames: rotateFrames(prepared.frames, phi) }, options);
    expect(maxAbsDifference(rotated.values, gaugeTransformed(features, phi, [1, 1, 2], 1))).toBeGreaterThan(
      1e-2,
    );
    expect(maxAbsDifference(rotated.values, gaugeTransformed(features, phi, [1, 1, 1], -1))).toBeGreaterThan(
      1e-2,
    );
  });

  it("match a sphere's known values", () => {
    const prepared = prepareMesh(icosphere(2));
    const sphere = computeFeatures(prepared, options);
    const V = 162;
    const mass = new Float64Array(V);
    const { triangles } = prepared.geometry.mesh;
    prepared.geometry.faceAreas.forEach((a, f) => {
      for (let k = 0; k < 3; k++) mass[triangles[3 * f + k]] += a / 3;
    });
    let totalCurvature = 0;
    for (let v = 0; v < V; v++) {
      const row = sphere.values.subarray(v * sphere.dim, (v + 1) * sphere.dim);
      // Convex: neighbours lie below the tangent plane.
      expect(row[0]).toBeLessThan(0);
      // Curvatures relative to the sphere of equal area, 1 before asinh, within the error of
      // barycentric (not Voronoi) vertex areas on the icosphere's irregular vertices (about 12%).
      expect(Math.abs(Math.sinh(row[3]) - 1)).toBeLessThan(0.2);
      expect(Math.abs(Math.sinh(row[4]) - 1)).toBeLessThan(0.15);
      totalCurvature += Math.sinh(row[3]) * 4 * Math.PI * mass[v];
      // Heat kernel nearly uniform on a sphere (same discretisation error as above): ln h ≈ 0.
      expect(Math.abs(row[5])).toBeLessThan(0.1);
    }
    // Discrete Gauss-Bonnet, exactly: the curvature integrates to 2πχ = 4π.
    expect(totalCurvature).toBeCloseTo(4 * Math.PI, 10);
  });

  it("leave out groups that are not asked for", () => {
    const onlyMoments = computeFeatures(prepared, { ...options, kinds: ["moments"] });
    expect(onlyMoments.fieldType).toBe("3x0+2x1+1x2");
    const onlyScalars = computeFeatures(prepared, { ...options, kinds: ["curvature", "hks"] });
    expect(onlyScalars.fieldType).toBe("4x0");
    expect(Array.from(onlyScalars.values.subarray(0, 4))).toEqual(Array.from(features.values.subarray(3, 7)));
  });
});

describe("the cheap invariant scalars: ones, angle defects, relative areas", () => {
  const kinds = ["ones", "angle-defect", "relative-area"] as const;

  it("are the constant 1, angle defects summing to 2π·χ and barycentric areas of mean 1", () => {
    const sphere = MeshGeometry.fromData(icosphere(2));
    const f = meshFeatures(sphere, { kinds });
    expect(f.fieldType).toBe("3x0");
    expect(f.channels).toEqual(["ones", "angle-defect", "relative-area"]);
    const n = sphere.mesh.nVertices;
    let defects = 0;
    let areas = 0;
    for (let v = 0; v < n; v++) {
      expect(f.values[3 * v]).toBe(1);
      expect(f.values[3 * v + 1]).toBeCloseTo(sphere.vertexAngleDefects[v], 12);
      defects += f.values[3 * v + 1];
      areas += f.values[3 * v + 2];
    }
    expect(defects).toBeCloseTo(4 * Math.PI, 10);
    expect(areas / n).toBeCloseTo(1, 12);
    // The icosphere's vertices of valence 5 and 6 have different areas.
    expect(Math.max(...f.values.filter((_, i) => i % 3 === 2))).toBeGreaterThan(1.05);
  });

  it("pack in the canonical order whatever order they are asked in, after the other scalars", () => {
    const mesh = lumpyMesh(3);
    const reversed = meshFeatures(mesh, { kinds: [...kinds].reverse() });
    expect(reversed.channels).toEqual([...kinds]);
    const all = meshFeatures(mesh, { kinds: FEATURE_KINDS, hksTimeCount: 1 });
    expect(all.fieldType).toBe("9x0+2x1+1x2");
    expect(all.channels.slice(6, 9)).toEqual([...kinds]);
    for (let v = 0; v < 162; v++) {
      for (let c = 0; c < 3; c++) expect(all.values[v * all.dim + 6 + c]).toBe(reversed.values[v * 3 + c]);
    }
  });

  it("are unchanged by rigid motions and scalings, and the same from mesh data or a MeshGeometry", () => {
    const mesh = lumpyMesh(4);
    const base = meshFeatures(mesh, { kinds });
    expect(meshFeatures(MeshGeometry.fromData(mesh), { kinds }).values).toEqual(base.values);
    const moved = {
      positions: applyRigidMotion(mesh.positions, randomRigidMotion(9), 40),
      triangles: mesh.triangles,
    };
    expect(maxAbsDifference(meshFeatures(moved, { kinds }).values, base.values)).toBeLessThan(1e-9);
  });

  it("refuses an unknown kind, naming the known ones", () => {
    expect(() => meshFeatures(lumpyMesh(1), { kinds: ["curvature", "area" as "ones"] })).toThrow(
      /unknown feature kind "area" \(moments, curvature, hks, ones, angle-defect, relative-area\)/,
    );
  });
});

describe("non-finite features", () => {
  it("are refused where they are computed, naming the mesh, the vertex and the feature", () => {
    const prepared = prepareMesh(lumpyMesh(3), "shapes/lumpy.obj");
    // A length unit of 1e-320 (positive, so accepted) makes the moments overflow: infinities and NaN.
    let error: unknown;
    try {
      computeFeatures({ ...prepared, meanEdgeLength: 1e-320 }, { ...options, kinds: ["moments"] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteFeatureError);
    expect((error as Error).message).toMatch(
      /^shapes\/lumpy\.obj: feature 'moment\.[a-z.-]+' \(column \d\) of vertex 0 is (NaN|-?Infinity): the mesh cannot be used$/,
    );
    // The same mesh with its real length unit is fine.
    expect(computeFeatures(prepared, { ...options, kinds: ["moments"] }).values.every(Number.isFinite)).toBe(
      true,
    );
  });

  it("assertFiniteFeatures names the first bad number's vertex and column", () => {
    const values = new Float64Array(4 * 3);
    values[2 * 3 + 1] = Number.POSITIVE_INFINITY;
    values[3 * 3 + 0] = Number.NaN;
    expect(() => assertFiniteFeatures(values, 3, ["a", "b", "c"], "m.off")).toThrow(
      "m.off: feature 'b' (column 1) of vertex 2 is Infinity: the mesh cannot be used",
    );
    expect(() => assertFiniteFeatures(new Float64Array(12), 3, ["a", "b", "c"], "m.off")).not.toThrow();
  });
});
