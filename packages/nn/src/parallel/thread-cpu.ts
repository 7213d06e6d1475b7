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

/**
 * The operating system's id of the calling thread and its start time (clock ticks since boot),
 * from Linux's `/proc/thread-self/stat`; `undefined` where that file does not exist. The pair
 * names the thread even if its id is reused later (`isThreadRunning`).
 */
export function osThread(): OsThread | undefined {
  try {
    const fields = procStatFields(readFileSync("/proc/thread-self/stat", "latin1"));
    return { tid: Number(fields.tid), startTime: fields.startTime };
  } catch {
    return undefined;
  }
}

export interface OsThread {
  readonly tid: number;
  readonly startTime: string;
}

/**
 * Whether `thread` (a thread of this process, from `osThread`) is still running: a synchronous
 * check, for a thread that waits on another inside a computation and cannot wait for Node's
 * `exit` event (which its blocked event loop would not deliver). Linux removes an exited
 * thread's `/proc/self/task/<tid>` as it exits.
 */
export function isThreadRunning(thread: OsThread): boolean {
  try {
    const fields = procStatFields(readFileSync(`/proc/self/task/${thread.tid}/stat`, "latin1"));
    return fields.startTime === thread.startTime && fields.state !== "Z" && fields.state !== "X";
  } catch {
    return false;
  }
}

/** The id, state and start time of a `/proc/…/stat` line (its command may contain spaces and parentheses). */
function procStatFields(stat: string): { tid: string; state: string; startTime: string } {
  const close = stat.lastIndexOf(")");
  // After the command: state (field 3), …, starttime (field 22).
  const rest = stat.slice(close + 2).split(" ");
  return { tid: stat.slice(0, stat.indexOf(" ")), state: rest[0], startTime: rest[19] };
}
