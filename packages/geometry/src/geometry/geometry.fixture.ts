// Small meshes for the tests of this folder (not exported from the package).
import { bunny } from "../generate/bunny.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";
import { TWO_PI, wrapAngle } from "./angles.js";
import { MeshGeometry } from "./mesh-geometry.js";
import type { Neighbourhoods } from "./neighbourhoods.js";

/**
 * A flat `nx × ny`-vertex grid in the plane z = 0 (triangles counter-clockwise seen from +z),
 * each vertex moved in the plane by up to `jitter` of the spacing.
 */
export function flatGrid(nx: number, ny: number, jitter = 0, seed = 1): MeshGeometry {
  const random = mulberry32(seed);
  const positions = new Float64Array(3 * nx * ny);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = j * nx + i;
      positions[3 * v] = i + jitter * (2 * random() - 1);
      positions[3 * v + 1] = j + jitter * (2 * random() - 1);
    }
  }
  const triangles: number[] = [];
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const a = j * nx + i;
      // Alternate the diagonal so that vertices have different degrees.
      if ((i + j) % 2 === 0) triangles.push(a, a + 1, a + nx + 1, a, a + nx + 1, a + nx);
      else triangles.push(a, a + 1, a + nx, a + 1, a + nx + 1, a + nx);
    }
  }
  return MeshGeometry.fromData({ positions, triangles: Uint32Array.from(triangles) });
}

/** The icosphere of `level` with each vertex moved radially by a random factor in [1 − a, 1 + a]. */
export function bumpyIcosphere(level: number, amplitude: number, seed = 2): MeshGeometry {
  const { positions, triangles } = icosphere(level);
  const random = mulberry32(seed);
  const moved = positions.slice();
  for (let v = 0; v < moved.length; v += 3) {
    const s = 1 + amplitude * (2 * random() - 1);
    moved[v] *= s;
    moved[v + 1] *= s;
    moved[v + 2] *= s;
  }
  return MeshGeometry.fromData({ positions: moved, triangles });
}

/**
 * A cone: apex 0 at height `height` over a ring of `n` vertices at random radii and angles in the
 * plane z = 0, which form the boundary. The apex is the only interior vertex.
 */
export function coneFan(n: number, height: number, seed = 3): MeshGeometry {
  const random = mulberry32(seed);
  const positions = new Float64Array(3 * (n + 1));
  positions[2] = height;
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * (i + 0.2 + 0.6 * random())) / n;
    const radius = 0.5 + random();
    positions[3 * (i + 1)] = radius * Math.cos(angle);
    positions[3 * (i + 1) + 1] = radius * Math.sin(angle);
  }
  const triangles: number[] = [];
  for (let i = 0; i < n; i++) triangles.push(0, 1 + i, 1 + ((i + 1) % n));
  return MeshGeometry.fromData({ positions, triangles: Uint32Array.from(triangles) });
}

/**
 * The meshes most tests run on: closed (genus 0 and 1, smooth, rough and scanned), flat with
 * boundary, and a cone. Built once; do not modify.
 */
export function testMeshes(): { name: string; geometry: MeshGeometry }[] {
  cached ??= [
    { name: "icosphere level 2", geometry: MeshGeometry.fromData(icosphere(2)) },
    { name: "bumpy icosphere level 3", geometry: bumpyIcosphere(3, 0.1) },
    { name: "torus", geometry: MeshGeometry.fromData(torus({ majorSegments: 14, minorSegments: 9 })) },
    { name: "bunny", geometry: MeshGeometry.fromData(bunny(), { source: "bunny" }) },
    { name: "jittered flat grid", geometry: flatGrid(9, 7, 0.25) },
    { name: "cone fan", geometry: coneFan(7, 0.8) },
  ];
  return cached;
}
let cached: { name: string; geometry: MeshGeometry }[] | undefined;

export function toData(geometry: MeshGeometry): TriangleMeshData {
  return { positions: geometry.positions, triangles: geometry.mesh.triangles };
}

/** Looks up the position of pair (p, q) in `neighbourhoods`. */
export function pairLookup(neighbourhoods: Neighbourhoods): (p: number, q: number) => number {
  const nVertices = neighbourhoods.offsets.length - 1;
  const index = new Map<number, number>();
  for (let p = 0; p < nVertices; p++) {
    for (let i = neighbourhoods.offsets[p]; i < neighbourhoods.offsets[p + 1]; i++) {
      index.set(p * nVertices + neighbourhoods.indices[i], i);
    }
  }
  return (p, q) => {
    const i = index.get(p * nVertices + q);
    if (i === undefined) throw new Error(`no pair (${p}, ${q})`);
    return i;
  };
}

/**
 * Rotation angle of a vector carried around the closed vertex loop `loop[0] → loop[1] → … →
 * loop[0]` by the transport `g` (a vector arriving at p from q gains g(q→p)).
 */
export function holonomy(g: Float64Array, pair: (p: number, q: number) => number, loop: number[]): number {
  let angle = 0;
  for (let i = 0; i < loop.length; i++) angle += g[pair(loop[(i + 1) % loop.length], loop[i])];
  return wrapAngle(angle);
}

/**
 * The share of vertex v's rescaling in a corner of angle α at v: (2π/Σ_v − 1)·α at an interior
 * vertex, 0 at a boundary vertex (whose angles are not rescaled).
 */
export function rescalingShare(geometry: MeshGeometry, h: number): number {
  const v = geometry.mesh.tail(h);
  if (geometry.mesh.vertexOnBoundary[v]) return 0;
  return (TWO_PI / geometry.vertexAngleSums[v] - 1) * geometry.cornerAngles[h];
}
