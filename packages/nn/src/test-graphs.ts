import { ringWeights, testing } from "@gemcnn/gauge";
import { icosphere, SurfaceMesh } from "@gemcnn/geometry";
import type { ConvGraph } from "./graph.js";

/**
 * Test support: the 1-ring graph of an icosphere with random (not geometric) radii and angles.
 * The kernels' algebra does not depend on where the angles come from, so this checks them
 * against the reference on arbitrary data.
 */
export function randomOneRingGraph(
  level: number,
  options: { rings: number; includesSelf: boolean; seed: number },
): ConvGraph {
  const data = icosphere(level);
  const mesh = SurfaceMesh.fromTriangles(data.positions.length / 3, data.triangles);
  const nVertices = mesh.nVertices;
  const offsets = new Uint32Array(nVertices + 1);
  for (let h = 0; h < mesh.nHalfedges; h++) offsets[mesh.tail(h) + 1]++;
  for (let p = 0; p < nVertices; p++) offsets[p + 1] += offsets[p];
  const sources = new Uint32Array(offsets[nVertices]);
  const fill = offsets.slice(0, nVertices);
  for (let h = 0; h < mesh.nHalfedges; h++) sources[fill[mesh.tail(h)]++] = mesh.head(h);
  const random = new testing.SeededRandom(options.seed);
  const n = sources.length;
  const radius = Float64Array.from({ length: n }, () => random.uniform(0.2, 1.2));
  const theta = Float64Array.from({ length: n }, () => random.uniform(-Math.PI, Math.PI));
  const transport = Float64Array.from({ length: n }, () => random.uniform(-Math.PI, Math.PI));
  return {
    nVertices,
    offsets,
    sources,
    radius,
    theta,
    transport,
    rings: options.rings,
    ringWeights: ringWeights(radius, { rings: options.rings, maxRadius: 1 }),
    includesSelf: options.includesSelf,
  };
}
