import { TWO_PI } from "./angles.js";
import { GeometryError } from "./errors.js";
import type { MeshGeometry } from "./mesh-geometry.js";
import { MinHeap } from "./min-heap.js";

/*
 * Exact polyhedral geodesic distances from one vertex: the length of the shortest path on the
 * surface (through faces, not only along edges), by window propagation as described by Mitchell,
 * Mount and Papadimitriou (1987) and made practical by Surazhsky, Surazhsky, Kirsanov, Gortler and
 * Hoppe ("Fast exact and approximate geodesics on meshes", SIGGRAPH 2005). No npm package computes
 * these (the JavaScript geodesic libraries are for the Earth's ellipsoid), hence by hand.
 *
 * A window is an interval of an edge whose points are reached by straight lines, in the plane of
 * the faces unfolded so far, from one (pseudo-)source: the source vertex, or a saddle or boundary
 * vertex around which shortest paths bend. A window stores the interval, the unfolded source
 * position in the edge's frame and the source's own distance σ. Windows are taken from a priority
 * queue in order of their smallest distance and propagated across the face beyond their edge,
 * giving up to two windows on its other edges. Where windows overlap on an edge, each keeps the
 * part where it is nearer (the distance functions from two points meet where a quadratic
 * vanishes), so every point of an edge ends up with its true distance. Saddle (cone angle above
 * 2π) and boundary vertices become sources of their own once their distance is final.
 */

/** A window on an interior halfedge, propagating into that halfedge's face. */
interface Window {
  /** The halfedge (from its tail at x = 0 to its head at x = length), whose face lies at y > 0. */
  readonly h: number;
  readonly b0: number;
  readonly b1: number;
  /** The unfolded source, below the edge (sy < 0). */
  readonly sx: number;
  readonly sy: number;
  readonly sigma: number;
  alive: boolean;
  /** Still in the queue (not yet propagated). */
  queued: boolean;
}

/** √(x² + y²): `Math.hypot` guards against overflow, which these lengths cannot reach, at several times the cost. */
function hypot2(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

/** A saddle or boundary vertex counts as a pseudo-source when its cone angle is at least 2π minus this. */
const SADDLE_MARGIN = 1e-9;

export interface ExactGeodesicOptions {
  /**
   * Stop once the distances of these vertices are final (every vertex's distance is then an upper
   * bound, exact for the targets and for every vertex nearer than the farthest target). Default:
   * all vertices.
   */
  readonly targets?: ArrayLike<number>;
  /**
   * Stop at this distance: vertices farther away keep `Infinity` (or an upper bound), those
   * nearer their exact distance. Default: no limit.
   */
  readonly maxDistance?: number;
}

/**
 * Exact polyhedral geodesic distances from vertex `source` to every vertex of the mesh (shortest
 * paths over the surface, bending only at saddle and boundary vertices), by window propagation
 * (Mitchell-Mount-Papadimitriou, in Surazhsky et al.'s form). `Infinity` for vertices of other
 * connected components. With `options.targets`, the propagation stops as soon as those vertices'
 * distances are final: cheap when they are near the source. Exact up to float64 rounding (tested
 * against Euclidean distances on flat meshes, paths around a reflex corner and symmetry
 * d(p, q) = d(q, p)); its cost grows faster than linearly with the area swept (O(n^1.5) windows is
 * typical).
 */
export function exactGeodesicDistances(
  geometry: MeshGeometry,
  source: number,
  options: ExactGeodesicOptions = {},
): Float64Array {
  const { mesh } = geometry;
  const nVertices = mesh.nVertices;
  if (!(Number.isInteger(source) && source >= 0 && source < nVertices)) {
    throw new GeometryError(
      "invalid-argument",
      `exactGeodesicDistances: source ${source} is not a vertex of the ${nVertices}-vertex mesh`,
    );
  }
  const targets = options.targets === undefined ? null : Array.from(options.targets);
  if (targets !== null) {
    for (const t of targets) {
      if (!(Number.isInteger(t) && t >= 0 && t < nVertices)) {
        throw new GeometryError(
          "invalid-argument",
          `exactGeodesicDistances: target ${t} is not a vertex of the ${nVertices}-vertex mesh`,
        );
      }
    }
  }
  const { halfedgeTwin: twin, halfedgeNext: next, halfedgePrev: prev, halfedgeFace: face } = mesh;
  const { halfedgeTail: tail, halfedgeEdge: edgeOf, edgeHalfedge } = mesh;
  const edgeLengths = geometry.edgeLengths;
  const length = (h: number) => edgeLengths[edgeOf[h]];
  const head = (h: number) => tail[next[h]];
  const angleSums = geometry.vertexAngleSums;
  const onBoundary = mesh.vertexOnBoundary;
  const isPseudoSource = (v: number) => onBoundary[v] === 1 || angleSums[v] >= TWO_PI - SADDLE_MARGIN;
  const meanLength = edgeLengths.reduce((a, b) => a + b, 0) / Math.max(1, edgeLengths.length);
  // Intervals narrower than this are dropped; distances closer than `tie` are equal.
  const eps = 1e-12 * meanLength;

  const distance = new Float64Array(nVertices).fill(Number.POSITIVE_INFINITY);
  const expanded = new Uint8Array(nVertices);
  const windows: Window[] = [];
  const edgeWindows: (Window[] | undefined)[] = new Array(mesh.nEdges);
  // Heap values: window ids ≥ 0, vertex events −1 − v.
  const heap = new MinHeap();

  const updateVertex = (v: number, d: number) => {
    if (d < distance[v]) {
      distance[v] = d;
      if (isPseudoSource(v) && expanded[v] === 0) heap.push(d, -1 - v);
    }
  };

  /** The third corner of interior halfedge h's face in h's frame: (cx, cy), cy ≥ 0. */
  const apex = (h: number): [number, number] => {
    const l = length(h);
    const lac = length(prev[h]);
    const lbc = length(next[h]);
    const cx = (l * l + lac * lac - lbc * lbc) / (2 * l);
    return [cx, Math.sqrt(Math.max(0, lac * lac - cx * cx))];
  };

  const minDistance = (w: { b0: number; b1: number; sx: number; sy: number; sigma: number }) => {
    const x = Math.min(Math.max(w.sx, w.b0), w.b1);
    return w.sigma + hypot2(x - w.sx, w.sy);
  };

  /** A window's interval and source along its edge's canonical halfedge. */
  const canonical = (w: Window) => {
    const l = length(w.h);
    return edgeHalfedge[edgeOf[w.h]] === w.h
      ? { lo: w.b0, hi: w.b1, a: w.sx, c: -w.sy, sigma: w.sigma }
      : { lo: l - w.b1, hi: l - w.b0, a: l - w.sx, c: -w.sy, sigma: w.sigma };
  };

  /** A copy of `w` restricted to the canonical interval [lo, hi]. */
  const restricted = (w: Window, lo: number, hi: number): Window => {
    const l = length(w.h);
    const own = edgeHalfedge[edgeOf[w.h]] === w.h;
    return {
      h: w.h,
      b0: own ? lo : l - hi,
      b1: own ? hi : l - lo,
      sx: w.sx,
      sy: w.sy,
      sigma: w.sigma,
      alive: true,
      queued: w.queued,
    };
  };

  const enqueue = (w: Window) => {
    windows.push(w);
    if (w.queued) heap.push(minDistance(w), windows.length - 1);
  };

  /** Points of [lo, hi] where the distance functions of two windows (canonical form) cross. */
  const crossings = (
    n: { a: number; c: number; sigma: number },
    o: { a: number; c: number; sigma: number },
    lo: number,
    hi: number,
  ): number[] => {
    const delta = o.sigma - n.sigma;
    const A = 2 * (o.a - n.a);
    const B = n.a * n.a - o.a * o.a + n.c * n.c - o.c * o.c - delta * delta;
    // (A x + B)² = 4Δ² ((x − a_o)² + c_o²), or A x + B = 0 when Δ = 0.
    const q2 = A * A - 4 * delta * delta;
    const q1 = 2 * A * B + 8 * delta * delta * o.a;
    const q0 = B * B - 4 * delta * delta * (o.a * o.a + o.c * o.c);
    const roots: number[] = [];
    const scale = Math.max(Math.abs(q2), Math.abs(q1) / Math.max(1, hi), Math.abs(q0) / Math.max(1, hi * hi));
    if (Math.abs(q2) <= 1e-14 * scale) {
      if (Math.abs(q1) > 0) roots.push(-q0 / q1);
    } else {
      const disc = q1 * q1 - 4 * q2 * q0;
      if (disc >= 0) {
        const s = Math.sqrt(disc);
        // The numerically stable pair of roots.
        const t = -0.5 * (q1 + (q1 >= 0 ? s : -s));
        roots.push(t / q2);
        if (t !== 0) roots.push(q0 / t);
      }
    }
    return roots.filter((x) => x > lo + eps && x < hi - eps).sort((x, y) => x - y);
  };

  /** Removes `cuts` (sorted, disjoint) from the intervals `pieces`. */
  const subtract = (pieces: [number, number][], cuts: [number, number][]): [number, number][] => {
    let out = pieces;
    for (const [c0, c1] of cuts) {
      const kept: [number, number][] = [];
      for (const [p0, p1] of out) {
        if (c1 <= p0 || c0 >= p1) {
          kept.push([p0, p1]);
          continue;
        }
        if (c0 - p0 > eps) kept.push([p0, c0]);
        if (p1 - c1 > eps) kept.push([c1, p1]);
      }
      out = kept;
    }
    return out;
  };

  /** Where `n` is nearer than `o` on [lo, hi] (canonical forms), and where not. */
  const compare = (
    n: { a: number; c: number; sigma: number },
    o: { a: number; c: number; sigma: number },
    lo: number,
    hi: number,
  ) => {
    const bounds = [lo, ...crossings(n, o, lo, hi), hi];
    const newBetter: [number, number][] = [];
    const oldBetter: [number, number][] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const mid = 0.5 * (bounds[k] + bounds[k + 1]);
      const dn = n.sigma + hypot2(mid - n.a, n.c);
      const dOld = o.sigma + hypot2(mid - o.a, o.c);
      const tie = 1e-12 * Math.max(dn, dOld, meanLength);
      (dn < dOld - tie ? newBetter : oldBetter).push([bounds[k], bounds[k + 1]]);
    }
    return { newBetter, oldBetter };
  };

  /**
   * Adds a window, trimming it and the windows already on its edge to where each is nearest.
   * `opposite` is the other vertex of the face the window came through, in the window's frame.
   */
  const insert = (w: Window, opposite?: { x: number; y: number; v: number }) => {
    const l = length(w.h);
    // Every point of a window is reached by a real path: its ends bound the vertices' distances.
    if (w.b0 <= eps) updateVertex(tail[w.h], w.sigma + hypot2(w.sx, w.sy));
    if (w.b1 >= l - eps) updateVertex(head(w.h), w.sigma + hypot2(l - w.sx, w.sy));
    if (w.b1 - w.b0 <= eps) return;
    const own = edgeHalfedge[edgeOf[w.h]] === w.h;
    const n = canonical(w);
    let pieces: [number, number][] = [[n.lo, n.hi]];
    // Xin and Wang's filter ("Improving Chen and Han's algorithm on the discrete geodesic
    // problem", 2009): the edge's ends and the far corner of the face just crossed reach the
    // edge by straight segments within that face, so where `d(vertex) + |vertex − x|` is shorter
    // the window cannot carry a shortest path, and that part goes before any propagation.
    const corners = [
      { a: 0, c: 0, sigma: distance[own ? tail[w.h] : head(w.h)] },
      { a: l, c: 0, sigma: distance[own ? head(w.h) : tail[w.h]] },
    ];
    if (opposite !== undefined)
      corners.push({ a: own ? opposite.x : l - opposite.x, c: -opposite.y, sigma: distance[opposite.v] });
    for (const corner of corners) {
      if (!Number.isFinite(corner.sigma)) continue;
      pieces = subtract(pieces, compare(corner, n, n.lo, n.hi).newBetter);
      if (pieces.length === 0) return;
    }
    const e = edgeOf[w.h];
    let list = edgeWindows[e];
    if (list === undefined) {
      list = [];
      edgeWindows[e] = list;
    }
    const replaced: Window[] = [];
    for (const old of list) {
      if (!old.alive) continue;
      const o = canonical(old);
      const lo = Math.max(o.lo, n.lo);
      const hi = Math.min(o.hi, n.hi);
      if (hi - lo <= eps) continue;
      const { newBetter, oldBetter } = compare(n, o, lo, hi);
      pieces = subtract(pieces, oldBetter);
      if (newBetter.length > 0) {
        old.alive = false;
        for (const [k0, k1] of subtract([[o.lo, o.hi]], newBetter)) {
          const part = restricted(old, k0, k1);
          enqueue(part);
          replaced.push(part);
        }
      }
      if (pieces.length === 0) break;
    }
    for (const part of replaced) list.push(part);
    for (const [p0, p1] of pieces) {
      const part = restricted({ ...w, queued: true }, p0, p1);
      enqueue(part);
      list.push(part);
    }
    if (list.length > 16) edgeWindows[e] = list.filter((x) => x.alive);
  };

  /** A window on the far side of the edge of `h` (the halfedge `g = twin` it becomes), or only its ends. */
  const child = (
    g: number,
    b0: number,
    b1: number,
    sx: number,
    sy: number,
    sigma: number,
    opposite?: { x: number; y: number; v: number },
  ) => {
    const l = length(g);
    const lo = Math.min(Math.max(b0, 0), l);
    const hi = Math.min(Math.max(b1, 0), l);
    if (!(sy < 0) || !(hi >= lo)) return;
    if (face[g] < 0) {
      // A boundary edge: nothing lies beyond, but the rays still reach its ends.
      if (lo <= eps) updateVertex(tail[g], sigma + hypot2(sx, sy));
      if (hi >= l - eps) updateVertex(head(g), sigma + hypot2(l - sx, sy));
      return;
    }
    insert({ h: g, b0: lo, b1: hi, sx, sy, sigma, alive: true, queued: true }, opposite);
  };

  /** Propagates window `w` across its halfedge's face onto the two other edges. */
  const propagate = (w: Window) => {
    const h = w.h;
    const l = length(h);
    const [cx, cy] = apex(h);
    if (!(cy > 0)) return;
    const { sx, sy, sigma } = w;
    const c = head(next[h]);
    // Where the ray through the apex crosses the edge (sy < 0 < cy).
    const xc = sx + ((cx - sx) * -sy) / (cy - sy);
    if (xc >= w.b0 - eps && xc <= w.b1 + eps) updateVertex(c, sigma + hypot2(cx - sx, cy - sy));
    /** Where the ray from S through (x, 0), in the frame (origin, u), meets that frame's x-axis. */
    const hit = (x: number, ox: number, oy: number, ux: number, uy: number, s: [number, number]) => {
      const px = (x - ox) * ux + (0 - oy) * uy;
      const py = ux * (0 - oy) - uy * (x - ox);
      return s[0] + ((px - s[0]) * -s[1]) / (py - s[1]);
    };
    if (w.b0 < xc) {
      // Edge a → c: the halfedge twin(prev h), frame at a with x along a → c.
      const lac = length(prev[h]);
      const ux = cx / lac;
      const uy = cy / lac;
      const s: [number, number] = [sx * ux + sy * uy, ux * sy - uy * sx];
      const x1 = Math.min(w.b1, xc);
      const t0 = hit(w.b0, 0, 0, ux, uy, s);
      const t1 = x1 >= xc ? lac : hit(x1, 0, 0, ux, uy, s);
      // The face's third corner b = (l, 0), in this frame.
      child(twin[prev[h]], t0, t1, s[0], s[1], sigma, { x: l * ux, y: -uy * l, v: head(h) });
    }
    if (xc < w.b1) {
      // Edge c → b: the halfedge twin(next h), frame at c with x along c → b.
      const lbc = length(next[h]);
      const vx = (l - cx) / lbc;
      const vy = -cy / lbc;
      const s: [number, number] = [(sx - cx) * vx + (sy - cy) * vy, vx * (sy - cy) - vy * (sx - cx)];
      const x0 = Math.max(w.b0, xc);
      const t0 = x0 <= xc ? 0 : hit(x0, cx, cy, vx, vy, s);
      const t1 = hit(w.b1, cx, cy, vx, vy, s);
      // The face's third corner a = (0, 0), in this frame.
      child(twin[next[h]], t0, t1, s[0], s[1], sigma, {
        x: -cx * vx - cy * vy,
        y: -vx * cy + vy * cx,
        v: tail[h],
      });
    }
  };

  /** Vertex `v` as a (pseudo-)source: its 1-ring directly, and windows on the edges opposite it. */
  const expand = (v: number) => {
    expanded[v] = 1;
    const d = distance[v];
    for (const h of mesh.outgoingHalfedges(v)) {
      updateVertex(head(h), d + length(h));
      if (face[h] < 0) continue;
      // Face (v, w1, w2) with opposite halfedge o = w1 → w2; the window lies on twin(o).
      const o = next[h];
      const [cx, cy] = apex(o);
      if (cy > 0) child(twin[o], 0, length(o), length(o) - cx, -cy, d);
    }
  };

  distance[source] = 0;
  heap.push(0, -1 - source);
  let farthestTarget = () => Number.POSITIVE_INFINITY;
  if (targets !== null) {
    farthestTarget = () => {
      let m = 0;
      for (const t of targets) if (distance[t] > m) m = distance[t];
      return m;
    };
  }
  const maxDistance = options.maxDistance ?? Number.POSITIVE_INFINITY;
  if (!(maxDistance >= 0)) {
    throw new GeometryError(
      "invalid-argument",
      `exactGeodesicDistances: maxDistance must be a number ≥ 0, got ${options.maxDistance}`,
    );
  }
  let checked = 0;
  while (heap.size > 0 && heap.topKey() <= maxDistance) {
    if (targets !== null && (checked++ & 63) === 0 && heap.topKey() > farthestTarget()) break;
    const key = heap.topKey();
    const value = heap.pop();
    if (value < 0) {
      const v = -1 - value;
      if (expanded[v] === 0 && key <= distance[v]) expand(v);
      continue;
    }
    const w = windows[value];
    if (!w.alive || !w.queued) continue;
    w.queued = false;
    propagate(w);
  }
  return distance;
}

/**
 * `exactGeodesicDistances` from `source` to `targets` only (stopping once they are final), as the
 * geodesic error curve of correspondence benchmarks needs it: one call per source vertex. Targets
 * beyond `maxDistance` (default no limit) get `Infinity`, and the propagation stops there.
 */
export function exactGeodesicDistancesTo(
  geometry: MeshGeometry,
  source: number,
  targets: ArrayLike<number>,
  maxDistance = Number.POSITIVE_INFINITY,
): Float64Array {
  const all = exactGeodesicDistances(geometry, source, { targets, maxDistance });
  return Float64Array.from(targets, (t) => (all[t] <= maxDistance ? all[t] : Number.POSITIVE_INFINITY));
}
