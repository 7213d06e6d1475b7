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
 * `e1`'s angle is measured about `n` from the projection of the reference edge, which has the same
 * angle in the intrinsic and the extrinsic picture.
 */
export function intrinsicFrameOffsets(geometry: MeshGeometry, frames: TangentFrames): Float64Array {
  const nVertices = geometry.mesh.nVertices;
  const angles = geometry.halfedgeAnglesInVertex;
  const offsets = new Float64Array(nVertices);
  if (frames.referenceHalfedge) {
    const reference = frames.referenceHalfedge;
    for (let v = 0; v < nVertices; v++) offsets[v] = angles[reference[v]];
    return offsets;
  }
  const { e1, n } = frames;
  const direction = new Float64Array(3 * nVertices);
  const reference = referenceNeighbourDirections(geometry, n, direction);
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
