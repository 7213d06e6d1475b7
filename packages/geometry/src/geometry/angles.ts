export const TWO_PI = 2 * Math.PI;

/** The angle `x` (radians) shifted by a multiple of 2π into `(−π, π]`; NaN for non-finite input. */
export function wrapAngle(x: number): number {
  if (x > -Math.PI && x <= Math.PI) return x;
  if (!Number.isFinite(x)) return Number.NaN;
  let y = x - TWO_PI * Math.floor((x + Math.PI) / TWO_PI);
  // Rounding can leave y just outside the half-open interval.
  if (y <= -Math.PI) y += TWO_PI;
  else if (y > Math.PI) y -= TWO_PI;
  return y;
}

/** Distance between two angles on the circle, in `[0, π]`. */
export function angleDistance(a: number, b: number): number {
  return Math.abs(wrapAngle(a - b));
}
