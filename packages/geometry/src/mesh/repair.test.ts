import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { torus } from "../generate/torus.js";
import { mulberry32 } from "../random.js";
import { MeshError } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import { type MeshRepairReport, repairMesh } from "./repair.js";
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

/**
 * The repaired mesh describes the same surface: every output vertex sits where its source input
 * vertex does, and every kept input face became the output face `faceMap[f]` with the same
 * corner positions in the same cyclic order, or reversed when it was flipped.
 */
function expectFaithful(input: TriangleMeshData, output: TriangleMeshData, report: MeshRepairReport): void {
  const { sourceVertex, faceMap } = report;
  expect(sourceVertex.length).toBe(output.positions.length / 3);
  const sourcePositions = Array.from(sourceVertex).flatMap((s) =>
    Array.from(input.positions.subarray(3 * s, 3 * s + 3)),
  );
  expect(Array.from(output.positions)).toEqual(sourcePositions);
  const flipped = new Set(report.flippedFaces);
  const at = (data: TriangleMeshData, v: number) => Array.from(data.positions.subarray(3 * v, 3 * v + 3));
  const want: string[] = [];
  const got: string[] = [];
  for (let f = 0; f < faceMap.length; f++) {
    if (faceMap[f] < 0) continue;
    const g = faceMap[f];
    const corners = [0, 1, 2].map((k) => at(input, input.triangles[3 * f + k]));
    want.push(String(flipped.has(f) ? [corners[0], corners[2], corners[1]] : corners));
    got.push(String([0, 1, 2].map((k) => at(output, output.triangles[3 * g + k]))));
  }
  expect(got.join("\n")).toBe(want.join("\n"));
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
    expect(report.summary).toContain("welded 2 duplicate vertices (vertices 3, 4)");
    expect(Array.from(report.sourceVertex)).toEqual([0, 1, 2, 5]);
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
    expect(report.summary.join("\n")).toMatch(/dropped 1 face with zero area/);
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

  it("cuts a non-orientable surface open and orients it; without splitting leaves it and reports it", () => {
    const strip = mobius();
    const before = validateMesh(strip);
    expect(before.problems.map((p) => p.kind)).toContain("inconsistent-orientation");
    const { data, report } = repairMesh(strip);
    expect(report.validation.ok).toBe(true);
    expect(report.cutEdges.length).toBeGreaterThan(0);
    expectFaithful(strip, data, report);
    // One strip still, now a disc: the cut gave its two vertices a second copy each.
    expect(report.validation.counts.components).toBe(1);
    expect(report.validation.counts.boundaryLoops).toBe(1);
    expect(report.validation.counts.eulerCharacteristic).toBe(1);
    expect(report.summary.join("\n")).toMatch(/cut 1 edge open where the surface is non-orientable/);

    // Negative control: without splitting, as before this option existed.
    const off = repairMesh(strip, { splitNonManifold: false });
    expect(off.report.nonOrientableRegions).toEqual([{ firstFace: 0, faceCount: 16 }]);
    expect(off.report.flippedFaces).toEqual([]);
    expect(Array.from(off.data.triangles)).toEqual(Array.from(strip.triangles));
    expect(off.report.validation.problems).toEqual(before.problems);
    expect(off.report.summary.join("\n")).toMatch(/non-orientable/);
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
      removeDuplicateFaces: false,
      splitNonManifold: false,
    });
    expect(off.report.changed).toBe(false);
    expect(off.data).toEqual(soup);
  });

  it("leaves each problem as validation reports it when its step is off (negative controls)", () => {
    const plane = grid({ nx: 3, ny: 3 });
    const t = Array.from(plane.triangles);
    const p = Array.from(plane.positions);
    const cases: [string, TriangleMeshData, Parameters<typeof repairMesh>[1]][] = [
      // A face repeating vertex 0, and a flat one on three new vertices in a row.
      [
        "degenerate-face",
        mesh([...p, 2, 0, 0, 3, 0, 0, 4, 0, 0], [...t, 0, 0, 5, 16, 17, 18]),
        { dropDegenerateFaces: false },
      ],
      ["inconsistent-orientation", flipFaces(plane, (f) => f === 7), { orientConsistently: false }],
      ["unreferenced-vertex", mesh([...p, 5, 5, 5], t), { removeUnreferencedVertices: false }],
    ];
    for (const [kind, data, off] of cases) {
      const before = validateMesh(data);
      expect(kinds(before), kind).toEqual([kind]);
      expect(repairMesh(data).report.validation.ok, kind).toBe(true);
      const left = repairMesh(data, off);
      expect(left.report.validation.problems, kind).toEqual(before.problems);
      expect(left.data, kind).toEqual(data);
    }
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

  it("says so when no face is left", () => {
    const flat = mesh([0, 0, 0, 1, 0, 0, 2, 0, 0], [0, 1, 2, 0, 2, 1]);
    const { data, report } = repairMesh(flat, { source: "flat.obj" });
    expect(data.triangles.length).toBe(0);
    expect(report.validation.ok).toBe(false);
    expect(report.validation.problems.map((p) => p.message)).toEqual([
      "no face is left after repair: 2 faces were dropped (degenerate, duplicate or referring to missing vertices)",
    ]);
  });

  it("refuses arrays that are not whole triples, naming the source", () => {
    expect(() => repairMesh(mesh([0, 0], [0, 1, 2]), { source: "x.obj" })).toThrow(MeshError);
    expect(() => repairMesh(mesh([0, 0], [0, 1, 2]), { source: "x.obj" })).toThrow(/^x\.obj: /);
  });
});

/** A regular-ish tetrahedron, outward counter-clockwise. */
const TETRA_POSITIONS = [1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1];
const TETRA_FACES = [0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2];

/** `data` with its faces in a random order (seeded), each face's corners as they were. */
function shuffleFaces(data: TriangleMeshData, seed: number): TriangleMeshData {
  const random = mulberry32(seed);
  const faces = Array.from({ length: data.triangles.length / 3 }, (_, f) =>
    Array.from(data.triangles.subarray(3 * f, 3 * f + 3)),
  );
  for (let i = faces.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [faces[i], faces[j]] = [faces[j], faces[i]];
  }
  return { positions: data.positions.slice(), triangles: Uint32Array.from(faces.flat()) };
}

/** `data` with every vertex moved by `(dx, dy, dz)` and, when `swapYZ`, y and z exchanged first. */
function moved(data: TriangleMeshData, [dx, dy, dz]: number[], swapYZ = false): TriangleMeshData {
  const p = data.positions.slice();
  for (let i = 0; i < p.length; i += 3) {
    if (swapYZ) [p[i + 1], p[i + 2]] = [p[i + 2], p[i + 1]];
    p[i] += dx;
    p[i + 1] += dy;
    p[i + 2] += dz;
  }
  // Swapping two axes mirrors the mesh: reverse the faces to keep it outward.
  return swapYZ
    ? flipFaces({ positions: p, triangles: data.triangles }, () => true)
    : { positions: p, triangles: data.triangles.slice() };
}

/** The meshes one after the other, as one (vertex numbers of each shifted past the previous ones). */
function concat(...parts: TriangleMeshData[]): TriangleMeshData {
  const positions: number[] = [];
  const triangles: number[] = [];
  for (const part of parts) {
    const offset = positions.length / 3;
    positions.push(...part.positions);
    triangles.push(...Array.from(part.triangles, (v) => v + offset));
  }
  return mesh(positions, triangles);
}

const kinds = (report: { problems: readonly { kind: string }[] }) => [
  ...new Set(report.problems.map((p) => p.kind)),
];

describe("repairMesh makes a mesh manifold", () => {
  it("splits a non-manifold vertex into one vertex per fan", () => {
    // Two tetrahedra that share only vertex 0.
    const shared = mesh(
      [...TETRA_POSITIONS, 3, 1, -1, 3, -1, 1, 5, 1, 1],
      [...TETRA_FACES, 0, 4, 5, 0, 6, 4, 0, 5, 6, 4, 6, 5],
    );
    const before = validateMesh(shared);
    expect(kinds(before)).toEqual(["non-manifold-vertex"]);
    const { data, report } = repairMesh(shared);
    expect(report.validation.ok).toBe(true);
    expect(report.splitVertices).toEqual([{ vertex: 0, copies: [0, 1] }]);
    expect(Array.from(report.sourceVertex)).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    expect(report.vertexMap[0]).toBe(0);
    expect(report.validation.counts.components).toBe(2);
    expect(report.validation.counts.genus).toBe(0);
    expect(report.flippedFaces).toEqual([]);
    expectFaithful(shared, data, report);
    expect(report.summary.join("\n")).toMatch(/split 1 vertex into 2 copies/);
    // Negative control: without splitting, the same problem as before.
    const off = repairMesh(shared, { splitNonManifold: false });
    expect(off.report.validation.problems).toEqual(before.problems);
    expect(off.data).toEqual(shared);
  });

  it("splits a non-manifold edge: the sheet stays whole, the fin gets its own copies of the edge", () => {
    const plane = grid({ nx: 3, ny: 3 });
    // Interior edge (5, 10) lies in two faces of the grid; the fin runs along it like the first of
    // them, so it could pair with the second, and comes first so that face order alone would pick it.
    const sheet = Array.from(plane.triangles);
    const onEdge = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].filter(
      (f) => sheet.slice(3 * f, 3 * f + 3).includes(5) && sheet.slice(3 * f, 3 * f + 3).includes(10),
    );
    expect(onEdge.length).toBe(2);
    const first = sheet.slice(3 * onEdge[0], 3 * onEdge[0] + 3);
    const k5 = first.indexOf(5);
    const [u, w] = first[(k5 + 1) % 3] === 10 ? [5, 10] : [10, 5];
    const apex = plane.positions.length / 3;
    const finned = mesh([...plane.positions, 0, 0, 1], [u, w, apex, ...sheet]);
    const before = validateMesh(finned);
    expect(kinds(before)).toEqual(["non-manifold-edge"]);
    const { data, report } = repairMesh(finned);
    expect(report.validation.ok).toBe(true);
    expect(report.splitEdges).toEqual([
      { vertices: [5, 10], faces: [0, onEdge[0] + 1, onEdge[1] + 1], detachedFaces: [0] },
    ]);
    expect(report.splitVertices.map((s) => s.vertex)).toEqual([5, 10]);
    expect(report.validation.counts.components).toBe(2);
    expectFaithful(finned, data, report);
    // The grid came through unchanged: same vertices, same faces.
    const repairedGrid = Array.from(data.triangles.subarray(3)).map((o) => report.sourceVertex[o]);
    expect(repairedGrid).toEqual(sheet);
    // Negative control.
    const off = repairMesh(finned, { splitNonManifold: false });
    expect(off.report.validation.problems).toEqual(before.problems);
  });

  it("keeps a consistently oriented pair where more than two faces meet, whatever the orientation", () => {
    // Four faces around the edge (0, 1), fanned around it; faces 0 and 2 run 0→1, 1 and 3 run 1→0.
    const book = mesh(
      [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, -1, 0, 0, 0, -1, 0],
      [0, 1, 2, 1, 0, 3, 0, 1, 4, 1, 0, 5],
    );
    const { data, report } = repairMesh(book);
    expect(report.validation.ok).toBe(true);
    expect(report.splitEdges).toEqual([{ vertices: [0, 1], faces: [0, 1, 2, 3], detachedFaces: [] }]);
    // Two pairs, (0, 1) and (2, 3): two sheets of two faces each, the edge copied once.
    expect(report.validation.counts.components).toBe(2);
    expect(report.validation.counts.vertices).toBe(8);
    expectFaithful(book, data, report);
  });

  it("removes duplicate faces, whatever their corner order, and names them", () => {
    const plane = grid({ nx: 3, ny: 2 });
    const t = Array.from(plane.triangles);
    const face4 = t.slice(12, 15);
    const doubled = mesh(Array.from(plane.positions), [
      ...t,
      face4[1],
      face4[2],
      face4[0],
      face4[0],
      face4[2],
      face4[1],
    ]);
    const nFaces = t.length / 3;
    const before = validateMesh(doubled);
    expect(kinds(before)).toEqual(["duplicate-face"]);
    expect(before.problems.map((p) => p.element)).toEqual([
      { type: "face", index: nFaces },
      { type: "face", index: nFaces + 1 },
    ]);
    expect(before.problems[0].message).toMatch(new RegExp(`^face ${nFaces} repeats face 4`));
    const { data, report } = repairMesh(doubled);
    expect(report.droppedFaces).toEqual([
      { face: nFaces, reason: "duplicate", duplicateOf: 4 },
      { face: nFaces + 1, reason: "duplicate", duplicateOf: 4 },
    ]);
    expect(data).toEqual(plane);
    expect(report.summary).toEqual([
      `dropped 2 faces repeating another face (duplicate face) (faces ${nFaces}, ${nFaces + 1})`,
    ]);
    // Negative control: with the duplicate and non-manifold steps off, the same problems remain.
    const off = repairMesh(doubled, { removeDuplicateFaces: false, splitNonManifold: false });
    expect(off.report.validation.problems).toEqual(before.problems);
  });

  // Two grids crossing along the x axis (a horizontal one and a vertical one), each with its own
  // copies of the vertices on the crossing line: valid as it is, two components. Welding those
  // copies would give each crossing edge four faces and each crossing vertex two fans.
  const horizontal = grid({ nx: 4, ny: 2, height: 2 });
  const vertical = moved(horizontal, [0, 0, 0], true);
  const crossing = concat(horizontal, vertical);
  const lineCopies = [5, 6, 7, 8, 9, 20, 21, 22, 23, 24];

  for (const splitNonManifold of [true, false]) {
    it(`does not weld where welding would make the mesh non-manifold (splitNonManifold ${splitNonManifold})`, () => {
      expect(validateMesh(crossing).ok).toBe(true);
      const { data, report } = repairMesh(crossing, { splitNonManifold });
      expect(report.validation.ok).toBe(true);
      expect(report.weldedVertices).toEqual([]);
      expect(report.unweldedVertices).toEqual(lineCopies);
      expect(report.splitEdges).toEqual([]);
      expect(report.splitVertices).toEqual([]);
      expect(report.changed).toBe(false);
      expect(data).toEqual(crossing);
      expect(report.summary).toEqual([
        "kept 10 duplicate vertices apart: welding them would have made an edge or a vertex non-manifold (vertices 5, 6, 7, 8, 9 and 5 more)",
      ]);
    });

    it(`welds where the result stays manifold, next to copies it keeps apart (splitNonManifold ${splitNonManifold})`, () => {
      // The horizontal grid cut along the crossing line into two halves with their own copies of
      // it: now three copies of each vertex on the line; the halves' two weld, the vertical grid's not.
      const lower = grid({ nx: 4, ny: 1, height: 1 });
      const halves = concat(moved(lower, [0, -0.5, 0]), moved(lower, [0, 0.5, 0]));
      const cut = concat(halves, vertical);
      const { data, report } = repairMesh(cut, { splitNonManifold });
      expect(report.validation.ok).toBe(true);
      // Upper half's bottom row (10-14) into the lower half's top row (5-9).
      expect(report.weldedVertices).toEqual([10, 11, 12, 13, 14].map((v) => ({ vertex: v, into: v - 5 })));
      expect(report.unweldedVertices).toEqual([25, 26, 27, 28, 29]);
      expect(report.validation.counts.components).toBe(2);
      expect(report.validation.counts.vertices).toBe(30);
      expectFaithful(cut, data, report);
    });
  }

  it("pairs the faces that shared an edge before welding, whatever the order of the faces", () => {
    // In a random face order the first faces along a crossing edge are as often the vertical
    // grid's as the horizontal's: the pairing must not depend on it.
    const lower = grid({ nx: 4, ny: 1, height: 1 });
    const cut = concat(moved(lower, [0, -0.5, 0]), moved(lower, [0, 0.5, 0]), vertical);
    for (let seed = 1; seed <= 8; seed++) {
      const shuffled = shuffleFaces(crossing, seed);
      const kept = repairMesh(shuffled);
      expect(kept.report.validation.ok).toBe(true);
      expect(kept.report.weldedVertices).toEqual([]);
      expect(kept.report.unweldedVertices).toEqual(lineCopies);
      expect(kept.data).toEqual(shuffled);
      const welded = repairMesh(shuffleFaces(cut, seed));
      expect(welded.report.validation.ok).toBe(true);
      expect(welded.report.weldedVertices).toEqual(
        [10, 11, 12, 13, 14].map((v) => ({ vertex: v, into: v - 5 })),
      );
      expect(welded.report.unweldedVertices).toEqual([25, 26, 27, 28, 29]);
    }
  });

  it("does not weld two closed surfaces that touch at one point", () => {
    // The second tetrahedron's vertex (−1, −1, 1) moved to the first's (1, 1, 1), where they touch.
    const touching = concat(
      mesh(TETRA_POSITIONS, TETRA_FACES),
      moved(mesh(TETRA_POSITIONS, TETRA_FACES), [2, 2, 0]),
    );
    const p = touching.positions;
    const coincident: number[] = [];
    for (let a = 0; a < 4; a++) {
      for (let b = 4; b < 8; b++) {
        if (p[3 * a] === p[3 * b] && p[3 * a + 1] === p[3 * b + 1] && p[3 * a + 2] === p[3 * b + 2])
          coincident.push(a, b);
      }
    }
    expect(coincident).toEqual([0, 7]);
    const { data, report } = repairMesh(touching);
    expect(report.validation.ok).toBe(true);
    expect(report.unweldedVertices).toEqual(coincident);
    expect(data).toEqual(touching);
  });
});

/**
 * A valid mesh (a grid, a sphere or a torus) turned into a soup of defects, reproducibly from
 * `seed`: some faces with their own copies of their vertices (to be welded), flipped faces,
 * duplicated faces in any corner order, pinched vertices (two vertices made one, by index or by
 * moving one onto the other), glued faces (fins on existing edges, faces between far-apart
 * vertices), faces with a repeated vertex and unreferenced vertices.
 */
function defectiveSoup(seed: number): TriangleMeshData {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const shape = random();
  const base =
    shape < 0.4
      ? grid({ nx: 2 + pick(6), ny: 2 + pick(6) })
      : shape < 0.7
        ? icosphere(pick(2))
        : torus({ majorSegments: 3 + pick(6), minorSegments: 3 + pick(4) });
  const positions = Array.from(base.positions);
  const faces: number[][] = [];
  for (let f = 0; f < base.triangles.length / 3; f++)
    faces.push(Array.from(base.triangles.subarray(3 * f, 3 * f + 3)));
  const nBase = positions.length / 3;
  const copy = (v: number) => {
    positions.push(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2]);
    return positions.length / 3 - 1;
  };
  const soupRate = random() * 0.6;
  for (const face of faces) if (random() < soupRate) for (let k = 0; k < 3; k++) face[k] = copy(face[k]);
  const flipRate = random() * 0.5;
  for (const face of faces) if (random() < flipRate) [face[1], face[2]] = [face[2], face[1]];
  const nOriginal = faces.length;
  for (let i = pick(4); i > 0; i--) {
    const [a, b, c] = faces[pick(nOriginal)];
    faces.push(random() < 0.5 ? [b, c, a] : [a, c, b]);
  }
  for (let i = pick(3); i > 0; i--) {
    // Pinch: every use of vertex b becomes vertex a.
    const a = pick(nBase);
    const b = pick(nBase);
    for (const face of faces) for (let k = 0; k < 3; k++) if (face[k] === b) face[k] = a;
  }
  for (let i = pick(3); i > 0; i--) {
    // Pinch by position: vertex b moved onto vertex a (exact duplicates that welding would join).
    const a = pick(positions.length / 3);
    const b = pick(positions.length / 3);
    for (let d = 0; d < 3; d++) positions[3 * b + d] = positions[3 * a + d];
  }
  for (let i = pick(5); i > 0; i--) {
    // Glue: a fin on an existing edge, to a new apex or to an existing vertex.
    const [a, b] = faces[pick(faces.length)];
    let apex: number;
    if (random() < 0.5) {
      positions.push(random(), random(), random() + 2);
      apex = positions.length / 3 - 1;
    } else {
      apex = pick(positions.length / 3);
    }
    faces.push(random() < 0.5 ? [a, b, apex] : [b, a, apex]);
  }
  for (let i = pick(3); i > 0; i--) faces.push([pick(nBase), pick(nBase), pick(nBase)]);
  for (let i = pick(2); i > 0; i--) {
    const v = pick(nBase);
    faces.push([v, v, pick(nBase)]);
  }
  for (let i = pick(3); i > 0; i--) positions.push(random(), random(), random());
  // Faces in random order, so that no step can rely on the original order.
  for (let i = faces.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [faces[i], faces[j]] = [faces[j], faces[i]];
  }
  return mesh(positions, faces.flat());
}

describe("repairMesh on random soups of defects", () => {
  it("always gives a valid, consistently oriented manifold mesh describing the same faces", () => {
    let invalidBefore = 0;
    const seen = new Set<string>();
    const changes = [
      "weldedVertices",
      "unweldedVertices",
      "droppedFaces",
      "splitEdges",
      "splitVertices",
      "cutEdges",
      "isolatedFaces",
      "removedVertices",
      "flippedFaces",
    ] as const;
    const soupsWith = new Map<string, number>();
    for (let seed = 1; seed <= 400; seed++) {
      const soup = defectiveSoup(seed);
      const before = validateMesh(soup);
      if (!before.ok) invalidBefore++;
      for (const p of before.problems) seen.add(p.kind);
      const { data, report } = repairMesh(soup);
      const context = `seed ${seed}: ${report.validation.problems[0]?.message}`;
      expect(report.validation.ok, context).toBe(true);
      expect(data.triangles.length, context).toBeGreaterThan(0);
      expectFaithful(soup, data, report);
      for (const change of changes)
        if (report[change].length > 0) soupsWith.set(change, (soupsWith.get(change) ?? 0) + 1);
      // Only faces that were degenerate, duplicates or out of range are dropped.
      for (const d of report.droppedFaces)
        expect(["repeated-vertex", "zero-area", "duplicate"]).toContain(d.reason);
    }
    // The soups do exercise the repairs (a check that the generator makes what it says): every
    // kind of change happens in some of them (cuts, the rarest, in 6 of the 400).
    expect(invalidBefore).toBeGreaterThan(380);
    for (const change of changes) expect(soupsWith.get(change) ?? 0, change).toBeGreaterThan(0);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        "degenerate-face",
        "duplicate-face",
        "inconsistent-orientation",
        "non-manifold-edge",
        "unreferenced-vertex",
      ]),
    );
  });

  it("gives the same output for the same input", () => {
    for (const seed of [7, 8, 9]) {
      const soup = defectiveSoup(seed);
      const first = repairMesh(soup);
      const second = repairMesh(defectiveSoup(seed));
      expect(second.data).toEqual(first.data);
      expect(second.report.summary).toEqual(first.report.summary);
    }
  });
});
