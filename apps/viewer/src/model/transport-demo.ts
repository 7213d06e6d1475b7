import { irrepMatrix } from "@gemcnn/gauge";
import { type TransportMethod, wrapAngle } from "@gemcnn/geometry";
import type { MeshModel } from "./mesh-model.js";

/** A tangent vector carried from vertex to vertex: its order-1 coefficients at each stop. */
export interface TransportedVector {
  /** The vertices visited, in order (a loop starts and ends at the same vertex). */
  readonly vertices: readonly number[];
  /** Coefficients `(c1, c2)` in the current frame of each visited vertex, aligned with `vertices`. */
  readonly coefficients: readonly (readonly [number, number])[];
  /** Sum of the transport angles along the way, wrapped to `(−π, π]`. */
  readonly totalAngle: number;
}

/** The outcome of carrying a vector once around the 1-ring loop of a vertex. */
export interface HolonomyResult extends TransportedVector {
  /**
   * Rotation of the vector after the loop, counter-clockwise about the normal, in `(−π, π]`:
   * the sum of `g` over the loop's steps. Gauge-invariant, since each step's `φ` terms cancel.
   */
  readonly holonomy: number;
  /** Angle defect of the vertex the loop goes around. */
  readonly enclosedAngleDefect: number;
  /**
   * Curvature of the faces inside the loop (see `starCurvature`): the centre's whole angle defect
   * plus the shares of the loop vertices' defects that fall inside.
   */
  readonly enclosedCurvature: number;
}

/** Thrown when a transport demonstration cannot be done at the requested place (with a reason). */
export class TransportDemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransportDemoError";
  }
}

/**
 * Carries the vector with coefficients `start` at `path[0]` along consecutive mesh edges of `path`
 * with transport `method`: at each step `c ← ρ_1(g(q→p)) c` (docs/conventions.md, "Parallel
 * transport").
 */
export function transportAlongPath(
  model: MeshModel,
  path: readonly number[],
  start: readonly [number, number],
  method: TransportMethod,
): TransportedVector {
  if (path.length === 0) throw new TransportDemoError("transportAlongPath: the path is empty");
  const g = model.transportAngles(method);
  let [x, y] = start;
  const coefficients: [number, number][] = [[x, y]];
  let total = 0;
  for (let step = 1; step < path.length; step++) {
    const q = path[step - 1];
    const p = path[step];
    const pair = model.ringPairIndex(p, q);
    if (pair < 0)
      throw new TransportDemoError(`transportAlongPath: vertices ${q} and ${p} are not joined by an edge`);
    const angle = g[pair];
    total += angle;
    const rho = irrepMatrix(1, angle);
    [x, y] = [rho[0] * x + rho[1] * y, rho[2] * x + rho[3] * y];
    coefficients.push([x, y]);
  }
  return { vertices: path, coefficients, totalAngle: wrapAngle(total) };
}

/**
 * Carries a vector given at `centre` (coefficients `start`) out to its first neighbour, once
 * counter-clockwise around the 1-ring loop, and back. The turn it comes back with is the holonomy
 * of the loop; on a smooth surface it is the Gaussian curvature enclosed. The loop runs through the
 * neighbours, so it encloses all of the centre's angle defect and part of theirs: both numbers are
 * returned. With Levi-Civita transport the holonomy equals `enclosedCurvature` up to rounding.
 */
export function holonomyAroundOneRing(
  model: MeshModel,
  centre: number,
  start: readonly [number, number],
  method: TransportMethod,
): HolonomyResult {
  if (model.geometry.mesh.vertexOnBoundary[centre]) {
    throw new TransportDemoError(`vertex ${centre} lies on the boundary: its 1-ring is not a closed loop`);
  }
  const ring = model.oneRingOf(centre);
  const path = [centre, ...ring, ring[0], centre];
  const result = transportAlongPath(model, path, start, method);
  return {
    ...result,
    holonomy: result.totalAngle,
    enclosedAngleDefect: model.geometry.vertexAngleDefects[centre],
    enclosedCurvature: starCurvature(model, centre),
  };
}

/**
 * Gaussian curvature of the faces around `centre` as the discrete Levi-Civita connection sees it:
 * the angle defect of each interior vertex is spread over its faces in proportion to their corner
 * angles there (the connection rescales a vertex's angles to a full turn, see the geometry
 * package's `parallelTransport`), and the shares that fall on these faces are summed. Boundary
 * vertices give no share (their angles are not rescaled).
 */
export function starCurvature(model: MeshModel, centre: number): number {
  const { mesh } = model.geometry;
  const angles = model.geometry.cornerAngles;
  const sums = model.geometry.vertexAngleSums;
  const defects = model.geometry.vertexAngleDefects;
  let total = 0;
  for (const h of mesh.outgoingHalfedges(centre)) {
    const f = mesh.face(h);
    if (f < 0) continue;
    for (let k = 0; k < 3; k++) {
      const v = mesh.triangles[3 * f + k];
      if (!mesh.vertexOnBoundary[v]) total += (defects[v] * angles[3 * f + k]) / sums[v];
    }
  }
  return total;
}

/**
 * A shortest path along mesh edges (by edge length) from `from` to `to`, both included; throws when
 * they are not connected. Dijkstra with a binary heap: the geometry package measures distances the
 * same way but returns no paths.
 */
export function shortestEdgePath(model: MeshModel, from: number, to: number): number[] {
  const { offsets, indices } = model.ring.neighbourhoods;
  const positions = model.geometry.positions;
  const n = model.nVertices;
  const distance = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const previous = new Int32Array(n).fill(-1);
  const heap: [number, number][] = [];
  const push = (item: [number, number]) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent][0] <= heap[i][0]) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  distance[from] = 0;
  push([0, from]);
  while (heap.length > 0) {
    const [d, u] = pop();
    if (d > distance[u]) continue;
    if (u === to) break;
    for (let i = offsets[u]; i < offsets[u + 1]; i++) {
      const v = indices[i];
      if (v === u) continue;
      const length = Math.hypot(
        positions[3 * v] - positions[3 * u],
        positions[3 * v + 1] - positions[3 * u + 1],
        positions[3 * v + 2] - positions[3 * u + 2],
      );
      if (d + length < distance[v]) {
        distance[v] = d + length;
        previous[v] = u;
        push([distance[v], v]);
      }
    }
  }
  if (!Number.isFinite(distance[to])) {
    throw new TransportDemoError(`vertices ${from} and ${to} lie on different connected pieces of the mesh`);
  }
  const path = [to];
  while (path[path.length - 1] !== from) path.push(previous[path[path.length - 1]]);
  return path.reverse();
}
