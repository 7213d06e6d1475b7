import { rotationFromQuaternion, type TriangleMeshData } from "@gemcnn/geometry";
import { Matrix3, Vector3 } from "three";
import { ConvexHull } from "three/examples/jsm/math/ConvexHull.js";

/** Uniform numbers in [0, 1) from a seeded generator. */
export type Random = () => number;

/**
 * A random triangulation of the unit sphere with `count` vertices: a Fibonacci lattice, rotated
 * at random, each point moved along the sphere by up to `jitter` times the lattice spacing, then
 * triangulated as the convex hull (which, for points on a sphere, is their spherical Delaunay
 * triangulation). Different counts and jitters give genuinely different meshes of one surface.
 * three.js's `ConvexHull` builds the hull, so no hull code is written here.
 */
export function randomSphereTriangulation(count: number, jitter: number, random: Random): TriangleMeshData {
  if (!Number.isInteger(count) || count < 12)
    throw new RangeError(`a sphere needs at least 12 vertices, got ${count}`);
  const rotation = randomRotation(random);
  const spacing = Math.sqrt((4 * Math.PI) / count);
  const golden = Math.PI * (3 - Math.sqrt(5));
  const points: Vector3[] = [];
  for (let i = 0; i < count; i++) {
    const z = 1 - (2 * (i + 0.5)) / count;
    const rho = Math.sqrt(1 - z * z);
    const p = new Vector3(rho * Math.cos(golden * i), rho * Math.sin(golden * i), z);
    // A random tangent step, then back onto the sphere.
    const step = new Vector3(gaussian(random), gaussian(random), gaussian(random));
    step.addScaledVector(p, -step.dot(p));
    if (step.lengthSq() > 0) step.setLength(jitter * spacing * random());
    p.add(step).normalize().applyMatrix3(rotation);
    points.push(p);
  }
  const hull = new ConvexHull().setFromPoints(points);
  const index = new Map<Vector3, number>(points.map((p, i) => [p, i]));
  const triangles: number[] = [];
  for (const face of hull.faces) {
    const corners: number[] = [];
    let edge = face.edge;
    do {
      corners.push(index.get(edge.head().point)!);
      edge = edge.next;
    } while (edge !== face.edge);
    // Hull faces can come out as polygons when points are coplanar; fan-triangulate them.
    for (let k = 1; k + 1 < corners.length; k++) triangles.push(corners[0], corners[k], corners[k + 1]);
  }
  const used = new Set(triangles);
  if (used.size !== count) {
    throw new Error(`sphere triangulation lost ${count - used.size} of ${count} points (degenerate lattice)`);
  }
  const positions = new Float64Array(3 * count);
  for (const [i, p] of points.entries()) positions.set([p.x, p.y, p.z], 3 * i);
  return { positions, triangles: Uint32Array.from(triangles) };
}

/**
 * Moves every vertex of a unit-sphere mesh `u` to `radius(u) · u`: the star-shaped surface with
 * that radial function, keeping the triangulation.
 */
export function radialSurface(
  sphere: TriangleMeshData,
  radius: (x: number, y: number, z: number) => number,
): TriangleMeshData {
  const positions = new Float64Array(sphere.positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const [x, y, z] = [sphere.positions[i], sphere.positions[i + 1], sphere.positions[i + 2]];
    const r = radius(x, y, z);
    positions[i] = r * x;
    positions[i + 1] = r * y;
    positions[i + 2] = r * z;
  }
  return { positions, triangles: sphere.triangles };
}

/**
 * A randomly triangulated torus with major radius `major` and minor radius `minor` (about the
 * z axis): an `nu × nv` grid of the (u, v) square, each point jittered by up to `jitter` cells,
 * each quad split along a random diagonal. Outward, counter-clockwise faces.
 */
export function randomTorus(
  major: number,
  minor: number,
  nu: number,
  nv: number,
  jitter: number,
  random: Random,
): TriangleMeshData {
  if (!(major > minor && minor > 0))
    throw new RangeError(`a torus needs major > minor > 0, got ${major}, ${minor}`);
  if (nu < 3 || nv < 3) throw new RangeError(`a torus needs at least 3×3 cells, got ${nu}×${nv}`);
  const positions = new Float64Array(3 * nu * nv);
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < nv; j++) {
      const u = ((i + jitter * (random() - 0.5)) / nu) * 2 * Math.PI;
      const v = ((j + jitter * (random() - 0.5)) / nv) * 2 * Math.PI;
      const ring = major + minor * Math.cos(v);
      positions.set([ring * Math.cos(u), ring * Math.sin(u), minor * Math.sin(v)], 3 * (i * nv + j));
    }
  }
  const id = (i: number, j: number) => (i % nu) * nv + (j % nv);
  const triangles: number[] = [];
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < nv; j++) {
      const [a, b, c, d] = [id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)];
      // (u, v) increasing is counter-clockwise seen from outside for this parametrisation.
      if (random() < 0.5) triangles.push(a, b, c, a, c, d);
      else triangles.push(a, b, d, b, c, d);
    }
  }
  return { positions, triangles: Uint32Array.from(triangles) };
}

/** A uniformly random rotation (from a random unit quaternion) as a three.js matrix. */
export function randomRotation(random: Random): Matrix3 {
  const [w, x, y, z] = [gaussian(random), gaussian(random), gaussian(random), gaussian(random)];
  const r = rotationFromQuaternion(w, x, y, z);
  return new Matrix3().set(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
}

/** A standard normal sample (Box-Muller). */
export function gaussian(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
