// Small meshes for the tests of this folder (not exported from the package).
import { icosphere, type TriangleMeshData } from "../generate/icosphere.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { seededRandom } from "./random.js";

/**
 * A flat `nx × ny`-vertex grid in the plane z = 0 (triangles counter-clockwise seen from +z),
 * each vertex moved in the plane by up to `jitter` of the spacing.
 */
export function flatGrid(nx: number, ny: number, jitter = 0, seed = 1): MeshGeometry {
  const random = seededRandom(seed);
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
  const random = seededRandom(seed);
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
  const random = seededRandom(seed);
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

/** The meshes most tests run on: closed, bumpy, with boundary, flat and a cone. */
export function testMeshes(): { name: string; geometry: MeshGeometry }[] {
  return [
    { name: "icosphere level 2", geometry: MeshGeometry.fromData(icosphere(2)) },
    { name: "bumpy icosphere level 3", geometry: bumpyIcosphere(3, 0.1) },
    { name: "jittered flat grid", geometry: flatGrid(9, 7, 0.25) },
    { name: "cone fan", geometry: coneFan(7, 0.8) },
  ];
}

export function toData(geometry: MeshGeometry): TriangleMeshData {
  return { positions: geometry.positions, triangles: geometry.mesh.triangles };
}
