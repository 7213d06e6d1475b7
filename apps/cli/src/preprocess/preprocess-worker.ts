// Worker thread that preprocesses meshes for `WorkerPool` (see run.ts).
import { loadMeshFile } from "../data/load.js";
import { serveTasks } from "./pool.js";
import { type PreprocessTask, type PreprocessTaskResult, runPreprocessTask } from "./run.js";

await serveTasks<PreprocessTask, PreprocessTaskResult>((task) => {
  const result = runPreprocessTask(task, loadMeshFile);
  return { result, transfer: result.ok ? [result.record.buffer as ArrayBuffer] : [] };
});
