import type { Neighbourhoods } from "@gemcnn/geometry";

/** Field type of the local moments (docs/conventions.md, "Fields"): 3 scalars, 2 vectors, 1 order-2 field. */
export const MOMENT_FIELD_TYPE = "3x0+2x1+1x2";

/** Names of the 9 packed moment columns, in packed order. */
export const MOMENT_CHANNELS: readonly string[] = [
  "moment.normal",
  "moment.tangent-spread",
  "moment.normal-spread",
  "moment.tangent.cos",
  "moment.tangent.sin",
  "moment.normal-tangent.cos",
  "moment.normal-tangent.sin",
  "moment.tangent-order2.cos",
  "moment.tangent-order2.sin",
];

export interface MomentInput {
  /** Neighbours of each vertex (self pairs, if any, contribute nothing). */
  readonly neighbourhoods: Neighbourhoods;
  /** Log-map radius of each pair, aligned with `neighbourhoods.indices`. */
  readonly r: Float64Array;
  /** Log-map angle `θ(p, q)` of each pair in `p`'s frame (counter-clockwise from `e1` about `n`). */
  readonly theta: Float64Array;
  /** Vertex positions, 3 per vertex. */
  readonly positions: Float64Array;
  /** Unit normal of each vertex's frame, 3 per vertex. */
  readonly normals: Float64Array;
  /** Weight of each vertex as a neighbour (e.g. its barycentric area); normalised per neighbourhood. */
  readonly weights: Float64Array;
  /** Length that makes the moments dimensionless (first moments / L, second moments / L²). */
  readonly lengthScale: number;
}

/**
 * GEM-CNN-style local moment features: the first and second moments of each neighbour's offset
 * `(a, b, c)` in `p`'s frame, with tangential part `(a, b) = r (cos θ, sin θ)` from the log map and
 * normal part `c = (q − p)·n_p`, averaged with weights `w_q` (normalised to sum 1 over the
 * neighbourhood) and made dimensionless by the length scale `L`.
 *
 * Under a gauge change by `φ_p`, `(a, b) → ρ_1(−φ_p)(a, b)` and `c` is unchanged, so the 3 first
 * and 6 second moments split into irreducible parts (packed in this order, field type
 * `3x0+2x1+1x2`):
 * - scalars: `Σ w c / L`, `Σ w (a² + b²) / L²`, `Σ w c² / L²`;
 * - order 1: `Σ w (a, b) / L`, `Σ w c (a, b) / L²`;
 * - order 2: `Σ w ((a² − b²)/2, a b) / L²`, the traceless part of the tangential second moment,
 *   which equals `½ Σ w r² (cos 2θ, sin 2θ)` and so turns twice as fast as the frame.
 *
 * Returns a row-major `V × 9` array.
 */
export function localMoments(input: MomentInput): Float64Array {
  const { neighbourhoods, r, theta, positions: x, normals: n, weights, lengthScale } = input;
  const { offsets, indices } = neighbourhoods;
  const nVertices = offsets.length - 1;
  if (!(lengthScale > 0))
    throw new RangeError(`the moments' length scale must be positive, got ${lengthScale}`);
  const out = new Float64Array(9 * nVertices);
  const L1 = 1 / lengthScale;
  const L2 = L1 * L1;
  for (let p = 0; p < nVertices; p++) {
    let total = 0;
    for (let i = offsets[p]; i < offsets[p + 1]; i++) if (indices[i] !== p) total += weights[indices[i]];
    if (!(total > 0)) continue;
    let c1 = 0;
    let tt = 0;
    let cc = 0;
    let a1 = 0;
    let b1 = 0;
    let ca = 0;
    let cb = 0;
    let t2c = 0;
    let t2s = 0;
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      const q = indices[i];
      if (q === p) continue;
      const w = weights[q] / total;
      const a = r[i] * Math.cos(theta[i]);
      const b = r[i] * Math.sin(theta[i]);
      const c =
        (x[3 * q] - x[3 * p]) * n[3 * p] +
        (x[3 * q + 1] - x[3 * p + 1]) * n[3 * p + 1] +
        (x[3 * q + 2] - x[3 * p + 2]) * n[3 * p + 2];
      c1 += w * c;
      tt += w * (a * a + b * b);
      cc += w * c * c;
      a1 += w * a;
      b1 += w * b;
      ca += w * c * a;
      cb += w * c * b;
      t2c += (w * (a * a - b * b)) / 2;
      t2s += w * a * b;
    }
    out.set([c1 * L1, tt * L2, cc * L2, a1 * L1, b1 * L1, ca * L2, cb * L2, t2c * L2, t2s * L2], 9 * p);
  }
  return out;
}
