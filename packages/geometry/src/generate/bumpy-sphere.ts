import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";
import { icosphere } from "./icosphere.js";

export interface BumpySphereOptions {
  /** Subdivision level of the underlying icosphere (default 3: 642 vertices). */
  readonly level?: number;
  /** Largest radial displacement, from 0 up to (not including) 1 (default 0.15). */
  readonly amplitude?: number;
  /** Angular frequency of the bumps, in waves per radian along a random direction (default 3). */
  readonly frequency?: number;
  /** Seed of the random directions and phases (default 0). */
  readonly seed?: number;
}

/** Number of random plane waves that make the bumps. */
const WAVES = 6;

/**
 * A unit icosphere with every vertex moved along its direction d to radius 1 + amplitude·h(d),
 * where h is the mean of a few plane waves sin(frequency·(d·w) + φ) with random unit directions
 * w and phases φ (seeded), so |h| ≤ 1. A smooth, star-shaped genus-0 surface without symmetry;
 * the connectivity and the outward counter-clockwise orientation are the icosphere's.
 */
export function bumpySphere(options: BumpySphereOptions = {}): TriangleMeshData {
  const level = options.level ?? 3;
  const amplitude = options.amplitude ?? 0.15;
  const frequency = options.frequency ?? 3;
  const seed = options.seed ?? 0;
  if (!(amplitude >= 0 && amplitude < 1)) {
    throw new RangeError(`bumpySphere amplitude must be in [0, 1), got ${amplitude}`);
  }
  if (!(Number.isFinite(frequency) && frequency >= 0)) {
    throw new RangeError(`bumpySphere frequency must be a non-negative number, got ${frequency}`);
  }
  const sphere = icosphere(level);
  const random = mulberry32(seed);
  const waves: { w: number[]; phase: number }[] = [];
  for (let k = 0; k < WAVES; k++) {
    // Uniform on the sphere: z uniform in [−1, 1], azimuth uniform.
    const z = 2 * random() - 1;
    const azimuth = 2 * Math.PI * random();
    const s = Math.sqrt(1 - z * z);
    waves.push({ w: [s * Math.cos(azimuth), s * Math.sin(azimuth), z], phase: 2 * Math.PI * random() });
  }
  const positions = sphere.positions;
  for (let i = 0; i < positions.length; i += 3) {
    const d = [positions[i], positions[i + 1], positions[i + 2]];
    let h = 0;
    for (const { w, phase } of waves)
      h += Math.sin(frequency * (d[0] * w[0] + d[1] * w[1] + d[2] * w[2]) + phase);
    const radius = 1 + (amplitude * h) / WAVES;
    for (let k = 0; k < 3; k++) positions[i + k] = radius * d[k];
  }
  return { positions, triangles: sphere.triangles };
}
