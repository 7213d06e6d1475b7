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
  buildConvGraph,
  type ConvGraph,
  ConvGraphError,
  type ConvGraphObject,
  type ConvGraphOptions,
  convGraphFromNeighbourhoodGeometry,
  convGraphFromObject,
  convGraphToObject,
  edgeCount,
  validateConvGraph,
} from "./graph.js";
export { activeConvGraph, withConvGraph } from "./graph-context.js";
export type { Aggregation } from "./kernels/aggregate.js";
export { GemConv, type GemConvArgs, type GraphKwargs, gemConvLayer } from "./layers/gem-conv.js";
/** Layer factories in tfjs style: `layers.gemConv({ inType, outType })`. */
export * as layers from "./layers/index.js";
export {
  ACTIVATIONS,
  type ActivationName,
  GatedNonlinearity,
  type GatedNonlinearityArgs,
  NonlinearityError,
  NormNonlinearity,
  type NormNonlinearityArgs,
  RegularNonlinearity,
  type RegularNonlinearityArgs,
} from "./layers/nonlinearities.js";
export {
  FieldDropout,
  type FieldDropoutArgs,
  FieldNormalization,
  type FieldNormalizationArgs,
  NormalizationError,
} from "./layers/normalization.js";
export { InvariantPooling, type InvariantPoolingArgs, PoolingError } from "./layers/pooling.js";
export { gemConvReference } from "./reference.js";
export {
  assertGaugeEquivariant,
  checkGaugeEquivariance,
  GAUGE_EQUIVARIANCE_TOLERANCE,
  type GaugeEquivarianceOptions,
  type GraphFieldMap,
} from "./testing.js";
