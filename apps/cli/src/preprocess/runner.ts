import { loadMeshFile } from "../data/load.js";
import { InlineRunner, type TaskRunner, WorkerPool } from "./pool.js";
import { type PreprocessTask, type PreprocessTaskResult, runPreprocessTask } from "./run.js";

/**
 * The preprocessing runner for `workers` threads: a pool of preprocessing workers, or the calling
 * thread for 0 (no worker start-up cost; the reference for speed-up figures).
 */
export function preprocessRunner(workers: number): TaskRunner<PreprocessTask, PreprocessTaskResult> {
  if (workers === 0) return new InlineRunner((task: PreprocessTask) => runPreprocessTask(task, loadMeshFile));
  return new WorkerPool<PreprocessTask, PreprocessTaskResult>(
    new URL("./preprocess-worker.ts", import.meta.url),
    workers,
  );
}
