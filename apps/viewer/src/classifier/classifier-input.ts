import { type PreprocessedMesh, preprocessMeshData } from "@gemcnn/features";
import { rotateFrames, SurfaceMesh, type TangentFrames, type TriangleMeshData } from "@gemcnn/geometry";
import type { MeshModel } from "../model/mesh-model.js";
import type { ClassifierDescription } from "./description.js";

/** The open mesh made into a classifier's input, in the mesh's current gauge. */
export interface ClassifierInput {
  /**
   * The command line's preprocessing of the mesh: unit-area geometry, frames, and packed features
   * in those frames (the mesh's current gauge, or its `fieldGauge` in the negative control).
   */
  readonly mesh: PreprocessedMesh;
  /** The frames the network's convolutions and pooling use: the mesh's current gauge. */
  readonly frames: TangentFrames;
  /**
   * The open mesh's vertex behind each vertex of `mesh` (all of them, in order, unless the
   * preprocessing keeps only the largest connected component).
   */
  readonly vertices: Uint32Array;
  /** What the preprocessing did to the mesh (a dropped component, a boundary), one line each. */
  readonly notes: readonly string[];
}

/**
 * Vertices of the component with the most faces (the first of equals), in increasing order: the
 * rule of the command line's `largestComponent`, which keeps vertex order. Its own output has no
 * vertex map, so the page picks the component itself; a unit test holds the two rules together.
 */
export function largestComponentVertices(data: TriangleMeshData): Uint32Array {
  const mesh = SurfaceMesh.fromTriangles(data.positions.length / 3, data.triangles);
  const { count, vertexComponent } = mesh.connectedComponents();
  if (count <= 1) return Uint32Array.from({ length: mesh.nVertices }, (_, v) => v);
  const faces = new Array<number>(count).fill(0);
  for (let f = 0; f < mesh.nFaces; f++) faces[vertexComponent[mesh.triangles[3 * f]]]++;
  const keep = faces.indexOf(Math.max(...faces));
  const kept: number[] = [];
  for (let v = 0; v < mesh.nVertices; v++) if (vertexComponent[v] === keep) kept.push(v);
  return Uint32Array.from(kept);
}

/** The sub-mesh on `vertices` (in that order), keeping the faces whose corners are all in it. */
function subMesh(data: TriangleMeshData, vertices: Uint32Array): TriangleMeshData {
  const nVertices = data.positions.length / 3;
  if (vertices.length === nVertices) return data;
  const index = new Int32Array(nVertices).fill(-1);
  vertices.forEach((v, i) => {
    index[v] = i;
  });
  const positions = new Float64Array(3 * vertices.length);
  vertices.forEach((v, i) => {
    positions.set(data.positions.subarray(3 * v, 3 * v + 3), 3 * i);
  });
  const triangles: number[] = [];
  for (let t = 0; t < data.triangles.length; t += 3) {
    const corners = [index[data.triangles[t]], index[data.triangles[t + 1]], index[data.triangles[t + 2]]];
    if (corners.every((c) => c >= 0)) triangles.push(...corners);
  }
  return { positions, triangles: Uint32Array.from(triangles) };
}

/**
 * Preprocesses the open mesh as the command line does for `description` (its `preprocessMeshData`
 * with the saved options), with the frames turned by the mesh's current gauge, so that the vector
 * features are expressed in the frames the page draws. In the negative control (a gauge change
 * that left field coefficients untransformed) the features stay in the mesh's `fieldGauge` while
 * `frames` follow the current gauge. Throws what the preprocessing throws (a `FeatureError` for a
 * mesh whose heat-kernel signature cannot be computed, a `MeshError`…).
 */
export function classifierInput(model: MeshModel, description: ClassifierDescription): ClassifierInput {
  const data: TriangleMeshData = {
    positions: model.geometry.positions,
    triangles: model.geometry.mesh.triangles,
  };
  const notes: string[] = [];
  let vertices: Uint32Array = Uint32Array.from({ length: model.nVertices }, (_, v) => v);
  if (description.preprocess.largestComponentOnly) {
    vertices = largestComponentVertices(data);
    if (vertices.length < model.nVertices) {
      notes.push(
        `kept the largest connected component (${vertices.length} of ${model.nVertices} vertices), as the model was trained`,
      );
    }
  }
  const featureGauge = Float64Array.from(vertices, (v) => model.fieldGauge[v]);
  const mesh = preprocessMeshData(subMesh(data, vertices), model.name, description.preprocess, notes, (n) => {
    if (n !== featureGauge.length) {
      throw new Error(`classifierInput: ${n} vertices after preprocessing, ${featureGauge.length} expected`);
    }
    return featureGauge;
  });
  const preprocessed: TangentFrames = { e1: mesh.e1, e2: mesh.e2, n: mesh.normals };
  const lag = Float64Array.from(vertices, (v) => model.gauge[v] - model.fieldGauge[v]);
  const frames = lag.some((angle) => angle !== 0) ? rotateFrames(preprocessed, lag) : preprocessed;
  return { mesh, frames, vertices, notes };
}
