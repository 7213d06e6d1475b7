/**
 * Interior halfedges grouped by their undirected edge, in time linear in the number of halfedges
 * and vertices whatever the vertex degrees: halfedge `3f + k` runs from `corners[3f + k]` to
 * `corners[3f + (k + 1) % 3]`, and `order[groupStart[g]]` to `order[groupStart[g + 1] − 1]` are the
 * halfedges of group `g`, in increasing halfedge order. Groups come sorted by (lower vertex,
 * higher vertex).
 *
 * Two stable counting-sort passes (by the higher vertex, then by the lower one) replace the
 * per-vertex scans that cost the square of a vertex's degree, and keep the result deterministic.
 */
export interface EdgeGroups {
  /** Halfedges of the included faces, sorted by edge and, within an edge, by number. */
  readonly order: Uint32Array;
  /** Start of each group in `order`, then `order.length`: `groupCount + 1` entries. */
  readonly groupStart: Uint32Array;
  readonly groupCount: number;
}

/**
 * Groups the halfedges of the faces for which `includeFace[f]` is non-zero (all faces when it is
 * omitted); `corners` holds three vertex indices, each below `nVertices`, per face. Faces with a
 * repeated corner are grouped like the others (their halfedge from a vertex to itself forms or
 * joins the group of that "edge"); callers leave such faces out.
 */
export function groupHalfedgesByEdge(
  nVertices: number,
  corners: ArrayLike<number>,
  includeFace?: Uint8Array,
): EdgeGroups {
  const nHalfedges = corners.length - (corners.length % 3);
  const low = new Uint32Array(nHalfedges);
  const high = new Uint32Array(nHalfedges);
  let nIncluded = 0;
  for (let h = 0; h < nHalfedges; h += 3) {
    if (includeFace && !includeFace[h / 3]) continue;
    for (let k = 0; k < 3; k++) {
      const u = corners[h + k];
      const w = corners[h + (k === 2 ? 0 : k + 1)];
      low[h + k] = Math.min(u, w);
      high[h + k] = Math.max(u, w);
    }
    nIncluded += 3;
  }
  const counts = new Uint32Array(nVertices + 1);
  const byHigh = new Uint32Array(nIncluded);
  for (let h = 0; h < nHalfedges; h++) if (!includeFace || includeFace[(h / 3) | 0]) counts[high[h] + 1]++;
  for (let v = 0; v < nVertices; v++) counts[v + 1] += counts[v];
  for (let h = 0; h < nHalfedges; h++)
    if (!includeFace || includeFace[(h / 3) | 0]) byHigh[counts[high[h]]++] = h;
  counts.fill(0);
  for (let i = 0; i < nIncluded; i++) counts[low[byHigh[i]] + 1]++;
  for (let v = 0; v < nVertices; v++) counts[v + 1] += counts[v];
  const order = new Uint32Array(nIncluded);
  for (let i = 0; i < nIncluded; i++) {
    const h = byHigh[i];
    order[counts[low[h]]++] = h;
  }
  // Group boundaries where (low, high) changes.
  let groupCount = 0;
  for (let i = 0; i < nIncluded; i++) {
    if (i === 0 || low[order[i]] !== low[order[i - 1]] || high[order[i]] !== high[order[i - 1]]) groupCount++;
  }
  const groupStart = new Uint32Array(groupCount + 1);
  let g = 0;
  for (let i = 0; i < nIncluded; i++) {
    if (i === 0 || low[order[i]] !== low[order[i - 1]] || high[order[i]] !== high[order[i - 1]]) {
      groupStart[g++] = i;
    }
  }
  groupStart[groupCount] = nIncluded;
  return { order, groupStart, groupCount };
}

/**
 * Calls `onDuplicate(f, original)` for every face `f` of `groups` (built over `corners` with
 * `includeFace`) whose three vertices, in any order, are those of a lower-numbered face
 * `original` (the lowest such face), and clears `includeFace[f]`. Duplicates share every edge
 * and the corner opposite it, so they are found within each edge's group: O(k log k) for a group
 * of k halfedges, and nothing beyond one comparison for an ordinary edge of two faces.
 */
export function findDuplicateFaces(
  groups: EdgeGroups,
  corners: ArrayLike<number>,
  includeFace: Uint8Array,
  onDuplicate: (face: number, original: number) => void,
): void {
  const { order, groupStart, groupCount } = groups;
  const opposite = (h: number) => corners[h - (h % 3) + (((h % 3) + 2) % 3)];
  const mark = (f: number, original: number) => {
    if (!includeFace[f]) return;
    includeFace[f] = 0;
    onDuplicate(f, original);
  };
  const members: number[] = [];
  for (let g = 0; g < groupCount; g++) {
    const begin = groupStart[g];
    const end = groupStart[g + 1];
    if (end - begin < 2) continue;
    if (end - begin === 2) {
      const h0 = order[begin];
      const h1 = order[begin + 1];
      if (opposite(h0) === opposite(h1)) mark((h1 / 3) | 0, (h0 / 3) | 0);
      continue;
    }
    members.length = 0;
    for (let i = begin; i < end; i++) members.push(order[i]);
    members.sort((a, b) => opposite(a) - opposite(b) || a - b);
    let first = 0;
    for (let i = 1; i < members.length; i++) {
      if (opposite(members[i]) === opposite(members[first]))
        mark((members[i] / 3) | 0, (members[first] / 3) | 0);
      else first = i;
    }
  }
}
