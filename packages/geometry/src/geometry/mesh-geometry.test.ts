import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { MeshError } from "../mesh/errors.js";
import { TWO_PI } from "./angles.js";
import { bumpyIcosphere, coneFan, flatGrid, testMeshes } from "./geometry.fixture.js";
import { MeshGeometry } from "./mesh-geometry.js";

const TOLERANCE = 1e-12;

describe("MeshGeometry.fromData", () => {
  it("names the source for a non-finite coordinate", () => {
    const { positions, triangles } = icosphere(1);
    const bad = positions.slice();
    bad[3 * 5 + 1] = Number.NaN;
    const error = (() => {
      try {
        MeshGeometry.fromData({ positions: bad, triangles }, { source: "ball.obj" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).kind).toBe("non-finite-coordinate");
    expect((error as MeshError).element).toEqual({ type: "vertex", index: 5 });
    expect((error as MeshError).message).toMatch(
      /^ball\.obj: vertex 5 has a non-finite coordinate \(y = NaN\)/,
    );
  });

  it("names the source for bad connectivity and a malformed position array", () => {
    const positions = new Float64Array(9);
    expect(() =>
      MeshGeometry.fromData({ positions, triangles: Uint32Array.of(0, 1, 3) }, { source: "a.off" }),
    ).toThrow(/^a\.off: face 0 refers to vertex 3/);
    expect(() =>
      MeshGeometry.fromData(
        { positions: new Float64Array(8), triangles: Uint32Array.of(0, 1, 2) },
        { source: "b.ply" },
      ),
    ).toThrow(/^b\.ply: the position array has length 8, not a multiple of 3/);
  });

  it("rejects positions that do not match the mesh", () => {
    const geometry = MeshGeometry.fromData(icosphere(0));
    expect(() => new MeshGeometry(geometry.mesh, new Float64Array(3))).toThrow(MeshError);
  });
});

describe("MeshGeometry quantities", () => {
  it("gives the known values of a right triangle", () => {
    const geometry = MeshGeometry.fromData({
      positions: Float64Array.of(0, 0, 0, 2, 0, 0, 0, 1, 0),
      triangles: Uint32Array.of(0, 1, 2),
    });
    expect(Array.from(geometry.faceNormals, (x) => x + 0)).toEqual([0, 0, 1]);
    expect(geometry.faceAreas[0]).toBe(1);
    expect(geometry.cornerAngles[0]).toBeCloseTo(Math.PI / 2, 15);
    expect(geometry.cornerAngles[1]).toBeCloseTo(Math.atan2(1, 2), 15);
    expect(geometry.cornerAngles[2]).toBeCloseTo(Math.atan2(2, 1), 15);
    const lengths = Array.from(geometry.edgeLengths).sort();
    expect(lengths[0]).toBe(1);
    expect(lengths[1]).toBe(2);
    expect(lengths[2]).toBeCloseTo(Math.sqrt(5), 15);
    // Three boundary vertices: π − angle each, summing to 2π = 2πχ.
    expect(geometry.vertexAngleDefects[0]).toBeCloseTo(Math.PI / 2, 15);
    expect(geometry.totalAngleDefect()).toBeCloseTo(TWO_PI, 14);
  });

  it("points normals outwards on the sphere", () => {
    const geometry = MeshGeometry.fromData(icosphere(3));
    const { positions, vertexNormals, faceNormals } = geometry;
    for (let v = 0; v < geometry.mesh.nVertices; v++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += vertexNormals[3 * v + k] * positions[3 * v + k];
      expect(dot).toBeGreaterThan(0.999);
    }
    const t = geometry.mesh.triangles;
    for (let f = 0; f < geometry.mesh.nFaces; f++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += faceNormals[3 * f + k] * positions[3 * t[3 * f] + k];
      expect(dot).toBeGreaterThan(0.99);
    }
  });

  it("weights vertex normals by corner angle, not by area or count", () => {
    // Two faces of equal area meet at vertex 0 with corner angles π/2 (normal +z) and π/4 (normal
    // −x): angle weights give (−1, 0, 2)/√5, area or uniform weights would give (−1, 0, 1)/√2. On
    // spheres and flat grids every weighting agrees, so only a fan like this tells them apart.
    const geometry = MeshGeometry.fromData({
      positions: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, -1),
      triangles: Uint32Array.of(0, 1, 2, 0, 2, 3),
    });
    expect(geometry.faceAreas[0]).toBeCloseTo(geometry.faceAreas[1], 15);
    const expected = [-1 / Math.sqrt(5), 0, 2 / Math.sqrt(5)];
    const cached = Array.from(geometry.vertexNormals.subarray(0, 3));
    for (const normal of [cached, geometry.vertexNormal(0)]) {
      for (let k = 0; k < 3; k++) expect(Math.abs(normal[k] - expected[k])).toBeLessThan(1e-15);
    }
  });

  it("computes each quantity once and hands out the same array afterwards", () => {
    const geometry = bumpyIcosphere(1, 0.2);
    const getters = [
      "faceNormals",
      "faceAreas",
      "cornerAngles",
      "edgeLengths",
      "vertexNormals",
      "vertexAngleSums",
      "vertexAngleDefects",
      "halfedgeAnglesInVertex",
    ] as const;
    const first = getters.map((name) => geometry[name]);
    getters.forEach((name, i) => {
      expect(geometry[name], name).toBe(first[i]);
    });
  });

  it("has flat interior vertices on a flat grid", () => {
    const geometry = flatGrid(6, 5, 0.3);
    const { vertexAngleDefects, vertexNormals } = geometry;
    for (let v = 0; v < geometry.mesh.nVertices; v++) {
      if (!geometry.mesh.vertexOnBoundary[v]) expect(Math.abs(vertexAngleDefects[v])).toBeLessThan(TOLERANCE);
      expect(vertexNormals[3 * v + 2]).toBe(1);
    }
  });

  it("obeys discrete Gauss-Bonnet on closed meshes and meshes with boundary", () => {
    for (const { name, geometry } of testMeshes()) {
      const chi = geometry.mesh.eulerCharacteristic;
      expect(Math.abs(geometry.totalAngleDefect() - TWO_PI * chi), name).toBeLessThan(1e-9);
    }
    expect(coneFan(5, 1).mesh.eulerCharacteristic).toBe(1);
  });

  it("agrees with the one-off computations", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh } = geometry;
      let worst = 0;
      const compare = (cached: number, oneOff: number) => {
        worst = Math.max(worst, Math.abs(cached - oneOff));
      };
      for (let f = 0; f < mesh.nFaces; f++) {
        const normal = geometry.faceNormal(f);
        for (let k = 0; k < 3; k++) compare(geometry.faceNormals[3 * f + k], normal[k]);
        compare(geometry.faceAreas[f], geometry.faceArea(f));
      }
      for (let h = 0; h < 3 * mesh.nFaces; h++) compare(geometry.cornerAngles[h], geometry.cornerAngle(h));
      for (let e = 0; e < mesh.nEdges; e++) compare(geometry.edgeLengths[e], geometry.edgeLength(e));
      for (let v = 0; v < mesh.nVertices; v++) {
        const normal = geometry.vertexNormal(v);
        for (let k = 0; k < 3; k++) compare(geometry.vertexNormals[3 * v + k], normal[k]);
        compare(geometry.vertexAngleDefects[v], geometry.vertexAngleDefect(v));
      }
      expect(worst, name).toBeLessThan(TOLERANCE);
    }
  });

  it("sums each triangle's corner angles to π", () => {
    const geometry = bumpyIcosphere(2, 0.3);
    const angles = geometry.cornerAngles;
    for (let f = 0; f < geometry.mesh.nFaces; f++) {
      expect(Math.abs(angles[3 * f] + angles[3 * f + 1] + angles[3 * f + 2] - Math.PI)).toBeLessThan(1e-14);
    }
  });

  it("rejects out-of-range indices in one-off computations", () => {
    const geometry = MeshGeometry.fromData(icosphere(0));
    expect(() => geometry.cornerAngle(60)).toThrow(/interior halfedge index 60 is out of range/);
    expect(() => geometry.faceNormal(-1)).toThrow(RangeError);
    expect(() => geometry.vertexNormal(1.5)).toThrow(RangeError);
  });
});

describe("halfedgeAnglesInVertex", () => {
  it("turns by the rescaled corner angles, a full turn at interior vertices", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh, cornerAngles, vertexAngleSums, halfedgeAnglesInVertex: angles } = geometry;
      for (let v = 0; v < mesh.nVertices; v++) {
        const out = mesh.outgoingHalfedges(v);
        expect(angles[out[0]]).toBe(0);
        const boundary = mesh.vertexOnBoundary[v] === 1;
        const scale = boundary ? 1 : TWO_PI / vertexAngleSums[v];
        for (let i = 1; i < out.length; i++) {
          const step = angles[out[i]] - angles[out[i - 1]];
          expect(Math.abs(step - scale * cornerAngles[out[i - 1]]), name).toBeLessThan(TOLERANCE);
        }
        const last = out[out.length - 1];
        if (boundary) {
          expect(mesh.isBoundaryHalfedge(last)).toBe(true);
          expect(Math.abs(angles[last] - vertexAngleSums[v])).toBeLessThan(TOLERANCE);
        } else {
          expect(Math.abs(angles[last] + scale * cornerAngles[last] - TWO_PI)).toBeLessThan(TOLERANCE);
        }
      }
    }
  });
});
