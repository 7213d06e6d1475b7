// @gemcnn/features: per-vertex input features of meshes and the preprocessing that makes them,
// pure TypeScript on typed arrays (no tfjs, no Node built-ins), so that a web page (the viewer)
// computes a saved classifier's inputs with the very code the command line trained it on.

export { gaussianCurvature, meanCurvature } from "./curvature.js";
export {
  DEFAULT_HKS_MAX_VERTICES,
  FeatureSizeError,
  heatKernelSignature,
  laplacianEigenpairs,
} from "./heat-kernel.js";
export {
  fitInputNormalization,
  type InputNormalization,
  InputNormalizationError,
  normalizeInput,
} from "./input-normalization.js";
export { type CotanLaplacian, cotanLaplacian } from "./laplacian.js";
export {
  assertFiniteFeatures,
  computeFeatures,
  DEFAULT_FEATURE_OPTIONS,
  FEATURE_KINDS,
  type FeatureKind,
  type FeatureOptions,
  type MeshFeatures,
  meshFeatures,
  NonFiniteFeatureError,
  type PreparedMesh,
  prepareMesh,
} from "./mesh-features.js";
export { localMoments, MOMENT_CHANNELS, MOMENT_FIELD_TYPE } from "./moments.js";
export {
  largestComponent,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "./preprocess.js";
export {
  type DirectionFieldDeclaration,
  declarationColumns,
  declarationOrder,
  FIELD_DECLARATION_KINDS,
  type FieldDeclaration,
  FieldDeclarationError,
  namedFieldTypeOf,
  parseFieldDeclarations,
  type ScalarFieldDeclaration,
  type VectorFieldDeclaration,
  type VertexFieldOptions,
  type VertexFields,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "./user-fields.js";
