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
  const nFaces = Math.floor(corners.length / 3);
  let nIncluded = 0;
  for (let f = 0; f < nFaces; f++) if (!includeFace || includeFace[f]) nIncluded += 3;
  // The included halfedges in a list, with their end vertices, so that faces left out cost
  // nothing in the sorting passes below.
  const halfedge = new Uint32Array(nIncluded);
  const low = new Uint32Array(nIncluded);
  const high = new Uint32Array(nIncluded);
  let i = 0;
  for (let f = 0; f < nFaces; f++) {
    if (includeFace && !includeFace[f]) continue;
    const a = corners[3 * f];
    const b = corners[3 * f + 1];
    const c = corners[3 * f + 2];
    halfedge[i] = 3 * f;
    low[i] = Math.min(a, b);
    high[i++] = Math.max(a, b);
    halfedge[i] = 3 * f + 1;
    low[i] = Math.min(b, c);
    high[i++] = Math.max(b, c);
    halfedge[i] = 3 * f + 2;
    low[i] = Math.min(c, a);
    high[i++] = Math.max(c, a);
  }
  const counts = new Uint32Array(nVertices + 1);
  const byHigh = new Uint32Array(nIncluded);
  for (let j = 0; j < nIncluded; j++) counts[high[j] + 1]++;
  for (let v = 0; v < nVertices; v++) counts[v + 1] += counts[v];
  for (let j = 0; j < nIncluded; j++) byHigh[counts[high[j]]++] = j;
  counts.fill(0);
  for (let j = 0; j < nIncluded; j++) counts[low[j] + 1]++;
  for (let v = 0; v < nVertices; v++) counts[v + 1] += counts[v];
  const sorted = new Uint32Array(nIncluded);
  for (let k = 0; k < nIncluded; k++) {
    const j = byHigh[k];
    sorted[counts[low[j]]++] = j;
  }
  // Group boundaries where (low, high) changes.
  const isStart = (k: number) =>
    k === 0 || low[sorted[k]] !== low[sorted[k - 1]] || high[sorted[k]] !== high[sorted[k - 1]];
  let groupCount = 0;
  for (let k = 0; k < nIncluded; k++) if (isStart(k)) groupCount++;
  const groupStart = new Uint32Array(groupCount + 1);
  const order = new Uint32Array(nIncluded);
  let g = 0;
  for (let k = 0; k < nIncluded; k++) {
    if (isStart(k)) groupStart[g++] = k;
    order[k] = halfedge[sorted[k]];
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
  // Large groups are sorted as typed keys (opposite corner, then halfedge), which needs no
  // comparator, while the key stays an exact integer.
  const keyScale = corners.length;
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
    let members: ArrayLike<number>;
    let largest = 0;
    for (let i = begin; i < end; i++) largest = Math.max(largest, opposite(order[i]));
    if (Number.isSafeInteger((largest + 1) * keyScale)) {
      const keys = new Float64Array(end - begin);
      for (let i = begin; i < end; i++) keys[i - begin] = opposite(order[i]) * keyScale + order[i];
      keys.sort();
      for (let i = 0; i < keys.length; i++) keys[i] %= keyScale;
      members = keys;
    } else {
      members = Array.from(order.subarray(begin, end)).sort((a, b) => opposite(a) - opposite(b) || a - b);
    }
    let first = 0;
    for (let i = 1; i < members.length; i++) {
      if (opposite(members[i]) === opposite(members[first]))
        mark((members[i] / 3) | 0, (members[first] / 3) | 0);
      else first = i;
    }
  }
}
