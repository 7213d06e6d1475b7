/**
 * Raw triangle-mesh data: positions `[x0, y0, z0, x1, …]` (float64) and three vertex indices per
 * face, counter-clockwise seen from outside (docs/conventions.md). Nothing about it is checked;
 * `validateMesh` says whether it describes a valid mesh.
 */
export interface TriangleMeshData {
  readonly positions: Float64Array;
  readonly triangles: Uint32Array;
}
