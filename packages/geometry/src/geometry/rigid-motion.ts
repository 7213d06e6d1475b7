import { mulberry32 } from "../random.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { rotationFromQuaternion } from "./rotation.js";

/**
 * A rigid motion of space, `p ↦ R p + t`: `rotation` is `R`, row-major 3×3 acting on column
 * vectors (a proper rotation, determinant +1), `translation` is `t` (3 numbers).
 */
export interface RigidMotion {
  readonly rotation: Float64Array;
  readonly translation: Float64Array;
}

/**
 * A seeded random rigid motion, deterministic per seed: the rotation is uniform over SO(3) (the
 * normalised quaternion of four standard normal numbers), the translation has independent
 * normal coordinates of standard deviation 3. For invariance checks.
 */
export function randomRigidMotion(seed: number): RigidMotion {
  const random = mulberry32(seed);
  // Box–Muller; `1 − random()` lies in (0, 1], so the logarithm is finite.
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rotation = rotationFromQuaternion(gaussian(), gaussian(), gaussian(), gaussian());
  const translation = Float64Array.of(3 * gaussian(), 3 * gaussian(), 3 * gaussian());
  return { rotation, translation };
}

/**
 * Packed positions (`[x0, y0, z0, x1, …]`) moved by `p ↦ scale · (R p + t)`, in a new array;
 * `scale` (default 1, the rigid motion itself) makes it a similarity.
 */
export function applyRigidMotion(positions: Float64Array, motion: RigidMotion, scale = 1): Float64Array {
  const { rotation: r, translation: t } = motion;
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const x = positions[i];
    const y = positions[i + 1];
    const z = positions[i + 2];
    for (let row = 0; row < 3; row++) {
      out[i + row] = scale * (r[3 * row] * x + r[3 * row + 1] * y + r[3 * row + 2] * z + t[row]);
    }
  }
  return out;
}

/** The mesh moved by `motion`: same connectivity and source, everything recomputed from the moved positions. */
export function moveMesh(geometry: MeshGeometry, motion: RigidMotion): MeshGeometry {
  return MeshGeometry.fromData(
    { positions: applyRigidMotion(geometry.positions, motion), triangles: geometry.mesh.triangles },
    { source: geometry.source },
  );
}
