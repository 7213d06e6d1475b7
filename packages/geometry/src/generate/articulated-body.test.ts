import { describe, expect, it } from "vitest";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import { validateMesh } from "../mesh/validate.js";
import { articulatedBodies, BODY_PARTS } from "./articulated-body.js";

function signedVolume(positions: Float64Array, triangles: Uint32Array): number {
  let volume = 0;
  for (let f = 0; f < triangles.length / 3; f++) {
    const [a, b, c] = [0, 1, 2].map((k) =>
      Array.from(positions.subarray(3 * triangles[3 * f + k], 3 * triangles[3 * f + k] + 3)),
    );
    volume +=
      (a[0] * (b[1] * c[2] - b[2] * c[1]) -
        a[1] * (b[0] * c[2] - b[2] * c[0]) +
        a[2] * (b[0] * c[1] - b[1] * c[0])) /
      6;
  }
  return volume;
}

function edgeLengths(positions: Float64Array, triangles: Uint32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < triangles.length; i++) {
    const [a, b] = [triangles[i], triangles[i - (i % 3) + ((i + 1) % 3)]];
    out.push(Math.hypot(...[0, 1, 2].map((k) => positions[3 * a + k] - positions[3 * b + k])));
  }
  return out;
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];

describe("articulatedBodies", () => {
  const registrations = articulatedBodies({ shapes: 3, poses: 3, vertices: 700 });
  const remeshed = articulatedBodies({ shapes: 2, poses: 2, vertices: 700, remesh: true });

  it("makes closed, outward, genus-0 manifold meshes without degenerate faces", () => {
    for (const body of [...registrations, ...remeshed]) {
      const label = `shape ${body.shape}, pose ${body.pose}`;
      const report = validateMesh(body.data);
      expect(report.ok, `${label}: ${report.problems.map((p) => p.message).join("; ")}`).toBe(true);
      const geometry = MeshGeometry.fromData(body.data);
      expect(geometry.mesh.hasBoundary, label).toBe(false);
      expect(geometry.mesh.genus, label).toBe(0);
      expect(signedVolume(body.data.positions, body.data.triangles), label).toBeGreaterThan(0);
      expect(body.parts.length).toBe(geometry.nVertices);
      // Every part is there, and no single part takes more than half of the body.
      const counts = BODY_PARTS.map((_, p) => body.parts.filter((x) => x === p).length);
      for (const c of counts) expect(c, label).toBeGreaterThan(0.03 * geometry.nVertices);
      expect(Math.max(...counts), label).toBeLessThan(0.5 * geometry.nVertices);
    }
  });

  it("shares one connectivity and part labelling across shapes and poses (a registration), with exact size", () => {
    expect(registrations.map((b) => [b.shape, b.pose])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    for (const body of registrations) {
      expect(body.data.positions.length / 3).toBe(700);
      expect(body.data.triangles).toEqual(registrations[0].data.triangles);
      if (body.shape === 0) expect(body.parts).toEqual(registrations[0].parts);
    }
    // Shapes differ, poses differ, and a pose is the same motion for every shape.
    expect(registrations[3].data.positions).not.toEqual(registrations[0].data.positions);
    expect(registrations[1].data.positions).not.toEqual(registrations[0].data.positions);
  });

  it("bends nearly isometrically: edge lengths change little between poses of one shape", () => {
    const [rest, ...posed] = articulatedBodies({ shapes: 1, poses: 4, vertices: 700, noise: 0 });
    const before = edgeLengths(rest.data.positions, rest.data.triangles);
    for (const body of posed) {
      const ratios = edgeLengths(body.data.positions, body.data.triangles).map((l, i) => l / before[i]);
      const change = ratios.map((r) => Math.abs(r - 1));
      // Away from the joints the limbs move rigidly; the inner sides of bent joints compress.
      expect(quantile(change, 0.5)).toBeLessThan(0.01);
      expect(quantile(change, 0.9)).toBeLessThan(0.15);
      // … while the pose moves the vertices by a good part of the body's size.
      let moved = 0;
      for (let i = 0; i < body.data.positions.length; i++)
        moved = Math.max(moved, Math.abs(body.data.positions[i] - rest.data.positions[i]));
      expect(moved).toBeGreaterThan(0.3);
    }
  });

  it("remeshes every body on its own: different connectivity and vertex counts", () => {
    const sizes = remeshed.map((b) => b.data.positions.length / 3);
    expect(new Set(sizes).size).toBeGreaterThan(1);
    for (const n of sizes) expect(Math.abs(n - 700)).toBeLessThanOrEqual(0.16 * 700);
    expect(remeshed[1].data.triangles).not.toEqual(remeshed[0].data.triangles);
    // The part shares stay close to the registration's.
    const share = (parts: Int32Array, p: number) => parts.filter((x) => x === p).length / parts.length;
    for (let p = 0; p < BODY_PARTS.length; p++) {
      expect(Math.abs(share(remeshed[0].parts, p) - share(registrations[0].parts, p))).toBeLessThan(0.06);
    }
  });

  it("is deterministic and seeded, and rejects bad options", () => {
    const a = articulatedBodies({ shapes: 2, poses: 2, vertices: 450, seed: 3 });
    expect(articulatedBodies({ shapes: 2, poses: 2, vertices: 450, seed: 3 })).toEqual(a);
    expect(articulatedBodies({ shapes: 2, poses: 2, vertices: 450, seed: 4 })[3].data.positions).not.toEqual(
      a[3].data.positions,
    );
    expect(articulatedBodies({ shapes: 1, poses: 1, vertices: 410 })[0].data.positions.length).toBe(3 * 410);
    expect(() => articulatedBodies({ vertices: 100 })).toThrow(/vertices must be an integer ≥ 410, got 100/);
    expect(() => articulatedBodies({ shapes: 0 })).toThrow(/shapes must be an integer ≥ 1/);
    expect(() => articulatedBodies({ noise: -1 })).toThrow(/noise must be in \[0, 0\.2\)/);
  });
});
