import {
  angleDistance,
  bumpySphere,
  MeshGeometry,
  parallelTransport,
  randomGauge,
  relabelMesh,
  rotateFrames,
  tangentFrames,
  torus,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { buildConvGraph, validateConvGraph } from "../graph.js";
import { buildMeshHierarchy, type MeshHierarchy } from "./hierarchy.js";
import { edgeGraph, farthestPointSampling, MultiscaleError } from "./sampling.js";

const sphere = MeshGeometry.fromData(bumpySphere());
const options = { coarsening: [{ ratio: 0.25 }, { count: 12, hops: 2 }], seed: 4 } as const;

describe("buildMeshHierarchy", () => {
  const hierarchy = buildMeshHierarchy(sphere, options);

  it("has level 0 = the mesh's ConvGraph, then farthest-point samples of the previous level", () => {
    const [zero, one, two] = hierarchy.levels;
    expect(zero.graph).toBe(buildConvGraph(sphere, {}));
    expect(one.vertices.length).toBe(Math.round(0.25 * sphere.mesh.nVertices));
    expect(two.vertices.length).toBe(12);
    expect(one.vertices).toEqual(
      farthestPointSampling(sphere, { count: one.vertices.length, seed: 4 }).samples,
    );
    const levelOne = new Set(one.vertices);
    for (const v of two.vertices) expect(levelOne.has(v)).toBe(true);
    for (const level of hierarchy.levels) validateConvGraph(level.graph);
  });

  it("puts every fine vertex in the cell of its nearest sample, the sample first with transport 0", () => {
    const pool = hierarchy.pools[0];
    const { nearest } = farthestPointSampling(sphere, { count: pool.nCoarse, seed: 4 });
    expect(Array.from(pool.cell)).toEqual(Array.from(nearest));
    expect(pool.cellSize.reduce((a, b) => a + b, 0)).toBe(sphere.mesh.nVertices);
    hierarchy.levels[1].vertices.forEach((v, c) => {
      expect(pool.cell[v]).toBe(c);
      expect(pool.transport[v]).toBe(0);
    });
    // Level 1 → 2 assigns level-1 vertices (numbered in level 1).
    expect(hierarchy.pools[1].nFine).toBe(hierarchy.levels[1].vertices.length);
    expect(hierarchy.pools[1].cellSize.reduce((a, b) => a + b, 0)).toBe(hierarchy.pools[1].nFine);
  });

  it("transports each fine vertex to its cell's sample along its shortest path (Levi-Civita per edge)", () => {
    const frames = tangentFrames(sphere);
    // Large cells, so that paths run over several edges.
    const pool = buildMeshHierarchy(sphere, { coarsening: [{ count: 8 }], seed: 4 }).pools[0];
    const { samples, parentEdge } = farthestPointSampling(sphere, { count: 8, seed: 4 });
    const { offsets, targets } = edgeGraph(sphere);
    const edgeSource = new Uint32Array(targets.length);
    for (let u = 0; u < sphere.mesh.nVertices; u++) edgeSource.fill(u, offsets[u], offsets[u + 1]);
    let longest = 0;
    for (let v = 0; v < sphere.mesh.nVertices; v += 7) {
      // Walk the tree to the sample, adding the transport of each edge (child → parent).
      let g = 0;
      let steps = 0;
      for (let x = v; parentEdge[x] >= 0; x = edgeSource[parentEdge[x]], steps++) {
        const parent = edgeSource[parentEdge[x]];
        const n = sphere.mesh.nVertices;
        const pairOffsets = new Uint32Array(n + 1);
        for (let u = parent + 1; u <= n; u++) pairOffsets[u] = 1;
        const [edge] = parallelTransport(
          sphere,
          frames,
          { offsets: pairOffsets, indices: Uint32Array.of(x), includesSelf: false },
          { method: "levi-civita" },
        );
        g += edge;
      }
      expect(samples[pool.cell[v]]).toBe(
        ((x) => {
          while (parentEdge[x] >= 0) x = edgeSource[parentEdge[x]];
          return x;
        })(v),
      );
      expect(angleDistance(pool.transport[v], g)).toBeLessThan(1e-12);
      longest = Math.max(longest, steps);
    }
    expect(longest).toBeGreaterThan(1);
  });

  it("can use GEM-CNN's normal rotation instead", () => {
    const frames = tangentFrames(sphere);
    // With GEM-CNN's projection and normal rotation on level 0 as well, every angle is extrinsic
    // and the pooling transport is the geometry package's normal rotation itself.
    const rotated = buildMeshHierarchy(sphere, {
      graph: { logMap: "projection", transport: "normal-rotation" },
      coarsening: [{ ratio: 0.25, transport: "normal-rotation" }],
      seed: 4,
    });
    const pool = rotated.pools[0];
    const samples = rotated.levels[1].vertices;
    for (let v = 0; v < sphere.mesh.nVertices; v += 17) {
      const c = samples[pool.cell[v]];
      if (c === v) continue;
      const n = sphere.mesh.nVertices;
      const offsets = new Uint32Array(n + 1);
      for (let u = c + 1; u <= n; u++) offsets[u] = 1;
      const [g] = parallelTransport(
        sphere,
        frames,
        { offsets, indices: Uint32Array.of(v), includesSelf: false },
        { method: "normal-rotation" },
      );
      expect(pool.transport[v]).toBeCloseTo(g, 14);
    }
    expect(() => buildMeshHierarchy(sphere, { coarsening: [{ transport: "geodesic" as "path" }] })).toThrow(
      /transport must be "path" or "normal-rotation"/,
    );
  });

  it("composes transport along paths between coarse vertices: g(q→p) = −g(p→q), r = path length", () => {
    const graph = hierarchy.levels[1].graph;
    const pairs = new Map<string, number>();
    for (let p = 0; p < graph.nVertices; p++) {
      for (let e = graph.offsets[p]; e < graph.offsets[p + 1]; e++) pairs.set(`${p},${graph.sources[e]}`, e);
    }
    for (const [pair, e] of pairs) {
      const [p, q] = pair.split(",");
      const back = pairs.get(`${q},${p}`)!;
      expect(angleDistance(graph.transport[e], -graph.transport[back])).toBeLessThan(1e-12);
      expect(graph.radius[e]).toBeCloseTo(graph.radius[back], 12);
    }
    // Path lengths are at least the straight-line distance.
    const vertices = hierarchy.levels[1].vertices;
    for (let p = 0; p < graph.nVertices; p++) {
      for (let e = graph.offsets[p]; e < graph.offsets[p + 1]; e++) {
        const [a, b] = [vertices[p], vertices[graph.sources[e]]];
        const straight = Math.hypot(
          ...[0, 1, 2].map((k) => sphere.positions[3 * a + k] - sphere.positions[3 * b + k]),
        );
        expect(graph.radius[e]).toBeGreaterThanOrEqual(straight - 1e-12);
      }
    }
  });

  it("joins samples whose cells touch, symmetrically, with the level-0 self-interaction setting", () => {
    const graph = hierarchy.levels[1].graph;
    expect(graph.includesSelf).toBe(true);
    const pairs = new Set<string>();
    for (let p = 0; p < graph.nVertices; p++) {
      for (let e = graph.offsets[p]; e < graph.offsets[p + 1]; e++) pairs.add(`${p},${graph.sources[e]}`);
    }
    for (const pair of pairs) {
      const [p, q] = pair.split(",");
      expect(pairs.has(`${q},${p}`)).toBe(true);
    }
    const degree = pairs.size / graph.nVertices;
    expect(degree).toBeGreaterThan(4);
    expect(degree).toBeLessThan(8);
    // Two hops on level 2 reach more of its 12 vertices than one.
    const two = hierarchy.levels[2].graph;
    expect(two.sources.length / two.nVertices).toBeGreaterThan(degree);
    const noSelf = buildMeshHierarchy(sphere, { ...options, graph: { includeSelf: false } });
    expect(noSelf.levels[1].graph.includesSelf).toBe(false);
  });

  it("follows the gauge-change law in turned frames: θ' = θ − φ_p, g' = g + φ_q − φ_p", () => {
    const frames = tangentFrames(sphere);
    const phi = randomGauge(sphere.mesh.nVertices, 9);
    const turned = buildMeshHierarchy(sphere, { ...options, frames: rotateFrames(frames, phi) });
    const pool = hierarchy.pools[0];
    const samples = hierarchy.levels[1].vertices;
    for (let v = 0; v < sphere.mesh.nVertices; v++) {
      if (samples[pool.cell[v]] === v) continue;
      const expected = pool.transport[v] + phi[v] - phi[samples[pool.cell[v]]];
      expect(angleDistance(turned.pools[0].transport[v], expected)).toBeLessThan(1e-12);
    }
    const graph = hierarchy.levels[1].graph;
    const turnedGraph = turned.levels[1].graph;
    expect(turnedGraph.sources).toEqual(graph.sources);
    for (let p = 0; p < graph.nVertices; p++) {
      for (let e = graph.offsets[p]; e < graph.offsets[p + 1]; e++) {
        const phiP = phi[samples[p]];
        const phiQ = phi[samples[graph.sources[e]]];
        expect(angleDistance(turnedGraph.theta[e], graph.theta[e] - phiP)).toBeLessThan(1e-12);
        expect(angleDistance(turnedGraph.transport[e], graph.transport[e] + phiQ - phiP)).toBeLessThan(1e-12);
        expect(turnedGraph.radius[e]).toBe(graph.radius[e]);
      }
    }
  });

  it("is cached per geometry and options unless frames are given", () => {
    expect(buildMeshHierarchy(sphere, options)).toBe(hierarchy);
    expect(buildMeshHierarchy(sphere, { ...options, seed: 5 })).not.toBe(hierarchy);
    expect(buildMeshHierarchy(sphere, { ...options, frames: tangentFrames(sphere) })).not.toBe(hierarchy);
    expect(buildMeshHierarchy(sphere).levels).toHaveLength(1);
  });

  it("rejects bad coarsening options and too few samples for the components", () => {
    expect(() => buildMeshHierarchy(sphere, { coarsening: [{ ratio: 0 }] })).toThrow(MultiscaleError);
    expect(() => buildMeshHierarchy(sphere, { coarsening: [{ ratio: 1.5 }] })).toThrow(/ratio must be in/);
    expect(() => buildMeshHierarchy(sphere, { coarsening: [{ count: 0 }] })).toThrow(
      /count must be an integer/,
    );
    expect(() => buildMeshHierarchy(sphere, { coarsening: [{ hops: 0 }] })).toThrow(
      /hops must be a positive/,
    );
    const one = torus({ majorSegments: 8, minorSegments: 4 });
    const n = one.positions.length / 3;
    const two = MeshGeometry.fromData({
      positions: Float64Array.from([
        ...one.positions,
        ...one.positions.map((x, i) => (i % 3 === 0 ? x + 5 : x)),
      ]),
      triangles: Uint32Array.from([...one.triangles, ...Array.from(one.triangles, (t) => t + n)]),
    });
    expect(() => buildMeshHierarchy(two, { coarsening: [{ count: 1 }] })).toThrow(/connected component/);
  });
});

describe("buildMeshHierarchy on a renumbered mesh", () => {
  const data = bumpySphere({ level: 3, seed: 2 });
  const { data: renumberedData, vertexOrder } = relabelMesh(data, 9);
  const original = MeshGeometry.fromData(data);
  const renumbered = MeshGeometry.fromData(renumberedData);
  const newIndex = new Uint32Array(vertexOrder.length);
  vertexOrder.forEach((old, k) => {
    newIndex[old] = k;
  });

  /**
   * The largest disagreement, over every level, with one gauge change φ (the angle between the
   * two files' frames, read off level 0's log map): θ' = θ − φ_p, g' = g + φ_q − φ_p, and the same
   * law for the pooling transports. 0 up to rounding when every angle follows the same frames.
   */
  function worstGaugeMismatch(a: MeshHierarchy, b: MeshHierarchy): number {
    const n = original.mesh.nVertices;
    const phi = new Float64Array(n);
    const zero = a.levels[0].graph;
    const other = b.levels[0].graph;
    for (let p = 0; p < n; p++) {
      const q = zero.sources[zero.offsets[p]];
      const k = newIndex[p];
      for (let j = other.offsets[k]; j < other.offsets[k + 1]; j++) {
        if (other.sources[j] === newIndex[q]) phi[p] = zero.theta[zero.offsets[p]] - other.theta[j];
      }
    }
    let worst = 0;
    // Rows of level 0 are each file's own vertex numbers; coarser levels are in sample order.
    const row = (l: number, r: number) => (l === 0 ? newIndex[r] : r);
    a.levels.forEach((level, l) => {
      const ga = level.graph;
      const gb = b.levels[l].graph;
      const vertices = level.vertices;
      if (l > 0)
        expect(Array.from(b.levels[l].vertices, (k) => vertexOrder[k])).toEqual(Array.from(vertices));
      for (let c = 0; c < ga.nVertices; c++) {
        const cb = row(l, c);
        expect(gb.offsets[cb + 1] - gb.offsets[cb]).toBe(ga.offsets[c + 1] - ga.offsets[c]);
        for (let i = ga.offsets[c]; i < ga.offsets[c + 1]; i++) {
          const q = ga.sources[i];
          let j = -1;
          for (let k = gb.offsets[cb]; k < gb.offsets[cb + 1]; k++) if (gb.sources[k] === row(l, q)) j = k;
          expect(j).toBeGreaterThanOrEqual(0);
          const [p, u] = [vertices[c], vertices[q]];
          worst = Math.max(
            worst,
            Math.abs(gb.radius[j] - ga.radius[i]),
            angleDistance(gb.theta[j], ga.theta[i] - phi[p]),
            angleDistance(gb.transport[j], ga.transport[i] + phi[u] - phi[p]),
          );
        }
      }
      if (l + 1 < a.levels.length) {
        const pa = a.pools[l];
        const pb = b.pools[l];
        const coarse = a.levels[l + 1].vertices;
        for (let v = 0; v < pa.nFine; v++) {
          const w = row(l, v);
          expect(pb.cell[w]).toBe(pa.cell[v]);
          worst = Math.max(
            worst,
            angleDistance(pb.transport[w], pa.transport[v] + phi[vertices[v]] - phi[coarse[pa.cell[v]]]),
          );
        }
      }
    });
    return worst;
  }

  it("samples the same points and changes every angle by one gauge change, for both transports", () => {
    for (const transport of ["path", "normal-rotation"] as const) {
      const meshOptions = {
        coarsening: [
          { ratio: 0.25, transport },
          { count: 20, hops: 2, transport },
        ],
      };
      const worst = worstGaugeMismatch(
        buildMeshHierarchy(original, meshOptions),
        buildMeshHierarchy(renumbered, meshOptions),
      );
      expect(worst, transport).toBeLessThan(1e-9);
    }
  });
});
