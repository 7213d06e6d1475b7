import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import { MeshError } from "./errors.js";
import { SurfaceMesh } from "./surface-mesh.js";

/** A 3×3-vertex grid in the plane (8 triangles), counter-clockwise seen from +z. */
function grid3(): number[] {
  const t: number[] = [];
  for (let j = 0; j < 2; j++) {
    for (let i = 0; i < 2; i++) {
      const a = 3 * j + i;
      t.push(a, a + 1, a + 4, a, a + 4, a + 3);
    }
  }
  return t;
}

describe("SurfaceMesh", () => {
  it("builds a closed icosphere with consistent navigation", () => {
    const { positions, triangles } = icosphere(2);
    const mesh = SurfaceMesh.fromTriangles(positions.length / 3, triangles);
    expect(mesh.nVertices).toBe(162);
    expect(mesh.nFaces).toBe(320);
    expect(mesh.nEdges).toBe(480);
    expect(mesh.eulerCharacteristic).toBe(2);
    expect(mesh.genus).toBe(0);
    expect(mesh.hasBoundary).toBe(false);
    for (let h = 0; h < mesh.nHalfedges; h++) {
      expect(mesh.twin(mesh.twin(h))).toBe(h);
      expect(mesh.next(mesh.prev(h))).toBe(h);
      expect(mesh.head(mesh.twin(h))).toBe(mesh.tail(h));
      expect(mesh.next(mesh.next(mesh.next(h)))).toBe(h);
    }
    for (let v = 0; v < mesh.nVertices; v++) {
      const out = mesh.outgoingHalfedges(v);
      expect(out.length).toBe(mesh.vertexDegree[v]);
      for (const h of out) expect(mesh.tail(h)).toBe(v);
    }
  });

  it("enumerates outgoing halfedges counter-clockwise, boundary last", () => {
    const mesh = SurfaceMesh.fromTriangles(9, grid3());
    expect(mesh.hasBoundary).toBe(true);
    expect(mesh.boundaryLoops().length).toBe(1);
    expect(mesh.boundaryLoops()[0].length).toBe(8);
    expect(mesh.eulerCharacteristic).toBe(1);
    // Centre vertex 4 (1,1): neighbours counter-clockwise about +z.
    const around = mesh.vertexNeighbours(4);
    const angle = (w: number) => Math.atan2(Math.floor(w / 3) - 1, (w % 3) - 1);
    const angles = around.map(angle);
    let turns = 0;
    for (let i = 0; i < angles.length; i++) {
      let d = angles[(i + 1) % angles.length] - angles[i];
      while (d <= 0) d += 2 * Math.PI;
      turns += d;
    }
    expect(turns).toBeCloseTo(2 * Math.PI, 12);
    // Bottom-middle vertex 1 (1,0): starts towards +x (vertex 2), ends with boundary towards -x (vertex 0).
    const out = mesh.outgoingHalfedges(1);
    expect(mesh.head(out[0])).toBe(2);
    expect(mesh.head(out[out.length - 1])).toBe(0);
    expect(mesh.isBoundaryHalfedge(out[out.length - 1])).toBe(true);
    expect(mesh.vertexOnBoundary[1]).toBe(1);
    expect(mesh.vertexOnBoundary[4]).toBe(0);
  });

  it("numbers halfedges as the conventions say and pairs them into edges", () => {
    const { positions, triangles } = grid({ nx: 3, ny: 2 });
    const mesh = SurfaceMesh.fromTriangles(positions.length / 3, triangles);
    for (let f = 0; f < mesh.nFaces; f++) {
      for (let k = 0; k < 3; k++) {
        const h = 3 * f + k;
        expect(mesh.tail(h)).toBe(triangles[3 * f + k]);
        expect(mesh.head(h)).toBe(triangles[3 * f + ((k + 1) % 3)]);
        expect(mesh.face(h)).toBe(f);
      }
    }
    for (let h = 3 * mesh.nFaces; h < mesh.nHalfedges; h++) {
      expect(mesh.face(h)).toBe(-1);
      expect(mesh.isBoundaryHalfedge(h)).toBe(true);
    }
    const seen = new Array(mesh.nEdges).fill(0);
    for (let h = 0; h < mesh.nHalfedges; h++) {
      const e = mesh.halfedgeEdge[h];
      seen[e]++;
      expect(mesh.halfedgeEdge[mesh.twin(h)]).toBe(e);
    }
    expect(seen.every((n) => n === 2)).toBe(true);
    for (let e = 0; e < mesh.nEdges; e++) {
      const h = mesh.edgeHalfedge[e];
      expect(mesh.halfedgeEdge[h]).toBe(e);
      expect(mesh.isBoundaryHalfedge(h)).toBe(false);
    }
  });

  it("runs boundary loops with the exterior on their left (clockwise seen from +z)", () => {
    const { positions, triangles } = grid({ nx: 3, ny: 2 });
    const mesh = SurfaceMesh.fromTriangles(positions.length / 3, triangles);
    const [loop] = mesh.boundaryLoops();
    expect(loop.length).toBe(2 * (3 + 2));
    let signedArea = 0;
    for (const h of loop) {
      const a = mesh.tail(h);
      const b = mesh.head(h);
      signedArea += positions[3 * a] * positions[3 * b + 1] - positions[3 * b] * positions[3 * a + 1];
      expect(mesh.head(h)).toBe(mesh.tail(mesh.next(h)));
      expect(mesh.vertexOnBoundary[a]).toBe(1);
    }
    expect(signedArea / 2).toBeCloseTo(-1, 12);
  });

  it("finds two boundary loops on an annulus and genus 1 on a torus", () => {
    // Annulus: a 3×3 grid without its centre cell.
    const { positions, triangles } = grid({ nx: 3, ny: 3 });
    const centre = 2 * (1 * 3 + 1);
    const ring = [...triangles.slice(0, 3 * centre), ...triangles.slice(3 * (centre + 2))];
    const annulus = SurfaceMesh.fromTriangles(positions.length / 3, ring);
    expect(annulus.boundaryLoops().map((l) => l.length)).toEqual(expect.arrayContaining([4, 12]));
    expect(annulus.boundaryLoops().length).toBe(2);
    expect(annulus.eulerCharacteristic).toBe(0);
    expect(annulus.genus).toBe(0);
    const t = torus({ majorSegments: 6, minorSegments: 4 });
    const closed = SurfaceMesh.fromTriangles(t.positions.length / 3, t.triangles);
    expect(closed.eulerCharacteristic).toBe(0);
    expect(closed.genus).toBe(1);
    expect(closed.boundaryLoops()).toEqual([]);
  });

  it("counts components", () => {
    const two = [0, 1, 2, 3, 4, 5];
    const mesh = SurfaceMesh.fromTriangles(6, two);
    expect(mesh.connectedComponents().count).toBe(2);
  });

  const cases: [string, number, number[], string][] = [
    ["index-out-of-range", 3, [0, 1, 3], "vertex 3"],
    ["degenerate-face", 3, [0, 1, 1], "face 0"],
    ["unreferenced-vertex", 4, [0, 1, 2], "vertex 3"],
    ["non-manifold-edge", 5, [0, 1, 2, 1, 0, 3, 0, 1, 4], "edge (0, 1) is shared by 3 faces"],
    ["inconsistent-orientation", 4, [0, 1, 2, 0, 1, 3], "faces 0 and 1"],
    ["non-manifold-vertex", 5, [0, 1, 2, 0, 3, 4], "vertex 0 lies on more than one boundary loop"],
    // Two closed fans (tetrahedra) at vertex 0: no boundary there, found by walking around it.
    [
      "non-manifold-vertex",
      7,
      [0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2, 0, 4, 5, 0, 6, 4, 0, 5, 6, 4, 6, 5],
      "vertex 0 joins several fans",
    ],
    ["empty-mesh", 3, [], "no faces"],
    ["malformed-array", 3, [0, 1], "multiple of 3"],
  ];
  it("reports bad corners and bad edges together, without follow-up errors", () => {
    try {
      // Face 0 refers to vertex 9; faces 1-3 share edge (1, 2); nothing else is wrong.
      SurfaceMesh.fromTriangles(6, [0, 1, 9, 1, 2, 3, 2, 1, 4, 1, 2, 5, 0, 1, 3, 0, 4, 5]);
      expect.fail("should have thrown");
    } catch (e) {
      const kinds = (e as MeshError).problems.map((p) => p.kind);
      expect(kinds).toEqual(["index-out-of-range", "non-manifold-edge"]);
    }
  });

  for (const [kind, n, tris, text] of cases) {
    it(`rejects ${kind}`, () => {
      try {
        SurfaceMesh.fromTriangles(n, tris, "bad.obj");
        expect.fail("should have thrown");
      } catch (e) {
        expect(e).toBeInstanceOf(MeshError);
        const err = e as MeshError;
        expect(err.kind).toBe(kind);
        expect(err.message).toContain("bad.obj");
        expect(err.message).toContain(text);
        const messages = err.problems.map((p) => p.message);
        expect(new Set(messages).size).toBe(messages.length);
      }
    });
  }
});
