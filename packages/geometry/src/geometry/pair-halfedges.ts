import type { SurfaceMesh } from "../mesh/surface-mesh.js";
import { GeometryError } from "./errors.js";
import type { Neighbourhoods } from "./neighbourhoods.js";

/**
 * The halfedge from `p` to `q` of every pair `(p, q)` of `neighbourhoods`, aligned with its
 * indices; −1 for a self pair. Throws a `GeometryError` (kind `"not-an-edge"`) naming `caller` and
 * the first pair whose vertices are not joined by an edge.
 */
export function pairHalfedges(mesh: SurfaceMesh, neighbourhoods: Neighbourhoods, caller: string): Int32Array {
  const { nVertices, vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev } = mesh;
  const { offsets, indices } = neighbourhoods;
  const result = new Int32Array(indices.length);
  // For the slow path, allocated on first use: markedBy[w] === p means halfedgeTo[w] is p → w.
  let markedBy: Int32Array | undefined;
  let halfedgeTo: Int32Array | undefined;
  for (let p = 0; p < nVertices; p++) {
    const begin = offsets[p];
    const end = offsets[p + 1];
    if (begin === end) continue;
    // Fast path: the 1-ring in its own counter-clockwise order (what `oneRing` and `kRing` give),
    // after an optional self pair, matched while walking around p.
    let i = begin;
    if (indices[i] === p) result[i++] = -1;
    const start = vertexHalfedge[p];
    let h = start;
    do {
      if (i === end || indices[i] !== halfedgeTail[halfedgeNext[h]]) break;
      result[i++] = h;
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
    if (i === end) continue;
    // Slow path for any other order or subset.
    if (!markedBy || !halfedgeTo) {
      markedBy = new Int32Array(nVertices).fill(-1);
      halfedgeTo = new Int32Array(nVertices);
    }
    h = start;
    do {
      const w = halfedgeTail[halfedgeNext[h]];
      markedBy[w] = p;
      halfedgeTo[w] = h;
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
    for (; i < end; i++) {
      const q = indices[i];
      if (q === p) {
        result[i] = -1;
      } else if (markedBy[q] === p) {
        result[i] = halfedgeTo[q];
      } else {
        throw new GeometryError(
          "not-an-edge",
          `${caller}: pair (${p}, ${q}) (index ${i} of the neighbourhoods) is not a mesh edge; this method works on 1-ring neighbourhoods only`,
        );
      }
    }
  }
  return result;
}
