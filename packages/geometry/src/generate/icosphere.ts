import type { TriangleMeshData } from "../mesh/mesh-data.js";

export type { TriangleMeshData } from "../mesh/mesh-data.js";

const PHI = (1 + Math.sqrt(5)) / 2;
const ICOSAHEDRON_VERTICES = [
  [-1, PHI, 0],
  [1, PHI, 0],
  [-1, -PHI, 0],
  [1, -PHI, 0],
  [0, -1, PHI],
  [0, 1, PHI],
  [0, -1, -PHI],
  [0, 1, -PHI],
  [PHI, 0, -1],
  [PHI, 0, 1],
  [-PHI, 0, -1],
  [-PHI, 0, 1],
];
const ICOSAHEDRON_FACES = [
  [0, 11, 5],
  [0, 5, 1],
  [0, 1, 7],
  [0, 7, 10],
  [0, 10, 11],
  [1, 5, 9],
  [5, 11, 4],
  [11, 10, 2],
  [10, 7, 6],
  [7, 1, 8],
  [3, 9, 4],
  [3, 4, 2],
  [3, 2, 6],
  [3, 6, 8],
  [3, 8, 9],
  [4, 9, 5],
  [2, 4, 11],
  [6, 2, 10],
  [8, 6, 7],
  [9, 8, 1],
];

/**
 * Unit icosphere: the icosahedron with every triangle split into four `level` times, new
 * vertices pushed onto the sphere. `10·4^level + 2` vertices, `20·4^level` faces, outward
 * counter-clockwise orientation.
 */
export function icosphere(level = 2, radius = 1): TriangleMeshData {
  if (!Number.isInteger(level) || level < 0 || level > 10) {
    throw new RangeError(`icosphere level must be an integer from 0 to 10, got ${level}`);
  }
  const nVertices = 10 * 4 ** level + 2;
  const positions = new Float64Array(3 * nVertices);
  let nv = 0;
  const push = (x: number, y: number, z: number) => {
    const s = radius / Math.hypot(x, y, z);
    positions[3 * nv] = x * s;
    positions[3 * nv + 1] = y * s;
    positions[3 * nv + 2] = z * s;
    return nv++;
  };
  for (const [x, y, z] of ICOSAHEDRON_VERTICES) push(x, y, z);
  let faces = Uint32Array.from(ICOSAHEDRON_FACES.flat());
  for (let l = 0; l < level; l++) {
    const midpoint = new Map<number, number>();
    const mid = (a: number, b: number) => {
      const key = a < b ? a * nVertices + b : b * nVertices + a;
      let m = midpoint.get(key);
      if (m === undefined) {
        m = push(
          positions[3 * a] + positions[3 * b],
          positions[3 * a + 1] + positions[3 * b + 1],
          positions[3 * a + 2] + positions[3 * b + 2],
        );
        midpoint.set(key, m);
      }
      return m;
    };
    const next = new Uint32Array(faces.length * 4);
    for (let f = 0; f < faces.length / 3; f++) {
      const a = faces[3 * f];
      const b = faces[3 * f + 1];
      const c = faces[3 * f + 2];
      const ab = mid(a, b);
      const bc = mid(b, c);
      const ca = mid(c, a);
      next.set([a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca], 12 * f);
    }
    faces = next;
  }
  return { positions, triangles: faces };
}
