import { mulberry32, rotationFromQuaternion } from "@gemcnn/geometry";
import { gaussian } from "../synthetic/shapes.js";

/** A rigid motion `x ↦ R x + t` with `R` a rotation, plus a uniform scale `s` (`x ↦ s (R x + t)`). */
export interface SimilarityTransform {
  /** Row-major 3×3 rotation. */
  readonly rotation: readonly number[];
  readonly translation: readonly [number, number, number];
  readonly scale: number;
}

/**
 * A seeded random rotation (uniform, from a random unit quaternion), translation in [−5, 5]³ and
 * scale `scale` (1 unless given). For invariance tests; deterministic per seed.
 */
export function randomRigidMotion(seed: number, scale = 1): SimilarityTransform {
  const rand = mulberry32(seed);
  const gauss = () => gaussian(rand);
  const [w, x, y, z] = [gauss(), gauss(), gauss(), gauss()];
  const rotation = Array.from(rotationFromQuaternion(w, x, y, z));
  const translation: [number, number, number] = [10 * rand() - 5, 10 * rand() - 5, 10 * rand() - 5];
  return { rotation, translation, scale };
}

/** Applies a similarity transform to packed positions, returning new positions. */
export function transformPositions(positions: Float64Array, t: SimilarityTransform): Float64Array {
  const out = new Float64Array(positions.length);
  const r = t.rotation;
  for (let i = 0; i < positions.length; i += 3) {
    const [x, y, z] = [positions[i], positions[i + 1], positions[i + 2]];
    out[i] = t.scale * (r[0] * x + r[1] * y + r[2] * z + t.translation[0]);
    out[i + 1] = t.scale * (r[3] * x + r[4] * y + r[5] * z + t.translation[1]);
    out[i + 2] = t.scale * (r[6] * x + r[7] * y + r[8] * z + t.translation[2]);
  }
  return out;
}
