import { rotateFrames, SurfaceMesh, type TriangleMeshData } from "@gemcnn/geometry";
import { computeFeatures, type FeatureOptions, prepareMesh } from "./mesh-features.js";

/** Everything that changes what preprocessing produces (and so is part of the cache key). */
export interface PreprocessOptions {
  readonly features: FeatureOptions;
  /**
   * Repair a mesh that fails validation (geometry's `repairMesh`: welds, drops degenerate and
   * duplicate faces, splits non-manifold edges and vertices, orients) instead of skipping it.
   */
  readonly repair: boolean;
  /** Keep only the largest connected component (by face count) of a mesh with several. */
  readonly largestComponentOnly: boolean;
}

/** A mesh ready for the network: normalised geometry, frames and features (what the CLI caches). */
export interface PreprocessedMesh {
  readonly name: string;
  readonly nVertices: number;
  /** Unit-area, centred positions, 3 per vertex. */
  readonly positions: Float64Array;
  readonly triangles: Uint32Array;
  /** Frames (gauges) the vector features are expressed in, 3 numbers per vertex each. */
  readonly e1: Float64Array;
  readonly e2: Float64Array;
  readonly normals: Float64Array;
  /** Packed features `V × dim`, in `fieldType`. */
  readonly features: Float64Array;
  readonly fieldType: string;
  readonly channels: readonly string[];
  readonly meanEdgeLength: number;
  /** What was done to the mesh on the way (repairs, dropped components), one line each. */
  readonly notes: readonly string[];
}

/**
 * From raw mesh data to a `PreprocessedMesh`: drops all but the largest component when asked
 * (logged in `notes`), normalises, builds frames (optionally changed by `gaugeChange`, angles per
 * vertex) and features. Throws (a `MeshError`, a `FeatureError`, geometry's `SparseSolverError`,
 * …) when the mesh cannot be used; callers skip it with that reason.
 */
export function preprocessMeshData(
  data: TriangleMeshData,
  name: string,
  options: PreprocessOptions,
  notes: string[] = [],
  gaugeChange?: (nVertices: number) => Float64Array,
): PreprocessedMesh {
  const cleaned = options.largestComponentOnly ? largestComponent(data, name, notes) : data;
  const standard = prepareMesh(cleaned, name);
  // `gaugeChange` (for equivariance checks): every frame turned by its angle, features recomputed.
  const prepared = gaugeChange
    ? { ...standard, frames: rotateFrames(standard.frames, gaugeChange(standard.geometry.nVertices)) }
    : standard;
  const features = computeFeatures(prepared, options.features);
  const boundaryLoops = prepared.geometry.mesh.boundaryLoops().length;
  if (boundaryLoops > 0) notes.push(`has ${boundaryLoops} boundary loop(s) (holes); kept as boundary`);
  return {
    name,
    nVertices: prepared.geometry.nVertices,
    positions: prepared.geometry.positions,
    triangles: prepared.geometry.mesh.triangles,
    e1: prepared.frames.e1,
    e2: prepared.frames.e2,
    normals: prepared.frames.n,
    features: features.values,
    fieldType: features.fieldType,
    channels: features.channels,
    meanEdgeLength: prepared.meanEdgeLength,
    notes,
  };
}

/**
 * The vertices of the largest connected component (by face count; the first such on a tie), in
 * increasing order: vertex `k` of `largestComponent`'s result is input vertex `kept[k]`, so that
 * per-vertex data (labels) can follow the mesh. `null` when the mesh has one component (nothing is
 * dropped).
 */
export function largestComponentVertices(data: TriangleMeshData, name?: string): Uint32Array | null {
  return componentSelection(data, name)?.kept ?? null;
}

function componentSelection(data: TriangleMeshData, name?: string) {
  const mesh = SurfaceMesh.fromTriangles(data.positions.length / 3, data.triangles, name);
  const { count, vertexComponent } = mesh.connectedComponents();
  if (count <= 1) return null;
  const faces = new Array<number>(count).fill(0);
  for (let f = 0; f < mesh.nFaces; f++) faces[vertexComponent[mesh.triangles[3 * f]]]++;
  // A loop rather than Math.max(...faces), which overflows the call stack for very many components.
  let keep = 0;
  for (let k = 1; k < count; k++) if (faces[k] > faces[keep]) keep = k;
  let nKept = 0;
  for (let v = 0; v < mesh.nVertices; v++) if (vertexComponent[v] === keep) nKept++;
  const kept = new Uint32Array(nKept);
  nKept = 0;
  for (let v = 0; v < mesh.nVertices; v++) if (vertexComponent[v] === keep) kept[nKept++] = v;
  return { mesh, count, vertexComponent, keep, faces, kept };
}

/** The largest connected component (by face count), with a note when others were dropped. */
export function largestComponent(data: TriangleMeshData, name: string, notes: string[]): TriangleMeshData {
  const selection = componentSelection(data, name);
  if (selection === null) return data;
  const { mesh, count, vertexComponent, keep, faces, kept } = selection;
  const nKept = kept.length;
  const newIndex = new Int32Array(mesh.nVertices).fill(-1);
  kept.forEach((v, k) => {
    newIndex[v] = k;
  });
  const positions = new Float64Array(3 * nKept);
  for (let v = 0; v < mesh.nVertices; v++) {
    if (newIndex[v] >= 0) positions.set(data.positions.subarray(3 * v, 3 * v + 3), 3 * newIndex[v]);
  }
  const triangles = new Uint32Array(3 * faces[keep]);
  let t = 0;
  for (let f = 0; f < mesh.nFaces; f++) {
    if (vertexComponent[mesh.triangles[3 * f]] !== keep) continue;
    for (let k = 0; k < 3; k++) triangles[t++] = newIndex[mesh.triangles[3 * f + k]];
  }
  notes.push(
    `kept the largest of ${count} connected components (${faces[keep]} of ${mesh.nFaces} faces, ${nKept} of ${mesh.nVertices} vertices)`,
  );
  return { positions, triangles };
}
