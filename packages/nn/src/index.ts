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
export type { Aggregation } from "./kernels/aggregate.js";
export { gemConvReference } from "./reference.js";
export {
  assertGaugeEquivariant,
  checkGaugeEquivariance,
  GAUGE_EQUIVARIANCE_TOLERANCE,
  type GaugeEquivarianceOptions,
  type GraphFieldMap,
} from "./testing.js";
