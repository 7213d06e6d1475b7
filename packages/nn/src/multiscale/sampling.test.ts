import {
  articulatedBodies,
  bumpySphere,
  geodesicBall,
  icosphere,
  MeshGeometry,
  MinHeap,
  moveMesh,
  mulberry32,
  randomRigidMotion,
  relabelMesh,
  torus,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  edgeGraph,
  type FarthestPointOptions,
  type FarthestPointSample,
  farthestPointSampling,
  intrinsicVertexRanks,
  MultiscaleError,
  SAMPLE_ORDERINGS,
} from "./sampling.js";

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

/**
 * The scan that chose each next sample before the heap (gemcnn 25ac84d): every candidate's
 * distance read per sample, O(count · V). Kept verbatim but for the argument checks' error
 * class, as the reference the heap must agree with exactly.
 */
function scanFarthestPointSampling(
  geometry: MeshGeometry,
  options: FarthestPointOptions,
): FarthestPointSample {
  const nVertices = geometry.mesh.nVertices;
  const candidates =
    options.candidates === undefined
      ? Uint32Array.from({ length: nVertices }, (_, i) => i)
      : Uint32Array.from(options.candidates);
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > candidates.length) {
    throw new Error(
      `farthestPointSampling: count must be an integer from 1 to the ${candidates.length} candidates, got ${count}`,
    );
  }
  for (const c of candidates) {
    if (c >= nVertices) {
      throw new Error(
        `farthestPointSampling: candidate ${c} is not a vertex of the ${nVertices}-vertex mesh`,
      );
    }
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new Error(`farthestPointSampling: seed must be finite, got ${seed}`);
  const ordering = options.ordering ?? "intrinsic";
  if (!SAMPLE_ORDERINGS.includes(ordering)) {
    throw new Error(
      `farthestPointSampling: ordering must be one of ${SAMPLE_ORDERINGS.map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(ordering)}`,
    );
  }
  const rank = ordering === "intrinsic" ? intrinsicVertexRanks(geometry) : null;
  const before = (a: number, b: number) => (rank === null ? a < b : rank[a] < rank[b]);
  const { offsets, targets, lengths } = edgeGraph(geometry);
  const margin = 1e-9 * (lengths.length > 0 ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 1);
  const distance = new Float64Array(nVertices).fill(Number.POSITIVE_INFINITY);
  const nearest = new Int32Array(nVertices).fill(-1);
  const parentEdge = new Int32Array(nVertices).fill(-1);
  const parent = new Int32Array(nVertices).fill(-1);
  const samples = new Uint32Array(count);
  const heap = new MinHeap();

  const grow = (source: number, label: number) => {
    distance[source] = 0;
    nearest[source] = label;
    parentEdge[source] = -1;
    parent[source] = -1;
    heap.push(0, source);
    while (heap.size > 0) {
      const d = heap.topKey();
      const u = heap.pop();
      if (d > distance[u]) continue;
      for (let i = offsets[u]; i < offsets[u + 1]; i++) {
        const w = targets[i];
        const dw = d + lengths[i];
        if (dw < distance[w] - margin) {
          distance[w] = dw;
          nearest[w] = label;
          parentEdge[w] = i;
          parent[w] = u;
          heap.push(dw, w);
        } else if (
          rank !== null &&
          nearest[w] === label &&
          dw <= distance[w] + margin &&
          before(u, parent[w])
        ) {
          // Paths of equal length (an exact symmetry, or a rigid motion's rounding) that the
          // heap would otherwise settle by pop order: the parent of lower rank wins, so the
          // shortest-path tree, and the transports composed along it, are the same each time.
          parentEdge[w] = i;
          parent[w] = u;
        }
      }
    }
  };

  if (rank === null) {
    samples[0] = candidates[Math.floor(mulberry32(seed)() * candidates.length)];
  } else {
    const ranked = Uint32Array.from(candidates).sort((a, b) => rank[a] - rank[b]);
    samples[0] = ranked[seed === 0 ? 0 : Math.floor(mulberry32(seed)() * ranked.length)];
  }
  grow(samples[0], 0);
  for (let k = 1; k < count; k++) {
    let farthest = -1;
    for (const c of candidates) if (distance[c] > farthest) farthest = distance[c];
    const threshold = farthest - margin;
    let chosen = -1;
    for (const c of candidates) {
      if (distance[c] >= threshold && (chosen < 0 || before(c, chosen))) chosen = c;
    }
    if (distance[chosen] === 0) {
      throw new Error(
        `farthestPointSampling: only ${k} distinct candidates are apart; cannot choose ${count}`,
      );
    }
    samples[k] = chosen;
    grow(chosen, k);
  }
  return { samples, nearest, distance, parentEdge };
}

describe("farthestPointSampling's heap selection", () => {
  const twoSpheres = (() => {
    const a = bumpySphere({ level: 2, seed: 2 });
    const b = bumpySphere({ level: 2, seed: 3 });
    const n = a.positions.length / 3;
    const positions = new Float64Array(a.positions.length + b.positions.length);
    positions.set(a.positions);
    positions.set(
      b.positions.map((x, i) => (i % 3 === 0 ? x + 5 : x)),
      a.positions.length,
    );
    const triangles = new Uint32Array(a.triangles.length + b.triangles.length);
    triangles.set(a.triangles);
    triangles.set(
      b.triangles.map((v) => v + n),
      a.triangles.length,
    );
    return { positions, triangles };
  })();
  const meshes: [string, MeshGeometry][] = [
    ["bumpy sphere", MeshGeometry.fromData(bumpySphere({ level: 3, seed: 21 }))],
    [
      "remeshed body",
      MeshGeometry.fromData(
        articulatedBodies({ shapes: 1, poses: 1, vertices: 600, remesh: true, seed: 5 })[0].data,
      ),
    ],
    // Exact symmetry: many equal distances, so the band of ties holds many vertices.
    ["icosphere", MeshGeometry.fromData(icosphere(3))],
    ["torus", MeshGeometry.fromData(torus({ majorSegments: 24, minorSegments: 12 }))],
    ["two components", MeshGeometry.fromData(twoSpheres)],
  ];

  it("chooses exactly what the scan of every candidate chose, on random meshes, candidates and counts", () => {
    const random = mulberry32(77);
    for (const [, geometry] of meshes) {
      const n = geometry.mesh.nVertices;
      for (const ordering of ["intrinsic", "file"] as const) {
        for (let trial = 0; trial < 3; trial++) {
          const subset = trial === 2;
          const candidates = subset
            ? Array.from({ length: n }, (_, v) => v).filter(() => random() < 0.3)
            : undefined;
          const available = candidates?.length ?? n;
          // Up to every candidate (the last samples are the closest ones: ties everywhere).
          const count = trial === 1 ? available : 1 + Math.floor(random() * available * 0.5);
          const options: FarthestPointOptions = { count, candidates, seed: trial, ordering };
          let expected: FarthestPointSample | Error;
          try {
            expected = scanFarthestPointSampling(geometry, options);
          } catch (error) {
            if (!/distinct candidates/.test((error as Error).message)) throw error;
            expected = error as Error;
          }
          if (expected instanceof Error) {
            // Only two components whose candidates run out can make the scan refuse.
            expect(() => farthestPointSampling(geometry, options)).toThrow(/distinct candidates/);
            continue;
          }
          const got = farthestPointSampling(geometry, options);
          expect(got.samples).toEqual(expected.samples);
          expect(got.nearest).toEqual(expected.nearest);
          expect(got.distance).toEqual(expected.distance);
          expect(got.parentEdge).toEqual(expected.parentEdge);
        }
      }
    }
  });

  it("is compared with a reference that tells tie breaks apart (the negative control)", () => {
    const [, ico] = meshes[2];
    const file = farthestPointSampling(ico, { count: 50, ordering: "file" });
    expect(file.samples).not.toEqual(scanFarthestPointSampling(ico, { count: 50 }).samples);
  });

  it("stays relabelling-invariant on a remeshed body (a mesh without symmetry)", () => {
    const data = articulatedBodies({ shapes: 1, poses: 1, vertices: 800, remesh: true, seed: 9 })[0].data;
    const geometry = MeshGeometry.fromData(data);
    const { data: moved, vertexOrder } = relabelMesh(data, 12);
    const a = farthestPointSampling(geometry, { count: 200 });
    const b = farthestPointSampling(MeshGeometry.fromData(moved), { count: 200 });
    expect(Array.from(b.samples, (k) => vertexOrder[k])).toEqual(Array.from(a.samples));
    for (let k = 0; k < vertexOrder.length; k++) expect(b.nearest[k]).toBe(a.nearest[vertexOrder[k]]);
  });
});
