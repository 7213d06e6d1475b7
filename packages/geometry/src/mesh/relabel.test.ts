import { describe, expect, it } from "vitest";
import { bumpySphere } from "../generate/bumpy-sphere.js";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import { relabelMesh } from "./relabel.js";

describe("relabelMesh", () => {
  const data = bumpySphere({ level: 2, seed: 3 });

  it("lists the same oriented faces over the same points, in a different order", () => {
    const { data: out, vertexOrder, faceOrder } = relabelMesh(data, 7);
    const n = data.positions.length / 3;
    expect(new Set(vertexOrder).size).toBe(n);
    expect(vertexOrder).not.toEqual(Uint32Array.from({ length: n }, (_, i) => i));
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < 3; c++)
        expect(out.positions[3 * k + c]).toBe(data.positions[3 * vertexOrder[k] + c]);
    }
    let rotated = 0;
    faceOrder.forEach((old, k) => {
      const before = Array.from(data.triangles.subarray(3 * old, 3 * old + 3));
      const after = Array.from(out.triangles.subarray(3 * k, 3 * k + 3), (v) => vertexOrder[v]);
      // The same cycle of corners: the orientation is kept.
      const shift = after.indexOf(before[0]);
      expect(shift).toBeGreaterThanOrEqual(0);
      expect([0, 1, 2].map((c) => after[(c + shift) % 3])).toEqual(before);
      if (shift !== 0) rotated++;
    });
    expect(rotated).toBeGreaterThan(0);
    const a = MeshGeometry.fromData(data);
    const b = MeshGeometry.fromData(out);
    expect(b.totalAngleDefect()).toBeCloseTo(a.totalAngleDefect(), 12);
  });

  it("is seeded and rejects arrays that are not triples", () => {
    expect(relabelMesh(data, 1)).toEqual(relabelMesh(data, 1));
    expect(relabelMesh(data, 1).vertexOrder).not.toEqual(relabelMesh(data, 2).vertexOrder);
    expect(() => relabelMesh({ positions: new Float64Array(4), triangles: new Uint32Array(3) }, 0)).toThrow(
      /whole triples/,
    );
  });
});
