import { mulberry32, type TriangleMeshData } from "@gemcnn/geometry";
import { Vector3 } from "three";
import {
  gaussian,
  type Random,
  radialSurface,
  randomRotation,
  randomSphereTriangulation,
  randomTorus,
} from "./shapes.js";

/** A class of the synthetic dataset: a family of surfaces with a shared intrinsic character. */
export interface SyntheticClass {
  readonly name: string;
  readonly description: string;
  /** One random member with about `vertexCount` vertices, of size about 1, not yet moved or scaled. */
  make(random: Random, vertexCount: number): TriangleMeshData;
}

const uniform = (random: Random, lo: number, hi: number) => lo + (hi - lo) * random();

/** A random orthonormal basis (u, v, w) of 3-space. */
function randomBasis(random: Random): [Vector3, Vector3, Vector3] {
  const w = new Vector3(gaussian(random), gaussian(random), gaussian(random)).normalize();
  const helper = Math.abs(w.x) < 0.9 ? new Vector3(1, 0, 0) : new Vector3(0, 1, 0);
  const u = new Vector3().crossVectors(w, helper).normalize();
  return [u, new Vector3().crossVectors(w, u), w];
}

/**
 * Three bump centres on a small circle about a random axis, 120° apart around it, at polar angle
 * `polar` from the axis (jittered by ±`jitter`): the pairwise angle between centres is about
 * `2·asin(sin(polar)·√3/2)`.
 */
function triangleOfDirections(random: Random, polar: number, jitter: number): Vector3[] {
  const [u, v, w] = randomBasis(random);
  const start = 2 * Math.PI * random();
  return [0, 1, 2].map((k) => {
    const azimuth = start + (2 * Math.PI * k) / 3 + jitter * (2 * random() - 1);
    const t = polar + jitter * (2 * random() - 1);
    return new Vector3()
      .addScaledVector(w, Math.cos(t))
      .addScaledVector(u, Math.sin(t) * Math.cos(azimuth))
      .addScaledVector(v, Math.sin(t) * Math.sin(azimuth))
      .normalize();
  });
}

/**
 * A sphere with three smooth bumps of the same size range, placed by `placement`. The two bump
 * classes below differ only in where the bumps sit relative to each other, so their curvature
 * values are distributed alike over the surface, and statistics pooled over the vertices barely
 * tell them apart: a model has to see the arrangement.
 */
function bumpyClass(
  name: string,
  description: string,
  placement: (random: Random) => Vector3[],
): SyntheticClass {
  const height: [number, number] = [0.3, 0.45];
  const width: [number, number] = [0.19, 0.22];
  return {
    name,
    description,
    make(random, vertexCount) {
      const centres = placement(random);
      const heights = centres.map(() => uniform(random, ...height));
      const widths = centres.map(() => uniform(random, ...width));
      return radialSurface(randomSphereTriangulation(vertexCount, 0.35, random), (x, y, z) => {
        let r = 1;
        centres.forEach((c, k) => {
          const oneMinusCos = 1 - (c.x * x + c.y * y + c.z * z);
          r += heights[k] * Math.exp(-oneMinusCos / (widths[k] * widths[k]));
        });
        return r;
      });
    },
  };
}

/**
 * The classes of the embedded default dataset. They differ in intrinsic geometry (how Gaussian
 * curvature is distributed, and topology), not only in outline, so an intrinsic model must tell
 * them apart whatever their pose, size and triangulation. Two of them (`bumps-spread`,
 * `bumps-cluster`) differ only in the arrangement of equal bumps.
 */
export const SYNTHETIC_CLASSES: readonly SyntheticClass[] = [
  {
    name: "sphere",
    description: "near-round sphere (axes within 5%)",
    make(random, vertexCount) {
      const [a, b, c] = [
        uniform(random, 0.95, 1.05),
        uniform(random, 0.95, 1.05),
        uniform(random, 0.95, 1.05),
      ];
      return radialSurface(randomSphereTriangulation(vertexCount, 0.35, random), (x, y, z) =>
        ellipsoidRadius(x, y, z, a, b, c),
      );
    },
  },
  {
    name: "ellipsoid",
    description: "elongated ellipsoid, axes about 1.7 : 1 : 0.6",
    make(random, vertexCount) {
      const [a, b, c] = [uniform(random, 1.5, 1.9), uniform(random, 0.9, 1.1), uniform(random, 0.5, 0.7)];
      return radialSurface(randomSphereTriangulation(vertexCount, 0.35, random), (x, y, z) =>
        ellipsoidRadius(x, y, z, a, b, c),
      );
    },
  },
  {
    name: "capsule",
    description: "cylinder with hemispherical caps (flat band, round ends)",
    make(random, vertexCount) {
      const rho = uniform(random, 0.45, 0.55);
      const half = uniform(random, 0.8, 1.1);
      return radialSurface(randomSphereTriangulation(vertexCount, 0.35, random), (x, y, z) =>
        capsuleRadius(x, y, z, rho, half),
      );
    },
  },
  {
    name: "rounded-box",
    description: "superellipsoid |x|^p + |y|^p + |z|^p = 1, p from 6 to 10 (flat faces, sharp-ish edges)",
    make(random, vertexCount) {
      const p = uniform(random, 6, 10);
      const [a, b, c] = [
        uniform(random, 0.95, 1.05),
        uniform(random, 0.95, 1.05),
        uniform(random, 0.95, 1.05),
      ];
      return radialSurface(
        randomSphereTriangulation(vertexCount, 0.35, random),
        (x, y, z) => (Math.abs(x / a) ** p + Math.abs(y / b) ** p + Math.abs(z / c) ** p) ** (-1 / p),
      );
    },
  },
  {
    name: "peanut",
    description: "two lobes joined by a waist (negative curvature around the middle)",
    make(random, vertexCount) {
      const waist = uniform(random, 0.5, 0.6);
      const lobes = uniform(random, 0.7, 0.9);
      return radialSurface(
        randomSphereTriangulation(vertexCount, 0.35, random),
        (_x, _y, z) => waist + lobes * z * z,
      );
    },
  },
  bumpyClass(
    "bumps-spread",
    "sphere with 3 bumps spread around a great circle (about 120° apart)",
    (random) => triangleOfDirections(random, Math.PI / 2, 0.1),
  ),
  bumpyClass("bumps-cluster", "sphere with 3 bumps close together (about 70° apart)", (random) =>
    triangleOfDirections(random, 0.75, 0.06),
  ),
  {
    name: "torus",
    description: "torus (genus 1), radii ratio 2 to 3",
    make(random, vertexCount) {
      const major = 1;
      const minor = uniform(random, 0.33, 0.5);
      const nu = Math.max(8, Math.round(Math.sqrt((vertexCount * major) / minor)));
      const nv = Math.max(4, Math.round(vertexCount / nu));
      return randomTorus(major, minor, nu, nv, 0.5, random);
    },
  },
];

export interface SyntheticOptions {
  /** Seed of everything random; equal seeds give identical datasets. */
  readonly seed: number;
  /** Training meshes per class. */
  readonly trainPerClass: number;
  readonly testPerClass: number;
  /** Vertex count range (inclusive); each mesh draws its own. */
  readonly minVertices: number;
  readonly maxVertices: number;
  /** Standard deviation of the Gaussian noise on each coordinate, relative to the shape's size (about 1). */
  readonly noise: number;
  /** Scales are drawn log-uniformly from `[1 / maxScale, maxScale]`. */
  readonly maxScale: number;
  /** Classes to use (default: all). */
  readonly classes?: readonly SyntheticClass[];
}

export const DEFAULT_SYNTHETIC_OPTIONS: SyntheticOptions = {
  seed: 0,
  trainPerClass: 30,
  testPerClass: 10,
  minVertices: 200,
  maxVertices: 400,
  noise: 0.005,
  maxScale: 2,
};

export interface SyntheticSample {
  /** `<class>/<train|test>/<class>-<index>` (also the file name stem when written out). */
  readonly name: string;
  readonly className: string;
  readonly label: number;
  readonly mesh: TriangleMeshData;
}

export interface SyntheticDataset {
  readonly classes: readonly string[];
  readonly train: readonly SyntheticSample[];
  readonly test: readonly SyntheticSample[];
}

/**
 * Generates the synthetic dataset in memory: for every class, `trainPerClass + testPerClass`
 * members, each with its own triangulation and vertex count, then coordinate noise, a random
 * scale, rotation and translation. Each mesh has its own random stream derived from
 * `(seed, class, index)`, so a mesh does not change when the counts of others do.
 */
export function generateSyntheticDataset(options: SyntheticOptions): SyntheticDataset {
  const classes = options.classes ?? SYNTHETIC_CLASSES;
  if (options.minVertices < 50 || options.maxVertices < options.minVertices) {
    throw new RangeError(
      `vertex range must satisfy 50 ≤ min ≤ max, got ${options.minVertices}..${options.maxVertices}`,
    );
  }
  const train: SyntheticSample[] = [];
  const test: SyntheticSample[] = [];
  for (const [label, cls] of classes.entries()) {
    const total = options.trainPerClass + options.testPerClass;
    for (let index = 0; index < total; index++) {
      const random = mulberry32(mixSeed(options.seed, label, index));
      const vertexCount =
        options.minVertices + Math.floor(random() * (options.maxVertices - options.minVertices + 1));
      const shape = cls.make(random, vertexCount);
      const mesh = perturb(shape, random, options.noise, options.maxScale);
      const part = index < options.trainPerClass ? "train" : "test";
      const sample = { name: `${cls.name}/${part}/${cls.name}-${index}`, className: cls.name, label, mesh };
      (part === "train" ? train : test).push(sample);
    }
  }
  return { classes: classes.map((c) => c.name), train, test };
}

/** Noise, then a log-uniform scale, a uniform random rotation and a translation in [−2, 2]³. */
function perturb(mesh: TriangleMeshData, random: Random, noise: number, maxScale: number): TriangleMeshData {
  const rotation = randomRotation(random).elements; // column-major
  const scale = Math.exp((2 * random() - 1) * Math.log(maxScale));
  const shift = [4 * random() - 2, 4 * random() - 2, 4 * random() - 2];
  const positions = new Float64Array(mesh.positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    const x = mesh.positions[i] + noise * gaussian(random);
    const y = mesh.positions[i + 1] + noise * gaussian(random);
    const z = mesh.positions[i + 2] + noise * gaussian(random);
    for (let r = 0; r < 3; r++) {
      positions[i + r] = scale * (rotation[r] * x + rotation[3 + r] * y + rotation[6 + r] * z) + shift[r];
    }
  }
  return { positions, triangles: mesh.triangles };
}

/** A 32-bit seed for mesh `index` of class `label` (a multiplicative hash, so streams differ). */
function mixSeed(seed: number, label: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (label + 0x632be5ab), 0xc2b2ae35);
  h = Math.imul(h ^ (index + 0x27d4eb2f), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

function ellipsoidRadius(x: number, y: number, z: number, a: number, b: number, c: number): number {
  return 1 / Math.sqrt((x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2);
}

/** Distance from the centre to a capsule (radius `rho`, axis segment z in [−half, half]) along unit (x, y, z). */
function capsuleRadius(x: number, y: number, z: number, rho: number, half: number): number {
  const planar = Math.hypot(x, y);
  if (planar > 0) {
    const r = rho / planar;
    if (Math.abs(z) * r <= half) return r;
  }
  const uz = Math.abs(z);
  return half * uz + Math.sqrt(half * half * uz * uz - half * half + rho * rho);
}
