import type { PreprocessOptions } from "@gemcnn/features";
import {
  MeshError,
  meshFormatOf,
  parseMesh,
  repairMesh,
  type TriangleMeshData,
  validateMesh,
} from "@gemcnn/geometry";

/**
 * Parses a mesh file's bytes (format from the name's extension) and checks it. A mesh with
 * problems is repaired when `options.repair` (duplicate vertices welded, degenerate faces dropped,
 * orientation made consistent, unused vertices removed), each change logged in `notes`; what the
 * repair cannot fix (non-manifold edges or vertices, non-finite coordinates, non-orientable parts)
 * throws a `MeshError` naming the file, and the caller skips the mesh with that reason.
 * Holes and several components are not problems here: holes stay as boundary, and the pipeline
 * keeps the largest component.
 */
export function loadMeshFile(
  bytes: Uint8Array,
  fileName: string,
  options: Pick<PreprocessOptions, "repair">,
  notes: string[],
): LoadedMesh {
  const data = parseMesh(bytes, meshFormatOf(fileName), fileName);
  const report = validateMesh(data, { source: fileName });
  if (report.ok) return data;
  if (!options.repair) throw new MeshError(report.problems, fileName);
  const repaired = repairMesh(data, { source: fileName });
  notes.push(...repaired.report.summary.map((line) => `repaired: ${line}`));
  if (!repaired.report.validation.ok) throw new MeshError(repaired.report.validation.problems, fileName);
  return {
    ...repaired.data,
    sourceVertex: repaired.report.sourceVertex,
    fileVertexCount: data.positions.length / 3,
  };
}

/**
 * A mesh as `loadMeshFile` gives it; after a repair, `sourceVertex[v]` is the file's vertex that
 * output vertex `v` comes from (repair's map, so that per-vertex labels follow the renumbering)
 * and `fileVertexCount` the number of vertices in the file.
 */
export interface LoadedMesh extends TriangleMeshData {
  readonly sourceVertex?: Int32Array;
  readonly fileVertexCount?: number;
}
