import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { testMeshes } from "./geometry.fixture.js";
import type { Neighbourhoods } from "./neighbourhoods.js";
import { oneRing } from "./neighbourhoods.js";
import { pairHalfedges } from "./pair-halfedges.js";

describe("pairHalfedges", () => {
  it("finds the halfedge of every pair in any order, with or without self pairs", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh } = geometry;
      const random = mulberry32(3);
      const rings = oneRing(mesh, { includeSelf: true });
      // Shuffle each neighbourhood (self pair included) and drop some pairs, to leave the fast path.
      const offsets = new Uint32Array(mesh.nVertices + 1);
      const indices: number[] = [];
      for (let p = 0; p < mesh.nVertices; p++) {
        const list = Array.from(rings.indices.subarray(rings.offsets[p], rings.offsets[p + 1]));
        for (let i = list.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [list[i], list[j]] = [list[j], list[i]];
        }
        const kept = p % 3 === 0 ? list.slice(0, Math.max(1, list.length - 2)) : list;
        indices.push(...kept);
        offsets[p + 1] = indices.length;
      }
      const shuffled: Neighbourhoods = { offsets, indices: Uint32Array.from(indices), includesSelf: false };
      for (const neighbourhoods of [rings, oneRing(mesh), shuffled]) {
        const halfedges = pairHalfedges(mesh, neighbourhoods, "test");
        let wrong = 0;
        for (let p = 0; p < mesh.nVertices; p++) {
          for (let i = neighbourhoods.offsets[p]; i < neighbourhoods.offsets[p + 1]; i++) {
            const q = neighbourhoods.indices[i];
            const h = halfedges[i];
            const right = q === p ? h === -1 : mesh.tail(h) === p && mesh.head(h) === q;
            if (!right) wrong++;
          }
        }
        expect(wrong, name).toBe(0);
      }
    }
  });

  it("names the first pair that is not an edge", () => {
    const { mesh } = testMeshes()[0].geometry;
    const rings = oneRing(mesh);
    const indices = rings.indices.slice();
    const far = mesh.nVertices - 1;
    indices[rings.offsets[1] + 2] = far;
    expect(() => pairHalfedges(mesh, { ...rings, indices }, "caller")).toThrow(
      `caller: pair (1, ${far}) (index ${rings.offsets[1] + 2} of the neighbourhoods) is not a mesh edge`,
    );
  });
});
