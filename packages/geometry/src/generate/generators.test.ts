import { describe, expect, it } from "vitest";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { validateMesh } from "../mesh/validate.js";
import { bumpySphere } from "./bumpy-sphere.js";
import { bunny } from "./bunny.js";
import { grid } from "./grid.js";
import { icosphere } from "./icosphere.js";
import { torus } from "./torus.js";

/** Unnormalised normal (b − a) × (c − a) and centroid of face f. */
function face(data: TriangleMeshData, f: number): { normal: number[]; centroid: number[] } {
  const p = (k: number) => {
    const v = data.triangles[3 * f + k];
    return [data.positions[3 * v], data.positions[3 * v + 1], data.positions[3 * v + 2]];
  };
  const [a, b, c] = [p(0), p(1), p(2)];
  const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  return {
    normal: [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]],
    centroid: [0, 1, 2].map((k) => (a[k] + b[k] + c[k]) / 3),
  };
}

const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Counts faces whose normal points towards `inside(centroid)` rather than away from it. */
function inwardFaces(data: TriangleMeshData, inside: (centroid: number[]) => number[]): number {
  let count = 0;
  for (let f = 0; f < data.triangles.length / 3; f++) {
    const { normal, centroid } = face(data, f);
    const axis = inside(centroid);
    const away = [centroid[0] - axis[0], centroid[1] - axis[1], centroid[2] - axis[2]];
    if (dot(normal, away) <= 0) count++;
  }
  return count;
}

function signedVolume(data: TriangleMeshData): number {
  let volume = 0;
  for (let f = 0; f < data.triangles.length / 3; f++) {
    const { normal, centroid } = face(data, f);
    volume += dot(normal, centroid) / 6;
  }
  return volume;
}

const origin = () => [0, 0, 0];

describe("generators", () => {
  it("icosphere: valid, 10·4^l + 2 vertices, every face outward", () => {
    for (const level of [0, 1, 3]) {
      const data = icosphere(level, 2);
      const report = validateMesh(data);
      expect(report.ok).toBe(true);
      expect(report.counts.vertices).toBe(10 * 4 ** level + 2);
      expect(report.counts.genus).toBe(0);
      expect(inwardFaces(data, origin)).toBe(0);
      for (let i = 0; i < data.positions.length; i += 3) {
        expect(Math.hypot(data.positions[i], data.positions[i + 1], data.positions[i + 2])).toBeCloseTo(
          2,
          14,
        );
      }
    }
    // Negative control: the check above sees an inverted sphere.
    const inverted = icosphere(1);
    for (let f = 0; f < inverted.triangles.length / 3; f++) {
      [inverted.triangles[3 * f + 1], inverted.triangles[3 * f + 2]] = [
        inverted.triangles[3 * f + 2],
        inverted.triangles[3 * f + 1],
      ];
    }
    expect(inwardFaces(inverted, origin)).toBe(80);
    expect(() => icosphere(1.5)).toThrow(RangeError);
  });

  it("torus: valid, genus 1, every face pointing away from the tube's axis", () => {
    const options = { majorRadius: 2, minorRadius: 0.5, majorSegments: 12, minorSegments: 7 };
    const data = torus(options);
    const report = validateMesh(data);
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({
      vertices: 84,
      faces: 168,
      genus: 1,
      eulerCharacteristic: 0,
      boundaryLoops: 0,
    });
    // The tube's axis nearest a point is the circle of radius 2 in the plane z = 0.
    const axis = ([x, y]: number[]) => {
      const r = Math.hypot(x, y);
      return [(2 * x) / r, (2 * y) / r, 0];
    };
    expect(inwardFaces(data, axis)).toBe(0);
    // Each segment joins two regular 7-gons (area A = (7/2) r² sin(2π/7), centroid at radius R)
    // by planar faces; integrating the chord over the cross-section gives 12 sin(2π/12) R A.
    const crossSection = 3.5 * 0.5 ** 2 * Math.sin((2 * Math.PI) / 7);
    expect(signedVolume(data)).toBeCloseTo(12 * Math.sin((2 * Math.PI) / 12) * 2 * crossSection, 12);
    expect(() => torus({ majorRadius: 1, minorRadius: 1 })).toThrow(/minorRadius < majorRadius/);
    expect(() => torus({ majorSegments: 2 })).toThrow(/majorSegments must be an integer ≥ 3/);
  });

  it("grid: valid flat disc with one boundary loop, normals +z", () => {
    const data = grid({ nx: 5, ny: 3, width: 2, height: 1 });
    const report = validateMesh(data);
    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({
      vertices: 24,
      faces: 30,
      boundaryLoops: 1,
      boundaryEdges: 16,
      eulerCharacteristic: 1,
      genus: 0,
    });
    let area = 0;
    for (let f = 0; f < 30; f++) {
      const { normal } = face(data, f);
      expect(normal[0]).toBe(0);
      expect(normal[1]).toBe(0);
      expect(normal[2]).toBeGreaterThan(0);
      area += normal[2] / 2;
    }
    expect(area).toBeCloseTo(2, 12);
    const xs = data.positions.filter((_, i) => i % 3 === 0);
    expect([Math.min(...xs), Math.max(...xs)]).toEqual([-1, 1]);
    expect(() => grid({ nx: 0 })).toThrow(RangeError);
    expect(() => grid({ width: -1 })).toThrow(/width must be a positive number/);
  });

  it("bumpySphere: valid, outward, radius within 1 ± amplitude, reproducible by seed", () => {
    const data = bumpySphere({ level: 3, amplitude: 0.2, frequency: 4, seed: 9 });
    const report = validateMesh(data);
    expect(report.ok).toBe(true);
    expect(report.counts.vertices).toBe(642);
    expect(inwardFaces(data, origin)).toBe(0);
    const radii: number[] = [];
    for (let i = 0; i < data.positions.length; i += 3) {
      radii.push(Math.hypot(data.positions[i], data.positions[i + 1], data.positions[i + 2]));
    }
    expect(Math.min(...radii)).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...radii)).toBeLessThanOrEqual(1.2);
    // Actually bumpy: the radius varies by a good part of the amplitude.
    expect(Math.max(...radii) - Math.min(...radii)).toBeGreaterThan(0.1);
    expect(bumpySphere({ level: 3, amplitude: 0.2, frequency: 4, seed: 9 })).toEqual(data);
    expect(bumpySphere({ level: 3, amplitude: 0.2, frequency: 4, seed: 10 }).positions).not.toEqual(
      data.positions,
    );
    // No amplitude: the unit icosphere.
    expect(bumpySphere({ level: 2, amplitude: 0 })).toEqual(icosphere(2));
    expect(() => bumpySphere({ amplitude: 1 })).toThrow(/amplitude must be in \[0, 1\)/);
  });

  it("bunny: the npm package's scan is valid as shipped: closed, genus 0, outward", () => {
    const data = bunny();
    const report = validateMesh(data, { source: "bunny" });
    expect(report.problems).toEqual([]);
    expect(report.counts).toMatchObject({
      vertices: 1839,
      faces: 3674,
      edges: 5511,
      boundaryEdges: 0,
      components: 1,
      genus: 0,
    });
    expect(signedVolume(data)).toBeGreaterThan(0);
    // Fresh arrays every call.
    data.positions[0] = 1e6;
    expect(bunny().positions[0]).not.toBe(1e6);
  });
});
