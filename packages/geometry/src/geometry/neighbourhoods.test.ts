import { describe, expect, it } from "vitest";
import { GeometryError } from "./errors.js";
import { bumpyIcosphere, flatGrid, testMeshes } from "./geometry.fixture.js";
import { geodesicBall, kRing, type Neighbourhoods, neighbourhoodCentres, oneRing } from "./neighbourhoods.js";

function members(neighbourhoods: Neighbourhoods, p: number): number[] {
  return Array.from(
    neighbourhoods.indices.subarray(neighbourhoods.offsets[p], neighbourhoods.offsets[p + 1]),
  );
}

/** Hop distances from `source` by plain breadth-first search over `mesh.vertexNeighbours`. */
function hops(neighbours: number[][], source: number): number[] {
  const distance = new Array<number>(neighbours.length).fill(Number.POSITIVE_INFINITY);
  distance[source] = 0;
  const queue = [source];
  for (let i = 0; i < queue.length; i++) {
    for (const w of neighbours[queue[i]]) {
      if (distance[w] === Number.POSITIVE_INFINITY) {
        distance[w] = distance[queue[i]] + 1;
        queue.push(w);
      }
    }
  }
  return distance;
}

describe("oneRing", () => {
  it("lists the neighbours counter-clockwise, after the vertex itself when asked", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh } = geometry;
      const without = oneRing(mesh);
      const withSelf = oneRing(mesh, { includeSelf: true });
      expect(without.includesSelf).toBe(false);
      expect(withSelf.includesSelf).toBe(true);
      expect(without.offsets[mesh.nVertices]).toBe(2 * mesh.nEdges);
      const expected = Array.from({ length: mesh.nVertices }, (_, v) => mesh.vertexNeighbours(v));
      expect(Array.from(without.indices), name).toEqual(expected.flat());
      expect(Array.from(withSelf.indices), name).toEqual(expected.flatMap((ring, v) => [v, ...ring]));
      expect(Array.from(withSelf.offsets.subarray(1))).toEqual(
        expected.map((_, v) => without.offsets[v + 1] + v + 1),
      );
    }
  });
});

describe("kRing", () => {
  it("holds exactly the vertices within k edges, ordered by number of edges", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh } = geometry;
      const neighbours = Array.from({ length: mesh.nVertices }, (_, v) => mesh.vertexNeighbours(v));
      for (const k of [1, 2, 3]) {
        const rings = kRing(mesh, k, { includeSelf: true });
        for (let p = 0; p < mesh.nVertices; p += Math.ceil(mesh.nVertices / 60)) {
          const distance = hops(neighbours, p);
          const list = members(rings, p);
          expect(list[0]).toBe(p);
          expect(new Set(list).size).toBe(list.length);
          const expected = distance.flatMap((d, v) => (d <= k ? [v] : []));
          expect(
            [...list].sort((a, b) => a - b),
            `${name}, k = ${k}, p = ${p}`,
          ).toEqual(expected);
          const hopCounts = list.map((v) => distance[v]);
          expect(hopCounts).toEqual([...hopCounts].sort((a, b) => a - b));
          // The 1-ring comes first, in its counter-clockwise order.
          expect(list.slice(1, 1 + neighbours[p].length)).toEqual(neighbours[p]);
        }
      }
    }
  });

  it("without the vertex itself drops exactly the first entry", () => {
    const { mesh } = bumpyIcosphere(2, 0.1);
    const withSelf = kRing(mesh, 2, { includeSelf: true });
    const without = kRing(mesh, 2);
    for (let p = 0; p < mesh.nVertices; p++)
      expect(members(without, p)).toEqual(members(withSelf, p).slice(1));
  });

  it("rejects k < 1", () => {
    const { mesh } = flatGrid(3, 3);
    expect(() => kRing(mesh, 0)).toThrow(GeometryError);
    expect(() => kRing(mesh, 1.5)).toThrow(/k must be a positive integer, got 1.5/);
  });
});

describe("geodesicBall", () => {
  it("holds exactly the vertices within the radius along edges, nearest first", () => {
    for (const { name, geometry } of testMeshes()) {
      const { mesh, edgeLengths } = geometry;
      const nVertices = mesh.nVertices;
      let meanEdge = 0;
      for (let e = 0; e < mesh.nEdges; e++) meanEdge += edgeLengths[e] / mesh.nEdges;
      const radius = 2.2 * meanEdge;
      const balls = geodesicBall(geometry, radius, { includeSelf: true });
      expect(balls.distances).toBeDefined();
      for (let p = 0; p < nVertices; p += Math.ceil(nVertices / 25)) {
        // Reference: Dijkstra with a linear scan for the minimum.
        const distance = new Array<number>(nVertices).fill(Number.POSITIVE_INFINITY);
        const done = new Array<boolean>(nVertices).fill(false);
        distance[p] = 0;
        for (;;) {
          let u = -1;
          for (let v = 0; v < nVertices; v++) if (!done[v] && (u < 0 || distance[v] < distance[u])) u = v;
          // Everything still open is farther than the radius: the ball is complete.
          if (u < 0 || distance[u] > radius) break;
          done[u] = true;
          for (const h of mesh.outgoingHalfedges(u)) {
            const w = mesh.head(h);
            distance[w] = Math.min(distance[w], distance[u] + edgeLengths[mesh.halfedgeEdge[h]]);
          }
        }
        const list = members(balls, p);
        const expected = distance.flatMap((d, v) => (d <= radius ? [v] : []));
        expect(
          [...list].sort((a, b) => a - b),
          `${name}, p = ${p}`,
        ).toEqual(expected);
        expect(list[0]).toBe(p);
        for (let i = balls.offsets[p]; i < balls.offsets[p + 1]; i++) {
          expect(Math.abs(balls.distances![i] - distance[balls.indices[i]])).toBeLessThan(1e-12);
          if (i > balls.offsets[p])
            expect(balls.distances![i]).toBeGreaterThanOrEqual(balls.distances![i - 1]);
        }
      }
    }
  });

  it("covers only the vertex itself at radius 0 and everything at a large radius", () => {
    const geometry = bumpyIcosphere(1, 0.1);
    const nVertices = geometry.mesh.nVertices;
    const none = geodesicBall(geometry, 0, { includeSelf: true });
    expect(Array.from(none.indices)).toEqual(Array.from({ length: nVertices }, (_, v) => v));
    expect(geodesicBall(geometry, 0).indices.length).toBe(0);
    const all = geodesicBall(geometry, 100);
    expect(all.indices.length).toBe(nVertices * (nVertices - 1));
    expect(() => geodesicBall(geometry, -1)).toThrow(/radius must be a finite number ≥ 0, got -1/);
  });
});

describe("neighbourhoodCentres", () => {
  it("repeats each vertex once per pair", () => {
    const { mesh } = flatGrid(4, 3);
    const rings = oneRing(mesh, { includeSelf: true });
    const centres = neighbourhoodCentres(rings);
    for (let p = 0; p < mesh.nVertices; p++) {
      for (let i = rings.offsets[p]; i < rings.offsets[p + 1]; i++) expect(centres[i]).toBe(p);
    }
  });
});
