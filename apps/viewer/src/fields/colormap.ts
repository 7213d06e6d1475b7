/**
 * Colour maps for scalar fields. Written here rather than taken from a library (d3-scale-chromatic
 * returns CSS strings per value) because the page needs float RGB arrays for thousands of vertices
 * and a piecewise-linear map over a handful of stops is all it takes.
 */

type Rgb = readonly [number, number, number];

/** Diverging blue–white–red (stops after ColorBrewer's RdBu), for signed quantities such as curvature. */
const DIVERGING: readonly Rgb[] = [
  [0.13, 0.4, 0.67],
  [0.57, 0.77, 0.87],
  [0.97, 0.97, 0.97],
  [0.96, 0.65, 0.51],
  [0.7, 0.09, 0.17],
];

/** Sequential dark-to-bright (stops after viridis), for unsigned quantities. */
const SEQUENTIAL: readonly Rgb[] = [
  [0.267, 0.005, 0.329],
  [0.231, 0.322, 0.545],
  [0.129, 0.569, 0.549],
  [0.369, 0.788, 0.384],
  [0.993, 0.906, 0.144],
];

export type ColormapKind = "diverging" | "sequential";

/** Colour of `t ∈ [0, 1]` (clamped) on a map given by equally spaced stops. */
function sample(stops: readonly Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

export interface ColorRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The range a map spans: for a diverging map symmetric about zero, `±` the `quantile` of `|x|`; for
 * a sequential map, from the `1 − quantile` to the `quantile` of `x`. A quantile below 1 keeps a
 * few extreme vertices (spikes on scanned meshes) from washing out everything else.
 */
export function colorRange(values: ArrayLike<number>, kind: ColormapKind, quantile = 0.98): ColorRange {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0) return { min: -1, max: 1 };
  const at = (sorted: number[], q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  if (kind === "diverging") {
    const magnitudes = finite.map(Math.abs).sort((a, b) => a - b);
    const bound = at(magnitudes, quantile) || magnitudes[magnitudes.length - 1] || 1;
    return { min: -bound, max: bound };
  }
  const sorted = finite.sort((a, b) => a - b);
  const min = at(sorted, 1 - quantile);
  const max = at(sorted, quantile);
  return max > min ? { min, max } : { min: min - 1, max: min + 1 };
}

/** RGB colours (three floats in [0, 1] per value) of `values` mapped over `range`. */
export function colorize(values: ArrayLike<number>, kind: ColormapKind, range: ColorRange): Float32Array {
  const stops = kind === "diverging" ? DIVERGING : SEQUENTIAL;
  const out = new Float32Array(values.length * 3);
  const span = range.max - range.min;
  for (let i = 0; i < values.length; i++) {
    out.set(sample(stops, (values[i] - range.min) / span), 3 * i);
  }
  return out;
}

/** A CSS linear gradient of the map, for legends. */
export function cssGradient(kind: ColormapKind): string {
  const stops = kind === "diverging" ? DIVERGING : SEQUENTIAL;
  const parts = stops.map(
    (c, i) =>
      `rgb(${Math.round(c[0] * 255)}, ${Math.round(c[1] * 255)}, ${Math.round(c[2] * 255)}) ${(100 * i) / (stops.length - 1)}%`,
  );
  return `linear-gradient(to right, ${parts.join(", ")})`;
}
