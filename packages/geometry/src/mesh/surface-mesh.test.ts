import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
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

  it("counts components", () => {
    const two = [0, 1, 2, 3, 4, 5];
    const mesh = SurfaceMesh.fromTriangles(6, two);
    expect(mesh.connectedComponents().count).toBe(2);
  });

  const cases: [string, number, number[], string][] = [
    ["index-out-of-range", 3, [0, 1, 3], "vertex 3"],
    ["degenerate-face", 3, [0, 1, 1], "face 0"],
    ["unreferenced-vertex", 4, [0, 1, 2], "vertex 3"],
    ["non-manifold-edge", 5, [0, 1, 2, 1, 0, 3, 0, 1, 4], "edge (0, 1)"],
    ["inconsistent-orientation", 4, [0, 1, 2, 0, 1, 3], "faces 0 and 1"],
    ["non-manifold-vertex", 5, [0, 1, 2, 0, 3, 4], "vertex 0"],
    ["empty-mesh", 3, [], "no faces"],
    ["malformed-array", 3, [0, 1], "multiple of 3"],
  ];
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
      }
    });
  }
});
