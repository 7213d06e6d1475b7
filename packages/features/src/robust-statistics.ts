// The robust statistics that both the input normalisation and the regression targets' scaling
// are fitted with, so that the two stay one definition.

/** `(Q3 − Q1) / 1.349` is the standard deviation of a normal distribution. */
export const IQR_PER_STD = 1.3489795003921634;

/**
 * The median norm of an isotropic normal 2-vector is `√(ln 2)` times its RMS norm (the norm is
 * Rayleigh-distributed): dividing the median by this gives a robust RMS.
 */
export const MEDIAN_NORM_PER_RMS = Math.sqrt(Math.LN2);

/** Below this a spread counts as zero and the next fallback is used. */
const ZERO_SPREAD = 1e-12;

/** Linear interpolation between the order statistics of a sorted column (type 7 of Hyndman and Fan). */
export function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** Standard deviation (scalars) or RMS (norms) of a column, 1 where it is 0. */
function fallbackScale(column: Float64Array, rms: boolean): number {
  let sum = 0;
  let squares = 0;
  for (const x of column) {
    sum += x;
    squares += x * x;
  }
  const mean = rms ? 0 : sum / column.length;
  const spread = Math.sqrt(Math.max(0, squares / column.length - mean * mean));
  return spread > ZERO_SPREAD ? spread : 1;
}

/**
 * Median and robust standard deviation (interquartile range over 1.349) of a scalar column; the
 * standard deviation where the interquartile range is 0, 1 where both are. O(N log N).
 */
export function robustCenterAndScale(column: Float64Array): { center: number; scale: number } {
  const sorted = column.slice().sort();
  const iqr = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / IQR_PER_STD;
  return { center: quantile(sorted, 0.5), scale: iqr > ZERO_SPREAD ? iqr : fallbackScale(column, false) };
}

/**
 * Robust RMS of a column of 2-vector norms (median over √(ln 2)); the RMS where the median is 0,
 * 1 where both are. O(N log N).
 */
export function robustRms(norms: Float64Array): number {
  const robust = quantile(norms.slice().sort(), 0.5) / MEDIAN_NORM_PER_RMS;
  return robust > ZERO_SPREAD ? robust : fallbackScale(norms, true);
}
