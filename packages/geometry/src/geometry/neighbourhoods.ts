import type { SurfaceMesh } from "../mesh/surface-mesh.js";
import { GeometryError } from "./errors.js";
import type { MeshGeometry } from "./mesh-geometry.js";
import { MinHeap } from "./min-heap.js";

/**
 * A neighbourhood per vertex in compressed form: the pairs of vertex `p` are `(p, indices[i])` for
 * `i` from `offsets[p]` to `offsets[p + 1] − 1`. When `includesSelf`, `p` itself comes first.
 */
export interface Neighbourhoods {
  /** `nVertices + 1` offsets into `indices`, starting at 0. */
  readonly offsets: Uint32Array;
  readonly indices: Uint32Array;
  readonly includesSelf: boolean;
  /**
   * For geodesic balls only: the edge-path (Dijkstra) distance from `p` to each neighbour, aligned
   * with `indices`.
   */
  readonly distances?: Float64Array;
}

export interface NeighbourhoodOptions {
  /** Whether each vertex is its own first neighbour (a self pair); default false. */
  includeSelf?: boolean;
}

/**
 * The 1-ring of every vertex: its neighbours in counter-clockwise order, starting with the head of
 * `mesh.vertexHalfedge[p]` (so at a boundary vertex from the boundary on its right), after `p`
 * itself when `includeSelf`.
 */
export function oneRing(mesh: SurfaceMesh, options: NeighbourhoodOptions = {}): Neighbourhoods {
  const includeSelf = options.includeSelf ?? false;
  const { nVertices, vertexDegree, vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev } =
    mesh;
  const extra = includeSelf ? 1 : 0;
  const offsets = new Uint32Array(nVertices + 1);
  for (let v = 0; v < nVertices; v++) offsets[v + 1] = offsets[v] + vertexDegree[v] + extra;
  const indices = new Uint32Array(offsets[nVertices]);
  let i = 0;
  for (let v = 0; v < nVertices; v++) {
    if (includeSelf) indices[i++] = v;
    const start = vertexHalfedge[v];
    let h = start;
    do {
      indices[i++] = halfedgeTail[halfedgeNext[h]];
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
  }
  return { offsets, indices, includesSelf: includeSelf };
}

/**
 * The vertices within `k` edges of each vertex, ordered by number of edges: the 1-ring in
 * counter-clockwise order, then each further ring in order of discovery (breadth first, each
 * vertex's neighbours counter-clockwise); `p` itself first when `includeSelf`.
 */
export function kRing(mesh: SurfaceMesh, k: number, options: NeighbourhoodOptions = {}): Neighbourhoods {
  if (!Number.isInteger(k) || k < 1) {
    throw new GeometryError("invalid-argument", `kRing: k must be a positive integer, got ${k}`);
  }
  const includeSelf = options.includeSelf ?? false;
  const ring = oneRing(mesh, { includeSelf: false });
  if (k === 1) return includeSelf ? oneRing(mesh, { includeSelf }) : ring;
  const nVertices = mesh.nVertices;
  const adjacencyOffsets = ring.offsets;
  const adjacency = ring.indices;
  const offsets = new Uint32Array(nVertices + 1);
  // About 3k(k+1) vertices within k edges on a regular mesh: start there and grow when needed.
  let maxDegree = 0;
  for (let v = 0; v < nVertices; v++) maxDegree = Math.max(maxDegree, mesh.vertexDegree[v]);
  // About 3k(k+1) vertices within k edges on a regular mesh: start there and grow when needed.
  let indices = new Uint32Array(Math.max(16, Math.ceil(nVertices * (3 * k * (k + 1) + 1) * 1.1)));
  const reserve = (count: number, room: number) => {
    if (indices.length - count >= room) return;
    const grown = new Uint32Array(Math.max(2 * indices.length, count + room));
    grown.set(indices.subarray(0, count));
    indices = grown;
  };
  const seenBy = new Int32Array(nVertices).fill(-1);
  let count = 0;
  for (let p = 0; p < nVertices; p++) {
    reserve(count, maxDegree + 1);
    const first = count;
    if (includeSelf) indices[count++] = p;
    seenBy[p] = p;
    // Ring 1, then each ring from the previous one; the rings are consecutive runs of `indices`.
    for (let i = adjacencyOffsets[p]; i < adjacencyOffsets[p + 1]; i++) {
      const w = adjacency[i];
      if (seenBy[w] !== p) {
        seenBy[w] = p;
        indices[count++] = w;
      }
    }
    let ringStart = first + (includeSelf ? 1 : 0);
    for (let depth = 2; depth <= k; depth++) {
      const ringEnd = count;
      // A ring can add at most (its size) × (maximum degree) vertices.
      reserve(count, (ringEnd - ringStart) * maxDegree);
      for (let j = ringStart; j < ringEnd; j++) {
        const u = indices[j];
        for (let i = adjacencyOffsets[u]; i < adjacencyOffsets[u + 1]; i++) {
          const w = adjacency[i];
          if (seenBy[w] !== p) {
            seenBy[w] = p;
            indices[count++] = w;
          }
        }
      }
      if (count === ringEnd) break;
      ringStart = ringEnd;
    }
    offsets[p + 1] = count;
  }
  return { offsets, indices: indices.slice(0, count), includesSelf: includeSelf };
}

/**
 * The vertices whose shortest path along mesh edges from each vertex is at most `radius` long
 * (Dijkstra over `geometry.edgeLengths`), in order of increasing distance, `p` itself first when
 * `includeSelf`; the distances come back in `distances`.
 */
export function geodesicBall(
  geometry: MeshGeometry,
  radius: number,
  options: NeighbourhoodOptions = {},
): Neighbourhoods {
  if (!(radius >= 0) || !Number.isFinite(radius)) {
    throw new GeometryError(
      "invalid-argument",
      `geodesicBall: radius must be a finite number ≥ 0, got ${radius}`,
    );
  }
  const includeSelf = options.includeSelf ?? false;
  const mesh = geometry.mesh;
  const nVertices = mesh.nVertices;
  const { vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev, halfedgeEdge } = mesh;
  const edgeLengths = geometry.edgeLengths;
  const offsets = new Uint32Array(nVertices + 1);
  let indices = new Uint32Array(Math.max(16, 8 * nVertices));
  let distances = new Float64Array(indices.length);
  const distance = new Float64Array(nVertices);
  const reachedBy = new Int32Array(nVertices).fill(-1);
  const settledBy = new Int32Array(nVertices).fill(-1);
  const heap = new MinHeap();
  let count = 0;
  for (let p = 0; p < nVertices; p++) {
    reachedBy[p] = p;
    distance[p] = 0;
    heap.push(0, p);
    while (heap.size > 0) {
      const d = heap.topKey();
      const u = heap.pop();
      if (settledBy[u] === p || d > distance[u]) continue;
      settledBy[u] = p;
      if (u !== p || includeSelf) {
        if (count === indices.length) {
          const grown = new Uint32Array(2 * count);
          grown.set(indices);
          indices = grown;
          const grownDistances = new Float64Array(2 * count);
          grownDistances.set(distances);
          distances = grownDistances;
        }
        indices[count] = u;
        distances[count] = d;
        count++;
      }
      const start = vertexHalfedge[u];
      let h = start;
      do {
        const w = halfedgeTail[halfedgeNext[h]];
        const dw = d + edgeLengths[halfedgeEdge[h]];
        if (dw <= radius && settledBy[w] !== p && (reachedBy[w] !== p || dw < distance[w])) {
          reachedBy[w] = p;
          distance[w] = dw;
          heap.push(dw, w);
        }
        h = halfedgeTwin[halfedgePrev[h]];
      } while (h !== start);
    }
    offsets[p + 1] = count;
  }
  return {
    offsets,
    indices: indices.slice(0, count),
    includesSelf: includeSelf,
    distances: distances.slice(0, count),
  };
}

/** The centre `p` of every pair, aligned with `neighbourhoods.indices`. */
export function neighbourhoodCentres(neighbourhoods: Neighbourhoods): Uint32Array {
  const { offsets } = neighbourhoods;
  const centres = new Uint32Array(neighbourhoods.indices.length);
  for (let p = 0; p + 1 < offsets.length; p++) centres.fill(p, offsets[p], offsets[p + 1]);
  return centres;
}

/**
 * Throws a `GeometryError` naming `caller` unless `neighbourhoods` is well formed for a mesh of
 * `nVertices` vertices: `nVertices + 1` non-decreasing offsets from 0 to the number of indices,
 * and indices that are vertices.
 */
export function checkNeighbourhoods(neighbourhoods: Neighbourhoods, nVertices: number, caller: string): void {
  const { offsets, indices } = neighbourhoods;
  const fail = (problem: string) => {
    throw new GeometryError("invalid-argument", `${caller}: neighbourhoods ${problem}`);
  };
  if (!(offsets instanceof Uint32Array) || !(indices instanceof Uint32Array)) {
    fail("must hold Uint32Array offsets and indices");
  }
  if (offsets.length !== nVertices + 1) {
    fail(
      `have ${offsets.length} offsets, but the mesh has ${nVertices} vertices (expected ${nVertices + 1})`,
    );
  }
  if (offsets[0] !== 0 || offsets[nVertices] !== indices.length) {
    fail(
      `offsets must run from 0 to the number of indices (${indices.length}), not ${offsets[0]} to ${offsets[nVertices]}`,
    );
  }
  for (let p = 0; p < nVertices; p++) {
    if (offsets[p + 1] < offsets[p]) fail(`offsets decrease at vertex ${p}`);
  }
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= nVertices)
      fail(`index ${i} is vertex ${indices[i]}, but the mesh has ${nVertices} vertices`);
  }
}
