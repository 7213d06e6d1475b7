// The browser-safe part of @gemcnn/cli, exported as `@gemcnn/cli/features`: mesh preprocessing
// and the input features, pure TypeScript with no Node built-ins, so that a web page (the viewer)
// computes a saved classifier's inputs with the very code the command line trained it on.

export {
  fitInputNormalization,
  type InputNormalization,
  InputNormalizationError,
  normalizeInput,
} from "../models/input-normalization.js";
export {
  largestComponent,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "../preprocess/pipeline.js";
export { gaussianCurvature, meanCurvature } from "./curvature.js";
export {
  computeFeatures,
  DEFAULT_FEATURE_OPTIONS,
  FEATURE_KINDS,
  type FeatureKind,
  type FeatureOptions,
  type MeshFeatures,
  type PreparedMesh,
  prepareMesh,
} from "./features.js";
export {
  DEFAULT_HKS_MAX_VERTICES,
  FeatureSizeError,
  heatKernelSignature,
  laplacianEigenpairs,
} from "./heat-kernel.js";
export { type CotanLaplacian, cotanLaplacian } from "./laplacian.js";
export { localMoments, MOMENT_CHANNELS, MOMENT_FIELD_TYPE } from "./moments.js";
