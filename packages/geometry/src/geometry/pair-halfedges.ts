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
  // For the current p: markedBy[w] === p means halfedgeTo[w] is the halfedge p → w.
  const markedBy = new Int32Array(nVertices).fill(-1);
  const halfedgeTo = new Int32Array(nVertices);
  for (let p = 0; p < nVertices; p++) {
    const begin = offsets[p];
    const end = offsets[p + 1];
    if (begin === end) continue;
    const start = vertexHalfedge[p];
    let h = start;
    do {
      const w = halfedgeTail[halfedgeNext[h]];
      markedBy[w] = p;
      halfedgeTo[w] = h;
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
    for (let i = begin; i < end; i++) {
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
