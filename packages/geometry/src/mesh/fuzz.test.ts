import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { MeshGeometry } from "../geometry/mesh-geometry.js";
import { mulberry32 } from "../random.js";
import { MeshError, type MeshProblemKind } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import { repairMesh } from "./repair.js";
import { validateMesh } from "./validate.js";

// Large random inputs of the shapes that used to hang (vertices of very high degree, the same
// edge or face thousands of times) and of every other kind of defect: validateMesh, repairMesh
// and MeshGeometry.fromData answer each with a report, a valid mesh or a MeshError, and never
// with anything else. How long they take is the benchmark's business (`pnpm bench:geometry`).

/**
 * Random triangles over `nVertices` vertices: most corners drawn from a few hub vertices (so
 * that some vertices have thousands of faces and edges repeat), the rest uniformly; a few
 * corners out of range or not integers, a few coordinates not finite, some vertices exact
 * copies of others, some faces repeated.
 */
function randomInput(seed: number): TriangleMeshData {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const nVertices = 3 + pick(1500);
  const nFaces = 1000 + pick(5000);
  const hubs = Array.from({ length: 1 + pick(4) }, () => pick(nVertices));
  const hubRate = random() * 0.9;
  const badRate = random() < 0.3 ? 0.001 : 0;
  const positions = new Float64Array(3 * nVertices);
  for (let i = 0; i < positions.length; i++) positions[i] = random() < 0.5 ? pick(8) : random();
  for (let v = 0; v < nVertices; v++) {
    if (random() < 0.1) positions.copyWithin(3 * v, 3 * pick(nVertices), 3 * pick(nVertices) + 3);
  }
  if (random() < 0.2)
    positions[pick(positions.length)] = random() < 0.5 ? Number.NaN : Number.POSITIVE_INFINITY;
  const triangles = new Array<number>(3 * nFaces);
  for (let c = 0; c < triangles.length; c++) {
    const r = random();
    if (r < badRate) triangles[c] = [nVertices, -1, 0.5, Number.NaN][pick(4)];
    else triangles[c] = r < hubRate ? hubs[pick(hubs.length)] : pick(nVertices);
  }
  for (let f = 0; f + 1 < nFaces; f++) {
    if (random() < 0.05)
      for (let k = 0; k < 3; k++) triangles[3 * (f + 1) + k] = triangles[3 * f + ((k + pick(2)) % 3)];
  }
  return { positions, triangles: triangles as unknown as Uint32Array };
}

/**
 * A valid grid of several thousand faces, then damaged: fans collapsed onto one hub vertex (a
 * vertex of very high degree with many non-manifold edges), faces duplicated and flipped, and
 * faces given their own copies of their vertices.
 */
function damagedGrid(seed: number): TriangleMeshData {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const base = grid({ nx: 40 + pick(30), ny: 40 + pick(30) });
  const positions = Array.from(base.positions);
  const nBase = positions.length / 3;
  const triangles = Array.from(base.triangles);
  const hub = pick(nBase);
  const pinchRate = random() * 0.3;
  for (let c = 0; c < triangles.length; c++) if (random() < pinchRate) triangles[c] = hub;
  const nFaces = triangles.length / 3;
  for (let f = 0; f < nFaces; f++) {
    const r = random();
    if (r < 0.05) triangles.push(triangles[3 * f + 2], triangles[3 * f + 1], triangles[3 * f]);
    else if (r < 0.1)
      [triangles[3 * f + 1], triangles[3 * f + 2]] = [triangles[3 * f + 2], triangles[3 * f + 1]];
    else if (r < 0.3) {
      for (let k = 0; k < 3; k++) {
        const v = triangles[3 * f + k];
        positions.push(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2]);
        triangles[3 * f + k] = positions.length / 3 - 1;
      }
    }
  }
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

function hasNonFiniteCoordinate(data: TriangleMeshData): boolean {
  for (let i = 0; i < data.positions.length; i++) if (!Number.isFinite(data.positions[i])) return true;
  return false;
}

function check(data: TriangleMeshData, label: string): { valid: boolean; repairedValid: boolean } {
  const report = validateMesh(data, { source: label });
  expect(report.ok).toBe(report.problems.length === 0);
  expect(report.problemCount).toBeGreaterThanOrEqual(report.problems.length);
  const byKind = Object.values(report.problemCounts).reduce((a, b) => a + (b ?? 0), 0);
  expect(byKind).toBe(report.problemCount);

  try {
    const geometry = MeshGeometry.fromData(data, { source: label });
    // Only zero-area faces are beyond what fromData checks.
    const kinds = new Set(report.problems.map((p) => p.kind));
    expect(
      [...kinds].every((k) => k === "degenerate-face"),
      label,
    ).toBe(true);
    expect(geometry.mesh.nFaces).toBe(data.triangles.length / 3);
  } catch (error) {
    if (!(error instanceof MeshError)) throw error;
    expect(error.message.startsWith(`${label}: `)).toBe(true);
    expect(report.ok, label).toBe(false);
  }

  const { data: repaired, report: changes } = repairMesh(data, { source: label });
  const remaining = new Set<MeshProblemKind>(changes.validation.problems.map((p) => p.kind));
  if (repaired.triangles.length === 0) {
    expect([...remaining], label).toEqual(["empty-mesh"]);
  } else if (hasNonFiniteCoordinate(repaired)) {
    // Not repairable (a file reader never returns such coordinates): they remain, and only they.
    expect([...remaining], label).toEqual(["non-finite-coordinate"]);
  } else {
    expect(changes.validation.problems, label).toEqual([]);
    // The repaired mesh builds, and is what validation said.
    const geometry = MeshGeometry.fromData(repaired, { source: label });
    expect(geometry.mesh.nFaces).toBe(repaired.triangles.length / 3);
  }
  return { valid: report.ok, repairedValid: changes.validation.ok };
}

describe("validateMesh, repairMesh and MeshGeometry.fromData on large random inputs", () => {
  it("random triangles around high-degree hubs, with repeats and bad values", () => {
    let repairedValid = 0;
    for (let seed = 1; seed <= 16; seed++) {
      if (check(randomInput(seed), `random-${seed}`).repairedValid) repairedValid++;
    }
    // Most inputs come out valid (the others have non-finite coordinates).
    expect(repairedValid).toBeGreaterThan(8);
  });

  it("grids damaged by collapsed fans, duplicates, flips and copied vertices", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const data = damagedGrid(seed);
      const result = check(data, `grid-${seed}`);
      expect(result.valid).toBe(false);
      expect(result.repairedValid).toBe(true);
    }
  });

  it("one face repeated thousands of times, in every corner order, with a polygon-style fan", () => {
    // What `f 1 2 3 1 2 3 …` becomes when its polygon is triangulated as a fan from corner 1.
    const corners = Array.from({ length: 30000 }, (_, i) => i % 3);
    const triangles: number[] = [];
    for (let i = 1; i + 1 < corners.length; i++) triangles.push(corners[0], corners[i], corners[i + 1]);
    const data = {
      positions: Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0]),
      triangles: Uint32Array.from(triangles),
    };
    const report = validateMesh(data);
    expect(report.problemCounts["duplicate-face"]).toBe(9999);
    expect(report.problemCounts["degenerate-face"]).toBe(19998);
    const { data: repaired, report: changes } = repairMesh(data);
    expect(changes.validation.ok).toBe(true);
    expect(Array.from(repaired.triangles)).toEqual([0, 1, 2]);
  });
});
