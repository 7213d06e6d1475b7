import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import { MeshError, type MeshProblemKind } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import { assertValidMesh, DEFAULT_RELATIVE_AREA_TOLERANCE, validateMesh } from "./validate.js";

const mesh = (positions: number[], triangles: number[]): TriangleMeshData => ({
  positions: Float64Array.from(positions),
  triangles: Uint32Array.from(triangles),
});

/** A unit square as two counter-clockwise triangles (seen from +z). */
const SQUARE = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0];
/** A regular-ish tetrahedron, outward counter-clockwise. */
const TETRA_POSITIONS = [1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1];
const TETRA_FACES = [0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2];

describe("validateMesh", () => {
  it("accepts valid meshes and counts their topology", () => {
    const cases: [TriangleMeshData, number, number, number | undefined][] = [
      // mesh, Euler characteristic, boundary loops, genus
      [mesh(TETRA_POSITIONS, TETRA_FACES), 2, 0, 0],
      [icosphere(2), 2, 0, 0],
      [torus(), 0, 0, 1],
      [grid({ nx: 3, ny: 2 }), 1, 1, 0],
    ];
    for (const [data, chi, loops, genus] of cases) {
      const report = validateMesh(data);
      expect(report.ok).toBe(true);
      expect(report.problems).toEqual([]);
      expect(report.counts.eulerCharacteristic).toBe(chi);
      expect(report.counts.boundaryLoops).toBe(loops);
      expect(report.counts.genus).toBe(genus);
      expect(report.counts.components).toBe(1);
      // The counts computed without the halfedge structure agree with it.
      expect(report.counts.edges).toBe(report.mesh!.nEdges);
      expect(report.counts.vertices).toBe(report.mesh!.nVertices);
      expect(report.counts.faces).toBe(report.mesh!.nFaces);
      expect(report.counts.boundaryEdges).toBe(report.mesh!.nHalfedges - 3 * report.mesh!.nFaces);
    }
  });

  it("counts components, including isolated vertices, without building the connectivity", () => {
    // Two separate triangles plus an unreferenced vertex: invalid, but the counts still hold.
    const report = validateMesh(mesh([...SQUARE, 5, 5, 5, 6, 5, 5, 5, 6, 5], [0, 1, 2, 4, 5, 6]));
    expect(report.ok).toBe(false);
    expect(report.counts.components).toBe(3);
    expect(report.counts.edges).toBe(6);
    expect(report.counts.eulerCharacteristic).toBe(7 - 6 + 2);
    expect(report.counts.genus).toBeUndefined();
  });

  // One malformed input per problem kind; each report names the offending element.
  const cases: {
    kind: MeshProblemKind;
    data: TriangleMeshData;
    element: unknown;
    text: string;
  }[] = [
    {
      kind: "non-finite-coordinate",
      data: mesh([0, 0, 0, 1, 0, 0, 0, Number.NaN, 0], [0, 1, 2]),
      element: { type: "vertex", index: 2 },
      text: "vertex 2",
    },
    {
      kind: "index-out-of-range",
      data: mesh(SQUARE, [0, 1, 2, 0, 2, 7]),
      element: { type: "face", index: 1 },
      text: "face 1 refers to vertex 7",
    },
    {
      kind: "degenerate-face",
      data: mesh(SQUARE, [0, 1, 2, 0, 2, 2]),
      element: { type: "face", index: 1 },
      text: "face 1 repeats a vertex",
    },
    {
      // Three collinear points: distinct corners, zero area.
      kind: "degenerate-face",
      data: mesh([0, 0, 0, 1, 0, 0, 2, 0, 0, 1, 1, 0], [0, 1, 3, 0, 2, 1]),
      element: { type: "face", index: 1 },
      text: "face 1 has area",
    },
    {
      kind: "non-manifold-edge",
      data: mesh([...SQUARE, 0.5, 0.5, 1], [0, 1, 2, 0, 2, 3, 0, 4, 2]),
      element: { type: "edge", vertices: [0, 2] },
      text: "edge (0, 2) is shared by 3 faces",
    },
    {
      // Two tetrahedra that share only vertex 0: each edge is fine, the vertex joins two fans.
      kind: "non-manifold-vertex",
      data: mesh(
        [...TETRA_POSITIONS, 3, 1, -1, 3, -1, 1, 5, 1, 1],
        [...TETRA_FACES, 0, 4, 5, 0, 6, 4, 0, 5, 6, 4, 6, 5],
      ),
      element: { type: "vertex", index: 0 },
      text: "vertex 0",
    },
    {
      kind: "inconsistent-orientation",
      data: mesh(SQUARE, [0, 1, 2, 0, 3, 2]),
      element: { type: "edge", vertices: [0, 2] },
      text: "faces 0 and 1 both traverse edge (2, 0) from 2 to 0",
    },
    {
      kind: "unreferenced-vertex",
      data: mesh([...SQUARE, 9, 9, 9], [0, 1, 2, 0, 2, 3]),
      element: { type: "vertex", index: 4 },
      text: "vertex 4 belongs to no face",
    },
    { kind: "empty-mesh", data: mesh([], []), element: undefined, text: "no vertices" },
    { kind: "empty-mesh", data: mesh(SQUARE, []), element: undefined, text: "no faces" },
    {
      kind: "malformed-array",
      data: mesh([0, 0, 0, 1], [0, 1, 2]),
      element: undefined,
      text: "length 4, not a multiple of 3",
    },
    {
      kind: "malformed-array",
      data: mesh(SQUARE, [0, 1, 2, 3]),
      element: undefined,
      text: "length 4, not a multiple of 3",
    },
  ];
  for (const { kind, data, element, text } of cases) {
    it(`reports ${kind} (${text})`, () => {
      const report = validateMesh(data, { source: "bad.obj" });
      expect(report.ok).toBe(false);
      expect(report.source).toBe("bad.obj");
      const problem = report.problems.find((p) => p.kind === kind && p.message.includes(text));
      expect(problem, JSON.stringify(report.problems)).toBeDefined();
      expect(problem!.element).toEqual(element);
      expect(() => assertValidMesh(data, "bad.obj")).toThrow(MeshError);
    });
  }

  it("reports bad corners and bad edges of different faces in one pass", () => {
    // Face 3 refers to a missing vertex; faces 0-2 share edge (0, 2).
    const report = validateMesh(mesh([...SQUARE, 0.5, 0.5, 1], [0, 1, 2, 0, 2, 3, 0, 4, 2, 0, 1, 9]));
    const kinds = report.problems.map((p) => p.kind).sort();
    expect(kinds).toEqual(["index-out-of-range", "non-manifold-edge"]);
  });

  it("does not call a face with an out-of-range corner degenerate", () => {
    const report = validateMesh(mesh(SQUARE, [0, 1, 2, 0, 2, 3, 0, 2, 4]));
    expect(report.problems.map((p) => p.kind)).toEqual(["index-out-of-range"]);
  });

  it("checks the area relative to the mesh's scale", () => {
    // A sliver below the square: its apex is 1e-7 of the square's size off the base line, area
    // 5e-8 in units of the square; the tolerance is 1e-12 × (diagonal² ≈ 2): valid at every scale.
    const sliver = (s: number) =>
      mesh(
        [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, -1e-7, 0].map((x) => x * s),
        [0, 1, 2, 0, 2, 3, 0, 4, 1],
      );
    for (const scale of [1e-9, 1, 1e9]) {
      const report = validateMesh(sliver(scale));
      expect(report.ok).toBe(true);
      const diagonalSquared = (1 + (1 + 1e-7) ** 2) * scale * scale;
      expect(report.areaTolerance / (DEFAULT_RELATIVE_AREA_TOLERANCE * diagonalSquared)).toBeCloseTo(1, 12);
      // With a tolerance above the sliver's relative area (5e-8 / 2) it is flagged, at every scale.
      const strict = validateMesh(sliver(scale), { relativeAreaTolerance: 3e-8 });
      expect(strict.problems.map((p) => p.element)).toEqual([{ type: "face", index: 2 }]);
    }
  });

  it("throws a MeshError that names the source file", () => {
    const data = mesh(SQUARE, [0, 1, 2, 0, 3, 2]);
    expect(() => assertValidMesh(data, "meshes/broken.obj")).toThrow(/^meshes\/broken\.obj: faces 0 and 1/);
    const valid = assertValidMesh(mesh(SQUARE, [0, 1, 2, 0, 2, 3]), "square.obj");
    expect(valid.nFaces).toBe(2);
  });

  it("reports arrays that are missing altogether", () => {
    const report = validateMesh({
      positions: undefined,
      triangles: undefined,
    } as unknown as TriangleMeshData);
    expect(report.problems.map((p) => p.kind)).toEqual(["malformed-array", "malformed-array"]);
  });
});
