import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { GeometryError } from "./errors.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import { testMeshes } from "./geometry.fixture.js";
import { MeshGeometry } from "./mesh-geometry.js";

const dot = (a: Float64Array, i: number, b: ArrayLike<number>, j: number) =>
  a[i] * b[j] + a[i + 1] * b[j + 1] + a[i + 2] * b[j + 2];

/** Largest deviation from a right-handed orthonormal frame with e2 = n × e1, over all vertices. */
function frameError(frames: TangentFrames): number {
  const { e1, e2, n } = frames;
  let worst = 0;
  for (let i = 0; i < n.length; i += 3) {
    const cross = [
      n[i + 1] * e1[i + 2] - n[i + 2] * e1[i + 1],
      n[i + 2] * e1[i] - n[i] * e1[i + 2],
      n[i] * e1[i + 1] - n[i + 1] * e1[i],
    ];
    worst = Math.max(
      worst,
      Math.abs(dot(e1, i, e1, i) - 1),
      Math.abs(dot(e2, i, e2, i) - 1),
      Math.abs(dot(n, i, n, i) - 1),
      Math.abs(dot(e1, i, e2, i)),
      Math.abs(dot(e1, i, n, i)),
      Math.abs(dot(e2, i, n, i)),
      Math.abs(e2[i] - cross[0]),
      Math.abs(e2[i + 1] - cross[1]),
      Math.abs(e2[i + 2] - cross[2]),
    );
  }
  return worst;
}

describe("tangentFrames", () => {
  it("gives right-handed orthonormal frames on the vertex normals in every gauge", () => {
    for (const { name, geometry } of testMeshes()) {
      for (const options of [
        { gauge: "reference-neighbour" as const },
        { gauge: "global-axis" as const, axis: [0.3, -1, 0.2] as [number, number, number] },
        { gauge: "random" as const, seed: 5 },
      ]) {
        const frames = tangentFrames(geometry, options);
        expect(frameError(frames), `${name}, ${options.gauge}`).toBeLessThan(1e-14);
        expect(frames.n).toEqual(geometry.vertexNormals);
      }
    }
  });

  it("points e1 towards the reference neighbour by default", () => {
    for (const { name, geometry } of testMeshes()) {
      const { e1, e2, referenceHalfedge } = tangentFrames(geometry);
      expect(referenceHalfedge, name).toBeDefined();
      const { mesh, positions } = geometry;
      for (let v = 0; v < mesh.nVertices; v++) {
        const h = referenceHalfedge![v];
        expect(h).toBe(mesh.vertexHalfedge[v]);
        const w = mesh.head(h);
        const d = [0, 1, 2].map((k) => positions[3 * w + k] - positions[3 * v + k]);
        // The edge has no e2 component and a positive e1 component.
        expect(Math.abs(dot(e2, 3 * v, d, 0))).toBeLessThan(1e-15);
        expect(dot(e1, 3 * v, d, 0)).toBeGreaterThan(0);
      }
    }
  });

  it("points e1 along the projected axis, and falls back where the axis is the normal", () => {
    const geometry = MeshGeometry.fromData(icosphere(2));
    // Vertex 0 is an icosahedron corner: by symmetry its normal is its position vector.
    const axis: [number, number, number] = [
      geometry.positions[0],
      geometry.positions[1],
      geometry.positions[2],
    ];
    const { e1, e2, n } = tangentFrames(geometry, { gauge: "global-axis", axis });
    expect(Math.abs(dot(n, 0, axis, 0) - 1)).toBeLessThan(1e-12);
    for (let v = 0; v < geometry.mesh.nVertices; v++) {
      expect(Number.isFinite(e1[3 * v])).toBe(true);
      if (v === 0) continue;
      expect(Math.abs(dot(e2, 3 * v, axis, 0))).toBeLessThan(1e-14);
      expect(dot(e1, 3 * v, axis, 0)).toBeGreaterThan(0);
    }
    expect(frameError({ e1, e2, n })).toBeLessThan(1e-14);
  });

  it("draws reproducible, spread-out random gauges", () => {
    const geometry = MeshGeometry.fromData(icosphere(3));
    const reference = tangentFrames(geometry);
    const a = tangentFrames(geometry, { gauge: "random", seed: 11 });
    const b = tangentFrames(geometry, { gauge: "random", seed: 11 });
    const c = tangentFrames(geometry, { gauge: "random", seed: 12 });
    expect(a.e1).toEqual(b.e1);
    expect(a.e1).not.toEqual(c.e1);
    expect(a.referenceHalfedge).toBeUndefined();
    // The angles from the reference gauge should look uniform: small mean resultant, all quadrants.
    let sumCos = 0;
    let sumSin = 0;
    const quadrants = [0, 0, 0, 0];
    const nVertices = geometry.mesh.nVertices;
    for (let v = 0; v < nVertices; v++) {
      const angle = Math.atan2(dot(a.e1, 3 * v, reference.e2, 3 * v), dot(a.e1, 3 * v, reference.e1, 3 * v));
      sumCos += Math.cos(angle);
      sumSin += Math.sin(angle);
      quadrants[Math.floor(((angle + Math.PI) / (2 * Math.PI)) * 4) % 4]++;
    }
    expect(Math.hypot(sumCos, sumSin) / nVertices).toBeLessThan(0.1);
    for (const count of quadrants) expect(count).toBeGreaterThan(nVertices / 8);
  });

  it("rejects bad options with a GeometryError", () => {
    const geometry = MeshGeometry.fromData(icosphere(0));
    expect(() => tangentFrames(geometry, { gauge: "global-axis", axis: [0, 0, 0] })).toThrow(GeometryError);
    expect(() => tangentFrames(geometry, { gauge: "sideways" as never })).toThrow(/unknown gauge "sideways"/);
    expect(() => tangentFrames(geometry, { normals: new Float64Array(3) })).toThrow(
      /options.normals has length 3/,
    );
  });
});
