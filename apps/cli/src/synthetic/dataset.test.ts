import { SurfaceMesh, validateMesh } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { DEFAULT_SYNTHETIC_OPTIONS, generateSyntheticDataset, SYNTHETIC_CLASSES } from "./dataset.js";

function signedVolume(positions: Float64Array, triangles: Uint32Array): number {
  let volume = 0;
  for (let f = 0; f < triangles.length; f += 3) {
    const [a, b, c] = [triangles[f], triangles[f + 1], triangles[f + 2]].map((i) =>
      positions.subarray(3 * i, 3 * i + 3),
    );
    volume +=
      (a[0] * (b[1] * c[2] - b[2] * c[1]) -
        a[1] * (b[0] * c[2] - b[2] * c[0]) +
        a[2] * (b[0] * c[1] - b[1] * c[0])) /
      6;
  }
  return volume;
}

describe("generateSyntheticDataset", () => {
  const options = {
    ...DEFAULT_SYNTHETIC_OPTIONS,
    trainPerClass: 3,
    testPerClass: 1,
    minVertices: 80,
    maxVertices: 160,
  };
  const dataset = generateSyntheticDataset(options);

  it("makes valid, closed, outward meshes of every class with the expected topology", () => {
    expect(dataset.classes).toEqual(SYNTHETIC_CLASSES.map((c) => c.name));
    expect(dataset.train).toHaveLength(3 * SYNTHETIC_CLASSES.length);
    expect(dataset.test).toHaveLength(SYNTHETIC_CLASSES.length);
    for (const sample of [...dataset.train, ...dataset.test]) {
      const report = validateMesh(sample.mesh, { source: sample.name });
      expect(report.problems).toEqual([]);
      const mesh = SurfaceMesh.fromTriangles(sample.mesh.positions.length / 3, sample.mesh.triangles);
      expect(mesh.hasBoundary).toBe(false);
      expect(mesh.connectedComponents().count).toBe(1);
      expect(mesh.genus).toBe(sample.className === "torus" ? 1 : 0);
      expect(signedVolume(sample.mesh.positions, sample.mesh.triangles)).toBeGreaterThan(0);
      // The torus's grid rounds the count; the others have exactly the drawn number.
      const v = mesh.nVertices;
      expect(v).toBeGreaterThanOrEqual(sample.className === "torus" ? 60 : 80);
      expect(v).toBeLessThanOrEqual(sample.className === "torus" ? 200 : 160);
    }
  });

  it("is reproducible from its seed, and another seed gives other meshes", () => {
    const again = generateSyntheticDataset(options);
    expect(again.train.map((s) => s.name)).toEqual(dataset.train.map((s) => s.name));
    for (let i = 0; i < dataset.train.length; i++) {
      expect(Array.from(again.train[i].mesh.positions)).toEqual(Array.from(dataset.train[i].mesh.positions));
    }
    const other = generateSyntheticDataset({ ...options, seed: 1 });
    expect(Array.from(other.train[0].mesh.positions)).not.toEqual(
      Array.from(dataset.train[0].mesh.positions),
    );
  });

  it("keeps a mesh the same when the number of meshes changes", () => {
    const more = generateSyntheticDataset({ ...options, trainPerClass: 5 });
    expect(Array.from(more.train[0].mesh.positions)).toEqual(Array.from(dataset.train[0].mesh.positions));
  });

  it("varies triangulation, size and pose within a class", () => {
    const spheres = dataset.train.filter((s) => s.className === "sphere");
    const counts = new Set(spheres.map((s) => s.mesh.positions.length));
    expect(counts.size).toBeGreaterThan(1);
    const extents = spheres.map((s) => Math.max(...s.mesh.positions) - Math.min(...s.mesh.positions));
    expect(Math.max(...extents) / Math.min(...extents)).toBeGreaterThan(1.1);
  });
});
