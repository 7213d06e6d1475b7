/**
 * Interior halfedges grouped by their undirected edge, in time linear in the number of halfedges
 * and vertices whatever the vertex degrees: halfedge `3f + k` runs from `corners[3f + k]` to
 * `corners[3f + (k + 1) % 3]`, and `order[groupStart[g]]` to `order[groupStart[g + 1] − 1]` are the
 * halfedges of group `g`, in increasing halfedge order. Groups come sorted by (lower vertex,
 * higher vertex).
 *
 * A counting sort by the lower vertex and a sort of each vertex's halfedges by the higher one
 * (insertion sort up to 32 halfedges, a counting sort beyond) replace the per-vertex scans that
 * cost the square of a vertex's degree; ties keep halfedge order, so the result is deterministic.
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
  // nothing below; when every face is included, list position and halfedge are the same.
  const everyFace = nIncluded === 3 * nFaces;
  const halfedge = everyFace ? undefined : new Uint32Array(nIncluded);
  const low = new Uint32Array(nIncluded);
  const high = new Uint32Array(nIncluded);
  let i = 0;
  for (let f = 0; f < nFaces; f++) {
    if (!everyFace && includeFace && !includeFace[f]) continue;
    const a = corners[3 * f];
    const b = corners[3 * f + 1];
    const c = corners[3 * f + 2];
    if (halfedge) {
      halfedge[i] = 3 * f;
      halfedge[i + 1] = 3 * f + 1;
      halfedge[i + 2] = 3 * f + 2;
    }
    low[i] = Math.min(a, b);
    high[i++] = Math.max(a, b);
    low[i] = Math.min(b, c);
    high[i++] = Math.max(b, c);
    low[i] = Math.min(c, a);
    high[i++] = Math.max(c, a);
  }
  // One counting sort by the lower vertex, then each vertex's halfedges by the higher one:
  // insertion sort for the usual handful, a counting sort for vertices of high degree, so the
  // cost never grows with the square of a degree.
  const start = new Uint32Array(nVertices + 1);
  for (let j = 0; j < nIncluded; j++) start[low[j] + 1]++;
  for (let v = 0; v < nVertices; v++) start[v + 1] += start[v];
  const sorted = new Uint32Array(nIncluded);
  const fill = start.slice(0, nVertices);
  for (let j = 0; j < nIncluded; j++) sorted[fill[low[j]]++] = j;
  // Halfedges of vertices of high degree: sorted together by the higher vertex (a stable
  // counting sort), then dealt back to their vertices' ranges in that order.
  let nLarge = 0;
  for (let v = 0; v < nVertices; v++) {
    const begin = start[v];
    const end = start[v + 1];
    if (end - begin > 32) {
      nLarge += end - begin;
      continue;
    }
    for (let k = begin + 1; k < end; k++) {
      const j = sorted[k];
      const key = high[j];
      let m = k - 1;
      // Entries come in increasing j, so comparing `high` alone keeps equal edges in j order.
      while (m >= begin && high[sorted[m]] > key) {
        sorted[m + 1] = sorted[m];
        m--;
      }
      sorted[m + 1] = j;
    }
  }
  if (nLarge > 0) {
    const counts = new Uint32Array(nVertices + 1);
    const large = new Uint32Array(nLarge);
    let n = 0;
    for (let v = 0; v < nVertices; v++) {
      if (start[v + 1] - start[v] <= 32) continue;
      for (let k = start[v]; k < start[v + 1]; k++) {
        large[n++] = sorted[k];
        counts[high[sorted[k]] + 1]++;
      }
    }
    for (let v = 0; v < nVertices; v++) counts[v + 1] += counts[v];
    const byHigh = new Uint32Array(nLarge);
    for (let k = 0; k < nLarge; k++) byHigh[counts[high[large[k]]]++] = large[k];
    for (let v = 0; v < nVertices; v++) fill[v] = start[v];
    for (let k = 0; k < nLarge; k++) {
      const j = byHigh[k];
      sorted[fill[low[j]]++] = j;
    }
  }
  let groupCount = 0;
  for (let k = 0; k < nIncluded; k++) {
    if (k === 0 || low[sorted[k]] !== low[sorted[k - 1]] || high[sorted[k]] !== high[sorted[k - 1]])
      groupCount++;
  }
  const groupStart = new Uint32Array(groupCount + 1);
  let g = 0;
  for (let k = 0; k < nIncluded; k++) {
    if (k === 0 || low[sorted[k]] !== low[sorted[k - 1]] || high[sorted[k]] !== high[sorted[k - 1]]) {
      groupStart[g++] = k;
    }
  }
  groupStart[groupCount] = nIncluded;
  let order = sorted;
  if (halfedge) {
    order = new Uint32Array(nIncluded);
    for (let k = 0; k < nIncluded; k++) order[k] = halfedge[sorted[k]];
  }
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
