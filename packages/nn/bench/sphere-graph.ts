import { ringWeights, testing } from "@gemcnn/gauge";
import { SurfaceMesh } from "@gemcnn/geometry";
import type { ConvGraph } from "../src/index.js";
import { geodesicSphere } from "./geodesic-sphere.js";

/**
 * The 1-ring graph (with the vertex itself) of the geodesic sphere, with random angles: the
 * kernels' running time does not depend on the angles' values.
 */
export function sphereGraph(frequency: number, rings: number): ConvGraph {
  const data = geodesicSphere(frequency);
  const mesh = SurfaceMesh.fromTriangles(data.positions.length / 3, data.triangles);
  const nVertices = mesh.nVertices;
  const offsets = new Uint32Array(nVertices + 1);
  for (let h = 0; h < mesh.nHalfedges; h++) offsets[mesh.tail(h) + 1]++;
  for (let p = 0; p < nVertices; p++) offsets[p + 1] += offsets[p];
  const sources = new Uint32Array(offsets[nVertices]);
  const fill = offsets.slice(0, nVertices);
  for (let h = 0; h < mesh.nHalfedges; h++) sources[fill[mesh.tail(h)]++] = mesh.head(h);
  const random = new testing.SeededRandom(3);
  const n = sources.length;
  const radius = Float64Array.from({ length: n }, () => random.uniform(0.5, 1));
  return {
    nVertices,
    offsets,
    sources,
    radius,
    theta: Float64Array.from({ length: n }, () => random.angle()),
    transport: Float64Array.from({ length: n }, () => random.angle()),
    rings,
    ringWeights: ringWeights(radius, { rings, maxRadius: 1 }),
    includesSelf: true,
  };
}
