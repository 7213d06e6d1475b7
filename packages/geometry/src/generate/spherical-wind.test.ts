import { describe, expect, it } from "vitest";
import { randomRigidMotion } from "../geometry/rigid-motion.js";
import { mulberry32 } from "../random.js";
import {
  rotateWeatherSystems,
  sphericalWindAt,
  sphericalWindDataset,
  sphericalWindSample,
  type WeatherSystem,
  WIND_CLASSES,
} from "./spherical-wind.js";

/** Uniform random unit points, 3 per point. */
function randomPoints(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const z = 2 * random() - 1;
    const t = 2 * Math.PI * random();
    const r = Math.sqrt(1 - z * z);
    out.set([r * Math.cos(t), r * Math.sin(t), z], 3 * i);
  }
  return out;
}

const rotate = (r: ArrayLike<number>, v: ArrayLike<number>, transpose = false): number[] =>
  [0, 1, 2].map((row) =>
    transpose
      ? r[row] * v[0] + r[3 + row] * v[1] + r[6 + row] * v[2]
      : r[3 * row] * v[0] + r[3 * row + 1] * v[1] + r[3 * row + 2] * v[2],
  );

const systems: WeatherSystem[] = [
  { kind: "vortex", centre: [0.6, 0, 0.8], sense: 1, kappa: 6 },
  { kind: "vortex", centre: [0, -0.8, 0.6], sense: -1, kappa: 4.5 },
  { kind: "jet", axis: [0, 0.6, 0.8], z0: 0.3, width: 0.3 },
];

describe("sphericalWindAt", () => {
  it("is exactly tangent to the sphere", () => {
    const points = randomPoints(500, 1);
    const { wind } = sphericalWindAt(points, systems);
    let worst = 0;
    for (let i = 0; i < 500; i++) {
      const dot =
        wind[3 * i] * points[3 * i] +
        wind[3 * i + 1] * points[3 * i + 1] +
        wind[3 * i + 2] * points[3 * i + 2];
      worst = Math.max(worst, Math.abs(dot));
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it("is n × ∇P, checked against central differences of the pressure along the sphere", () => {
    const points = randomPoints(200, 2);
    const { wind } = sphericalWindAt(points, systems);
    const h = 1e-5;
    let worst = 0;
    for (let i = 0; i < 200; i++) {
      const p = [points[3 * i], points[3 * i + 1], points[3 * i + 2]];
      // A tangent basis at p.
      const a = Math.abs(p[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
      const along = a[0] * p[0] + a[1] * p[1] + a[2] * p[2];
      const t1 = a.map((x, k) => x - along * p[k]);
      const l1 = Math.hypot(...t1);
      for (let k = 0; k < 3; k++) t1[k] /= l1;
      const t2 = [p[1] * t1[2] - p[2] * t1[1], p[2] * t1[0] - p[0] * t1[2], p[0] * t1[1] - p[1] * t1[0]];
      const pressureAt = (q: number[]) => {
        const l = Math.hypot(...q);
        return sphericalWindAt(
          q.map((x) => x / l),
          systems,
        ).pressure[0];
      };
      const d = [t1, t2].map(
        (t) =>
          (pressureAt(p.map((x, k) => x + h * t[k])) - pressureAt(p.map((x, k) => x - h * t[k]))) / (2 * h),
      );
      const gradient = [0, 1, 2].map((k) => d[0] * t1[k] + d[1] * t2[k]);
      const expected = [
        p[1] * gradient[2] - p[2] * gradient[1],
        p[2] * gradient[0] - p[0] * gradient[2],
        p[0] * gradient[1] - p[1] * gradient[0],
      ];
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(wind[3 * i + k] - expected[k]));
    }
    expect(worst).toBeLessThan(1e-7);
  });

  it("turns with the sphere: the systems rotated by R give R·wind(Rᵀp) and P(Rᵀp)", () => {
    const points = randomPoints(300, 3);
    for (const seed of [1, 2, 3]) {
      const { rotation } = randomRigidMotion(seed);
      const turned = new Float64Array(points.length);
      for (let i = 0; i < 300; i++) turned.set(rotate(rotation, points.subarray(3 * i, 3 * i + 3)), 3 * i);
      const before = sphericalWindAt(points, systems);
      const after = sphericalWindAt(turned, rotateWeatherSystems(systems, rotation));
      let worst = 0;
      for (let i = 0; i < 300; i++) {
        const expected = rotate(rotation, before.wind.subarray(3 * i, 3 * i + 3));
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(after.wind[3 * i + k] - expected[k]));
        worst = Math.max(worst, Math.abs(after.pressure[i] - before.pressure[i]));
      }
      expect(worst).toBeLessThan(1e-12);
      // Negative control: the unrotated systems at the rotated points differ.
      const wrong = sphericalWindAt(turned, systems);
      expect(Math.max(...wrong.pressure.map((x, i) => Math.abs(x - before.pressure[i])))).toBeGreaterThan(
        0.05,
      );
    }
  });

  it("peaks at speed 1 for a vortex and on the jet's core", () => {
    for (const kappa of [4, 9]) {
      const cosPeak = (Math.sqrt(1 + 4 * kappa * kappa) - 1) / (2 * kappa);
      const at = [Math.sqrt(1 - cosPeak * cosPeak), 0, cosPeak];
      const { wind } = sphericalWindAt(at, [{ kind: "vortex", centre: [0, 0, 1], sense: 1, kappa }]);
      expect(Math.hypot(...wind)).toBeCloseTo(1, 12);
      // And nowhere faster.
      const { wind: all } = sphericalWindAt(randomPoints(2000, 4), [
        { kind: "vortex", centre: [0, 0, 1], sense: 1, kappa },
      ]);
      for (let i = 0; i < 2000; i++)
        expect(Math.hypot(all[3 * i], all[3 * i + 1], all[3 * i + 2])).toBeLessThanOrEqual(1 + 1e-12);
    }
    const { wind } = sphericalWindAt(
      [Math.sqrt(0.75), 0, 0.5],
      [{ kind: "jet", axis: [0, 0, 1], z0: 0.5, width: 0.25 }],
    );
    expect(Math.hypot(...wind)).toBeCloseTo(1, 12);
    // Eastward: counter-clockwise about the axis, i.e. along +y at this point on the +x side.
    expect(wind[1]).toBeCloseTo(1, 12);
  });
});

describe("sphericalWindSample", () => {
  it("is tangent to the sphere, noise included, and deterministic per class and seed", () => {
    for (const windClass of WIND_CLASSES) {
      const sample = sphericalWindSample(windClass, 7, { level: 2 });
      const p = sample.mesh.positions;
      let worst = 0;
      for (let v = 0; v < p.length / 3; v++) {
        const w = sample.wind.subarray(3 * v, 3 * v + 3);
        worst = Math.max(worst, Math.abs(w[0] * p[3 * v] + w[1] * p[3 * v + 1] + w[2] * p[3 * v + 2]));
      }
      expect(worst, windClass).toBeLessThan(1e-14);
      expect(sample.label).toBe(WIND_CLASSES.indexOf(windClass));
      expect(sphericalWindSample(windClass, 7, { level: 2 }).wind).toEqual(sample.wind);
      expect(sphericalWindSample(windClass, 8, { level: 2 }).wind).not.toEqual(sample.wind);
    }
    expect(sphericalWindSample("jet", 0).mesh.positions.length).toBe(3 * 642);
  });

  it("is the canonical configuration turned by the sample's rotation: wind = R·wind₀(Rᵀp)", () => {
    for (const windClass of WIND_CLASSES) {
      const turned = sphericalWindSample(windClass, 3, { level: 2, noise: 0 });
      const canonical = sphericalWindSample(windClass, 3, { level: 2, noise: 0, rotate: false });
      expect(canonical.rotation).toEqual(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1));
      const p = turned.mesh.positions;
      const nVertices = p.length / 3;
      const back = new Float64Array(p.length);
      for (let v = 0; v < nVertices; v++)
        back.set(rotate(turned.rotation, p.subarray(3 * v, 3 * v + 3), true), 3 * v);
      const reference = sphericalWindAt(back, canonical.systems);
      let worst = 0;
      for (let v = 0; v < nVertices; v++) {
        const expected = rotate(turned.rotation, reference.wind.subarray(3 * v, 3 * v + 3));
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(turned.wind[3 * v + k] - expected[k]));
        worst = Math.max(worst, Math.abs(turned.pressure[v] - reference.pressure[v]));
      }
      expect(worst, windClass).toBeLessThan(1e-12);
    }
  });

  it("mirrored classes are exact negatives, so their speeds are identical bit for bit", () => {
    for (const [a, b] of [
      ["cyclone", "anticyclone"],
      ["cyclone-pair", "anticyclone-pair"],
    ] as const) {
      for (const seed of [0, 1, 2, 3]) {
        const x = sphericalWindSample(a, seed, { level: 2 });
        const y = sphericalWindSample(b, seed, { level: 2 });
        expect(y.wind).toEqual(x.wind.map((w) => -w));
        expect(y.pressure).toEqual(x.pressure.map((w) => -w));
        const speed = (s: typeof x) =>
          Float64Array.from({ length: s.wind.length / 3 }, (_, v) =>
            Math.hypot(s.wind[3 * v], s.wind[3 * v + 1], s.wind[3 * v + 2]),
          );
        expect(speed(y)).toEqual(speed(x));
        // The field itself differs (negative control of the equality above).
        expect(y.wind).not.toEqual(x.wind);
      }
    }
    // Other classes have other speeds.
    const single = sphericalWindSample("cyclone", 0, { level: 2, noise: 0 });
    const jet = sphericalWindSample("jet", 0, { level: 2, noise: 0 });
    expect(jet.wind.map(Math.abs)).not.toEqual(single.wind.map(Math.abs));
  });

  it("turns counter-clockwise about the outward normal for cyclones and clockwise for anticyclones", () => {
    // The circulation sense of each vortex: (c × p)·wind near its centre c.
    const senseAround = (windClass: (typeof WIND_CLASSES)[number], seed: number) => {
      const sample = sphericalWindSample(windClass, seed, { level: 3, noise: 0 });
      const p = sample.mesh.positions;
      return sample.systems.map((system) => {
        if (system.kind !== "vortex") throw new Error("expected vortices");
        const c = system.centre;
        let circulation = 0;
        for (let v = 0; v < p.length / 3; v++) {
          const q = p.subarray(3 * v, 3 * v + 3);
          if (c[0] * q[0] + c[1] * q[1] + c[2] * q[2] < Math.cos(0.3)) continue;
          const t = [c[1] * q[2] - c[2] * q[1], c[2] * q[0] - c[0] * q[2], c[0] * q[1] - c[1] * q[0]];
          circulation +=
            t[0] * sample.wind[3 * v] + t[1] * sample.wind[3 * v + 1] + t[2] * sample.wind[3 * v + 2];
        }
        return Math.sign(circulation) * system.sense;
      });
    };
    for (const seed of [0, 1, 2]) {
      expect(senseAround("cyclone", seed)).toEqual([1]);
      expect(senseAround("anticyclone", seed)).toEqual([1]);
      expect(senseAround("cyclone-pair", seed)).toEqual([1, 1]);
      expect(senseAround("dipole", seed)).toEqual([1, 1]);
      const senses = (c: (typeof WIND_CLASSES)[number]) =>
        sphericalWindSample(c, seed, { level: 2 }).systems.map((s) => (s.kind === "vortex" ? s.sense : 0));
      expect(senses("cyclone")).toEqual([1]);
      expect(senses("anticyclone")).toEqual([-1]);
      expect(senses("anticyclone-pair")).toEqual([-1, -1]);
      expect(senses("dipole")).toEqual([1, -1]);
    }
  });
});

describe("sphericalWindDataset", () => {
  it("gives samplesPerClass samples of each class, mirrored classes paired by seed", () => {
    const data = sphericalWindDataset({
      samplesPerClass: 3,
      classes: ["cyclone", "anticyclone"],
      level: 1,
      seed: 5,
    });
    expect(data.map((s) => [s.windClass, s.seed])).toEqual([
      ["cyclone", 5],
      ["cyclone", 6],
      ["cyclone", 7],
      ["anticyclone", 5],
      ["anticyclone", 6],
      ["anticyclone", 7],
    ]);
    expect(data[4].wind).toEqual(data[1].wind.map((w) => -w));
    expect(sphericalWindDataset({ samplesPerClass: 1, level: 0 })).toHaveLength(WIND_CLASSES.length);
    expect(() => sphericalWindDataset({ samplesPerClass: 0 })).toThrowError(/samplesPerClass/);
    expect(() => sphericalWindSample("tornado" as never, 0)).toThrowError(/unknown wind class "tornado"/);
    expect(() => sphericalWindSample("jet", 0, { noise: -1 })).toThrowError(/noise must be ≥ 0/);
  });
});
