// Worker thread entry: installs tsx's loader (workers of a plain `node` process have none), then
// imports the TypeScript module that serves the tasks (passed by WorkerPool as workerData).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
