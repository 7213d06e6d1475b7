// A worker for the pool's own tests: squares numbers, fails on request, or dies.
import { threadId } from "node:worker_threads";
import { serveTasks } from "./pool.js";

export interface EchoTask {
  readonly value: number;
  readonly fail?: boolean;
  readonly exit?: boolean;
  readonly buffer?: Float64Array;
}

await serveTasks<EchoTask, { square: number; threadId: number; sum: number }>((task) => {
  if (task.exit) process.exit(3);
  if (task.fail) throw new RangeError(`value ${task.value} refused`);
  const sum = task.buffer ? task.buffer.reduce((a, b) => a + b, 0) : 0;
  return { result: { square: task.value * task.value, threadId, sum } };
});
