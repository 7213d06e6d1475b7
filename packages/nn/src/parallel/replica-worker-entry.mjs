// Worker thread entry of ReplicaPool. The package ships TypeScript sources: a worker of a plain
// `node` process has no loader for them, so tsx's is installed first; a built (.js) worker module
// is imported as it is.
import { workerData } from "node:worker_threads";

if (workerData.module.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.module);
