import { mulberry32 } from "@gemcnn/geometry";
import type { FloatDtype } from "./equivariance.js";
import { GaugeArgumentError } from "./errors.js";
import type { FieldType, FloatArray } from "./field-type.js";

/**
 * A seeded source of uniform and Gaussian numbers on the geometry package's `mulberry32` (the
 * project's one generator), for random test data, gauges and weights; not for cryptography.
 */
export class SeededRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new GaugeArgumentError("seed", `must be a finite number, got ${seed}`);
    this.next = mulberry32(seed);
  }

  /** Uniform in `[low, high)`. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in `[0, n)`. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Normal with the given mean and standard deviation (Box–Muller). */
  gaussian(mean = 0, std = 1): number {
    const u = 1 - this.next(); // in (0, 1], so the logarithm is finite
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Uniform angle in `[−π, π)`. */
  angle(): number {
    return this.uniform(-Math.PI, Math.PI);
  }

  /** `n` standard normal numbers, in a `Float64Array` or (rounded) `Float32Array`. */
  gaussianArray(n: number, dtype: FloatDtype = "float64"): FloatArray {
    const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.gaussian();
    return out;
  }
}

function rngFrom(seedOrRandom: number | SeededRandom): SeededRandom {
  return typeof seedOrRandom === "number" ? new SeededRandom(seedOrRandom) : seedOrRandom;
}

/** A random gauge change: one angle per vertex, uniform in `[−π, π)`. */
export function randomGaugeAngles(nVertices: number, seedOrRandom: number | SeededRandom): Float64Array {
  const rng = rngFrom(seedOrRandom);
  return Float64Array.from({ length: nVertices }, () => rng.angle());
}

/** A packed `[nVertices × type.dim]` field with standard normal coefficients. */
export function randomField(
  type: FieldType,
  nVertices: number,
  seedOrRandom: number | SeededRandom,
  dtype: FloatDtype = "float64",
): FloatArray {
  return rngFrom(seedOrRandom).gaussianArray(nVertices * type.dim, dtype);
}
