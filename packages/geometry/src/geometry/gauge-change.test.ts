import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { angleDistance, wrapAngle } from "./angles.js";
import { tangentFrames } from "./frames.js";
import { changeGaugeOfLogMap, changeGaugeOfTransport, randomGauge, rotateFrames } from "./gauge-change.js";
import { testMeshes } from "./geometry.fixture.js";
import { logMap } from "./log-map.js";
import { kRing, oneRing } from "./neighbourhoods.js";
import { parallelTransport } from "./transport.js";

function largestAngleDifference(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, angleDistance(a[i], b[i]));
  return worst;
}

describe("rotateFrames", () => {
  it("turns e1 counter-clockwise by φ, so that coefficients change by ρ(−φ)", () => {
    for (const { name, geometry } of testMeshes()) {
      const frames = tangentFrames(geometry);
      const nVertices = geometry.mesh.nVertices;
      const phi = randomGauge(nVertices, 1);
      const rotated = rotateFrames(frames, phi);
      expect(rotated.referenceHalfedge).toBeUndefined();
      expect(rotated.n).toEqual(frames.n);
      const random = mulberry32(2);
      for (let v = 0; v < nVertices; v++) {
        const i = 3 * v;
        const at = (a: Float64Array) => [a[i], a[i + 1], a[i + 2]];
        const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        // e1' has angle φ in the old frame.
        const e1 = at(rotated.e1);
        expect(
          angleDistance(Math.atan2(dot(e1, at(frames.e2)), dot(e1, at(frames.e1))), phi[v]),
          name,
        ).toBeLessThan(1e-12);
        // A tangent vector's coefficients: c' = ρ(−φ) c (docs/conventions.md).
        const c = [random() - 0.5, random() - 0.5];
        const vector = [0, 1, 2].map((k) => c[0] * frames.e1[i + k] + c[1] * frames.e2[i + k]);
        const cNew = [dot(vector, e1), dot(vector, at(rotated.e2))];
        const [cos, sin] = [Math.cos(-phi[v]), Math.sin(-phi[v])];
        expect(Math.abs(cNew[0] - (cos * c[0] - sin * c[1]))).toBeLessThan(1e-14);
        expect(Math.abs(cNew[1] - (sin * c[0] + cos * c[1]))).toBeLessThan(1e-14);
        expect(Math.abs(dot(e1, at(rotated.e2)))).toBeLessThan(1e-14);
      }
    }
  });
});

describe("gauge changes", () => {
  const cases = [
    { logMap: "intrinsic", transport: "levi-civita", rings: 1 },
    { logMap: "projection", transport: "normal-rotation", rings: 1 },
    { logMap: "projection", transport: "normal-rotation", rings: 2 },
  ] as const;

  it("recomputing in a random gauge equals the transformation law applied to the old values", () => {
    for (const { name, geometry } of testMeshes()) {
      for (const gauge of ["reference-neighbour", "global-axis", "random"] as const) {
        const frames = tangentFrames(geometry, { gauge, seed: 3 });
        const phi = randomGauge(geometry.mesh.nVertices, 4);
        const rotated = rotateFrames(frames, phi);
        for (const methods of cases) {
          const label = `${name}, ${gauge} gauge, ${methods.logMap}/${methods.transport}, ${methods.rings}-ring`;
          const rings = kRing(geometry.mesh, methods.rings, { includeSelf: true });
          const before = logMap(geometry, frames, rings, { method: methods.logMap });
          const after = logMap(geometry, rotated, rings, { method: methods.logMap });
          expect(after.r, label).toEqual(before.r);
          expect(
            largestAngleDifference(after.theta, changeGaugeOfLogMap(before.theta, rings, phi)),
            label,
          ).toBeLessThan(1e-12);
          const gBefore = parallelTransport(geometry, frames, rings, { method: methods.transport });
          const gAfter = parallelTransport(geometry, rotated, rings, { method: methods.transport });
          expect(
            largestAngleDifference(gAfter, changeGaugeOfTransport(gBefore, rings, phi)),
            label,
          ).toBeLessThan(1e-12);
        }
      }
    }
  });

  it("fails the check with the opposite sign in the law (negative control)", () => {
    const { geometry } = testMeshes()[1];
    const frames = tangentFrames(geometry);
    const nVertices = geometry.mesh.nVertices;
    const phi = randomGauge(nVertices, 5);
    const rotated = rotateFrames(frames, phi);
    const rings = oneRing(geometry.mesh);
    const { theta } = logMap(geometry, frames, rings, { method: "projection" });
    const thetaAfter = logMap(geometry, rotated, rings, { method: "projection" }).theta;
    const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
    const gAfter = parallelTransport(geometry, rotated, rings, { method: "normal-rotation" });
    const minus = phi.map((x) => -x);
    expect(largestAngleDifference(thetaAfter, changeGaugeOfLogMap(theta, rings, minus))).toBeGreaterThan(0.5);
    expect(largestAngleDifference(gAfter, changeGaugeOfTransport(g, rings, minus))).toBeGreaterThan(0.5);
    // And leaving the values alone fails too.
    expect(largestAngleDifference(thetaAfter, theta)).toBeGreaterThan(0.5);
  });

  it("is the identity for φ = 0, composes additively, and keeps self pairs at 0", () => {
    const { geometry } = testMeshes()[0];
    const nVertices = geometry.mesh.nVertices;
    const rings = oneRing(geometry.mesh, { includeSelf: true });
    const frames = tangentFrames(geometry, { gauge: "random", seed: 1 });
    const { theta } = logMap(geometry, frames, rings, { method: "projection" });
    const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
    const zero = new Float64Array(nVertices);
    expect(largestAngleDifference(changeGaugeOfLogMap(theta, rings, zero), theta)).toBe(0);
    expect(largestAngleDifference(changeGaugeOfTransport(g, rings, zero), g)).toBe(0);
    const a = randomGauge(nVertices, 6);
    const b = randomGauge(nVertices, 7);
    const sum = a.map((x, v) => wrapAngle(x + b[v]));
    const twice = changeGaugeOfLogMap(changeGaugeOfLogMap(theta, rings, a), rings, b);
    expect(largestAngleDifference(twice, changeGaugeOfLogMap(theta, rings, sum))).toBeLessThan(1e-12);
    const gTwice = changeGaugeOfTransport(changeGaugeOfTransport(g, rings, a), rings, b);
    expect(largestAngleDifference(gTwice, changeGaugeOfTransport(g, rings, sum))).toBeLessThan(1e-12);
    for (let p = 0; p < nVertices; p++) {
      expect(twice[rings.offsets[p]]).toBe(0);
      expect(gTwice[rings.offsets[p]]).toBe(0);
    }
  });

  it("rejects arrays of the wrong length", () => {
    const { geometry } = testMeshes()[2];
    const rings = oneRing(geometry.mesh);
    const phi = randomGauge(geometry.mesh.nVertices);
    expect(() => changeGaugeOfLogMap(new Float64Array(3), rings, phi)).toThrow(
      /changeGaugeOfLogMap: theta has 3 entries, but the neighbourhoods have \d+ pairs/,
    );
    expect(() =>
      changeGaugeOfTransport(new Float64Array(rings.indices.length), rings, phi.subarray(1)),
    ).toThrow(/changeGaugeOfTransport \(one angle per vertex in phi\): neighbourhoods have/);
    expect(() => rotateFrames(tangentFrames(geometry), phi.subarray(1))).toThrow(/rotateFrames/);
  });
});
