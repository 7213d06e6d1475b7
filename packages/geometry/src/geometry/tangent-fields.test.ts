import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { GeometryError } from "./errors.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import { randomGauge, rotateFrames } from "./gauge-change.js";
import { testMeshes } from "./geometry.fixture.js";
import {
  ambientToFrameCoefficients,
  DEFAULT_NORMAL_TOLERANCE,
  directionsToFrameCoefficients,
  frameCoefficientsToAmbient,
  frameCoefficientsToDirections,
  normalComponentReport,
  TangentFieldError,
} from "./tangent-fields.js";

/** Random tangent vectors (3 per vertex), each `a e1 + b e2` with `a, b` uniform in (−1, 1). */
function randomTangentVectors(frames: TangentFrames, seed: number): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(frames.e1.length);
  for (let i = 0; i < out.length; i += 3) {
    const a = 2 * random() - 1;
    const b = 2 * random() - 1;
    for (let k = i; k < i + 3; k++) out[k] = a * frames.e1[k] + b * frames.e2[k];
  }
  return out;
}

function randomCoefficients(nVertices: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: 2 * nVertices }, () => 2 * random() - 1);
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** `ρ_order(angles[v])` applied to each row of `[V × 2]` coefficients, written out by hand. */
function rotateRows(coefficients: Float64Array, angles: ArrayLike<number>, order: number): Float64Array {
  const out = new Float64Array(coefficients.length);
  for (let v = 0; v < angles.length; v++) {
    const c = Math.cos(order * angles[v]);
    const s = Math.sin(order * angles[v]);
    const a = coefficients[2 * v];
    const b = coefficients[2 * v + 1];
    out[2 * v] = c * a - s * b;
    out[2 * v + 1] = s * a + c * b;
  }
  return out;
}

const meshes = testMeshes();

describe("order-1 conversion", () => {
  it("round-trips tangent vectors and coefficients to 1e-12", () => {
    for (const { name, geometry } of meshes) {
      const frames = tangentFrames(geometry);
      const vectors = randomTangentVectors(frames, 1);
      const { coefficients, report } = ambientToFrameCoefficients(frames, vectors);
      expect(report.vertices.length, name).toBe(0);
      expect(report.maxFraction, name).toBeLessThan(1e-12);
      expect(largestDifference(frameCoefficientsToAmbient(frames, coefficients), vectors), name).toBeLessThan(
        1e-12,
      );
      const c = randomCoefficients(geometry.nVertices, 2);
      const back = ambientToFrameCoefficients(frames, frameCoefficientsToAmbient(frames, c)).coefficients;
      expect(largestDifference(back, c), name).toBeLessThan(1e-12);
    }
  });

  it("gives (v·e1, v·e2): e1 itself is (1, 0) and e2 is (0, 1)", () => {
    const frames = tangentFrames(meshes[3].geometry);
    const nVertices = frames.n.length / 3;
    const fromE1 = ambientToFrameCoefficients(frames, frames.e1).coefficients;
    const fromE2 = ambientToFrameCoefficients(frames, frames.e2).coefficients;
    for (let v = 0; v < nVertices; v++) {
      expect(fromE1[2 * v]).toBeCloseTo(1, 14);
      expect(fromE1[2 * v + 1]).toBeCloseTo(0, 14);
      expect(fromE2[2 * v]).toBeCloseTo(0, 14);
      expect(fromE2[2 * v + 1]).toBeCloseTo(1, 14);
    }
  });

  it("is gauge equivariant: frames turned by φ give ρ_1(−φ) c; ρ_1(+φ) and ρ_2(−φ) do not (negative controls)", () => {
    for (const { name, geometry } of meshes) {
      const frames = tangentFrames(geometry);
      const vectors = randomTangentVectors(frames, 3);
      const phi = randomGauge(geometry.nVertices, 4);
      const before = ambientToFrameCoefficients(frames, vectors).coefficients;
      const after = ambientToFrameCoefficients(rotateFrames(frames, phi), vectors).coefficients;
      const minus = phi.map((a) => -a);
      expect(largestDifference(after, rotateRows(before, minus, 1)), name).toBeLessThan(1e-12);
      expect(largestDifference(after, rotateRows(before, phi, 1)), name).toBeGreaterThan(0.1);
      expect(largestDifference(after, rotateRows(before, minus, 2)), name).toBeGreaterThan(0.1);
    }
  });
});

describe("order-n conversion from directions and magnitudes", () => {
  it("gives (m cos nθ, m sin nθ), which is (a + ib)^n / |a + ib|^(n−1) for m = |a + ib|", () => {
    const frames = tangentFrames(meshes[1].geometry);
    const vectors = randomTangentVectors(frames, 5);
    const order1 = ambientToFrameCoefficients(frames, vectors).coefficients;
    for (const order of [1, 2, 3, 5]) {
      const { coefficients } = directionsToFrameCoefficients(frames, vectors, order);
      const expected = new Float64Array(coefficients.length);
      for (let v = 0; v < expected.length / 2; v++) {
        const [a, b] = [order1[2 * v], order1[2 * v + 1]];
        let [re, im] = [1, 0];
        for (let k = 0; k < order; k++) [re, im] = [re * a - im * b, re * b + im * a];
        const scale = Math.hypot(a, b) ** (order - 1);
        expected[2 * v] = re / scale;
        expected[2 * v + 1] = im / scale;
      }
      expect(largestDifference(coefficients, expected), `order ${order}`).toBeLessThan(1e-12);
    }
  });

  it("order 1 without magnitudes is exactly the order-1 conversion", () => {
    const frames = tangentFrames(meshes[3].geometry);
    const vectors = randomTangentVectors(frames, 6);
    expect(directionsToFrameCoefficients(frames, vectors, 1).coefficients).toEqual(
      ambientToFrameCoefficients(frames, vectors).coefficients,
    );
  });

  it("with magnitudes, only the direction of the triple matters", () => {
    const frames = tangentFrames(meshes[2].geometry);
    const nVertices = frames.n.length / 3;
    const directions = randomTangentVectors(frames, 7);
    const random = mulberry32(8);
    const magnitudes = Float64Array.from({ length: nVertices }, () => random());
    const scaled = directions.map((x, i) => x * (0.1 + 3 * Math.floor(i / 3 / 7)));
    for (const order of [1, 2, 4]) {
      const a = directionsToFrameCoefficients(frames, directions, order, { magnitudes }).coefficients;
      const b = directionsToFrameCoefficients(frames, scaled, order, { magnitudes }).coefficients;
      expect(largestDifference(a, b)).toBeLessThan(1e-12);
      const back = frameCoefficientsToDirections(frames, a, order);
      expect(largestDifference(back.magnitudes, magnitudes)).toBeLessThan(1e-12);
    }
  });

  it("round-trips coefficients through directions, and directions up to their n-fold symmetry, to 1e-12", () => {
    for (const { name, geometry } of meshes) {
      const frames = tangentFrames(geometry);
      for (const order of [1, 2, 3]) {
        const c = randomCoefficients(geometry.nVertices, 10 + order);
        const { directions, magnitudes } = frameCoefficientsToDirections(frames, c, order);
        const again = directionsToFrameCoefficients(frames, directions, order, { magnitudes }).coefficients;
        expect(largestDifference(again, c), `${name}, order ${order}`).toBeLessThan(1e-12);
        // Unit tangent directions; without magnitudes the same coefficients up to the unit length.
        for (let v = 0; v < geometry.nVertices; v++) {
          const i = 3 * v;
          const d = [directions[i], directions[i + 1], directions[i + 2]];
          expect(Math.abs(Math.hypot(d[0], d[1], d[2]) - 1)).toBeLessThan(1e-12);
          const along = d[0] * frames.n[i] + d[1] * frames.n[i + 1] + d[2] * frames.n[i + 2];
          expect(Math.abs(along)).toBeLessThan(1e-12);
        }
        // A direction turned by 2πk/n comes back as the same direction, up to that turn.
        const vectors = randomTangentVectors(frames, 20 + order);
        const fromVectors = directionsToFrameCoefficients(frames, vectors, order).coefficients;
        const back = frameCoefficientsToDirections(frames, fromVectors, order);
        const original = ambientToFrameCoefficients(frames, vectors).coefficients;
        const recovered = ambientToFrameCoefficients(frames, back.directions).coefficients;
        for (let v = 0; v < geometry.nVertices; v++) {
          const angle = Math.atan2(original[2 * v + 1], original[2 * v]);
          const angleBack = Math.atan2(recovered[2 * v + 1], recovered[2 * v]);
          const turns = ((angle - angleBack) * order) / (2 * Math.PI);
          expect(Math.abs(turns - Math.round(turns)), `${name}, order ${order}`).toBeLessThan(1e-10);
          expect(back.magnitudes[v]).toBeCloseTo(Math.hypot(original[2 * v], original[2 * v + 1]), 12);
        }
      }
    }
  });

  it("for a line field (order 2), d and −d give the same coefficients; for order 1 and 3 they do not", () => {
    const frames = tangentFrames(meshes[3].geometry);
    const d = randomTangentVectors(frames, 30);
    const minus = d.map((x) => -x);
    const c = (vectors: Float64Array, order: number) =>
      directionsToFrameCoefficients(frames, vectors, order).coefficients;
    expect(largestDifference(c(d, 2), c(minus, 2))).toBeLessThan(1e-12);
    expect(largestDifference(c(d, 4), c(minus, 4))).toBeLessThan(1e-12);
    expect(largestDifference(c(d, 1), c(minus, 1))).toBeGreaterThan(0.5);
    expect(largestDifference(c(d, 3), c(minus, 3))).toBeGreaterThan(0.5);
  });

  it("is gauge equivariant for every order: ρ_n(−φ), and neither ρ_n(+φ) nor ρ_(n+1)(−φ)", () => {
    for (const { name, geometry } of meshes) {
      const frames = tangentFrames(geometry, { gauge: "random", seed: 9 });
      const phi = randomGauge(geometry.nVertices, 10);
      const minus = phi.map((a) => -a);
      const rotated = rotateFrames(frames, phi);
      const d = randomTangentVectors(frames, 11);
      const random = mulberry32(12);
      const magnitudes = Float64Array.from({ length: geometry.nVertices }, () => 0.5 + random());
      for (const order of [1, 2, 3]) {
        const before = directionsToFrameCoefficients(frames, d, order, { magnitudes }).coefficients;
        const after = directionsToFrameCoefficients(rotated, d, order, { magnitudes }).coefficients;
        const label = `${name}, order ${order}`;
        expect(largestDifference(after, rotateRows(before, minus, order)), label).toBeLessThan(1e-12);
        expect(largestDifference(after, rotateRows(before, phi, order)), label).toBeGreaterThan(0.1);
        expect(largestDifference(after, rotateRows(before, minus, order + 1)), label).toBeGreaterThan(0.1);
        // And the ambient field read back does not depend on the gauge.
        const ambientBefore = frameCoefficientsToDirections(frames, before, order);
        const ambientAfter = frameCoefficientsToDirections(rotated, after, order);
        expect(largestDifference(ambientBefore.magnitudes, ambientAfter.magnitudes)).toBeLessThan(1e-12);
        const again = directionsToFrameCoefficients(frames, ambientAfter.directions, order, {
          magnitudes: ambientAfter.magnitudes,
        }).coefficients;
        expect(largestDifference(again, before), label).toBeLessThan(1e-12);
      }
    }
  });
});

describe("zero vectors", () => {
  it("give zero coefficients, are not judged, and read back as zero directions", () => {
    const frames = tangentFrames(meshes[0].geometry);
    const nVertices = frames.n.length / 3;
    const vectors = randomTangentVectors(frames, 40);
    for (const v of [0, 5, 17]) vectors.fill(0, 3 * v, 3 * v + 3);
    for (const order of [1, 2]) {
      const { coefficients, report } = directionsToFrameCoefficients(frames, vectors, order);
      for (const v of [0, 5, 17]) expect([coefficients[2 * v], coefficients[2 * v + 1]]).toEqual([0, 0]);
      expect(report.judged).toBe(nVertices - 3);
      const back = frameCoefficientsToDirections(frames, coefficients, order);
      for (const v of [0, 5, 17]) {
        expect(back.magnitudes[v]).toBe(0);
        expect(Array.from(back.directions.subarray(3 * v, 3 * v + 3))).toEqual([0, 0, 0]);
      }
    }
    const allZero = ambientToFrameCoefficients(frames, new Float64Array(3 * nVertices));
    expect(allZero.coefficients.every((x) => x === 0)).toBe(true);
    expect(allZero.report).toMatchObject({ judged: 0, maxFraction: 0, maxVertex: -1 });
  });

  it("a magnitude without a direction (zero or normal) is an error naming the vertex", () => {
    const frames = tangentFrames(meshes[0].geometry);
    const nVertices = frames.n.length / 3;
    const directions = randomTangentVectors(frames, 41);
    const magnitudes = new Float64Array(nVertices).fill(1);
    directions.fill(0, 3 * 7, 3 * 8);
    expect(() =>
      directionsToFrameCoefficients(frames, directions, 2, { magnitudes, name: "stress" }),
    ).toThrowError(/^stress: vertex 7 has magnitude 1 but no tangent direction \(its direction is zero\)/);
    // Zero magnitude with zero direction is a calm point, not an error.
    magnitudes[7] = 0;
    expect(() => directionsToFrameCoefficients(frames, directions, 2, { magnitudes })).not.toThrow();
    // Exactly normal: no tangent part.
    directions.set(frames.n.subarray(3 * 9, 3 * 10), 3 * 9);
    let error: unknown;
    try {
      directionsToFrameCoefficients(frames, directions, 2, { magnitudes });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TangentFieldError);
    expect((error as TangentFieldError).vertex).toBe(9);
    expect((error as Error).message).toMatch(/normal to the surface/);
  });
});

describe("the normal component", () => {
  /** Tangent vectors with normal parts added at chosen vertices: |v·n|/|v| = fraction there. */
  function withNormalParts(frames: TangentFrames, parts: Map<number, number>): Float64Array {
    const vectors = randomTangentVectors(frames, 50);
    for (const [v, fraction] of parts) {
      const i = 3 * v;
      const t = Math.hypot(vectors[i], vectors[i + 1], vectors[i + 2]);
      // |v|² = t² + h² and h/|v| = fraction ⇒ h = t·fraction/√(1 − fraction²).
      const h = (t * fraction) / Math.sqrt(1 - fraction * fraction);
      for (let k = 0; k < 3; k++) vectors[i + k] += h * frames.n[i + k];
    }
    return vectors;
  }

  it("is dropped (projection), and the vertices over the tolerance are reported with their fractions", () => {
    const { geometry } = meshes[3];
    const frames = tangentFrames(geometry);
    const parts = new Map([
      [3, 0.05],
      [10, 0.2],
      [400, 0.7],
      [1000, 0.09999],
      [1500, 0.10001],
    ]);
    const vectors = withNormalParts(frames, parts);
    const tangent = randomTangentVectors(frames, 50);
    const { coefficients, report } = ambientToFrameCoefficients(frames, vectors);
    expect(
      largestDifference(coefficients, ambientToFrameCoefficients(frames, tangent).coefficients),
    ).toBeLessThan(1e-12);
    expect(report.tolerance).toBe(DEFAULT_NORMAL_TOLERANCE);
    expect(Array.from(report.vertices)).toEqual([10, 400, 1500]);
    expect(report.fractions[0]).toBeCloseTo(0.2, 12);
    expect(report.fractions[1]).toBeCloseTo(0.7, 12);
    expect(report.maxFraction).toBeCloseTo(0.7, 12);
    expect(report.maxVertex).toBe(400);
    expect(report.judged).toBe(geometry.nVertices);
    // A looser tolerance lists fewer.
    const loose = normalComponentReport(frames, vectors, { normalTolerance: 0.5 });
    expect(Array.from(loose.vertices)).toEqual([400]);
  });

  it('with onNormalComponent: "error", throws a TangentFieldError naming the field, the count and the worst vertex', () => {
    const frames = tangentFrames(meshes[3].geometry);
    const vectors = withNormalParts(
      frames,
      new Map([
        [10, 0.2],
        [400, 0.7],
      ]),
    );
    let error: unknown;
    try {
      directionsToFrameCoefficients(frames, vectors, 2, { onNormalComponent: "error", name: "wind" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TangentFieldError);
    const e = error as TangentFieldError;
    expect(e.vertex).toBe(10);
    expect(Array.from(e.report!.vertices)).toEqual([10, 400]);
    expect(e.message).toMatch(
      /^wind: 2 of 1839 vectors leave the tangent plane by more than 0\.1 of their length \(\|v·n\|\/\|v\| up to 0\.700 at vertex 400; at vertices 10, 400\)/,
    );
    // Under the tolerance nothing is thrown.
    expect(() =>
      ambientToFrameCoefficients(frames, vectors, { onNormalComponent: "error", normalTolerance: 0.8 }),
    ).not.toThrow();
  });

  it("does not judge vectors shorter than 1e-6 of the longest (their direction is noise)", () => {
    const frames = tangentFrames(meshes[0].geometry);
    const vectors = randomTangentVectors(frames, 60);
    // A tiny vector straight along the normal, and a small but judged one.
    for (let k = 0; k < 3; k++) {
      vectors[3 * 4 + k] = 1e-9 * frames.n[3 * 4 + k];
      vectors[3 * 6 + k] = 1e-3 * frames.n[3 * 6 + k];
    }
    const report = normalComponentReport(frames, vectors);
    expect(Array.from(report.vertices)).toEqual([6]);
    expect(report.judged).toBe(frames.n.length / 3 - 1);
  });
});

describe("bad arguments", () => {
  const frames = tangentFrames(meshes[0].geometry);
  const nVertices = frames.n.length / 3;

  it("are GeometryErrors naming the problem", () => {
    const vectors = randomTangentVectors(frames, 70);
    expect(() => ambientToFrameCoefficients(frames, vectors.subarray(3))).toThrowError(
      new RegExp(`vectors of field has length ${3 * nVertices - 3}, expected ${3 * nVertices}`),
    );
    const bad = vectors.slice();
    bad[3 * 12 + 1] = Number.NaN;
    expect(() => ambientToFrameCoefficients(frames, bad, { name: "wind" })).toThrowError(
      /wind at vertex 12 has the non-finite component y = NaN/,
    );
    expect(() => directionsToFrameCoefficients(frames, vectors, 0)).toThrowError(
      /order must be an integer ≥ 1/,
    );
    expect(() => frameCoefficientsToDirections(frames, new Float64Array(3), 2)).toThrowError(
      /coefficients have length 3/,
    );
    expect(() => ambientToFrameCoefficients(frames, vectors, { normalTolerance: 2 })).toThrowError(
      /normalTolerance must be in \[0, 1\]/,
    );
    expect(() =>
      directionsToFrameCoefficients(frames, vectors, 2, { magnitudes: new Float64Array(nVertices).fill(-1) }),
    ).toThrowError(/magnitude at vertex 0 is -1; magnitudes must be finite and ≥ 0/);
    for (const call of [
      () => ambientToFrameCoefficients(frames, vectors.subarray(3)),
      () => directionsToFrameCoefficients(frames, vectors, 1.5),
    ]) {
      expect(call).toThrowError(GeometryError);
    }
  });
});
