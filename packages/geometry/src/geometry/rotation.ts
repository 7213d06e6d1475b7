/**
 * The rotation matrix of the quaternion `w + x i + y j + z k`, row-major (`[r00, r01, r02, r10, …]`),
 * acting on column vectors: `p ↦ R p` is the rotation `p ↦ q p q⁻¹` (right-handed, so
 * `(cos(θ/2), 0, 0, sin(θ/2))` turns counter-clockwise by `θ` about +z). The quaternion is first
 * divided by its norm, so it need not be a unit one; the zero quaternion gives the identity.
 * `q` and `−q` give the same matrix.
 */
export function rotationFromQuaternion(w: number, x: number, y: number, z: number): Float64Array {
  const n = Math.hypot(w, x, y, z) || 1;
  [w, x, y, z] = [w / n, x / n, y / n, z / n];
  return Float64Array.of(
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  );
}
