import { icosphere, MeshGeometry, precomputeNeighbourhoodGeometry, tangentFrames } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  buildConvGraph,
  ConvGraphError,
  convGraphFromObject,
  convGraphToObject,
  edgeCount,
  validateConvGraph,
} from "./graph.js";

const geometry = MeshGeometry.fromData(icosphere(1));

describe("buildConvGraph", () => {
  it("splits the self pair off the geometry package's neighbourhoods and keeps pairs aligned", () => {
    const graph = buildConvGraph(geometry, { rings: 3 });
    const precomputed = precomputeNeighbourhoodGeometry(geometry, {});
    expect(graph.includesSelf).toBe(true);
    // Every undirected edge of the icosphere gives two directed pairs.
    expect(edgeCount(graph)).toBe(2 * geometry.mesh.nEdges);
    const { offsets, indices } = precomputed.neighbourhoods;
    for (let p = 0; p < graph.nVertices; p++) {
      const pairs = [];
      for (let i = offsets[p]; i < offsets[p + 1]; i++) {
        if (indices[i] !== p)
          pairs.push([indices[i], precomputed.theta[i], precomputed.g[i], precomputed.r[i]]);
      }
      const edges = [];
      for (let e = graph.offsets[p]; e < graph.offsets[p + 1]; e++) {
        edges.push([graph.sources[e], graph.theta[e], graph.transport[e], graph.radius[e]]);
      }
      expect(edges).toEqual(pairs);
    }
    // Rings span the largest distance: the farthest neighbour sits on the last ring.
    const farthest = graph.radius.indexOf(Math.max(...graph.radius));
    expect(Array.from(graph.ringWeights.subarray(3 * farthest, 3 * farthest + 3))).toEqual([0, 0, 1]);
  });

  it("caches per geometry and options, but not with explicit frames", () => {
    expect(buildConvGraph(geometry, { rings: 2 })).toBe(buildConvGraph(geometry, { rings: 2 }));
    expect(buildConvGraph(geometry, { rings: 2 })).not.toBe(buildConvGraph(geometry, { rings: 3 }));
    const frames = tangentFrames(geometry);
    expect(buildConvGraph(geometry, { frames })).not.toBe(buildConvGraph(geometry, { frames }));
  });

  it("follows includeSelf and larger neighbourhoods", () => {
    const noSelf = buildConvGraph(geometry, { includeSelf: false });
    expect(noSelf.includesSelf).toBe(false);
    expect(edgeCount(noSelf)).toBe(2 * geometry.mesh.nEdges);
    const twoRing = buildConvGraph(geometry, { neighbourhood: { kind: "k-ring", k: 2 } });
    expect(edgeCount(twoRing)).toBeGreaterThan(edgeCount(noSelf));
  });
});

describe("ConvGraph serialisation", () => {
  it("round-trips through a JSON object", () => {
    const graph = buildConvGraph(geometry, { rings: 2 });
    const object = JSON.parse(JSON.stringify(convGraphToObject(graph)));
    expect(convGraphFromObject(object)).toEqual(graph);
  });

  it("names the problem in a malformed graph", () => {
    const object = convGraphToObject(buildConvGraph(geometry, { rings: 2 }));
    expect(() =>
      convGraphFromObject({ ...object, sources: object.sources.map(() => 999) }, "mesh.graph.json"),
    ).toThrow(/mesh.graph.json: edge 0 comes from vertex 999, beyond the 42 vertices/);
    expect(() => convGraphFromObject({ ...object, theta: object.theta.slice(1) })).toThrow(
      /theta must be a Float64Array with one entry per edge/,
    );
    const selfLoop = { ...object, sources: [0, ...object.sources.slice(1)] };
    expect(() => convGraphFromObject(selfLoop)).toThrow(ConvGraphError);
    expect(() => convGraphFromObject(selfLoop)).toThrow(/joins vertex 0 to itself/);
    expect(() => convGraphFromObject(null as never)).toThrow(/not an object/);
    const graph = buildConvGraph(geometry, { rings: 2 });
    expect(() => validateConvGraph({ ...graph, rings: 0 })).toThrow(/rings must be a positive integer/);
  });
});
