import { mulberry32 } from "@gemcnn/geometry";
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
  let [w, x, y, z] = [gauss(), gauss(), gauss(), gauss()];
  const norm = Math.hypot(w, x, y, z);
  [w, x, y, z] = [w / norm, x / norm, y / norm, z / norm];
  const rotation = [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
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
