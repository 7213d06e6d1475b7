import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { angleDistance, TWO_PI } from "./angles.js";
import { GeometryError } from "./errors.js";
import { tangentFrames } from "./frames.js";
import { coneFan, flatGrid, testMeshes } from "./geometry.fixture.js";
import { logMap } from "./log-map.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { kRing, oneRing } from "./neighbourhoods.js";

const gauges = [
  { gauge: "reference-neighbour" as const },
  { gauge: "global-axis" as const, axis: [1, 2, 3] as [number, number, number] },
  { gauge: "random" as const, seed: 9 },
];

describe("logMap", () => {
  it("gives the same coordinates with both methods on a flat mesh, in every gauge", () => {
    const geometry = flatGrid(8, 7, 0.3);
    const rings = oneRing(geometry.mesh, { includeSelf: true });
    for (const options of gauges) {
      const frames = tangentFrames(geometry, options);
      const intrinsic = logMap(geometry, frames, rings, { method: "intrinsic" });
      const projection = logMap(geometry, frames, rings, { method: "projection" });
      let worst = 0;
      for (let i = 0; i < rings.indices.length; i++) {
        worst = Math.max(
          worst,
          Math.abs(intrinsic.r[i] - projection.r[i]),
          angleDistance(intrinsic.theta[i], projection.theta[i]),
        );
      }
      expect(worst, options.gauge).toBeLessThan(1e-12);
    }
  });

  it("puts the reference neighbour at θ = 0, self pairs at the origin, and r = edge length", () => {
    for (const { name, geometry } of testMeshes()) {
      const frames = tangentFrames(geometry);
      const rings = oneRing(geometry.mesh, { includeSelf: true });
      for (const method of ["intrinsic", "projection"] as const) {
        const { r, theta } = logMap(geometry, frames, rings, { method });
        let worst = 0;
        for (let p = 0; p < geometry.mesh.nVertices; p++) {
          const first = rings.offsets[p];
          expect(r[first]).toBe(0);
          expect(theta[first]).toBe(0);
          // Intrinsic angles are identified with the tangent plane by all edges together
          // (`intrinsicFrameOffsets`), so only the projection puts the reference edge exactly at 0.
          if (method === "projection") {
            expect(Math.abs(theta[first + 1]), `${name}, ${method}`).toBeLessThan(1e-12);
          }
          const out = geometry.mesh.outgoingHalfedges(p);
          for (let i = first + 1; i < rings.offsets[p + 1]; i++) {
            worst = Math.max(worst, Math.abs(r[i] - geometry.halfedgeLength(out[i - first - 1])));
            if (!(theta[i] > -Math.PI && theta[i] <= Math.PI))
              throw new Error(`θ = ${theta[i]} out of range`);
          }
        }
        expect(worst, `${name}, ${method}`).toBeLessThan(1e-14);
      }
    }
  });

  it("spaces the 1-ring by the corner angles rescaled to a full turn (intrinsic)", () => {
    for (const { name, geometry } of testMeshes()) {
      const frames = tangentFrames(geometry, { gauge: "random", seed: 4 });
      const rings = oneRing(geometry.mesh);
      const { theta } = logMap(geometry, frames, rings, { method: "intrinsic" });
      const { mesh, cornerAngles, vertexAngleSums } = geometry;
      for (let p = 0; p < mesh.nVertices; p++) {
        if (mesh.vertexOnBoundary[p]) continue;
        const out = mesh.outgoingHalfedges(p);
        const scale = TWO_PI / vertexAngleSums[p];
        for (let k = 0; k < out.length; k++) {
          const next = rings.offsets[p] + ((k + 1) % out.length);
          const step = theta[next] - theta[rings.offsets[p] + k];
          expect(angleDistance(step, scale * cornerAngles[out[k]]), name).toBeLessThan(1e-12);
        }
      }
    }
  });

  it("keeps a cone's true angles at its apex only up to the rescaling", () => {
    const geometry = coneFan(6, 1.5);
    const frames = tangentFrames(geometry);
    const rings = oneRing(geometry.mesh);
    const intrinsic = logMap(geometry, frames, rings, { method: "intrinsic" });
    const first = rings.offsets[0];
    const last = rings.offsets[1] - 1;
    // The apex's neighbours span the whole turn although the cone angle is much smaller.
    expect(geometry.vertexAngleSums[0]).toBeLessThan(0.6 * TWO_PI);
    const lastAngle = geometry.cornerAngles[geometry.mesh.outgoingHalfedges(0)[5]];
    expect(
      angleDistance(
        intrinsic.theta[last] - intrinsic.theta[first],
        -(TWO_PI / geometry.vertexAngleSums[0]) * lastAngle,
      ),
    ).toBeLessThan(1e-12);
  });

  it("approaches the projection as the sphere is refined", () => {
    const errors: number[] = [];
    for (const level of [1, 2, 3, 4]) {
      const geometry = MeshGeometry.fromData(icosphere(level));
      const frames = tangentFrames(geometry);
      const rings = oneRing(geometry.mesh);
      const intrinsic = logMap(geometry, frames, rings, { method: "intrinsic" });
      const projection = logMap(geometry, frames, rings, { method: "projection" });
      let worst = 0;
      for (let i = 0; i < rings.indices.length; i++) {
        worst = Math.max(worst, angleDistance(intrinsic.theta[i], projection.theta[i]));
      }
      errors.push(worst);
    }
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(0.6 * errors[i - 1]);
  });

  it("measures Euclidean distance and the projected angle for any pair (projection)", () => {
    const geometry = coneFan(8, 0.7);
    const frames = tangentFrames(geometry, { gauge: "random", seed: 1 });
    const rings = kRing(geometry.mesh, 2);
    const { r, theta } = logMap(geometry, frames, rings, { method: "projection" });
    const { positions } = geometry;
    const { e1, e2 } = frames;
    for (let p = 0; p < geometry.mesh.nVertices; p++) {
      for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) {
        const q = rings.indices[i];
        const d = [0, 1, 2].map((k) => positions[3 * q + k] - positions[3 * p + k]);
        expect(Math.abs(r[i] - Math.hypot(d[0], d[1], d[2]))).toBeLessThan(1e-14);
        // log_p(q) = r (cos θ e1 + sin θ e2) is the projection of q − p, rescaled to length r.
        const x = d[0] * e1[3 * p] + d[1] * e1[3 * p + 1] + d[2] * e1[3 * p + 2];
        const y = d[0] * e2[3 * p] + d[1] * e2[3 * p + 1] + d[2] * e2[3 * p + 2];
        const scale = r[i] / Math.hypot(x, y);
        expect(Math.abs(r[i] * Math.cos(theta[i]) - scale * x)).toBeLessThan(1e-12);
        expect(Math.abs(r[i] * Math.sin(theta[i]) - scale * y)).toBeLessThan(1e-12);
      }
    }
  });

  it("refuses pairs outside the 1-ring (intrinsic) and mismatched arguments", () => {
    const geometry = flatGrid(5, 5);
    const frames = tangentFrames(geometry);
    const twoRing = kRing(geometry.mesh, 2);
    expect(() => logMap(geometry, frames, twoRing, { method: "intrinsic" })).toThrow(GeometryError);
    expect(() => logMap(geometry, frames, twoRing, { method: "intrinsic" })).toThrow(
      /logMap \(method "intrinsic"\): pair \(0, \d+\) \(index \d+ of the neighbourhoods\) is not a mesh edge/,
    );
    const other = oneRing(flatGrid(4, 4).mesh);
    expect(() => logMap(geometry, frames, other, { method: "projection" })).toThrow(
      /have 17 offsets, but the mesh has 25 vertices/,
    );
    const otherFrames = tangentFrames(flatGrid(4, 4));
    expect(() => logMap(geometry, otherFrames, oneRing(geometry.mesh), { method: "projection" })).toThrow(
      /frames.e1 must be a Float64Array of length 75/,
    );
    expect(() => logMap(geometry, frames, oneRing(geometry.mesh), { method: "exact" as never })).toThrow(
      /options.method must be "intrinsic" or "projection", got "exact"/,
    );
  });
});
