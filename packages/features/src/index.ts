// @gemcnn/features: per-vertex input features of meshes and the preprocessing that makes them,
// pure TypeScript on typed arrays (no tfjs, no Node built-ins), so that a web page (the viewer)
// computes a saved classifier's inputs with the very code the command line trained it on.

export { gaussianCurvature, meanCurvature } from "./curvature.js";
export { FeatureError, type FeatureErrorKind } from "./errors.js";
export {
  DEFAULT_HKS_EIGENPAIRS,
  DEFAULT_HKS_TIME_COUNT,
  type HeatKernelOptions,
  type HeatKernelSignature,
  HKS_EIGENPAIR_TOLERANCE,
  heatKernelSignature,
  heatKernelSignatureOfSpectrum,
  heatKernelTimes,
  type LaplacianSpectrum,
  MAX_HKS_VERTEX_EIGENPAIRS,
  type SpectrumSignatureOptions,
  ZERO_EIGENVALUE_TOLERANCE,
} from "./heat-kernel.js";
export {
  fitInputNormalization,
  INPUT_CLIP,
  type InputNormalization,
  InputNormalizationError,
  normalizeInput,
} from "./input-normalization.js";
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
  type NetworkInput,
  NetworkInputError,
  networkInput,
  type PackedChannels,
  type PackedUserFields,
  userFieldChannels,
} from "./network-input.js";
export {
  largestComponent,
  largestComponentVertices,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "./preprocess.js";
export {
  fitTargetScaling,
  parseTargetScaling,
  scaleTarget,
  type TargetScaling,
  TargetScalingError,
  unscaleTarget,
} from "./regression.js";
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
