export {
  BACKEND_ENV_VAR,
  BACKEND_NAMES,
  type BackendAttempt,
  BackendError,
  type BackendName,
  type BackendReport,
  backendReport,
  type InitBackendOptions,
  initBackend,
  parseBackendName,
} from "./backend.js";
export { type GemConvBases, GemConvError, type GemConvSpec, gemConv, gemConvBases } from "./conv.js";
export {
  assertGaugeEquivariant,
  checkGaugeEquivariance,
  GAUGE_EQUIVARIANCE_TOLERANCE,
  type GaugeEquivarianceOptions,
  type GraphFieldMap,
} from "./equivariance.js";
export {
  buildConvGraph,
  type ConvGraph,
  ConvGraphError,
  type ConvGraphObject,
  type ConvGraphOptions,
  convGraphFromNeighbourhoodGeometry,
  convGraphFromObject,
  convGraphToObject,
  disposeConvGraph,
  edgeCount,
  isConvGraphDisposed,
  validateConvGraph,
} from "./graph.js";
export { activeConvGraph, type GraphKwargs, withConvGraph } from "./graph-context.js";
export type { Aggregation } from "./kernels/aggregate.js";
export { WasmHeapError, wasmTableBytes } from "./kernels/wasm-heap.js";
export { FieldLayerError, MAX_LAYER_SIZE } from "./layers/field-layer-utils.js";
export { FieldLinear, type FieldLinearArgs } from "./layers/field-linear.js";
export { GemConv, type GemConvArgs, gemConvLayer } from "./layers/gem-conv.js";
/** Layer factories in tfjs style: `layers.gemConv({ inType, outType })`. */
export * as layers from "./layers/index.js";
export {
  ACTIVATIONS,
  type ActivationName,
  activationFunction,
  activationNames,
  GatedNonlinearity,
  type GatedNonlinearityArgs,
  isActivation,
  NonlinearityError,
  NormNonlinearity,
  type NormNonlinearityArgs,
  type PointwiseFunction,
  RegularNonlinearity,
  type RegularNonlinearityArgs,
  registerActivation,
} from "./layers/nonlinearities.js";
export {
  FieldDropout,
  type FieldDropoutArgs,
  FieldNormalization,
  type FieldNormalizationArgs,
  NormalizationError,
} from "./layers/normalization.js";
export {
  InvariantPooling,
  type InvariantPoolingArgs,
  PoolingError,
  TransportPooling,
  type TransportPoolingArgs,
  TransportUnpooling,
  vertexInvariants,
} from "./layers/pooling.js";
export {
  BLOCK_NONLINEARITIES,
  type BlockNonlinearity,
  ResidualBlock,
  type ResidualBlockArgs,
} from "./layers/residual-block.js";
export {
  type ConfusionMatrix,
  confusionMatrix,
  exactGeodesics,
  type GeodesicDistances,
  type GeodesicErrorCurve,
  type GeodesicErrorOptions,
  geodesicErrorCurve,
  type IntersectionOverUnion,
  intersectionOverUnion,
  MetricError,
  perVertexAccuracy,
} from "./metrics/per-vertex.js";
export {
  type AngularErrorSummary,
  type FieldCopyErrors,
  type FieldRegressionMetrics,
  type FieldRegressionOptions,
  fieldRegressionMetrics,
  ZERO_TARGET_FRACTION,
} from "./metrics/regression.js";
export {
  buildGemClassifier,
  buildGemSegmenter,
  type GemBlockConfig,
  type GemMeshConfig,
  type GemModelConfig,
  type GemModelInfo,
  type GemRegressorConfig,
  gemModelInfo,
  ModelConfigError,
  meshOptionsOf,
  namedFieldTypesOf,
  outputTypeOf,
} from "./models/builders.js";
export { buildGemCorrespondence, EMBEDDING_LAYER, LOGITS_LAYER } from "./models/correspondence.js";
export { MODEL_JSON, WEIGHTS_BIN } from "./models/file-names.js";
export {
  assertMeshMapGaugeEquivariant,
  assertMeshMapRigidMotionInvariant,
  assertModelInvariant,
  type CheckResult,
  checkMeshMapGaugeEquivariance,
  checkMeshMapRigidMotionInvariance,
  type MeshBatchMap,
  type MeshMapCheckOptions,
  type ModelInvarianceReport,
} from "./models/invariance.js";
export { loadModel, ModelIOError, saveModel } from "./models/io.js";
export {
  type PerVertexPrediction,
  type PerVertexTrainOptions,
  type PerVertexValues,
  perVertexTrainStep,
  predictPerVertex,
} from "./models/per-vertex.js";
export {
  buildGemRegressor,
  fieldSquaredError,
  type PerVertexRegressionOptions,
  perVertexRegressionStep,
  predictPerVertexFields,
  REGRESSION_OUTPUT_LAYER,
} from "./models/regression.js";
export {
  assertMeshMapRelabellingInvariant,
  assertModelRelabellingInvariant,
  checkMeshMapRelabellingInvariance,
} from "./models/relabelling.js";
export {
  type ApplyToMeshesOptions,
  applyToMeshes,
  batchForModel,
  classifierTrainStep,
  type FeatureArray,
  meshHierarchyFor,
  NonFiniteInputError,
  tensorData,
} from "./models/run.js";
export {
  activeBatchLevel,
  activeMeshBatch,
  activePoolingMap,
  type BatchLevel,
  batchMeshes,
  concatConvGraphs,
  disposeMeshBatch,
  isMeshBatchDisposed,
  layerGraph,
  type MeshBatch,
  withMeshBatch,
} from "./multiscale/batch.js";
export {
  buildMeshHierarchy,
  type CoarseningOptions,
  disposeMeshHierarchy,
  type MeshHierarchy,
  type MeshHierarchyOptions,
  type MeshLevel,
  type PoolingMap,
} from "./multiscale/hierarchy.js";
export {
  type EdgeGraph,
  edgeGraph,
  type FarthestPointOptions,
  type FarthestPointSample,
  farthestPointSampling,
  intrinsicVertexRanks,
  MultiscaleError,
  SAMPLE_ORDERINGS,
  type SampleOrdering,
} from "./multiscale/sampling.js";
export { type AdamState, FusedAdamOptimizer, fusedAdam } from "./optim/fused-adam.js";
export { gemConvReference } from "./reference.js";
