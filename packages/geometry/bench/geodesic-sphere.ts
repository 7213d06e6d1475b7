import type { TriangleMeshData } from "../src/index.js";

const PHI = (1 + Math.sqrt(5)) / 2;
const CORNERS = [
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
const FACES = [
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
 * Unit geodesic sphere of frequency `f` (class I): every icosahedron face divided into f² triangles
 * by a triangular grid, vertices pushed onto the sphere; `10f² + 2` vertices. The same construction
 * as `geodesic_sphere` in ../shared/bench/gemconv_ref.py (f = 26 gives its 6,762-vertex sphere),
 * used here because icosphere levels cannot hit the vertex counts the benchmark compares at.
 */
export function geodesicSphere(f: number): TriangleMeshData {
  const nVertices = 10 * f * f + 2;
  const positions = new Float64Array(3 * nVertices);
  let count = 0;
  const add = (x: number, y: number, z: number) => {
    const s = 1 / Math.hypot(x, y, z);
    positions[3 * count] = x * s;
    positions[3 * count + 1] = y * s;
    positions[3 * count + 2] = z * s;
    return count++;
  };
  for (const [x, y, z] of CORNERS) add(x, y, z);
  // Vertices inside each icosahedron edge, created once, stored from the lower corner index up.
  const edgeStart = new Map<number, number>();
  const edgeVertex = (a: number, b: number, steps: number): number => {
    const [lo, hi, s] = a < b ? [a, b, steps] : [b, a, f - steps];
    const key = lo * 12 + hi;
    let start = edgeStart.get(key);
    if (start === undefined) {
      start = count;
      const [p, q] = [CORNERS[lo], CORNERS[hi]];
      for (let t = 1; t < f; t++)
        add(p[0] + ((q[0] - p[0]) * t) / f, p[1] + ((q[1] - p[1]) * t) / f, p[2] + ((q[2] - p[2]) * t) / f);
      edgeStart.set(key, start);
    }
    return start + s - 1;
  };
  const triangles = new Uint32Array(3 * 20 * f * f);
  let t = 0;
  const grid = new Int32Array((f + 1) * (f + 1));
  for (const [a, b, c] of FACES) {
    const [A, B, C] = [CORNERS[a], CORNERS[b], CORNERS[c]];
    // Grid point (i, j) is A + i/f (B − A) + j/f (C − A).
    for (let i = 0; i <= f; i++) {
      for (let j = 0; i + j <= f; j++) {
        let v: number;
        if (i === 0 && j === 0) v = a;
        else if (i === f) v = b;
        else if (j === f) v = c;
        else if (j === 0) v = edgeVertex(a, b, i);
        else if (i === 0) v = edgeVertex(a, c, j);
        else if (i + j === f) v = edgeVertex(b, c, j);
        else {
          const k = f - i - j;
          v = add(
            (k * A[0] + i * B[0] + j * C[0]) / f,
            (k * A[1] + i * B[1] + j * C[1]) / f,
            (k * A[2] + i * B[2] + j * C[2]) / f,
          );
        }
        grid[i * (f + 1) + j] = v;
      }
    }
    for (let i = 0; i < f; i++) {
      for (let j = 0; i + j < f; j++) {
        const v00 = grid[i * (f + 1) + j];
        const v10 = grid[(i + 1) * (f + 1) + j];
        const v01 = grid[i * (f + 1) + j + 1];
        triangles[t++] = v00;
        triangles[t++] = v10;
        triangles[t++] = v01;
        if (i + j < f - 1) {
          triangles[t++] = v10;
          triangles[t++] = grid[(i + 1) * (f + 1) + j + 1];
          triangles[t++] = v01;
        }
      }
    }
  }
  if (count !== nVertices || t !== triangles.length) throw new Error("geodesicSphere: counting error");
  return { positions, triangles };
}
