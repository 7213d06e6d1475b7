import type { PreprocessedMesh } from "@gemcnn/features";
import type { BinaryRecord } from "./record.js";

/**
 * A preprocessed mesh with where its vertices came from: `sourceVertex[v]` is the vertex of the
 * input (the file as read, or the mesh in memory) that vertex `v` is, after repair's renumbering
 * and the largest-component selection; `sourceVertexCount` is the input's vertex count. Per-vertex
 * labels of the input carry over as `labels[sourceVertex[v]]`.
 */
export interface SourcedMesh extends PreprocessedMesh {
  readonly sourceVertex: Int32Array;
  readonly sourceVertexCount: number;
}

/** The cache record of a preprocessed mesh (float64 throughout). */
export function toRecord(mesh: SourcedMesh): BinaryRecord {
  return {
    meta: {
      name: mesh.name,
      nVertices: mesh.nVertices,
      fieldType: mesh.fieldType,
      channels: mesh.channels,
      meanEdgeLength: mesh.meanEdgeLength,
      notes: mesh.notes,
      sourceVertexCount: mesh.sourceVertexCount,
    },
    arrays: {
      positions: mesh.positions,
      triangles: mesh.triangles,
      e1: mesh.e1,
      e2: mesh.e2,
      normals: mesh.normals,
      features: mesh.features,
      sourceVertex: mesh.sourceVertex,
    },
  };
}

/** Inverse of `toRecord`; `name` replaces the stored one (equal content may come from another file). */
export function fromRecord(record: BinaryRecord, name: string): SourcedMesh {
  const m = record.meta as {
    sourceVertexCount?: number;
    nVertices: number;
    fieldType: string;
    channels: string[];
    meanEdgeLength: number;
    notes: string[];
  };
  const a = record.arrays;
  return {
    name,
    nVertices: m.nVertices,
    positions: a.positions as Float64Array,
    triangles: a.triangles as Uint32Array,
    e1: a.e1 as Float64Array,
    e2: a.e2 as Float64Array,
    normals: a.normals as Float64Array,
    features: a.features as Float64Array,
    fieldType: m.fieldType,
    channels: m.channels,
    meanEdgeLength: m.meanEdgeLength,
    notes: m.notes,
    // Records written before sources were kept (absent: the identity).
    sourceVertex:
      (a.sourceVertex as Int32Array | undefined) ?? Int32Array.from({ length: m.nVertices }, (_, v) => v),
    sourceVertexCount: m.sourceVertexCount ?? m.nVertices,
  };
}
