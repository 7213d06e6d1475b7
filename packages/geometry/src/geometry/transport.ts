import { wrapAngle } from "./angles.js";
import { GeometryError } from "./errors.js";
import { checkFrames, type TangentFrames } from "./frames.js";
import { intrinsicFrameOffsets } from "./log-map.js";
import type { MeshGeometry } from "./mesh-geometry.js";
import { checkNeighbourhoods, type Neighbourhoods } from "./neighbourhoods.js";
import { pairHalfedges } from "./pair-halfedges.js";

/**
 * `"levi-civita"`: the discrete Levi-Civita connection along mesh edges (1-ring pairs only);
 * `"normal-rotation"`: GEM-CNN's rotation taking `q`'s normal to `p`'s, for any pair.
 */
export type TransportMethod = "levi-civita" | "normal-rotation";

/**
 * The transport angle `g(q→p)` of every pair `(p, q)` of `neighbourhoods`, aligned with its
 * indices, in `(−π, π]`: a tangent vector with coefficients `c` in `q`'s frame arrives at `p` with
 * coefficients `ρ_1(g(q→p)) c` in `p`'s frame; 0 for a self pair.
 *
 * `"levi-civita"` (pairs joined by an edge only; a `GeometryError` of kind `"not-an-edge"`
 * otherwise): the vector keeps its angle to the edge, with directions at both ends taken from the
 * intrinsic 1-ring coordinates of `logMap`'s `"intrinsic"` method, so that
 * `g(q→p) = θ(p, q) − θ(q, p) + π`. Exact for the polyhedral metric along the edge; its holonomy
 * around a face is the rescaling of the corner angles, Σ over the corners of (2π/Σ_v − 1)·angle.
 *
 * `"normal-rotation"` (any pairs): the vector is carried by the smallest rotation that takes `q`'s
 * normal to `p`'s normal (about their cross product); where the normals are opposite, by the half
 * turn about `q`'s `e1`.
 */
export function parallelTransport(
  geometry: MeshGeometry,
  frames: TangentFrames,
  neighbourhoods: Neighbourhoods,
  options: { method: TransportMethod },
): Float64Array {
  const nVertices = geometry.mesh.nVertices;
  const method = options?.method;
  const caller = `parallelTransport (method "${method}")`;
  checkFrames(frames, nVertices, caller);
  checkNeighbourhoods(neighbourhoods, nVertices, caller);
  if (method === "levi-civita") {
    const halfedges = pairHalfedges(geometry.mesh, neighbourhoods, caller);
    return leviCivitaTransport(geometry, intrinsicFrameOffsets(geometry, frames), neighbourhoods, halfedges);
  }
  if (method === "normal-rotation") return normalRotationTransport(frames, neighbourhoods);
  throw new GeometryError(
    "invalid-argument",
    `parallelTransport: options.method must be "levi-civita" or "normal-rotation", got ${JSON.stringify(method)}`,
  );
}

/** @internal Levi-Civita transport from precomputed frame offsets and pair halfedges. */
export function leviCivitaTransport(
  geometry: MeshGeometry,
  frameOffsets: Float64Array,
  neighbourhoods: Neighbourhoods,
  halfedges: Int32Array,
): Float64Array {
  const { offsets, indices } = neighbourhoods;
  const angles = geometry.halfedgeAnglesInVertex;
  const twin = geometry.mesh.halfedgeTwin;
  const g = new Float64Array(halfedges.length);
  for (let p = 0; p + 1 < offsets.length; p++) {
    // θ(p, q) − θ(q, p) + π with θ(p, q) = angles[h] − offset_p and θ(q, p) = angles[twin h] − offset_q.
    const base = Math.PI - frameOffsets[p];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      const h = halfedges[i];
      if (h < 0) continue;
      g[i] = wrapAngle(base + angles[h] - angles[twin[h]] + frameOffsets[indices[i]]);
    }
  }
  return g;
}

function normalRotationTransport(frames: TangentFrames, neighbourhoods: Neighbourhoods): Float64Array {
  const { offsets, indices } = neighbourhoods;
  const { e1, e2, n } = frames;
  const g = new Float64Array(indices.length);
  for (let p = 0; p + 1 < offsets.length; p++) {
    const i3 = 3 * p;
    const npx = n[i3];
    const npy = n[i3 + 1];
    const npz = n[i3 + 2];
    const ax = e1[i3];
    const ay = e1[i3 + 1];
    const az = e1[i3 + 2];
    const bx = e2[i3];
    const by = e2[i3 + 1];
    const bz = e2[i3 + 2];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      const q = indices[i];
      if (q === p) continue;
      const q3 = 3 * q;
      const nqx = n[q3];
      const nqy = n[q3 + 1];
      const nqz = n[q3 + 2];
      const vx = e1[q3];
      const vy = e1[q3 + 1];
      const vz = e1[q3 + 2];
      const c = nqx * npx + nqy * npy + nqz * npz;
      let rx: number;
      let ry: number;
      let rz: number;
      if (c > -1 + 1e-12) {
        // Rodrigues with w = n_q × n_p (|w| = sin, c = cos): R v = c v + w × v + w (w · v) / (1 + c).
        const wx = nqy * npz - nqz * npy;
        const wy = nqz * npx - nqx * npz;
        const wz = nqx * npy - nqy * npx;
        const k = (wx * vx + wy * vy + wz * vz) / (1 + c);
        rx = c * vx + (wy * vz - wz * vy) + k * wx;
        ry = c * vy + (wz * vx - wx * vz) + k * wy;
        rz = c * vz + (wx * vy - wy * vx) + k * wz;
      } else {
        // Opposite normals: no smallest rotation; the half turn about e1_q leaves e1_q as it is.
        rx = vx;
        ry = vy;
        rz = vz;
      }
      g[i] = wrapAngle(Math.atan2(rx * bx + ry * by + rz * bz, rx * ax + ry * ay + rz * az));
    }
  }
  return g;
}
