import {
  bumpySphere,
  geodesicBall,
  icosphere,
  MeshGeometry,
  moveMesh,
  randomRigidMotion,
  relabelMesh,
  torus,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { edgeGraph, farthestPointSampling, intrinsicVertexRanks, MultiscaleError } from "./sampling.js";

const sphere = MeshGeometry.fromData(bumpySphere());

let allPairs: ReturnType<typeof geodesicBall> | undefined;

/** Edge-path distances from `source` to every vertex of `sphere`, from the geometry package's Dijkstra. */
function distancesFrom(geometry: MeshGeometry, source: number): Float64Array {
  allPairs ??= geodesicBall(
    geometry,
    geometry.edgeLengths.reduce((s, l) => s + l, 0),
    { includeSelf: true },
  );
  const ball = allPairs;
  const out = new Float64Array(geometry.mesh.nVertices).fill(Number.POSITIVE_INFINITY);
  for (let i = ball.offsets[source]; i < ball.offsets[source + 1]; i++)
    out[ball.indices[i]] = ball.distances![i];
  return out;
}

describe("farthestPointSampling", () => {
  it("gives each vertex its nearest sample and distance, as Dijkstra from every sample does", () => {
    const { samples, nearest, distance } = farthestPointSampling(sphere, { count: 20, seed: 3 });
    expect(new Set(samples).size).toBe(20);
    const fromSamples = Array.from(samples, (s) => distancesFrom(sphere, s));
    for (let v = 0; v < sphere.mesh.nVertices; v++) {
      const best = Math.min(...fromSamples.map((d) => d[v]));
      expect(distance[v]).toBeCloseTo(best, 12);
      expect(fromSamples[nearest[v]][v]).toBeCloseTo(best, 12);
    }
  });

  it("chooses each next sample farthest from the previous ones (distances never grow)", () => {
    const { samples } = farthestPointSampling(sphere, { count: 30, seed: 1 });
    const fromSamples = Array.from(samples, (s) => distancesFrom(sphere, s));
    let previous = Number.POSITIVE_INFINITY;
    for (let k = 1; k < samples.length; k++) {
      const toChosen = (v: number) => Math.min(...fromSamples.slice(0, k).map((d) => d[v]));
      const farthest = Math.max(...Array.from({ length: sphere.mesh.nVertices }, (_, v) => toChosen(v)));
      expect(toChosen(samples[k])).toBeCloseTo(farthest, 12);
      expect(farthest).toBeLessThanOrEqual(previous + 1e-12);
      previous = farthest;
    }
  });

  it("is deterministic, seeded, restricted to the candidates, and unchanged by a rigid motion", () => {
    const a = farthestPointSampling(sphere, { count: 12, seed: 7 });
    expect(farthestPointSampling(sphere, { count: 12, seed: 7 })).toEqual(a);
    expect(farthestPointSampling(sphere, { count: 12, seed: 8 }).samples).not.toEqual(a.samples);
    const candidates = Uint32Array.from({ length: 100 }, (_, i) => 2 * i);
    const restricted = farthestPointSampling(sphere, { count: 10, candidates, seed: 2 });
    for (const s of restricted.samples) expect(s % 2).toBe(0);
    // The icosphere has exact ties everywhere; the tolerance keeps the choice stable.
    const ico = MeshGeometry.fromData(icosphere(3));
    const before = farthestPointSampling(ico, { count: 40, seed: 1 });
    const after = farthestPointSampling(moveMesh(ico, randomRigidMotion(5)), { count: 40, seed: 1 });
    expect(after.samples).toEqual(before.samples);
    expect(after.nearest).toEqual(before.nearest);
  });

  it("leaves vertices of a component without samples unreached (−1)", () => {
    const one = torus({ majorSegments: 8, minorSegments: 4 });
    const n = one.positions.length / 3;
    const two = MeshGeometry.fromData({
      positions: Float64Array.from([
        ...one.positions,
        ...one.positions.map((x, i) => (i % 3 === 0 ? x + 5 : x)),
      ]),
      triangles: Uint32Array.from([...one.triangles, ...Array.from(one.triangles, (t) => t + n)]),
    });
    const single = farthestPointSampling(two, { count: 1, seed: 0 });
    expect(Array.from(single.nearest).filter((c) => c < 0)).toHaveLength(n);
    const both = farthestPointSampling(two, { count: 2, seed: 0 });
    expect(both.nearest.every((c) => c >= 0)).toBe(true);
  });

  it("rejects bad arguments with clear errors", () => {
    expect(() => farthestPointSampling(sphere, { count: 0 })).toThrow(MultiscaleError);
    expect(() => farthestPointSampling(sphere, { count: 1e9 })).toThrow(/count must be an integer from 1/);
    expect(() => farthestPointSampling(sphere, { count: 2, candidates: [1, 1e6] })).toThrow(
      /candidate 1000000/,
    );
    expect(() => farthestPointSampling(sphere, { count: 2, candidates: [3, 3] })).toThrow(
      /distinct candidates/,
    );
    expect(() => farthestPointSampling(sphere, { count: 2, seed: Number.NaN })).toThrow(/seed/);
  });

  it("builds the edge graph with symmetric lengths, cached per geometry", () => {
    const graph = edgeGraph(sphere);
    expect(edgeGraph(sphere)).toBe(graph);
    expect(graph.targets.length).toBe(2 * sphere.mesh.nEdges);
    for (let v = 0; v < 20; v++) {
      for (let i = graph.offsets[v]; i < graph.offsets[v + 1]; i++) {
        const w = graph.targets[i];
        const back = Array.from(graph.targets.subarray(graph.offsets[w], graph.offsets[w + 1])).indexOf(v);
        expect(graph.lengths[graph.offsets[w] + back]).toBe(graph.lengths[i]);
      }
    }
  });
});

describe("relabelling (sampling from intrinsic ranks)", () => {
  const data = bumpySphere({ level: 3, seed: 11 });
  const geometry = MeshGeometry.fromData(data);
  const { data: relabelledData, vertexOrder } = relabelMesh(data, 4);
  const relabelled = MeshGeometry.fromData(relabelledData);

  it("ranks vertices by intrinsic keys, so relabelling the file relabels the ranks", () => {
    const ranks = intrinsicVertexRanks(geometry);
    expect(intrinsicVertexRanks(geometry)).toBe(ranks);
    expect(new Set(ranks).size).toBe(ranks.length);
    const moved = intrinsicVertexRanks(relabelled);
    for (let k = 0; k < vertexOrder.length; k++) expect(moved[k]).toBe(ranks[vertexOrder[k]]);
    // Rank 0 has the largest vertex area.
    const area = (g: MeshGeometry, v: number) => {
      let a = 0;
      g.faceAreas.forEach((x, f) => {
        for (let c = 0; c < 3; c++) if (g.mesh.triangles[3 * f + c] === v) a += x / 3;
      });
      return a;
    };
    const top = ranks.indexOf(0);
    for (let v = 0; v < 40; v++) expect(area(geometry, top)).toBeGreaterThanOrEqual(area(geometry, v));
  });

  it("chooses the same points, cells and distances whatever the vertex and face order", () => {
    for (const seed of [0, 5]) {
      const a = farthestPointSampling(geometry, { count: 60, seed });
      const b = farthestPointSampling(relabelled, { count: 60, seed });
      expect(Array.from(b.samples, (k) => vertexOrder[k])).toEqual(Array.from(a.samples));
      for (let k = 0; k < vertexOrder.length; k++) {
        expect(b.nearest[k]).toBe(a.nearest[vertexOrder[k]]);
        expect(b.distance[k]).toBeCloseTo(a.distance[vertexOrder[k]], 12);
      }
    }
    expect(farthestPointSampling(geometry, { count: 60, seed: 5 }).samples).not.toEqual(
      farthestPointSampling(geometry, { count: 60, seed: 0 }).samples,
    );
  });

  it('depends on the numbering with ordering "file" (the negative control)', () => {
    const a = farthestPointSampling(geometry, { count: 60, seed: 0, ordering: "file" });
    const b = farthestPointSampling(relabelled, { count: 60, seed: 0, ordering: "file" });
    expect(Array.from(b.samples, (k) => vertexOrder[k])).not.toEqual(Array.from(a.samples));
    expect(() => farthestPointSampling(geometry, { count: 2, ordering: "index" as "file" })).toThrow(
      /ordering must be one of "intrinsic", "file", got "index"/,
    );
  });
});
