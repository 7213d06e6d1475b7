import { icosphere, type TriangleMeshData } from "@gemcnn/geometry";

/**
 * Unit geodesic sphere of frequency `frequency`: every icosahedron face cut into `frequency²`
 * triangles on a barycentric grid, points pushed onto the sphere. `10·frequency² + 2` vertices,
 * counter-clockwise outward faces. Frequency 26 gives the 6,762-vertex sphere of the PyTorch peer
 * benchmark (`../shared/bench/gemconv_ref.py --freq 26`), in a different vertex order.
 */
export function geodesicSphere(frequency: number): TriangleMeshData {
  if (!Number.isInteger(frequency) || frequency < 1 || frequency > 200) {
    throw new RangeError(`geodesicSphere frequency must be an integer from 1 to 200, got ${frequency}`);
  }
  const base = icosphere(0);
  const nCorners = base.positions.length / 3;
  const nVertices = 10 * frequency * frequency + 2;
  const positions = new Float64Array(3 * nVertices);
  positions.set(base.positions);
  let nv = nCorners;
  // Points on an icosahedron edge are shared by its two faces: key them by the edge and the
  // integer weight of its lower-numbered corner, so that both faces find the same vertex.
  const edgePoints = new Map<number, number>();
  const point = (corners: number[], weights: number[]): number => {
    const nonZero = [0, 1, 2].filter((c) => weights[c] !== 0);
    if (nonZero.length === 1) return corners[nonZero[0]];
    if (nonZero.length === 2) {
      const [u, v] = corners[nonZero[0]] < corners[nonZero[1]] ? nonZero : [nonZero[1], nonZero[0]];
      const key = (corners[u] * nCorners + corners[v]) * (frequency + 1) + weights[u];
      const found = edgePoints.get(key);
      if (found !== undefined) return found;
      edgePoints.set(key, nv);
    }
    let x = 0;
    let y = 0;
    let z = 0;
    for (let c = 0; c < 3; c++) {
      x += weights[c] * base.positions[3 * corners[c]];
      y += weights[c] * base.positions[3 * corners[c] + 1];
      z += weights[c] * base.positions[3 * corners[c] + 2];
    }
    const s = 1 / Math.hypot(x, y, z);
    positions.set([x * s, y * s, z * s], 3 * nv);
    return nv++;
  };
  const triangles = new Uint32Array(3 * 20 * frequency * frequency);
  let nt = 0;
  const grid = new Int32Array((frequency + 1) * (frequency + 1));
  for (let f = 0; f < 20; f++) {
    const corners = Array.from(base.triangles.subarray(3 * f, 3 * f + 3));
    // grid[i][j] weighs the first corner by i, the second by j, the third by frequency − i − j.
    for (let i = 0; i <= frequency; i++) {
      for (let j = 0; j <= frequency - i; j++) {
        grid[i * (frequency + 1) + j] = point(corners, [i, j, frequency - i - j]);
      }
    }
    const at = (i: number, j: number) => grid[i * (frequency + 1) + j];
    for (let i = 0; i < frequency; i++) {
      for (let j = 0; j < frequency - i; j++) {
        triangles.set([at(i, j), at(i + 1, j), at(i, j + 1)], 3 * nt++);
        if (i + j < frequency - 1) triangles.set([at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)], 3 * nt++);
      }
    }
  }
  return { positions, triangles };
}
