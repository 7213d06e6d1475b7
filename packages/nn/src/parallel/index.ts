// @gemcnn/nn/parallel: data-parallel training and inference over worker threads (Node only; the
// package's main entry stays free of Node modules for browser bundles).
export {
  activeBatchShare,
  type BatchShare,
  batchShareOf,
  combinedFieldStatistics,
  type ShareRows,
  shareRowsOf,
  withBatchShare,
} from "./batch-share.js";
export { Collective, CollectiveAbortedError } from "./collective.js";
export {
  type ReplicaPhase,
  type ReplicaPhases,
  type ReplicaSample,
  type ReplicaStepTimings,
  UNSUPPORTED_LAYERS,
} from "./replica.js";
export {
  type PoolGradients,
  type PoolGradientVector,
  type PoolStepTimings,
  ReplicaPool,
  ReplicaPoolError,
  type ReplicaPoolOptions,
} from "./replica-pool.js";
export { splitEvenly } from "./split.js";
export { threadCpuMs } from "./thread-cpu.js";
