import { mulberry32 } from "../random.js";
import { TWO_PI } from "./angles.js";
import { GeometryError } from "./errors.js";
import type { MeshGeometry } from "./mesh-geometry.js";

/**
 * One tangent frame (gauge) per vertex: right-handed orthonormal `(e1, e2, n)` with
 * `e2 = n × e1`, stored 3 numbers per vertex in each array.
 */
export interface TangentFrames {
  readonly e1: Float64Array;
  readonly e2: Float64Array;
  /** Unit normals; from `tangentFrames`, the geometry's cached `vertexNormals` array itself. */
  readonly n: Float64Array;
  /**
   * Present only while `e1` of every vertex points along the tangent-plane projection of one of its
   * outgoing edges: the halfedge of that edge. The intrinsic log map then measures angles from it.
   */
  readonly referenceHalfedge?: Int32Array;
}

/** How `e1` is chosen in each tangent plane. */
export type Gauge = "reference-neighbour" | "global-axis" | "random";

export interface TangentFrameOptions {
  /**
   * `"reference-neighbour"` (default, as in GEM-CNN): `e1` points towards the projection of the
   * vertex's first outgoing edge; `"global-axis"`: along the projection of `axis`; `"random"`: the
   * reference-neighbour direction turned by a seeded uniform random angle.
   */
  gauge?: Gauge;
  /** The global axis for `gauge: "global-axis"`; default `[0, 0, 1]`. */
  axis?: readonly [number, number, number];
  /** Seed for `gauge: "random"`; default 0. */
  seed?: number;
  /** Normals to use instead of `geometry.vertexNormals` (unit, 3 per vertex). */
  normals?: Float64Array;
}

/**
 * An edge counts as lying in the tangent plane when its projection keeps at least this fraction
 * of its length; below it, the projection's direction is mostly rounding noise.
 */
const MIN_PROJECTED_FRACTION = 1e-6;

/**
 * Vertex tangent frames `(e1, e2, n)` with `n` the angle-weighted vertex normal and `e1` chosen
 * by `options.gauge` (see `TangentFrameOptions`).
 *
 * Reference neighbour: the first outgoing halfedge of `mesh.vertexHalfedge[v]`'s counter-clockwise
 * enumeration whose edge is not (nearly) parallel to `n` (in practice always the first one); its
 * halfedge is returned in `referenceHalfedge`. Global axis: where the axis is within about 1e-6
 * radians of `±n`, the coordinate axis least aligned with `n` is projected instead.
 */
export function tangentFrames(geometry: MeshGeometry, options: TangentFrameOptions = {}): TangentFrames {
  const gauge = options.gauge ?? "reference-neighbour";
  const nVertices = geometry.mesh.nVertices;
  const n = options.normals ?? geometry.vertexNormals;
  if (n.length !== 3 * nVertices) {
    throw new GeometryError(
      "invalid-argument",
      `tangentFrames: options.normals has length ${n.length}, expected ${3 * nVertices} (3 per vertex)`,
    );
  }
  const e1 = new Float64Array(3 * nVertices);
  const e2 = new Float64Array(3 * nVertices);
  switch (gauge) {
    case "reference-neighbour": {
      const referenceHalfedge = referenceNeighbourDirections(geometry, n, e1);
      completeFrames(n, e1, e2);
      return { e1, e2, n, referenceHalfedge };
    }
    case "global-axis": {
      const axis = options.axis ?? [0, 0, 1];
      const length = Math.hypot(axis[0], axis[1], axis[2]);
      if (axis.length !== 3 || !(length > 0) || !Number.isFinite(length)) {
        throw new GeometryError(
          "invalid-argument",
          `tangentFrames: options.axis must be three finite numbers, not all zero; got [${axis.join(", ")}]`,
        );
      }
      axisDirections(n, axis[0] / length, axis[1] / length, axis[2] / length, e1);
      completeFrames(n, e1, e2);
      return { e1, e2, n };
    }
    case "random": {
      const seed = options.seed ?? 0;
      if (!Number.isFinite(seed)) {
        throw new GeometryError(
          "invalid-argument",
          `tangentFrames: options.seed must be a finite number, got ${seed}`,
        );
      }
      const base = new Float64Array(3 * nVertices);
      referenceNeighbourDirections(geometry, n, base);
      const random = mulberry32(seed);
      for (let v = 0; v < 3 * nVertices; v += 3) {
        const angle = TWO_PI * random();
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        // base turned by `angle` about n: c·b + s·(n × b).
        const bx = base[v];
        const by = base[v + 1];
        const bz = base[v + 2];
        const nx = n[v];
        const ny = n[v + 1];
        const nz = n[v + 2];
        e1[v] = c * bx + s * (ny * bz - nz * by);
        e1[v + 1] = c * by + s * (nz * bx - nx * bz);
        e1[v + 2] = c * bz + s * (nx * by - ny * bx);
      }
      completeFrames(n, e1, e2);
      return { e1, e2, n };
    }
    default:
      throw new GeometryError(
        "invalid-argument",
        `tangentFrames: unknown gauge "${gauge as string}" (expected "reference-neighbour", "global-axis" or "random")`,
      );
  }
}

/**
 * The reference halfedge of each vertex (see `tangentFrames`) with the unit projection of its edge
 * onto the plane normal to `n` written into `out`.
 */
export function referenceNeighbourDirections(
  geometry: MeshGeometry,
  n: Float64Array,
  out: Float64Array,
): Int32Array {
  const { nVertices, vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev } = geometry.mesh;
  const p = geometry.positions;
  const reference = new Int32Array(nVertices);
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const nx = n[i];
    const ny = n[i + 1];
    const nz = n[i + 2];
    const start = vertexHalfedge[v];
    let h = start;
    let found = false;
    do {
      const w = 3 * halfedgeTail[halfedgeNext[h]];
      const dx = p[w] - p[i];
      const dy = p[w + 1] - p[i + 1];
      const dz = p[w + 2] - p[i + 2];
      const along = dx * nx + dy * ny + dz * nz;
      const tx = dx - along * nx;
      const ty = dy - along * ny;
      const tz = dz - along * nz;
      const projected = Math.sqrt(tx * tx + ty * ty + tz * tz);
      if (projected > MIN_PROJECTED_FRACTION * Math.sqrt(dx * dx + dy * dy + dz * dz)) {
        out[i] = tx / projected;
        out[i + 1] = ty / projected;
        out[i + 2] = tz / projected;
        reference[v] = h;
        found = true;
        break;
      }
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
    if (!found) {
      // Every edge is parallel to the normal (or of zero length): any tangent direction will do.
      anyPerpendicular(nx, ny, nz, out, i);
      reference[v] = start;
    }
  }
  return reference;
}

function axisDirections(n: Float64Array, ax: number, ay: number, az: number, out: Float64Array): void {
  for (let i = 0; i < n.length; i += 3) {
    const nx = n[i];
    const ny = n[i + 1];
    const nz = n[i + 2];
    const along = ax * nx + ay * ny + az * nz;
    const tx = ax - along * nx;
    const ty = ay - along * ny;
    const tz = az - along * nz;
    const projected = Math.sqrt(tx * tx + ty * ty + tz * tz);
    if (projected > MIN_PROJECTED_FRACTION) {
      out[i] = tx / projected;
      out[i + 1] = ty / projected;
      out[i + 2] = tz / projected;
    } else {
      anyPerpendicular(nx, ny, nz, out, i);
    }
  }
}

/** Unit projection, onto the plane normal to unit `n`, of the coordinate axis least aligned with `n`. */
function anyPerpendicular(nx: number, ny: number, nz: number, out: Float64Array, i: number): void {
  const x = Math.abs(nx);
  const y = Math.abs(ny);
  const z = Math.abs(nz);
  let ax = 0;
  let ay = 0;
  let az = 0;
  if (x <= y && x <= z) ax = 1;
  else if (y <= z) ay = 1;
  else az = 1;
  const along = ax * nx + ay * ny + az * nz;
  const tx = ax - along * nx;
  const ty = ay - along * ny;
  const tz = az - along * nz;
  const length = Math.sqrt(tx * tx + ty * ty + tz * tz);
  out[i] = tx / length;
  out[i + 1] = ty / length;
  out[i + 2] = tz / length;
}

/** e2 = n × e1 for every vertex. */
function completeFrames(n: Float64Array, e1: Float64Array, e2: Float64Array): void {
  for (let i = 0; i < n.length; i += 3) {
    const nx = n[i];
    const ny = n[i + 1];
    const nz = n[i + 2];
    const ax = e1[i];
    const ay = e1[i + 1];
    const az = e1[i + 2];
    e2[i] = ny * az - nz * ay;
    e2[i + 1] = nz * ax - nx * az;
    e2[i + 2] = nx * ay - ny * ax;
  }
}

/** Throws a `GeometryError` naming `caller` unless `frames` holds 3 numbers per vertex in each array. */
export function checkFrames(frames: TangentFrames, nVertices: number, caller: string): void {
  for (const name of ["e1", "e2", "n"] as const) {
    const array = frames[name];
    if (!(array instanceof Float64Array) || array.length !== 3 * nVertices) {
      throw new GeometryError(
        "invalid-argument",
        `${caller}: frames.${name} must be a Float64Array of length ${3 * nVertices} (3 per vertex), got length ${array?.length}`,
      );
    }
  }
  const reference = frames.referenceHalfedge;
  if (reference !== undefined && reference.length !== nVertices) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: frames.referenceHalfedge must have one entry per vertex (${nVertices}), got ${reference.length}`,
    );
  }
}
