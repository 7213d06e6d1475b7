import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { applyRigidMotion, moveMesh, randomRigidMotion } from "./rigid-motion.js";

function distance(p: Float64Array, a: number, b: number): number {
  return Math.hypot(p[3 * a] - p[3 * b], p[3 * a + 1] - p[3 * b + 1], p[3 * a + 2] - p[3 * b + 2]);
}

describe("randomRigidMotion", () => {
  it("is deterministic per seed and differs between seeds", () => {
    expect(randomRigidMotion(3)).toEqual(randomRigidMotion(3));
    expect(randomRigidMotion(4).rotation).not.toEqual(randomRigidMotion(3).rotation);
  });

  it("gives a proper rotation and a non-zero translation", () => {
    for (let seed = 0; seed < 20; seed++) {
      const { rotation: r, translation } = randomRigidMotion(seed);
      const det =
        r[0] * (r[4] * r[8] - r[5] * r[7]) -
        r[1] * (r[3] * r[8] - r[5] * r[6]) +
        r[2] * (r[3] * r[7] - r[4] * r[6]);
      expect(det).toBeCloseTo(1, 12);
      expect(Math.hypot(...translation)).toBeGreaterThan(0);
    }
  });
});

describe("applyRigidMotion and moveMesh", () => {
  const sphere = MeshGeometry.fromData(icosphere(1));

  it("keeps distances (rigid) or multiplies them by the scale (similarity)", () => {
    const motion = randomRigidMotion(7);
    const moved = applyRigidMotion(sphere.positions, motion);
    const scaled = applyRigidMotion(sphere.positions, motion, 2.5);
    expect(moved).not.toEqual(sphere.positions);
    for (const [a, b] of [
      [0, 1],
      [3, 17],
      [5, 40],
    ]) {
      expect(distance(moved, a, b)).toBeCloseTo(distance(sphere.positions, a, b), 12);
      expect(distance(scaled, a, b)).toBeCloseTo(2.5 * distance(sphere.positions, a, b), 12);
    }
  });

  it("applies p ↦ R p + t with R row-major on column vectors", () => {
    // A quarter turn about z (x → y) and a shift by (1, 2, 3).
    const motion = {
      rotation: Float64Array.of(0, -1, 0, 1, 0, 0, 0, 0, 1),
      translation: Float64Array.of(1, 2, 3),
    };
    expect(Array.from(applyRigidMotion(Float64Array.of(1, 0, 0), motion))).toEqual([1, 3, 3]);
  });

  it("moves a mesh without changing its intrinsic geometry", () => {
    const moved = moveMesh(sphere, randomRigidMotion(2));
    expect(moved.mesh.triangles).toEqual(sphere.mesh.triangles);
    for (let e = 0; e < sphere.edgeLengths.length; e++) {
      expect(moved.edgeLengths[e]).toBeCloseTo(sphere.edgeLengths[e], 12);
    }
  });
});
