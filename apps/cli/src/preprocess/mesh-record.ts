import type { PreprocessedMesh } from "@gemcnn/features";
import type { BinaryRecord } from "./record.js";

/** The cache record of a preprocessed mesh (float64 throughout). */
export function toRecord(mesh: PreprocessedMesh): BinaryRecord {
  return {
    meta: {
      name: mesh.name,
      nVertices: mesh.nVertices,
      fieldType: mesh.fieldType,
      channels: mesh.channels,
      meanEdgeLength: mesh.meanEdgeLength,
      notes: mesh.notes,
    },
    arrays: {
      positions: mesh.positions,
      triangles: mesh.triangles,
      e1: mesh.e1,
      e2: mesh.e2,
      normals: mesh.normals,
      features: mesh.features,
    },
  };
}

/** Inverse of `toRecord`; `name` replaces the stored one (equal content may come from another file). */
export function fromRecord(record: BinaryRecord, name: string): PreprocessedMesh {
  const m = record.meta as {
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
  };
}
