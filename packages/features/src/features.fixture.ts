// Meshes for the tests of this package (not exported from it).
import { icosphere, mulberry32, type TriangleMeshData } from "@gemcnn/geometry";

/**
 * An irregular, asymmetric closed surface: an icosphere (162 vertices at level 2) with every
 * vertex moved by a random step of up to a fifth of an edge and pushed out by two bumps.
 */
export function lumpyMesh(seed: number, level = 2): TriangleMeshData {
  const random = mulberry32(seed);
  const { positions, triangles } = icosphere(level);
  const step = 0.1 / 2 ** (level - 2);
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const p = [0, 1, 2].map((d) => positions[i + d] + step * (random() - 0.5));
    const norm = Math.hypot(p[0], p[1], p[2]);
    const [x, y, z] = p.map((c) => c / norm);
    const r = 1 + 0.4 * Math.exp(-(1 - x) / 0.1) + 0.25 * Math.exp(-(1 - (0.6 * y + 0.8 * z)) / 0.15);
    out.set([r * x, r * y, r * z], i);
  }
  return { positions: out, triangles };
}

/**
 * One smooth star-shaped surface without symmetry, `r(d) = 1 + three bumps`, triangulated by any
 * mesh of the unit sphere: each vertex `d` moves to `r(d) d`. Two different triangulations of the
 * sphere give two meshes of the same surface, a "remeshed copy", whose vertex `d` matches the point
 * of direction `d` on the other.
 */
export function starShaped(sphere: TriangleMeshData): TriangleMeshData {
  const { positions } = sphere;
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const norm = Math.hypot(positions[i], positions[i + 1], positions[i + 2]);
    const [a, b, c] = [positions[i] / norm, positions[i + 1] / norm, positions[i + 2] / norm];
    const r =
      1 +
      0.5 * Math.exp(-(1 - a) / 0.08) +
      0.3 * Math.exp(-(1 - (0.6 * b + 0.8 * c)) / 0.15) +
      0.2 * Math.exp(-(1 + 0.8 * a - 0.6 * c) / 0.2);
    out.set([r * a, r * b, r * c], i);
  }
  return { positions: out, triangles: sphere.triangles };
}

/**
 * Per-vertex values `values` (row-major, `columns` per vertex) of a mesh of the unit sphere
 * (`sphere`, directions of its vertices), linearly interpolated at direction `d`: in the face
 * whose central projection contains `d` (barycentric coordinates of `d` in the cone of the face).
 */
export function interpolateOnSphere(
  sphere: TriangleMeshData,
  values: Float64Array,
  columns: number,
  d: readonly number[],
): number[] {
  const { positions: p, triangles } = sphere;
  const det = (u: number[], v: number[], w: number[]) =>
    u[0] * (v[1] * w[2] - v[2] * w[1]) -
    u[1] * (v[0] * w[2] - v[2] * w[0]) +
    u[2] * (v[0] * w[1] - v[1] * w[0]);
  const corner = (v: number) => [p[3 * v], p[3 * v + 1], p[3 * v + 2]];
  let best: number[] = [];
  let bestWeight = Number.NEGATIVE_INFINITY;
  for (let f = 0; f < triangles.length / 3; f++) {
    const [a, b, c] = [triangles[3 * f], triangles[3 * f + 1], triangles[3 * f + 2]];
    const [A, B, C] = [corner(a), corner(b), corner(c)];
    if (A[0] * d[0] + A[1] * d[1] + A[2] * d[2] < 0.5) continue;
    const D = det(A, B, C);
    const raw = [det([...d], B, C) / D, det(A, [...d], C) / D, det(A, B, [...d]) / D];
    const sum = raw[0] + raw[1] + raw[2];
    const w = raw.map((x) => x / sum);
    const smallest = Math.min(...w);
    // The containing face has all weights ≥ 0; the largest smallest weight finds it.
    if (smallest > bestWeight) {
      bestWeight = smallest;
      best = Array.from(
        { length: columns },
        (_, t) =>
          w[0] * values[a * columns + t] + w[1] * values[b * columns + t] + w[2] * values[c * columns + t],
      );
    }
  }
  return best;
}
