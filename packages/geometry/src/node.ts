/**
 * File-system helpers of the geometry package (Node only). The main entry `@gemcnn/geometry` stays
 * free of `node:` imports so that it bundles for the browser.
 */
export {
  DEFAULT_MAX_MESH_FILE_BYTES,
  formatByteSize,
  MeshFileTooLargeError,
  type ReadMeshOptions,
  readMesh,
  readMeshFileBytes,
  readMeshFileBytesSync,
  readMeshSync,
  readRegularFileBytes,
  siblingTemporaryPath,
  writeFileAtomic,
  writeMeshFile,
} from "./io/files.js";
export { readLabelFile, readVertexLabels, writeLabelFile } from "./io/label-files.js";
export { readVertexFieldFile, writeVertexFieldFile } from "./io/vertex-field-files.js";
