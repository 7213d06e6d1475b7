import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { groupHalfedgesByEdge } from "./edge-groups.js";

describe("groupHalfedgesByEdge", () => {
  it("agrees with sorting every halfedge by (lower vertex, higher vertex, number)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = mulberry32(seed);
      const nVertices = 2 + Math.floor(random() * 300);
      const nFaces = 1 + Math.floor(random() * 3000);
      // Many corners at two hubs, so that some vertices have hundreds of halfedges.
      const corners = Array.from({ length: 3 * nFaces }, () =>
        random() < 0.4 ? Math.floor(random() * 2) : Math.floor(random() * nVertices),
      );
      const include = Uint8Array.from({ length: nFaces }, () => (random() < 0.8 ? 1 : 0));
      const next = (h: number) => (h % 3 === 2 ? h - 2 : h + 1);
      const lo = (h: number) => Math.min(corners[h], corners[next(h)]);
      const hi = (h: number) => Math.max(corners[h], corners[next(h)]);
      for (const includeFace of [undefined, include]) {
        const expected = Array.from({ length: 3 * nFaces }, (_, h) => h)
          .filter((h) => !includeFace || includeFace[Math.floor(h / 3)])
          .sort((a, b) => lo(a) - lo(b) || hi(a) - hi(b) || a - b);
        const { order, groupStart, groupCount } = groupHalfedgesByEdge(nVertices, corners, includeFace);
        expect(Array.from(order)).toEqual(expected);
        const starts = expected.flatMap((h, i) =>
          i === 0 || lo(h) !== lo(expected[i - 1]) || hi(h) !== hi(expected[i - 1]) ? [i] : [],
        );
        expect(Array.from(groupStart)).toEqual([...starts, expected.length]);
        expect(groupCount).toBe(starts.length);
      }
    }
  });
});
