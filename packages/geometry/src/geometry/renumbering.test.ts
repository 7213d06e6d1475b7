import { describe, expect, it } from "vitest";
import { bumpySphere } from "../generate/bumpy-sphere.js";
import { relabelMesh } from "../mesh/relabel.js";
import { angleDistance } from "./angles.js";
import { type TangentFrames, tangentFrames } from "./frames.js";
import { logMap } from "./log-map.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { oneRing } from "./neighbourhoods.js";
import { parallelTransport } from "./transport.js";

/** Angle of `b`'s e1 at vertex `k` in `a`'s frame at vertex `v` (the gauge change from a to b). */
function frameAngle(a: TangentFrames, v: number, b: TangentFrames, k: number): number {
  const x = a.e1[3 * v] * b.e1[3 * k] + a.e1[3 * v + 1] * b.e1[3 * k + 1] + a.e1[3 * v + 2] * b.e1[3 * k + 2];
  const y = a.e2[3 * v] * b.e1[3 * k] + a.e2[3 * v + 1] * b.e1[3 * k + 1] + a.e2[3 * v + 2] * b.e1[3 * k + 2];
  return Math.atan2(y, x);
}

describe("renumbering a mesh", () => {
  // A curved mesh: where the cone angles differ from 2π, identifying the intrinsic and extrinsic
  // tangent planes by one reference edge made the result depend on which edge the numbering put first.
  const data = bumpySphere({ level: 2, seed: 3 });
  const geometry = MeshGeometry.fromData(data);
  const frames = tangentFrames(geometry);
  const rings = oneRing(geometry.mesh);
  const theta = logMap(geometry, frames, rings, { method: "intrinsic" }).theta;
  const transport = parallelTransport(geometry, frames, rings, { method: "levi-civita" });

  /** Worst error of θ' = θ − sign·φ_p and g' = g − sign·(φ_p − φ_q) over every pair of a renumbered copy. */
  function worstErrors(seed: number, sign: number): { logMap: number; transport: number } {
    const relabelled = relabelMesh(data, seed);
    const other = MeshGeometry.fromData(relabelled.data);
    const otherFrames = tangentFrames(other);
    const otherRings = oneRing(other.mesh);
    const otherTheta = logMap(other, otherFrames, otherRings, { method: "intrinsic" }).theta;
    const otherTransport = parallelTransport(other, otherFrames, otherRings, { method: "levi-civita" });
    const order = relabelled.vertexOrder;
    const phi = Float64Array.from(order, (v, k) => frameAngle(frames, v, otherFrames, k));
    let worstLog = 0;
    let worstTransport = 0;
    for (let k = 0; k < order.length; k++) {
      const v = order[k];
      for (let j = otherRings.offsets[k]; j < otherRings.offsets[k + 1]; j++) {
        const q = otherRings.indices[j];
        let i = rings.offsets[v];
        while (rings.indices[i] !== order[q]) i++;
        worstLog = Math.max(worstLog, angleDistance(otherTheta[j], theta[i] - sign * phi[k]));
        worstTransport = Math.max(
          worstTransport,
          angleDistance(otherTransport[j], transport[i] - sign * (phi[k] - phi[q])),
        );
      }
    }
    return { logMap: worstLog, transport: worstTransport };
  }

  it("changes the intrinsic log map and the Levi-Civita transport by a pure gauge change", () => {
    for (const seed of [1, 2, 3]) {
      const errors = worstErrors(seed, 1);
      expect(errors.logMap, `seed ${seed}`).toBeLessThan(1e-11);
      expect(errors.transport, `seed ${seed}`).toBeLessThan(1e-11);
    }
  });

  it("is told apart from a wrong gauge change (negative control)", () => {
    const errors = worstErrors(1, -1);
    expect(errors.logMap).toBeGreaterThan(1e-2);
    expect(errors.transport).toBeGreaterThan(1e-2);
  });
});
