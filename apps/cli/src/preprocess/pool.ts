import { cpus } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** Runs tasks somewhere (this thread or worker threads) and resolves to their results. */
export interface TaskRunner<TIn, TOut> {
  /** Worker threads used; 0 when tasks run on the calling thread. */
  readonly size: number;
  run(input: TIn, transfer?: readonly ArrayBuffer[]): Promise<TOut>;
  close(): Promise<void>;
}

/** A task failed inside a worker; carries the original error's name and message. */
export class WorkerTaskError extends Error {
  /** Name of the error class thrown in the worker (e.g. "MeshParseError"). */
  readonly originalName: string;

  constructor(originalName: string, message: string) {
    super(message);
    this.name = "WorkerTaskError";
    this.originalName = originalName;
  }
}

/** Number of workers to use by default: every core (the main thread mostly waits meanwhile). */
export function defaultWorkerCount(): number {
  return Math.max(1, cpus().length);
}

/** Runs tasks on the calling thread: `--workers 0`, and the reference for speed-up figures. */
export class InlineRunner<TIn, TOut> implements TaskRunner<TIn, TOut> {
  readonly size = 0;
  private readonly handler: (input: TIn) => TOut | Promise<TOut>;

  constructor(handler: (input: TIn) => TOut | Promise<TOut>) {
    this.handler = handler;
  }

  async run(input: TIn): Promise<TOut> {
    return this.handler(input);
  }

  async close(): Promise<void> {}
}

interface Job<TIn, TOut> {
  readonly id: number;
  readonly input: TIn;
  readonly transfer: readonly ArrayBuffer[];
  resolve(value: TOut): void;
  reject(error: Error): void;
}

interface Slot<TIn, TOut> {
  worker: Worker;
  job: Job<TIn, TOut> | undefined;
}

/**
 * A fixed pool of worker threads, each running the module `serveTasks` was called in. The
 * module is TypeScript: the workers start from `worker-entry.mjs`, which installs tsx's loader
 * and then imports it, so the pool works the same under tsx, vitest and the installed bin.
 * A worker that dies fails only its own task and is replaced.
 */
export class WorkerPool<TIn, TOut> implements TaskRunner<TIn, TOut> {
  readonly size: number;
  private readonly moduleUrl: string;
  private readonly slots: Slot<TIn, TOut>[] = [];
  private readonly queue: Job<TIn, TOut>[] = [];
  private nextId = 0;
  private closed = false;

  /** `module`: URL of the TypeScript module that calls `serveTasks`. */
  constructor(module: URL, size = defaultWorkerCount()) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a worker pool needs at least one worker, got ${size}`);
    this.size = size;
    this.moduleUrl = module.href;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  run(input: TIn, transfer: readonly ArrayBuffer[] = []): Promise<TOut> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise<TOut>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, transfer, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the worker pool was closed"));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot<TIn, TOut> {
    const entry = fileURLToPath(new URL("./worker-entry.mjs", import.meta.url));
    const worker = new Worker(entry, { workerData: { module: this.moduleUrl } });
    const slot: Slot<TIn, TOut> = { worker, job: undefined };
    worker.on(
      "message",
      (message: { id: number; result?: TOut; error?: { name: string; message: string } }) => {
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        slot.job = undefined;
        if (message.error) job.reject(new WorkerTaskError(message.error.name, message.error.message));
        else job.resolve(message.result as TOut);
        this.dispatch();
      },
    );
    const fail = (error: Error) => {
      const job = slot.job;
      slot.job = undefined;
      job?.reject(error);
      if (!this.closed) {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots[index] = this.spawn();
        this.dispatch();
      }
    };
    worker.on("error", (error) => fail(error));
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`a preprocessing worker exited unexpectedly (code ${code})`));
    });
    // Idle workers must not keep the process alive.
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, input: job.input }, [...job.transfer]);
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }
}

/** What a task handler returns: the result and the buffers to move (not copy) to the caller. */
export interface TaskOutput<TOut> {
  readonly result: TOut;
  readonly transfer?: readonly ArrayBuffer[];
}

/**
 * Called at the top level of a worker module: answers each task message with the handler's
 * result, or with the error's name and message (the worker keeps serving).
 */
export async function serveTasks<TIn, TOut>(
  handler: (input: TIn) => TaskOutput<TOut> | Promise<TaskOutput<TOut>>,
): Promise<void> {
  const { parentPort, isMainThread } = await import("node:worker_threads");
  if (isMainThread || !parentPort) throw new Error("serveTasks must run inside a worker thread");
  const port = parentPort;
  port.on("message", async (message: { id: number; input: TIn }) => {
    try {
      const output = await handler(message.input);
      port.postMessage({ id: message.id, result: output.result }, [...(output.transfer ?? [])]);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id: message.id, error: { name: e.name, message: e.message } });
    }
  });
}

/** URL of a module given as a path (for callers that hold file paths). */
export function moduleUrl(path: string): URL {
  return pathToFileURL(path);
}
