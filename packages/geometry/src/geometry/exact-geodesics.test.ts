import { describe, expect, it } from "vitest";
import { bunny } from "../generate/bunny.js";
import { grid } from "../generate/grid.js";
import { icosphere } from "../generate/icosphere.js";
import { mulberry32 } from "../random.js";
import { exactGeodesicDistances, exactGeodesicDistancesTo } from "./exact-geodesics.js";
import { MeshGeometry } from "./mesh-geometry.js";
import { MinHeap } from "./min-heap.js";
import { oneRing } from "./neighbourhoods.js";

/** A flat grid with every interior vertex moved at random in the plane (no regular structure). */
function jitteredGrid(n: number, seed: number): MeshGeometry {
  const data = grid({ nx: n, ny: n, width: 2, height: 2 });
  const random = mulberry32(seed);
  const h = 2 / n;
  for (let v = 0; v < data.positions.length / 3; v++) {
    const [x, y] = [data.positions[3 * v], data.positions[3 * v + 1]];
    if (Math.abs(Math.abs(x) - 1) < 1e-12 || Math.abs(Math.abs(y) - 1) < 1e-12) continue;
    data.positions[3 * v] += 0.3 * h * (random() - 0.5);
    data.positions[3 * v + 1] += 0.3 * h * (random() - 0.5);
  }
  return MeshGeometry.fromData(data);
}

/** Edge-path (Dijkstra) distances from `source`, an upper bound of the surface distance. */
function edgePathDistances(geometry: MeshGeometry, source: number): Float64Array {
  const ring = oneRing(geometry.mesh);
  const out = new Float64Array(geometry.nVertices).fill(Number.POSITIVE_INFINITY);
  const heap = new MinHeap();
  out[source] = 0;
  heap.push(0, source);
  while (heap.size > 0) {
    const d = heap.topKey();
    const u = heap.pop();
    if (d > out[u]) continue;
    for (let i = ring.offsets[u]; i < ring.offsets[u + 1]; i++) {
      const w = ring.indices[i];
      const dw = d + euclidean(geometry, u, w);
      if (dw < out[w]) {
        out[w] = dw;
        heap.push(dw, w);
      }
    }
  }
  return out;
}

const euclidean = (g: MeshGeometry, a: number, b: number) =>
  Math.hypot(...[0, 1, 2].map((k) => g.positions[3 * a + k] - g.positions[3 * b + k]));

describe("exactGeodesicDistances", () => {
  it("gives straight-line distances on a flat convex mesh, from interior and boundary sources", () => {
    const geometry = jitteredGrid(12, 3);
    for (const source of [0, 84, 90, 168]) {
      const d = exactGeodesicDistances(geometry, source);
      let worst = 0;
      for (let v = 0; v < geometry.nVertices; v++)
        worst = Math.max(worst, Math.abs(d[v] - euclidean(geometry, source, v)));
      expect(worst, `source ${source}`).toBeLessThan(1e-12);
    }
    // Dijkstra along edges is longer: the check would catch an edge-path implementation.
    const dijkstra = edgePathDistances(geometry, 84);
    const gap = Math.max(...Array.from(dijkstra, (x, v) => x - euclidean(geometry, 84, v)));
    expect(gap).toBeGreaterThan(0.05);
  });

  it("bends around the reflex corner of an L-shaped mesh (a boundary pseudo-source)", () => {
    // The 2 × 2 square without its upper-right quarter: corner (0, 0) is reflex.
    const full = grid({ nx: 8, ny: 8, width: 2, height: 2 });
    const keep: number[] = [];
    for (let f = 0; f < full.triangles.length / 3; f++) {
      const centre = [0, 1].map(
        (k) => [0, 1, 2].reduce((s, c) => s + full.positions[3 * full.triangles[3 * f + c] + k], 0) / 3,
      );
      if (!(centre[0] > 0 && centre[1] > 0)) keep.push(f);
    }
    const used = new Map<number, number>();
    const triangles = keep.flatMap((f) =>
      [0, 1, 2].map((c) => {
        const v = full.triangles[3 * f + c];
        if (!used.has(v)) used.set(v, used.size);
        return used.get(v)!;
      }),
    );
    const positions = new Float64Array(3 * used.size);
    for (const [old, k] of used) positions.set(full.positions.subarray(3 * old, 3 * old + 3), 3 * k);
    const geometry = MeshGeometry.fromData({ positions, triangles: Uint32Array.from(triangles) });
    const at = (x: number, y: number) =>
      Array.from({ length: geometry.nVertices }, (_, v) => v).find(
        (v) => Math.abs(positions[3 * v] - x) < 1e-9 && Math.abs(positions[3 * v + 1] - y) < 1e-9,
      )!;
    const source = at(1, -0.5);
    const d = exactGeodesicDistances(geometry, source);
    const corner = at(0, 0);
    for (let v = 0; v < geometry.nVertices; v++) {
      const [x, y] = [positions[3 * v], positions[3 * v + 1]];
      // The segment from (1, −0.5) reaches y = 0 at x = xCross; for a vertex with y > 0 it runs
      // through the missing quarter unless that is at x ≤ 0: then the path bends at the corner.
      const xCross = 1 + ((x - 1) * 0.5) / (y + 0.5);
      const blocked = y > 0 && xCross > 0;
      const expected = blocked
        ? euclidean(geometry, source, corner) + euclidean(geometry, corner, v)
        : euclidean(geometry, source, v);
      expect(Math.abs(d[v] - expected), `vertex (${x}, ${y})`).toBeLessThan(1e-12);
    }
  });

  it("approximates great circles on a sphere, closer as it is refined, and never below the chord", () => {
    const errors = [2, 3, 4].map((level) => {
      const geometry = MeshGeometry.fromData(icosphere(level));
      const d = exactGeodesicDistances(geometry, 0);
      let worst = 0;
      for (let v = 0; v < geometry.nVertices; v++) {
        const dot = [0, 1, 2].reduce((s, k) => s + geometry.positions[k] * geometry.positions[3 * v + k], 0);
        const arc = Math.acos(Math.min(1, Math.max(-1, dot)));
        expect(d[v]).toBeGreaterThanOrEqual(euclidean(geometry, 0, v) - 1e-12);
        worst = Math.max(worst, Math.abs(d[v] - arc) / Math.max(arc, 1e-3));
      }
      return worst;
    });
    // The polyhedron is inside the sphere: distances are a few per cent short at level 2,
    // and the error falls by about 4× per level (second order in the edge length).
    expect(errors[0]).toBeLessThan(0.05);
    expect(errors[1]).toBeLessThan(0.4 * errors[0]);
    expect(errors[2]).toBeLessThan(0.4 * errors[1]);
  });

  // A few full propagations over the bunny's 1,839 vertices: about 1 s alone, more on a loaded machine.
  it("is symmetric, at most the edge-path distance and at least the chord on the bunny (saddles)", {
    timeout: 30_000,
  }, () => {
    const geometry = MeshGeometry.fromData(bunny());
    const sources = [0, 500, 1200];
    const rows = sources.map((s) => exactGeodesicDistances(geometry, s));
    const saddles = Array.from(geometry.vertexAngleSums).filter((a) => a > 2 * Math.PI + 1e-6).length;
    expect(saddles).toBeGreaterThan(100);
    for (let i = 0; i < sources.length; i++) {
      for (let j = 0; j < sources.length; j++) {
        expect(Math.abs(rows[i][sources[j]] - rows[j][sources[i]])).toBeLessThanOrEqual(
          1e-9 * rows[i][sources[j]],
        );
      }
      const dijkstra = edgePathDistances(geometry, sources[i]);
      for (let v = 0; v < geometry.nVertices; v++) {
        expect(rows[i][v]).toBeLessThanOrEqual(dijkstra[v] + 1e-12);
        expect(rows[i][v]).toBeGreaterThanOrEqual(euclidean(geometry, sources[i], v) - 1e-12);
      }
    }
  });

  it("stops early for nearby targets with the same distances, and rejects bad vertices", {
    timeout: 30_000,
  }, () => {
    const geometry = MeshGeometry.fromData(bunny());
    const all = exactGeodesicDistances(geometry, 10);
    const near = Array.from(geometry.mesh.vertexNeighbours(10)).concat([10]);
    expect(Array.from(exactGeodesicDistancesTo(geometry, 10, near))).toEqual(near.map((v) => all[v]));
    expect(() => exactGeodesicDistances(geometry, -1)).toThrow(
      /source -1 is not a vertex of the 1839-vertex mesh/,
    );
    expect(() => exactGeodesicDistancesTo(geometry, 0, [5000])).toThrow(/target 5000 is not a vertex/);
    // Beyond maxDistance: Infinity, nearer targets exact.
    const far = Array.from({ length: geometry.nVertices }, (_, v) => v).filter((v) => all[v] > 3);
    const capped = exactGeodesicDistancesTo(geometry, 10, [...near, far[0]], 3);
    expect(Array.from(capped.subarray(0, near.length))).toEqual(near.map((v) => all[v]));
    expect(capped[near.length]).toBe(Number.POSITIVE_INFINITY);
  });
});
