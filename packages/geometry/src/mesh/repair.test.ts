import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { mulberry32 } from "../random.js";
import { MeshError } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import { repairMesh } from "./repair.js";
import { validateMesh } from "./validate.js";

const mesh = (positions: number[], triangles: number[]): TriangleMeshData => ({
  positions: Float64Array.from(positions),
  triangles: Uint32Array.from(triangles),
});

function signedVolume({ positions: p, triangles: t }: TriangleMeshData): number {
  let volume = 0;
  for (let f = 0; f < t.length / 3; f++) {
    const [a, b, c] = [3 * t[3 * f], 3 * t[3 * f + 1], 3 * t[3 * f + 2]];
    volume +=
      p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) -
      p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) +
      p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c]);
  }
  return volume / 6;
}

/** Reverses faces chosen by `pick`. */
function flipFaces(data: TriangleMeshData, pick: (f: number) => boolean): TriangleMeshData {
  const triangles = data.triangles.slice();
  for (let f = 0; f < triangles.length / 3; f++) {
    if (pick(f)) [triangles[3 * f + 1], triangles[3 * f + 2]] = [triangles[3 * f + 2], triangles[3 * f + 1]];
  }
  return { positions: data.positions.slice(), triangles };
}

/**
 * A Möbius strip: `n` quads around a half-twisted band, vertices top_i (2i) and bottom_i (2i+1);
 * going once around swaps top and bottom, so no orientation is consistent.
 */
function mobius(n = 8): TriangleMeshData {
  const positions: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = (2 * Math.PI * i) / n;
    for (const s of [0.3, -0.3]) {
      const r = 1 + s * Math.cos(u / 2);
      positions.push(r * Math.cos(u), r * Math.sin(u), s * Math.sin(u / 2));
    }
  }
  const triangles: number[] = [];
  for (let i = 0; i < n; i++) {
    const top = 2 * i;
    const bottom = 2 * i + 1;
    const nextTop = i + 1 < n ? 2 * (i + 1) : 1;
    const nextBottom = i + 1 < n ? 2 * (i + 1) + 1 : 0;
    triangles.push(top, bottom, nextBottom, top, nextBottom, nextTop);
  }
  return mesh(positions, triangles);
}

describe("repairMesh", () => {
  it("welds exact duplicate vertices into the first one", () => {
    // Two triangles of a square that do not share vertices (a triangle soup).
    const soup = mesh([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0], [0, 1, 2, 3, 4, 5]);
    expect(validateMesh(soup).counts.components).toBe(2);
    const { data, report } = repairMesh(soup);
    expect(report.weldedVertices).toEqual([
      { vertex: 3, into: 0 },
      { vertex: 4, into: 2 },
    ]);
    expect(Array.from(report.vertexMap)).toEqual([0, 1, 2, 0, 2, 3]);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 3]);
    expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(report.validation.ok).toBe(true);
    expect(report.validation.counts.components).toBe(1);
    expect(report.summary).toContain("welded 2 duplicate vertices");
  });

  it("drops faces with a repeated vertex, zero area or a missing vertex, and says why", () => {
    const square = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 0.5, 0];
    // Face 2 repeats vertex 2; face 3 is flat (0, 4, 2 are collinear); face 4 refers to vertex 8.
    const bad = mesh(square, [0, 1, 2, 0, 2, 3, 2, 2, 1, 0, 4, 2, 0, 1, 8]);
    const { data, report } = repairMesh(bad);
    expect(report.droppedFaces).toEqual([
      { face: 2, reason: "repeated-vertex" },
      { face: 3, reason: "zero-area" },
      { face: 4, reason: "index-out-of-range" },
    ]);
    expect(Array.from(report.faceMap)).toEqual([0, 1, -1, -1, -1]);
    // Vertex 4 was used only by the flat face: now unreferenced, it goes too.
    expect(report.removedVertices).toEqual([4]);
    expect(data.triangles.length).toBe(6);
    expect(data.positions.length).toBe(12);
    expect(report.validation.ok).toBe(true);
    expect(report.summary.join("\n")).toMatch(/dropped 1 face\(s\) with zero area/);
  });

  it("removes unreferenced vertices and renumbers the rest in order", () => {
    const data = mesh([9, 9, 9, 0, 0, 0, 8, 8, 8, 1, 0, 0, 0, 1, 0], [1, 3, 4]);
    const { data: out, report } = repairMesh(data);
    expect(report.removedVertices).toEqual([0, 2]);
    expect(Array.from(report.vertexMap)).toEqual([-1, 0, -1, 1, 2]);
    expect(Array.from(out.triangles)).toEqual([0, 1, 2]);
    expect(Array.from(out.positions)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(report.validation.ok).toBe(true);
  });

  it("orients a closed mesh outward, whichever faces were flipped", () => {
    const sphere = icosphere(1);
    const random = mulberry32(3);
    const scrambled = flipFaces(sphere, () => random() < 0.4);
    const flippedIn = new Set<number>();
    for (let f = 0; f < sphere.triangles.length / 3; f++) {
      if (scrambled.triangles[3 * f + 1] !== sphere.triangles[3 * f + 1]) flippedIn.add(f);
    }
    expect(validateMesh(scrambled).ok).toBe(false);
    const { data, report } = repairMesh(scrambled);
    expect(new Set(report.flippedFaces)).toEqual(flippedIn);
    expect(Array.from(data.triangles)).toEqual(Array.from(sphere.triangles));
    expect(report.validation.ok).toBe(true);
    // Entirely inside out: every face flips, by the sign of the volume.
    const inverted = flipFaces(sphere, () => true);
    expect(validateMesh(inverted).ok).toBe(true);
    expect(signedVolume(inverted)).toBeLessThan(0);
    const fixed = repairMesh(inverted);
    expect(fixed.report.flippedFaces.length).toBe(sphere.triangles.length / 3);
    expect(signedVolume(fixed.data)).toBeGreaterThan(0);
  });

  it("orients an open mesh with the fewest flips", () => {
    const plane = grid({ nx: 4, ny: 3 });
    const { data, report } = repairMesh(flipFaces(plane, (f) => f === 5 || f === 17));
    expect(report.flippedFaces).toEqual([5, 17]);
    expect(Array.from(data.triangles)).toEqual(Array.from(plane.triangles));
    // The same mesh upside down, but for two faces: those two are flipped, not the others.
    const { report: upside } = repairMesh(flipFaces(plane, (f) => f !== 5 && f !== 17));
    expect(upside.flippedFaces).toEqual([5, 17]);
  });

  it("leaves a non-orientable surface as it is and reports it", () => {
    const strip = mobius();
    const before = validateMesh(strip);
    expect(before.problems.map((p) => p.kind)).toContain("inconsistent-orientation");
    const { data, report } = repairMesh(strip);
    expect(report.nonOrientableRegions).toEqual([{ firstFace: 0, faceCount: 16 }]);
    expect(report.flippedFaces).toEqual([]);
    expect(Array.from(data.triangles)).toEqual(Array.from(strip.triangles));
    expect(report.validation.ok).toBe(false);
    expect(report.validation.problems.map((p) => p.kind)).toContain("inconsistent-orientation");
    expect(report.summary.join("\n")).toMatch(/non-orientable/);
  });

  it("keeps a non-manifold edge as a remaining problem", () => {
    const fan = mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1], [0, 1, 2, 1, 0, 3, 0, 1, 4]);
    const { report } = repairMesh(fan);
    expect(report.validation.problems.map((p) => p.kind)).toContain("non-manifold-edge");
    expect(report.summary.at(-1)).toMatch(/problem\(s\) remain/);
  });

  it("changes nothing in a valid mesh, and nothing that an option turns off", () => {
    const sphere = icosphere(1);
    const { data, report } = repairMesh(sphere);
    expect(report.changed).toBe(false);
    expect(report.summary).toEqual([]);
    expect(data).toEqual(sphere);
    const soup = mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 7, 7, 7], [0, 1, 2, 3, 2, 1]);
    const off = repairMesh(soup, {
      weldDuplicateVertices: false,
      dropDegenerateFaces: false,
      removeUnreferencedVertices: false,
      orientConsistently: false,
    });
    expect(off.report.changed).toBe(false);
    expect(off.data).toEqual(soup);
  });

  it("is deterministic and leaves its input alone", () => {
    const random = mulberry32(11);
    const sphere = flipFaces(icosphere(2), () => random() < 0.3);
    const copy = { positions: sphere.positions.slice(), triangles: sphere.triangles.slice() };
    const first = repairMesh(sphere);
    const second = repairMesh(sphere);
    expect(second.data).toEqual(first.data);
    expect(second.report.flippedFaces).toEqual(first.report.flippedFaces);
    expect(sphere).toEqual(copy);
  });

  it("refuses arrays that are not whole triples, naming the source", () => {
    expect(() => repairMesh(mesh([0, 0], [0, 1, 2]), { source: "x.obj" })).toThrow(MeshError);
    expect(() => repairMesh(mesh([0, 0], [0, 1, 2]), { source: "x.obj" })).toThrow(/^x\.obj: /);
  });
});
