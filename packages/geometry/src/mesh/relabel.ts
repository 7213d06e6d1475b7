import { mulberry32 } from "../random.js";
import type { TriangleMeshData } from "./mesh-data.js";

/** A mesh with its vertices and faces renumbered, and how (`relabelMesh`). */
export interface RelabelledMesh {
  readonly data: TriangleMeshData;
  /** `vertexOrder[k]` is the input vertex that became vertex `k`. */
  readonly vertexOrder: Uint32Array;
  /** `faceOrder[k]` is the input face that became face `k`. */
  readonly faceOrder: Uint32Array;
}

/** A seeded uniform permutation of 0 … n − 1 (Fisher-Yates). */
function permutation(n: number, random: () => number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * The same surface written in another order, as another file might list it: the vertices and the
 * faces in seeded uniformly random orders, and each face's corners rotated by a random step (its
 * orientation unchanged). Positions are copied exactly. For checking that results do not depend
 * on the numbering: a per-vertex result `y` of the input corresponds to `y[vertexOrder[k]]` at
 * vertex `k` of the output.
 */
export function relabelMesh(data: TriangleMeshData, seed: number): RelabelledMesh {
  const nVertices = data.positions.length / 3;
  const nFaces = data.triangles.length / 3;
  if (!Number.isInteger(nVertices) || !Number.isInteger(nFaces)) {
    throw new RangeError(
      `relabelMesh: positions and triangles must hold whole triples, got lengths ${data.positions.length} and ${data.triangles.length}`,
    );
  }
  const random = mulberry32(seed);
  const vertexOrder = permutation(nVertices, random);
  const faceOrder = permutation(nFaces, random);
  const newIndex = new Uint32Array(nVertices);
  vertexOrder.forEach((old, k) => {
    newIndex[old] = k;
  });
  const positions = new Float64Array(3 * nVertices);
  vertexOrder.forEach((old, k) => {
    positions.set(data.positions.subarray(3 * old, 3 * old + 3), 3 * k);
  });
  const triangles = new Uint32Array(3 * nFaces);
  faceOrder.forEach((old, k) => {
    const shift = Math.floor(random() * 3);
    for (let c = 0; c < 3; c++) {
      const corner = data.triangles[3 * old + ((c + shift) % 3)];
      if (!(corner < nVertices)) {
        throw new RangeError(
          `relabelMesh: face ${old} names vertex ${corner}, beyond the ${nVertices} vertices`,
        );
      }
      triangles[3 * k + c] = newIndex[corner];
    }
  });
  return { data: { positions, triangles }, vertexOrder, faceOrder };
}
