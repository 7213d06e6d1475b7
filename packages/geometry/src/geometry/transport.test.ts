import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { angleDistance } from "./angles.js";
import { GeometryError } from "./errors.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import {
  bumpyIcosphere,
  coneFan,
  flatGrid,
  holonomy,
  pairLookup,
  rescalingShare,
  testMeshes,
} from "./geometry.fixture.js";
import { logMap } from "./log-map.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { kRing, oneRing } from "./neighbourhoods.js";
import { parallelTransport } from "./transport.js";

const methods = ["levi-civita", "normal-rotation"] as const;

/** The icosphere of `level` squashed into an ellipsoid with semi-axes 1, 0.8 and 0.6. */
function ellipsoid(level: number): MeshGeometry {
  const { positions, triangles } = icosphere(level);
  for (let i = 0; i < positions.length; i += 3) {
    positions[i + 1] *= 0.8;
    positions[i + 2] *= 0.6;
  }
  return MeshGeometry.fromData({ positions, triangles });
}

describe("parallelTransport", () => {
  it("is antisymmetric, g(q→p) = −g(p→q), with both methods", () => {
    for (const { name, geometry } of testMeshes()) {
      const frames = tangentFrames(geometry, { gauge: "random", seed: 3 });
      for (const [method, rings] of [
        ["levi-civita", oneRing(geometry.mesh, { includeSelf: true })],
        ["normal-rotation", kRing(geometry.mesh, 2, { includeSelf: true })],
      ] as const) {
        const g = parallelTransport(geometry, frames, rings, { method });
        const pair = pairLookup(rings);
        let worst = 0;
        for (let p = 0; p < geometry.mesh.nVertices; p++) {
          for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) {
            const q = rings.indices[i];
            if (q === p) expect(g[i]).toBe(0);
            worst = Math.max(worst, angleDistance(g[i], -g[pair(q, p)]));
          }
        }
        expect(worst, `${name}, ${method}`).toBeLessThan(1e-12);
      }
    }
  });

  it("carries q's frame vectors by the rotation of its normal onto p's (normal rotation)", () => {
    // Check the sign convention from the definition with an independently built rotation matrix:
    // coefficients c at q arrive at p as ρ(g) c.
    const geometry = bumpyIcosphere(2, 0.2);
    const frames = tangentFrames(geometry, { gauge: "random", seed: 8 });
    const rings = oneRing(geometry.mesh);
    const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
    const { e1, e2, n } = frames;
    const at = (a: Float64Array, v: number) => [a[3 * v], a[3 * v + 1], a[3 * v + 2]];
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    for (let p = 0; p < geometry.mesh.nVertices; p++) {
      for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) {
        const q = rings.indices[i];
        const [a, b] = [at(n, q), at(n, p)];
        const axis = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
        const sin = Math.hypot(axis[0], axis[1], axis[2]);
        const cos = dot(a, b);
        const k = axis.map((x) => x / sin);
        const rotate = (v: number[]) => {
          const kv = [k[1] * v[2] - k[2] * v[1], k[2] * v[0] - k[0] * v[2], k[0] * v[1] - k[1] * v[0]];
          return v.map((x, j) => x * cos + kv[j] * sin + k[j] * dot(k, v) * (1 - cos));
        };
        for (const c of [
          [1, 0],
          [0.3, -0.8],
        ]) {
          const vector = [0, 1, 2].map((j) => c[0] * e1[3 * q + j] + c[1] * e2[3 * q + j]);
          const arrived = rotate(vector);
          const coefficients = [dot(arrived, at(e1, p)), dot(arrived, at(e2, p))];
          const expected = [
            Math.cos(g[i]) * c[0] - Math.sin(g[i]) * c[1],
            Math.sin(g[i]) * c[0] + Math.cos(g[i]) * c[1],
          ];
          expect(Math.abs(coefficients[0] - expected[0])).toBeLessThan(1e-12);
          expect(Math.abs(coefficients[1] - expected[1])).toBeLessThan(1e-12);
        }
      }
    }
  });

  it("satisfies g(q→p) = θ(p, q) − θ(q, p) + π exactly with Levi-Civita and the intrinsic log map", () => {
    for (const { name, geometry } of testMeshes()) {
      for (const options of [
        { gauge: "reference-neighbour" as const },
        { gauge: "random" as const, seed: 21 },
      ]) {
        const frames = tangentFrames(geometry, options);
        const rings = oneRing(geometry.mesh, { includeSelf: true });
        const { theta } = logMap(geometry, frames, rings, { method: "intrinsic" });
        const g = parallelTransport(geometry, frames, rings, { method: "levi-civita" });
        const pair = pairLookup(rings);
        let worst = 0;
        for (let p = 0; p < geometry.mesh.nVertices; p++) {
          for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) {
            const q = rings.indices[i];
            if (q === p) continue;
            worst = Math.max(worst, angleDistance(g[i], theta[i] - theta[pair(q, p)] + Math.PI));
          }
        }
        expect(worst, `${name}, ${options.gauge}`).toBeLessThan(1e-12);
      }
    }
  });

  it("approaches g(q→p) = θ(p, q) − θ(q, p) + π with normal rotation and projection as an ellipsoid is refined", () => {
    // (On a sphere with radial normals the identity holds exactly, so an ellipsoid shows more.)
    const errors: number[] = [];
    for (const level of [1, 2, 3, 4]) {
      const geometry = ellipsoid(level);
      const frames = tangentFrames(geometry, { gauge: "random", seed: level });
      const rings = oneRing(geometry.mesh);
      const { theta } = logMap(geometry, frames, rings, { method: "projection" });
      const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
      const pair = pairLookup(rings);
      let worst = 0;
      for (let p = 0; p < geometry.mesh.nVertices; p++) {
        for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) {
          worst = Math.max(worst, angleDistance(g[i], theta[i] - theta[pair(rings.indices[i], p)] + Math.PI));
        }
      }
      errors.push(worst);
    }
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(0.6 * errors[i - 1]);
  });

  it("agrees between the methods on a flat mesh", () => {
    const geometry = flatGrid(7, 6, 0.3);
    const frames = tangentFrames(geometry, { gauge: "random", seed: 2 });
    const rings = oneRing(geometry.mesh);
    const a = parallelTransport(geometry, frames, rings, { method: "levi-civita" });
    const b = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
    for (let i = 0; i < a.length; i++) expect(angleDistance(a[i], b[i])).toBeLessThan(1e-12);
  });

  it("has exactly the holonomy of the rescaled corner angles around every face (Levi-Civita)", () => {
    // Transport along an edge is exact for the polyhedral metric, so a face (flat) would have no
    // holonomy; what remains comes from rescaling each interior vertex's corner angles to a full turn.
    for (const { name, geometry } of testMeshes()) {
      const frames = tangentFrames(geometry, { gauge: "random", seed: 6 });
      const rings = oneRing(geometry.mesh);
      const g = parallelTransport(geometry, frames, rings, { method: "levi-civita" });
      const pair = pairLookup(rings);
      const t = geometry.mesh.triangles;
      let worst = 0;
      let total = 0;
      for (let f = 0; f < geometry.mesh.nFaces; f++) {
        const expected =
          rescalingShare(geometry, 3 * f) +
          rescalingShare(geometry, 3 * f + 1) +
          rescalingShare(geometry, 3 * f + 2);
        worst = Math.max(
          worst,
          angleDistance(holonomy(g, pair, [t[3 * f], t[3 * f + 1], t[3 * f + 2]]), expected),
        );
        total += expected;
      }
      expect(worst, name).toBeLessThan(1e-9);
      // Summed over the faces, the rescalings give back the interior angle defects.
      let interiorDefects = 0;
      for (let v = 0; v < geometry.mesh.nVertices; v++) {
        if (!geometry.mesh.vertexOnBoundary[v]) interiorDefects += geometry.vertexAngleDefects[v];
      }
      expect(Math.abs(total - interiorDefects)).toBeLessThan(1e-9);
    }
  });

  it("rotates a vector carried around the 1-ring by the vertex's angle defect plus its neighbours' shares (Levi-Civita)", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh } = geometry;
      const frames = tangentFrames(geometry, { gauge: "random", seed: 10 });
      const rings = oneRing(mesh);
      const g = parallelTransport(geometry, frames, rings, { method: "levi-civita" });
      const pair = pairLookup(rings);
      let worst = 0;
      for (let p = 0; p < mesh.nVertices; p++) {
        if (mesh.vertexOnBoundary[p]) continue;
        // The link q0 → q1 → … → q0 bounds the faces around p: p's whole defect, and for each
        // neighbour the share of its corners inside those faces.
        let expected = geometry.vertexAngleDefects[p];
        for (const h of mesh.outgoingHalfedges(p)) {
          const inner = mesh.next(h);
          expected += rescalingShare(geometry, inner) + rescalingShare(geometry, mesh.next(inner));
        }
        worst = Math.max(worst, angleDistance(holonomy(g, pair, mesh.vertexNeighbours(p)), expected));
      }
      expect(worst, name).toBeLessThan(1e-9);
    }
  });

  it("rotates a vector carried around a cone's apex by exactly the angle defect (Levi-Civita)", () => {
    for (const [sides, height] of [
      [5, 0.3],
      [7, 0.8],
      [12, 2],
      [4, 0.01],
    ]) {
      const geometry = coneFan(sides, height, sides);
      const frames = tangentFrames(geometry, { gauge: "random", seed: sides });
      const rings = oneRing(geometry.mesh);
      const g = parallelTransport(geometry, frames, rings, { method: "levi-civita" });
      const defect = geometry.vertexAngleDefects[0];
      const loop = geometry.mesh.vertexNeighbours(0);
      expect(angleDistance(holonomy(g, pairLookup(rings), loop), defect)).toBeLessThan(1e-12);
      // Negative control: the loop the other way round turns the other way.
      expect(angleDistance(holonomy(g, pairLookup(rings), [...loop].reverse()), -defect)).toBeLessThan(1e-12);
      if (height > 0.1) expect(angleDistance(defect, -defect)).toBeGreaterThan(0.1);
    }
  });

  it("misses the exact face holonomy with normal rotation (negative control)", () => {
    const geometry = bumpyIcosphere(2, 0.15);
    const frames = tangentFrames(geometry);
    const rings = oneRing(geometry.mesh);
    const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
    const pair = pairLookup(rings);
    const t = geometry.mesh.triangles;
    let worst = 0;
    for (let f = 0; f < geometry.mesh.nFaces; f++) {
      const expected =
        rescalingShare(geometry, 3 * f) +
        rescalingShare(geometry, 3 * f + 1) +
        rescalingShare(geometry, 3 * f + 2);
      worst = Math.max(
        worst,
        angleDistance(holonomy(g, pair, [t[3 * f], t[3 * f + 1], t[3 * f + 2]]), expected),
      );
    }
    expect(worst).toBeGreaterThan(1e-3);
  });

  it("approaches the Levi-Civita holonomy around each 1-ring with normal rotation as the icosphere is refined", () => {
    const worst: number[] = [];
    const meanRelative: number[] = [];
    for (const level of [1, 2, 3, 4]) {
      const geometry = MeshGeometry.fromData(icosphere(level));
      const { mesh } = geometry;
      const frames = tangentFrames(geometry);
      const rings = oneRing(mesh);
      const pair = pairLookup(rings);
      const [exact, normal] = methods.map((method) => parallelTransport(geometry, frames, rings, { method }));
      let largest = 0;
      let relative = 0;
      for (let p = 0; p < mesh.nVertices; p++) {
        const loop = mesh.vertexNeighbours(p);
        const reference = holonomy(exact, pair, loop);
        const discrepancy = angleDistance(holonomy(normal, pair, loop), reference);
        largest = Math.max(largest, discrepancy);
        relative += discrepancy / Math.abs(reference) / mesh.nVertices;
      }
      worst.push(largest);
      meanRelative.push(relative);
    }
    // The holonomy itself shrinks with the area a 1-ring encloses (a quarter per level): the
    // discrepancy shrinks about as fast, and also relative to the holonomy on average.
    for (let i = 1; i < worst.length; i++) {
      expect(worst[i]).toBeLessThan(0.3 * worst[i - 1]);
      expect(meanRelative[i]).toBeLessThan(0.6 * meanRelative[i - 1]);
    }
  });

  it("refuses pairs that are not edges (Levi-Civita) and unknown methods", () => {
    const geometry = coneFan(6, 1);
    const frames: TangentFrames = tangentFrames(geometry);
    expect(() =>
      parallelTransport(geometry, frames, kRing(geometry.mesh, 2), { method: "levi-civita" }),
    ).toThrow(GeometryError);
    expect(() =>
      parallelTransport(geometry, frames, kRing(geometry.mesh, 2), { method: "levi-civita" }),
    ).toThrow(/parallelTransport \(method "levi-civita"\): pair \(1, 3\) .* is not a mesh edge/);
    expect(() =>
      parallelTransport(geometry, frames, oneRing(geometry.mesh), { method: "schild" as never }),
    ).toThrow(/options.method must be "levi-civita" or "normal-rotation", got "schild"/);
  });
});
