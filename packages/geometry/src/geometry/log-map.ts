import { wrapAngle } from "./angles.js";
import { GeometryError } from "./errors.js";
import { checkFrames, referenceNeighbourDirections, type TangentFrames } from "./frames.js";
import type { MeshGeometry } from "./mesh-geometry.js";
import { checkNeighbourhoods, type Neighbourhoods } from "./neighbourhoods.js";
import { pairHalfedges } from "./pair-halfedges.js";

/**
 * `"intrinsic"`: exact polar coordinates of the 1-ring in the polyhedral metric (edge length and
 * rescaled corner-angle sums); `"projection"`: GEM-CNN's projection of `q − p` onto the tangent
 * plane, for any neighbourhood.
 */
export type LogMapMethod = "intrinsic" | "projection";

/**
 * Polar coordinates of every pair `(p, q)`, aligned with `neighbourhoods.indices`:
 * `log_p(q) = r (cos θ e1 + sin θ e2)` in `p`'s frame; `r = 0, θ = 0` for a self pair.
 */
export interface LogMap {
  /** Distance from `p` to `q`, ≥ 0. */
  readonly r: Float64Array;
  /** Angle of `q` seen from `p`, counter-clockwise from `p`'s `e1` about its `n`, in `(−π, π]`. */
  readonly theta: Float64Array;
}

/**
 * The log map of every pair of `neighbourhoods` in the frames `frames`.
 *
 * `"intrinsic"` (1-ring pairs only; a `GeometryError` of kind `"not-an-edge"` otherwise): `r` is
 * the edge length and `θ` the intrinsic angle of the edge (`geometry.halfedgeAnglesInVertex`: corner
 * angles summed counter-clockwise, rescaled to a full turn of 2π at interior vertices), measured
 * from `e1`; the intrinsic and extrinsic tangent planes are identified so that the reference edge's
 * projection has the same angle in both.
 *
 * `"projection"` (any pairs): `θ` is the angle of the projection of `q − p` onto the plane normal to
 * `n`, and `r = |q − p|` (the Euclidean distance, as GEM-CNN).
 */
export function logMap(
  geometry: MeshGeometry,
  frames: TangentFrames,
  neighbourhoods: Neighbourhoods,
  options: { method: LogMapMethod },
): LogMap {
  const nVertices = geometry.mesh.nVertices;
  const method = options?.method;
  const caller = `logMap (method "${method}")`;
  checkFrames(frames, nVertices, caller);
  checkNeighbourhoods(neighbourhoods, nVertices, caller);
  if (method === "intrinsic") {
    const halfedges = pairHalfedges(geometry.mesh, neighbourhoods, caller);
    return intrinsicLogMap(geometry, intrinsicFrameOffsets(geometry, frames), neighbourhoods, halfedges);
  }
  if (method === "projection") return projectionLogMap(geometry, frames, neighbourhoods);
  throw new GeometryError(
    "invalid-argument",
    `logMap: options.method must be "intrinsic" or "projection", got ${JSON.stringify(method)}`,
  );
}

/**
 * For each vertex, the intrinsic angle (in the sense of `geometry.halfedgeAnglesInVertex`) of its
 * frame's `e1`, so that the angle of halfedge `h` from `e1` is `halfedgeAnglesInVertex[h] − offset`.
 *
 * This identifies the vertex's intrinsic tangent plane (the cone of its corner angles, rescaled to
 * a full turn) with the extrinsic one (normal to `n`, where `e1`, user vectors and frame features
 * live). At a flat vertex the two agree up to one rotation; at a curved one no rotation maps every
 * edge's intrinsic angle onto the angle of its projection, so the rotation is chosen as the
 * circular mean of the differences over all the vertex's edges (nn's pooling identifies the planes
 * of coarse levels by the same rule). The mean does not depend on which edge comes first, so renumbering the vertices or faces of a
 * mesh changes the log map and the transport by a pure gauge change, and a vector a network
 * predicts comes out the same (identifying the planes by one reference edge, as before, made a
 * renumbering turn vector outputs by about 1e-3 of their size on a curved mesh).
 */
export function intrinsicFrameOffsets(geometry: MeshGeometry, frames: TangentFrames): Float64Array {
  const { nVertices, vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev } = geometry.mesh;
  const angles = geometry.halfedgeAnglesInVertex;
  const p = geometry.positions;
  const { e1, e2 } = frames;
  const offsets = new Float64Array(nVertices);
  let fallback: Float64Array | undefined;
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const start = vertexHalfedge[v];
    let sumCos = 0;
    let sumSin = 0;
    let h = start;
    do {
      const w = 3 * halfedgeTail[halfedgeNext[h]];
      const dx = p[w] - p[i];
      const dy = p[w + 1] - p[i + 1];
      const dz = p[w + 2] - p[i + 2];
      // The projection's coordinates in (e1, e2): the normal component drops out.
      const x = e1[i] * dx + e1[i + 1] * dy + e1[i + 2] * dz;
      const y = e2[i] * dx + e2[i + 1] * dy + e2[i + 2] * dz;
      if (x !== 0 || y !== 0) {
        // The difference between the edge's intrinsic angle and its extrinsic angle from e1.
        const difference = angles[h] - Math.atan2(y, x);
        sumCos += Math.cos(difference);
        sumSin += Math.sin(difference);
      }
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start && h >= 0);
    if (Math.hypot(sumCos, sumSin) > 1e-12) {
      offsets[v] = Math.atan2(sumSin, sumCos);
    } else {
      // Every edge along the normal, or differences that cancel (not met on a valid mesh): the
      // reference edge's direction, as the frames were built.
      fallback ??= referenceOffsets(geometry, frames);
      offsets[v] = fallback[v];
    }
  }
  return offsets;
}

/** The offsets that identify the planes by each vertex's reference edge alone (see `intrinsicFrameOffsets`). */
function referenceOffsets(geometry: MeshGeometry, frames: TangentFrames): Float64Array {
  const nVertices = geometry.mesh.nVertices;
  const angles = geometry.halfedgeAnglesInVertex;
  const { e1, n } = frames;
  const direction = new Float64Array(3 * nVertices);
  const reference = referenceNeighbourDirections(geometry, n, direction);
  const offsets = new Float64Array(nVertices);
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const dx = direction[i];
    const dy = direction[i + 1];
    const dz = direction[i + 2];
    const nx = n[i];
    const ny = n[i + 1];
    const nz = n[i + 2];
    const x = e1[i] * dx + e1[i + 1] * dy + e1[i + 2] * dz;
    // e1 · (n × d)
    const y = e1[i] * (ny * dz - nz * dy) + e1[i + 1] * (nz * dx - nx * dz) + e1[i + 2] * (nx * dy - ny * dx);
    offsets[v] = angles[reference[v]] + Math.atan2(y, x);
  }
  return offsets;
}

/** @internal The intrinsic log map from precomputed frame offsets and pair halfedges. */
export function intrinsicLogMap(
  geometry: MeshGeometry,
  frameOffsets: Float64Array,
  neighbourhoods: Neighbourhoods,
  halfedges: Int32Array,
): LogMap {
  const { offsets } = neighbourhoods;
  const angles = geometry.halfedgeAnglesInVertex;
  const edgeLengths = geometry.edgeLengths;
  const halfedgeEdge = geometry.mesh.halfedgeEdge;
  const nPairs = halfedges.length;
  const r = new Float64Array(nPairs);
  const theta = new Float64Array(nPairs);
  for (let p = 0; p + 1 < offsets.length; p++) {
    const offset = frameOffsets[p];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      const h = halfedges[i];
      if (h < 0) continue;
      r[i] = edgeLengths[halfedgeEdge[h]];
      theta[i] = wrapAngle(angles[h] - offset);
    }
  }
  return { r, theta };
}

function projectionLogMap(
  geometry: MeshGeometry,
  frames: TangentFrames,
  neighbourhoods: Neighbourhoods,
): LogMap {
  const { offsets, indices } = neighbourhoods;
  const { e1, e2 } = frames;
  const positions = geometry.positions;
  const r = new Float64Array(indices.length);
  const theta = new Float64Array(indices.length);
  for (let p = 0; p + 1 < offsets.length; p++) {
    const i3 = 3 * p;
    const px = positions[i3];
    const py = positions[i3 + 1];
    const pz = positions[i3 + 2];
    const ax = e1[i3];
    const ay = e1[i3 + 1];
    const az = e1[i3 + 2];
    const bx = e2[i3];
    const by = e2[i3 + 1];
    const bz = e2[i3 + 2];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      const q = indices[i];
      // Self pairs stay exactly (0, 0) (atan2 could give −0).
      if (q === p) continue;
      const q3 = 3 * q;
      const dx = positions[q3] - px;
      const dy = positions[q3 + 1] - py;
      const dz = positions[q3 + 2] - pz;
      r[i] = Math.sqrt(dx * dx + dy * dy + dz * dz);
      // The normal component drops out of both dot products: no explicit projection needed.
      // (wrapAngle turns atan2's −π, for y = −0, into π.)
      theta[i] = wrapAngle(Math.atan2(dx * bx + dy * by + dz * bz, dx * ax + dy * ay + dz * az));
    }
  }
  return { r, theta };
}
