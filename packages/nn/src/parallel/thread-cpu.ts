import { readFileSync } from "node:fs";

/**
 * CPU time of the calling thread (main thread or worker) in ms, from Linux's
 * `/proc/thread-self/schedstat` (its first field: nanoseconds on a CPU); `NaN` where that file
 * does not exist. Node 20 has no per-thread CPU clock of its own (`process.cpuUsage` sums every
 * thread of the process; `process.threadCpuUsage` came in Node 23). One read costs about 10 µs,
 * so callers read it only when profiling.
 */
export function threadCpuMs(): number {
  if (!available) return Number.NaN;
  try {
    const text = readFileSync("/proc/thread-self/schedstat", "latin1");
    return Number(text.slice(0, text.indexOf(" "))) / 1e6;
  } catch {
    available = false;
    return Number.NaN;
  }
}
let available = true;

/** Wall-clock and (when `cpu`) thread CPU ms at one moment, for timing phases of a step. */
export interface Stamp {
  readonly wall: number;
  readonly cpu: number;
}

export function stamp(cpu: boolean): Stamp {
  return { wall: performance.now(), cpu: cpu ? threadCpuMs() : Number.NaN };
}
