export { icosphere, type TriangleMeshData } from "./generate/icosphere.js";
export { type MeshElement, MeshError, type MeshProblem, type MeshProblemKind } from "./mesh/errors.js";
export { buildConnectivity, SurfaceMesh, type SurfaceMeshArrays } from "./mesh/surface-mesh.js";
