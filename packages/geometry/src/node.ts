/**
 * File-system helpers of the geometry package (Node only). The main entry `@gemcnn/geometry` stays
 * free of `node:` imports so that it bundles for the browser.
 */
export { readMesh, readMeshSync, siblingTemporaryPath, writeFileAtomic, writeMeshFile } from "./io/files.js";
export { readLabelFile, readVertexLabels, writeLabelFile } from "./io/label-files.js";
export { readVertexFieldFile, writeVertexFieldFile } from "./io/vertex-field-files.js";
