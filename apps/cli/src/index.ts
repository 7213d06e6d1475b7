// Public names of @gemcnn/cli: the command line, and the pieces it is built from for scripts.
// The features and the pure preprocessing are @gemcnn/features; the cache, records and workers are here.

export {
  DEFAULT_GEM_ARCHITECTURE,
  formatBlocks,
  type GemArchitecture,
  parseBlocks,
} from "./classifiers/architecture.js";
export {
  type Classifier,
  createClassifier,
  loadClassifier,
  type ModelKind,
  type ModelSpec,
  readModelSpec,
  SPEC_FILE,
  saveClassifier,
  specForTraining,
} from "./classifiers/classifier.js";
export { type LayerCheck, LOGIT_TOLERANCE, layerEquivarianceReport } from "./classifiers/gem-check.js";
export { GemCnnClassifier } from "./classifiers/gem-classifier.js";
export { LinearProbe } from "./classifiers/linear-probe.js";
export { pooledStatistics } from "./classifiers/pooled-statistics.js";
export {
  featureDistance,
  fitTrainingDistribution,
  normalizedEntropy,
  type TrainingDistribution,
} from "./classifiers/training-distribution.js";
export { captureIO } from "./cli/capture-io.js";
export {
  byteSizeOption,
  type CliIO,
  type Command,
  formatCommandHelp,
  parseCommandArgs,
} from "./cli/command.js";
export { CliError, EXIT, InputFileError, UsageError } from "./cli/errors.js";
export { OutputFileError } from "./cli/fs-errors.js";
export { commands } from "./commands/index.js";
export {
  type Dataset,
  DatasetError,
  type DatasetSample,
  datasetSummary,
  openDataset,
  readMeshCnnLayout,
  readSplitFile,
} from "./data/dataset.js";
export { loadMeshFile } from "./data/load.js";
export { MAX_MESH_SIZE_OPTION, maxMeshBytes, readMeshFile } from "./data/mesh-file.js";
export { stratifiedHoldOut } from "./data/validation.js";
export { formatProgramHelp, runCli } from "./main.js";
export { DEFAULT_CACHE_DIR, PreprocessCache } from "./preprocess/cache.js";
export { fromRecord, toRecord } from "./preprocess/mesh-record.js";
export { InlineRunner, type TaskRunner, WorkerPool } from "./preprocess/pool.js";
export { type MeshSource, memorySources, preprocessAll, rotatedSources } from "./preprocess/run.js";
export { preprocessRunner } from "./preprocess/runner.js";
export {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticDataset,
  SYNTHETIC_CLASSES,
  type SyntheticDataset,
  type SyntheticOptions,
} from "./synthetic/dataset.js";
export { CheckpointStore, CorruptCheckpointError } from "./training/checkpoints.js";
export { renderLineChartSvg, writeTrainingCurves } from "./training/curves.js";
export { InterruptRequest } from "./training/interrupt.js";
export {
  epochOrder,
  NonFiniteLossError,
  runTrainingLoop,
  type Totals,
  type TrainableModel,
} from "./training/loop.js";
export { MetricsLog } from "./training/metrics.js";
export { TrainingProgress } from "./training/progress.js";
export { RunDirectory } from "./training/run-dir.js";
export { DEFAULT_SCHEDULE, type LearningRateSchedule, learningRateAt } from "./training/schedule.js";
