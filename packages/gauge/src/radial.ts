import { GaugeArgumentError } from "./errors.js";

/**
 * Radial profiles: how a kernel's weights vary with the distance `r` from the receiving vertex.
 * Each profile is a set of functions `w_k(r)`; a layer keeps one weight vector per `k` and mixes
 * them with the profile values of each neighbour (`KernelBasis.weightsAtRadius`).
 */

/** Options of `ringWeights`. */
export interface RingOptions {
  /** Number of rings `R ≥ 1`. */
  readonly rings: number;
  /** Radius (same unit as `r`, > 0) of the outermost ring (`"clamp"`) or where the profile reaches zero (`"zero"`). */
  readonly maxRadius: number;
  /**
   * What happens towards and beyond `maxRadius`:
   * - `"clamp"` (default): ring centres `c_k = k · maxRadius / (R − 1)`, `k = 0…R−1` (the first at
   *   0, the last at maxRadius); for `r ≥ maxRadius` the last ring has weight 1 and the others 0.
   *   With `R = 1` the single ring has weight 1 at every radius.
   * - `"zero"`: centres `c_k = k · maxRadius / R`, so the last hat falls to 0 at `maxRadius` and
   *   every weight is 0 for `r ≥ maxRadius`; kernels then vanish continuously at the cut-off.
   */
  readonly falloff?: "clamp" | "zero";
}

/**
 * Linear-interpolation ("hat") weights over `rings` evenly spaced rings, as GEM-CNN
 * parametrises its radial dependence: `w_k(r) = max(0, 1 − |r − c_k| / Δ)` with ring spacing
 * `Δ` and centres `c_k` as described in `RingOptions.falloff`. Inside `[0, c_{R−1}]` the
 * weights are non-negative, at most two are non-zero and they sum to 1 (linear interpolation
 * between the two nearest rings). Returns row-major `[radii.length × rings]`.
 */
export function ringWeights(radii: ArrayLike<number>, options: RingOptions): Float64Array {
  const { rings, maxRadius } = options;
  const falloff = options.falloff ?? "clamp";
  assertProfileOptions(rings, maxRadius, "rings");
  if (falloff !== "clamp" && falloff !== "zero") {
    throw new GaugeArgumentError("falloff", `must be "clamp" or "zero", got ${JSON.stringify(falloff)}`);
  }
  const out = new Float64Array(radii.length * rings);
  const intervals = falloff === "clamp" ? rings - 1 : rings;
  for (let i = 0; i < radii.length; i++) {
    const r = assertRadius(radii[i], i);
    const row = i * rings;
    if (intervals === 0) {
      out[row] = 1;
      continue;
    }
    // Position in units of the ring spacing: ring k sits at x = k.
    const x = (r / maxRadius) * intervals;
    if (x >= intervals) {
      if (falloff === "clamp") out[row + rings - 1] = 1;
      continue;
    }
    const k = Math.floor(x);
    const t = x - k;
    out[row + k] = 1 - t;
    if (k + 1 < rings) out[row + k + 1] = t;
  }
  return out;
}

/** Options of `gaussianShellWeights`. */
export interface GaussianShellOptions {
  /** Number of shells `S ≥ 1`. */
  readonly shells: number;
  /** Centre of the outermost shell (> 0); centres are `c_k = k · maxRadius / (S − 1)` (just 0 when S = 1). */
  readonly maxRadius: number;
  /** Standard deviation σ of every shell (> 0); default 0.6 × the shell spacing (maxRadius when S = 1). */
  readonly width?: number;
}

/**
 * Gaussian shells `w_k(r) = exp(−(r − c_k)² / (2σ²))`, not normalised, defined for every
 * `r ≥ 0` (beyond `maxRadius` they simply decay). Returns row-major `[radii.length × shells]`.
 */
export function gaussianShellWeights(radii: ArrayLike<number>, options: GaussianShellOptions): Float64Array {
  const { shells, maxRadius } = options;
  assertProfileOptions(shells, maxRadius, "shells");
  const spacing = shells > 1 ? maxRadius / (shells - 1) : maxRadius;
  const width = options.width ?? 0.6 * spacing;
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new GaugeArgumentError("width", `must be a positive finite number, got ${width}`);
  }
  const out = new Float64Array(radii.length * shells);
  for (let i = 0; i < radii.length; i++) {
    const r = assertRadius(radii[i], i);
    for (let k = 0; k < shells; k++) {
      const d = (r - k * spacing) / width;
      out[i * shells + k] = Math.exp(-0.5 * d * d);
    }
  }
  return out;
}

/** A radial profile chosen by name, for layer configs: rings (default) or Gaussian shells. */
export type RadialProfile =
  | ({ readonly kind: "rings" } & RingOptions)
  | ({ readonly kind: "gaussian" } & GaussianShellOptions);

/** Number of functions `w_k` of a profile (the width of a row of `radialWeights`). */
export function radialProfileSize(profile: RadialProfile): number {
  return profile.kind === "rings" ? profile.rings : profile.shells;
}

/** `ringWeights` or `gaussianShellWeights`, by `profile.kind`. */
export function radialWeights(radii: ArrayLike<number>, profile: RadialProfile): Float64Array {
  switch (profile.kind) {
    case "rings":
      return ringWeights(radii, profile);
    case "gaussian":
      return gaussianShellWeights(radii, profile);
    default:
      throw new GaugeArgumentError(
        "profile.kind",
        `must be "rings" or "gaussian", got ${JSON.stringify((profile as { kind: unknown }).kind)}`,
      );
  }
}

function assertProfileOptions(count: number, maxRadius: number, countName: string): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new GaugeArgumentError(countName, `must be an integer ≥ 1, got ${count}`);
  }
  if (!(maxRadius > 0) || !Number.isFinite(maxRadius)) {
    throw new GaugeArgumentError("maxRadius", `must be a positive finite number, got ${maxRadius}`);
  }
}

function assertRadius(r: number, i: number): number {
  if (!(r >= 0) || !Number.isFinite(r)) {
    throw new GaugeArgumentError(`radii[${i}]`, `a radius must be finite and ≥ 0, got ${r}`);
  }
  return r;
}
