import { mulberry32 } from "../random.js";
import { TWO_PI, wrapAngle } from "./angles.js";
import { GeometryError } from "./errors.js";
import { checkFrames, type TangentFrames } from "./frames.js";
import { checkNeighbourhoods, type Neighbourhoods } from "./neighbourhoods.js";

// A gauge change is a per-vertex angle φ_p (docs/conventions.md, "Gauge change"): every frame is
// turned counter-clockwise by φ_p about its normal; θ'(p, q) = θ(p, q) − φ_p and
// g'(q→p) = g(q→p) + φ_q − φ_p.

/**
 * The frames turned counter-clockwise about `n` by `phi[p]` at each vertex:
 * `e1' = cos φ e1 + sin φ e2`, `e2' = −sin φ e1 + cos φ e2`, `n' = n`. The result has no
 * `referenceHalfedge` (its `e1` no longer points along an edge).
 */
export function rotateFrames(frames: TangentFrames, phi: Float64Array): TangentFrames {
  const nVertices = phi.length;
  checkFrames(frames, nVertices, "rotateFrames (one angle per vertex in phi)");
  const { e1, e2, n } = frames;
  const e1Rotated = new Float64Array(3 * nVertices);
  const e2Rotated = new Float64Array(3 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    const c = Math.cos(phi[v]);
    const s = Math.sin(phi[v]);
    for (let k = 3 * v; k < 3 * v + 3; k++) {
      e1Rotated[k] = c * e1[k] + s * e2[k];
      e2Rotated[k] = -s * e1[k] + c * e2[k];
    }
  }
  return { e1: e1Rotated, e2: e2Rotated, n: n.slice() };
}

/**
 * Log-map angles after the gauge change `phi`: `θ'(p, q) = θ(p, q) − φ_p`, wrapped to `(−π, π]`.
 * Self pairs keep `θ = 0` (they have no direction).
 */
export function changeGaugeOfLogMap(
  theta: Float64Array,
  neighbourhoods: Neighbourhoods,
  phi: Float64Array,
): Float64Array {
  checkGaugeArguments(theta, neighbourhoods, phi, "changeGaugeOfLogMap", "theta");
  const { offsets, indices } = neighbourhoods;
  const result = new Float64Array(theta.length);
  for (let p = 0; p < phi.length; p++) {
    const phiP = phi[p];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      result[i] = indices[i] === p ? 0 : wrapAngle(theta[i] - phiP);
    }
  }
  return result;
}

/** Transport angles after the gauge change `phi`: `g'(q→p) = g(q→p) + φ_q − φ_p`, wrapped to `(−π, π]`. */
export function changeGaugeOfTransport(
  g: Float64Array,
  neighbourhoods: Neighbourhoods,
  phi: Float64Array,
): Float64Array {
  checkGaugeArguments(g, neighbourhoods, phi, "changeGaugeOfTransport", "g");
  const { offsets, indices } = neighbourhoods;
  const result = new Float64Array(g.length);
  for (let p = 0; p < phi.length; p++) {
    const phiP = phi[p];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      result[i] = wrapAngle(g[i] + phi[indices[i]] - phiP);
    }
  }
  return result;
}

/** A gauge change of `nVertices` angles drawn uniformly from `[0, 2π)` by a seeded generator. */
export function randomGauge(nVertices: number, seed = 0): Float64Array {
  const random = mulberry32(seed);
  const phi = new Float64Array(nVertices);
  for (let v = 0; v < nVertices; v++) phi[v] = TWO_PI * random();
  return phi;
}

function checkGaugeArguments(
  values: Float64Array,
  neighbourhoods: Neighbourhoods,
  phi: Float64Array,
  caller: string,
  name: string,
): void {
  checkNeighbourhoods(neighbourhoods, phi.length, `${caller} (one angle per vertex in phi)`);
  if (values.length !== neighbourhoods.indices.length) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: ${name} has ${values.length} entries, but the neighbourhoods have ${neighbourhoods.indices.length} pairs`,
    );
  }
}
