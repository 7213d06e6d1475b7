import { rotationFromQuaternion } from "../geometry/rotation.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";
import { icosphere } from "./icosphere.js";

// Synthetic weather on the unit sphere for gauge-equivariant tests and experiments: a pressure
// field P made of vortices and jets, and the wind it drives by a geostrophic-like relation,
//
//   wind = n × ∇P   (n = p the outward normal, ∇ the surface gradient),
//
// as if the Coriolis parameter were the same positive constant everywhere (on the Earth it changes
// sign at the equator, where geostrophy fails; a fixed sense keeps the relation defined on the
// whole sphere). Low pressure then turns the wind counter-clockwise seen from outside: cyclonic.
// Every system is a function of p·c for a centre or axis c, so
//   P = F(p·c)  ⇒  wind = F'(p·c) · (p × c),
// which is exactly tangent (p × c ⊥ p) and turns with the sphere: rotating the configuration by R
// gives R·wind(Rᵀ p).

/** The classes of `sphericalWindSample`, in label order. */
export const WIND_CLASSES = [
  "cyclone",
  "anticyclone",
  "cyclone-pair",
  "anticyclone-pair",
  "dipole",
  "jet",
] as const;
export type WindClass = (typeof WIND_CLASSES)[number];

/** The icosphere level of the default sphere: level 3, 642 vertices, about 8.5° between neighbours. */
export const DEFAULT_WIND_LEVEL = 3;

/**
 * A vortex: pressure `−sense · (A/κ) e^{κ(p·c − 1)}`, so the wind `sense · A e^{κ(p·c − 1)} (c × p)`
 * circles `c`, counter-clockwise seen from outside for `sense` +1 (cyclonic, a low) and clockwise
 * for −1 (anticyclonic, a high). Its speed `A e^{κ(cos α − 1)} sin α` at angle `α` from `c` peaks,
 * at 1 (`A` is chosen so), at `cos α = (√(1 + 4κ²) − 1) / 2κ`, about `1/√κ` radians.
 */
export interface Vortex {
  readonly kind: "vortex";
  /** Unit centre. */
  readonly centre: readonly [number, number, number];
  readonly sense: 1 | -1;
  /** Concentration κ > 0: larger is smaller. */
  readonly kappa: number;
}

/**
 * A zonal jet about a unit `axis`: pressure `−A w tanh((p·a − z0) / w)`, so the wind
 * `A sech²((p·a − z0) / w) (a × p)` blows along the circle of "latitude" `asin z0`, counter-clockwise
 * about `a` (eastward, `a` being north), in a band of half-width about `w`; `A` makes the speed on
 * that circle 1.
 */
export interface Jet {
  readonly kind: "jet";
  readonly axis: readonly [number, number, number];
  /** `p·a` of the jet's core, in (−1, 1). */
  readonly z0: number;
  /** Width in `p·a`, > 0. */
  readonly width: number;
}

export type WeatherSystem = Vortex | Jet;

/** Wind (3 numbers per point) and pressure (1 per point) of weather systems at unit points. */
export interface WindField {
  readonly wind: Float64Array;
  readonly pressure: Float64Array;
}

/**
 * Pressure and wind of `systems`, summed, at unit `points` (3 per point; not checked to be unit:
 * the formulas take `p·c` and `p × c` as they come). Noise-free and exactly tangent to the sphere.
 */
export function sphericalWindAt(points: ArrayLike<number>, systems: readonly WeatherSystem[]): WindField {
  const nPoints = Math.floor(points.length / 3);
  const wind = new Float64Array(3 * nPoints);
  const pressure = new Float64Array(nPoints);
  for (const system of systems) {
    const [cx, cy, cz] = system.kind === "vortex" ? system.centre : system.axis;
    let amplitude: number;
    let profile: (z: number) => { pressure: number; derivative: number };
    if (system.kind === "vortex") {
      const { kappa, sense } = system;
      if (!(kappa > 0 && Number.isFinite(kappa)))
        throw new RangeError(`vortex kappa must be > 0, got ${kappa}`);
      const cosPeak = (Math.sqrt(1 + 4 * kappa * kappa) - 1) / (2 * kappa);
      amplitude = 1 / (Math.exp(kappa * (cosPeak - 1)) * Math.sqrt(1 - cosPeak * cosPeak));
      const a = amplitude;
      // F(z) = −s (A/κ) e^{κ(z−1)}, F'(z) = −s A e^{κ(z−1)}.
      profile = (z) => {
        const e = Math.exp(kappa * (z - 1));
        return { pressure: (-sense * a * e) / kappa, derivative: -sense * a * e };
      };
    } else {
      const { z0, width } = system;
      if (!(z0 > -1 && z0 < 1)) throw new RangeError(`jet z0 must be in (−1, 1), got ${z0}`);
      if (!(width > 0 && Number.isFinite(width))) throw new RangeError(`jet width must be > 0, got ${width}`);
      amplitude = 1 / Math.sqrt(1 - z0 * z0);
      const a = amplitude;
      // F(z) = −A w tanh((z − z0)/w), F'(z) = −A sech²((z − z0)/w).
      profile = (z) => {
        const t = Math.tanh((z - z0) / width);
        return { pressure: -a * width * t, derivative: -a * (1 - t * t) };
      };
    }
    for (let i = 0; i < nPoints; i++) {
      const px = points[3 * i];
      const py = points[3 * i + 1];
      const pz = points[3 * i + 2];
      const { pressure: f, derivative } = profile(px * cx + py * cy + pz * cz);
      pressure[i] += f;
      // n × ∇P = F'(z) (p × c).
      wind[3 * i] += derivative * (py * cz - pz * cy);
      wind[3 * i + 1] += derivative * (pz * cx - px * cz);
      wind[3 * i + 2] += derivative * (px * cy - py * cx);
    }
  }
  return { wind, pressure };
}

/** The systems rotated by `rotation` (row-major 3×3 acting on column vectors): centres and axes turned. */
export function rotateWeatherSystems(
  systems: readonly WeatherSystem[],
  rotation: ArrayLike<number>,
): WeatherSystem[] {
  const turn = (v: readonly [number, number, number]): [number, number, number] => [
    rotation[0] * v[0] + rotation[1] * v[1] + rotation[2] * v[2],
    rotation[3] * v[0] + rotation[4] * v[1] + rotation[5] * v[2],
    rotation[6] * v[0] + rotation[7] * v[1] + rotation[8] * v[2],
  ];
  return systems.map((s) =>
    s.kind === "vortex" ? { ...s, centre: turn(s.centre) } : { ...s, axis: turn(s.axis) },
  );
}

export interface SphericalWindOptions {
  /** Icosphere level of the mesh (default `DEFAULT_WIND_LEVEL`, 3: 642 vertices). */
  readonly level?: number;
  /**
   * Standard deviation of the wind's noise per tangent component, in units of the systems' peak
   * speed (default 0.1). The noise is a 3D Gaussian projected onto the sphere's tangent plane.
   */
  readonly noise?: number;
  /** Standard deviation of noise added to the pressure (default 0). */
  readonly pressureNoise?: number;
  /** Turn each sample by a uniformly random rotation of the sphere (default true). */
  readonly rotate?: boolean;
}

/** One synthetic weather sample on an icosphere. */
export interface SphericalWindSample {
  readonly windClass: WindClass;
  /** Index of `windClass` in `WIND_CLASSES`. */
  readonly label: number;
  readonly seed: number;
  /** The unit icosphere (the same for every sample of a level). */
  readonly mesh: TriangleMeshData;
  /** Wind with noise, 3 per vertex in the mesh's coordinates, tangent to the sphere. */
  readonly wind: Float64Array;
  /** Pressure (with `pressureNoise`), 1 per vertex. */
  readonly pressure: Float64Array;
  /** The systems, after the rotation. */
  readonly systems: readonly WeatherSystem[];
  /** The rotation applied to the canonical configuration, row-major 3×3 (the identity without `rotate`). */
  readonly rotation: Float64Array;
}

const meshes = new Map<number, TriangleMeshData>();

function sphere(level: number): TriangleMeshData {
  let mesh = meshes.get(level);
  if (mesh === undefined) {
    mesh = icosphere(level);
    meshes.set(level, mesh);
  }
  return mesh;
}

/** Which random draws a class shares with its mirror (cyclone with anticyclone, pair with anti-pair). */
const FAMILY: Record<WindClass, number> = {
  cyclone: 0,
  anticyclone: 0,
  "cyclone-pair": 1,
  "anticyclone-pair": 1,
  dipole: 2,
  jet: 3,
};

/**
 * One sample of class `windClass`, deterministic per `(windClass, seed, options)`. Canonically a
 * vortex sits at +z (κ uniform in [4, 9], so its fastest wind is 19–29° from its centre), a pair or
 * dipole at ±(35–55)° from +z in the xz-plane, a jet's core at 30° "north" of the equator about +z
 * (width 0.25); then the whole configuration is turned by a uniform random rotation. Cyclones turn
 * counter-clockwise seen from outside, anticyclones clockwise; a dipole has one of each.
 *
 * Mirrored classes are exact negatives: `anticyclone` with seed `k` is `cyclone` with seed `k`
 * with wind (noise included) and pressure negated, and likewise `anticyclone-pair` of
 * `cyclone-pair`. So their wind speeds `|wind|` are equal at every vertex, bit for bit: a network
 * that sees only speeds cannot tell the sense of rotation, exactly.
 */
export function sphericalWindSample(
  windClass: WindClass,
  seed: number,
  options: SphericalWindOptions = {},
): SphericalWindSample {
  const label = WIND_CLASSES.indexOf(windClass);
  if (label < 0) throw new RangeError(`unknown wind class "${windClass}" (${WIND_CLASSES.join(", ")})`);
  const level = options.level ?? DEFAULT_WIND_LEVEL;
  const noise = options.noise ?? 0.1;
  const pressureNoise = options.pressureNoise ?? 0;
  for (const [name, value] of [
    ["noise", noise],
    ["pressureNoise", pressureNoise],
  ] as const) {
    if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
  }
  const mesh = sphere(level);
  // The seed and the family (not the class) choose every draw, so mirrored classes share them.
  const random = mulberry32(Math.imul(Math.trunc(seed) >>> 0, 4) + FAMILY[windClass] + 0x5eed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const q = [gaussian(), gaussian(), gaussian(), gaussian()];
  const rotation =
    options.rotate === false
      ? Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1)
      : rotationFromQuaternion(q[0], q[1], q[2], q[3]);
  const sense: 1 | -1 = windClass === "anticyclone" || windClass === "anticyclone-pair" ? -1 : 1;
  // Canonical systems, all with sense +1 except the dipole's second vortex; `sense` is applied to
  // the finished fields, so that mirrored samples are exact negatives.
  const kappa = () => 4 + 5 * random();
  let canonical: WeatherSystem[];
  if (FAMILY[windClass] === 0) {
    canonical = [{ kind: "vortex", centre: [0, 0, 1], sense: 1, kappa: kappa() }];
  } else if (FAMILY[windClass] <= 2) {
    const half = ((35 + 20 * random()) * Math.PI) / 180;
    const [s, c] = [Math.sin(half), Math.cos(half)];
    canonical = [
      { kind: "vortex", centre: [s, 0, c], sense: 1, kappa: kappa() },
      { kind: "vortex", centre: [-s, 0, c], sense: windClass === "dipole" ? -1 : 1, kappa: kappa() },
    ];
  } else {
    canonical = [{ kind: "jet", axis: [0, 0, 1], z0: 0.5, width: 0.25 }];
  }
  const systems = rotateWeatherSystems(canonical, rotation);
  const { wind, pressure } = sphericalWindAt(mesh.positions, systems);
  const p = mesh.positions;
  for (let v = 0; v < wind.length / 3; v++) {
    const i = 3 * v;
    const g = [noise * gaussian(), noise * gaussian(), noise * gaussian()];
    const along = g[0] * p[i] + g[1] * p[i + 1] + g[2] * p[i + 2];
    for (let k = 0; k < 3; k++) wind[i + k] = sense * (wind[i + k] + g[k] - along * p[i + k]);
    pressure[v] = sense * (pressure[v] + (pressureNoise > 0 ? pressureNoise * gaussian() : 0));
  }
  const turned =
    sense === 1
      ? systems
      : systems.map((s) => (s.kind === "vortex" ? { ...s, sense: -s.sense as 1 | -1 } : s));
  return { windClass, label, seed, mesh, wind, pressure, systems: turned, rotation };
}

export interface SphericalWindDatasetOptions extends SphericalWindOptions {
  /** Samples of each class (default 10). */
  readonly samplesPerClass?: number;
  /** The classes (default all of `WIND_CLASSES`). */
  readonly classes?: readonly WindClass[];
  /** Seed of the first sample; sample `i` of every class has seed `seed + i` (default 0). */
  readonly seed?: number;
}

/**
 * `samplesPerClass` samples of each class, class by class; sample `i` of every class has seed
 * `seed + i`, so the mirrored classes come in exact pairs (see `sphericalWindSample`).
 */
export function sphericalWindDataset(options: SphericalWindDatasetOptions = {}): SphericalWindSample[] {
  const count = options.samplesPerClass ?? 10;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`samplesPerClass must be a whole number ≥ 1, got ${count}`);
  }
  const first = options.seed ?? 0;
  return (options.classes ?? WIND_CLASSES).flatMap((windClass) =>
    Array.from({ length: count }, (_, i) => sphericalWindSample(windClass, first + i, options)),
  );
}
