import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, backendReport } from "../backend.js";
import { gemModelInfo, ModelConfigError } from "../models/builders.js";
import {
  abortCollective,
  Collective,
  CollectiveAbortedError,
  createCollectiveBuffer,
  resetCollective,
} from "./collective.js";
import type { FromReplica, ToReplica } from "./messages.js";
import {
  between,
  checkSplittable,
  Replica,
  type ReplicaSample,
  type ReplicaStepTimings,
  readWeights,
  type WeightLayout,
  weightLayout,
  writeWeights,
} from "./replica.js";
import { splitEvenly } from "./split.js";
import { isThreadRunning, type OsThread, osThread, stamp } from "./thread-cpu.js";

/** A replica pool failed: a worker could not start, a step failed in a worker, or a worker died. */
export class ReplicaPoolError extends Error {
  override name = "ReplicaPoolError";
  /** The worker the error came from, when one did. */
  readonly rank: number | undefined;
  /** Name of the error class thrown in the worker (e.g. `"MeshError"`). */
  readonly originalName: string | undefined;

  constructor(message: string, rank?: number, originalName?: string) {
    super(message);
    this.rank = rank;
    this.originalName = originalName;
  }
}

export interface ReplicaPoolOptions {
  /**
   * Threads that compute a share of each batch (default: every core, `os.availableParallelism()`):
   * the calling thread and `threads − 1` workers, or `threads` workers (see `callerShare`).
   */
  readonly threads?: number;
  /**
   * Whether the calling thread computes the first share of every batch itself, on the pool's
   * model, beside `threads − 1` workers (default: true where it can tell synchronously that a
   * worker died while it waits for it, i.e. on Linux; elsewhere false). With it, `threads` cores
   * run `threads` tfjs instances, not `threads + 1`, and one share needs no messages or weight
   * copies. False: `threads` workers compute every share, and the calling thread only waits
   * for them. Both give the same results bit for bit for the same `threads`.
   */
  readonly callerShare?: boolean;
  /**
   * The mesh with index `i` (asked once per worker, when a batch first includes it; the arrays
   * are copied to the worker). Indices are the caller's: any non-negative integers.
   */
  readonly sample: (index: number) => ReplicaSample;
  /** The workers' tfjs backend (default: the one `initBackend` chose on this thread, else auto). */
  readonly backend?: BackendName | "auto";
  /**
   * Whether the workers' step timings (`PoolStepTimings.replicas`) include their threads' CPU
   * time (Linux only; a few file reads per step). Default false: wall clock only.
   */
  readonly profile?: boolean;
}

/** One data-parallel training step's result, ready for `optimizer.applyGradients`. */
export interface PoolGradients {
  /**
   * Gradient of the batch's mean softmax cross-entropy for every trainable weight that the loss
   * reaches, keyed by the variable names of the pool's model (as `tf.variableGrads` keys them).
   * The caller disposes them.
   */
  readonly gradients: tf.NamedTensorMap;
  /** Logits of the batch's meshes, `[meshes × classes]` row-major, in batch order. */
  readonly logits: Float32Array;
  /** The batch's mean loss. */
  readonly loss: number;
}

/**
 * One data-parallel training step's gradient as one flat vector, for an optimizer that takes it
 * so (`FusedAdamOptimizer.applyFlatGradients`), without a tensor per weight.
 */
export interface PoolGradientVector {
  /**
   * Gradient of the batch's mean softmax cross-entropy, the pool model's `trainableWeights` one
   * after another in that order (zeros where the loss does not reach); a new array per call.
   */
  readonly gradient: Float32Array;
  /** Per trainable weight: whether the loss reaches it (`applyGradients` would not name the others). */
  readonly hasGradient: readonly boolean[];
  /** Logits of the batch's meshes, `[meshes × classes]` row-major, in batch order. */
  readonly logits: Float32Array;
  /** The batch's mean loss. */
  readonly loss: number;
  /** Where the step's time went (for benchmarks). */
  readonly timings: PoolStepTimings;
}

/** Wall-clock ms of one data-parallel step in the calling thread, and each worker's. */
export interface PoolStepTimings {
  /** The model's weights copied into shared memory for the workers. */
  readonly weightsOut: number;
  /** From the first message sent to the last reply received. */
  readonly workers: number;
  /** The workers' gradients added up and the normalisation statistics written back. */
  readonly gradientSum: number;
  /** Each worker's own account, in rank order. */
  readonly replicas: readonly ReplicaStepTimings[];
}

/**
 * The sum of the first `parts` consecutive vectors of `size` numbers in `vectors`, added in
 * order in float64 and rounded once to float32. A function of its own, with everything in
 * locals: inside the pool's async step the same loop took about 5× longer (CPU profile).
 */
function sumOfParts(vectors: Float32Array, size: number, parts: number): Float32Array {
  const sum = new Float32Array(size);
  for (let e = 0; e < size; e++) {
    let total = vectors[e];
    for (let r = 1; r < parts; r++) total += vectors[r * size + e];
    sum[e] = total;
  }
  return sum;
}

interface Job {
  resolve(message: FromReplica): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  /** Samples this worker has been sent. */
  readonly sent: Set<number>;
  job: Job | undefined;
  /** The worker's operating-system thread, once it is ready (Linux). */
  thread: OsThread | undefined;
}

/** The calling thread's own share: a replica on the pool's model itself. */
interface LocalShare {
  readonly replica: Replica;
  /** Samples added to it (marked when taken, since nothing is posted). */
  readonly sent: Set<number>;
}

/** An error of the calling thread's share, named like a worker's (`replica 0: MeshError: …`). */
function ownShareError(error: Error): ReplicaPoolError {
  return new ReplicaPoolError(`replica 0: ${error.name}: ${error.message}`, 0, error.name);
}

/**
 * Data-parallel training and inference of a gemcnn classifier over threads. Each worker holds a
 * replica of the model on its own tfjs backend (the wasm backend runs one thread per worker), and
 * the calling thread computes the first share itself on the model (`callerShare`), so `threads`
 * shares use `threads` cores. A training step cuts the batch into consecutive runs of meshes, one
 * per share (rank 0 first); each computes the gradient of its meshes' losses, with
 * `FieldNormalization` statistics combined over all shares as one batch (shared memory, see
 * `BatchShare`) and dropout masks drawn for the whole batch; the gradients are added in rank order
 * in float64. The model stays on the calling thread: every call first copies its current weights
 * to the workers, and a training step leaves rank 0's normalisation statistics in it, so the
 * caller's optimizer, checkpoints and resumes work as in a single-threaded loop.
 *
 * Same seed and thread count give the same results bit for bit; other thread counts agree with a
 * single-threaded step up to float32 rounding (the sums run in another order).
 */
export class ReplicaPool {
  readonly threads: number;
  readonly model: tf.LayersModel;
  private readonly layout: WeightLayout;
  /** The workers, ranks `rankOffset …` in order. */
  private readonly slots: Slot[];
  /** The calling thread's share (rank 0), when it computes one. */
  private readonly local: LocalShare | undefined;
  /** Rank of the first worker: 1 when the calling thread computes rank 0, else 0. */
  private readonly rankOffset: number;
  private readonly sample: (index: number) => ReplicaSample;
  private readonly weights: Float32Array;
  private readonly gradients: Float32Array;
  private readonly collective: SharedArrayBuffer;
  private readonly capacity: number;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private failure: ReplicaPoolError | undefined;
  private closed = false;

  private constructor(
    model: tf.LayersModel,
    options: ReplicaPoolOptions,
    threads: number,
    callerShare: boolean,
  ) {
    this.model = model;
    this.threads = threads;
    this.local = callerShare
      ? { replica: new Replica(model, { profile: options.profile }), sent: new Set() }
      : undefined;
    this.rankOffset = callerShare ? 1 : 0;
    this.sample = options.sample;
    this.layout = weightLayout(model);
    this.weights = new Float32Array(new SharedArrayBuffer(4 * this.layout.size));
    this.gradients = new Float32Array(new SharedArrayBuffer(4 * threads * this.layout.trainableSize));
    // A collective carries one vector per FieldNormalization (its copies plus a count) or the row
    // counts of the levels; the non-trainable weights (two numbers per copy) bound the former.
    this.capacity = 64 + (this.layout.size - this.layout.trainableSize);
    this.collective = createCollectiveBuffer(threads, this.capacity);
    const entry = fileURLToPath(new URL("./replica-worker-entry.mjs", import.meta.url));
    const module = new URL(
      `./replica-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
      import.meta.url,
    );
    this.slots = Array.from({ length: threads - this.rankOffset }, (_, k) => {
      const rank = k + this.rankOffset;
      const worker = new Worker(entry, { workerData: { module: module.href } });
      const slot: Slot = { worker, sent: new Set(), job: undefined, thread: undefined };
      worker.on("message", (message: FromReplica) => {
        const job = slot.job;
        slot.job = undefined;
        // An idle worker must not keep the process alive (a caller that never closes still exits).
        worker.unref();
        if (message.type === "ready") slot.thread = message.thread;
        if (job === undefined) return;
        if (message.type === "failed") {
          const { name, message: text } = message.error;
          const error =
            name === CollectiveAbortedError.name
              ? new CollectiveAbortedError(text)
              : new ReplicaPoolError(`replica ${rank}: ${name}: ${text}`, rank, name);
          job.reject(error);
        } else {
          job.resolve(message);
        }
      });
      const die = (error: Error) => {
        if (this.closed) return;
        this.failure ??= new ReplicaPoolError(`replica ${rank} stopped: ${error.message}`, rank, error.name);
        abortCollective(this.collective, -1);
        const job = slot.job;
        slot.job = undefined;
        job?.reject(this.failure);
      };
      worker.on("error", die);
      worker.on("exit", (code) => die(new Error(`its worker thread exited (code ${code})`)));
      worker.unref();
      return slot;
    });
  }

  /**
   * Starts `threads` workers with replicas of `model` (a gemcnn classifier, see
   * `buildGemClassifier`) and waits until they are ready.
   */
  static async create(model: tf.LayersModel, options: ReplicaPoolOptions): Promise<ReplicaPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
      throw new RangeError(`ReplicaPool: threads must be an integer from 1 to 256, got ${threads}`);
    }
    if (typeof options.sample !== "function") {
      throw new TypeError("ReplicaPool: options.sample must be a function from a sample index to its mesh");
    }
    const info = gemModelInfo(model);
    if (info?.kind !== "classifier") {
      throw new ModelConfigError(
        `ReplicaPool: model "${model.name}" is not a gemcnn classifier (build it with buildGemClassifier)`,
      );
    }
    checkSplittable(model);
    const callerShare = options.callerShare ?? osThread() !== undefined;
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const { modelTopology, weightSpecs, weightData, userDefinedMetadata } = artifacts!;
    const pool = new ReplicaPool(model, options, threads, callerShare);
    const backend = options.backend ?? backendReport()?.backend ?? "auto";
    try {
      await Promise.all(
        pool.slots.map((slot, k) =>
          pool.send(slot, {
            type: "init",
            artifacts: {
              modelTopology,
              weightSpecs,
              weightData: Array.isArray(weightData)
                ? tf.io.concatenateArrayBuffers(weightData)
                : (weightData ?? new ArrayBuffer(0)),
              userDefinedMetadata,
            },
            backend,
            layout: pool.layout,
            rank: k + pool.rankOffset,
            maxReplicas: threads,
            capacity: pool.capacity,
            weights: pool.weights.buffer as SharedArrayBuffer,
            gradients: pool.gradients.buffer as SharedArrayBuffer,
            collective: pool.collective,
            profile: options.profile ?? false,
          }),
        ),
      );
    } catch (error) {
      await pool.close();
      throw error instanceof ReplicaPoolError
        ? new ReplicaPoolError(`a replica could not start: ${error.message}`, error.rank, error.originalName)
        : error;
    }
    return pool;
  }

  /**
   * Gradients of the mean softmax cross-entropy of the meshes `indices` (classes `labels`) as one
   * batch, split over `min(threads, indices.length)` workers. Dropout draws its seeds from a
   * generator seeded by `options.seed` (default: one drawn from `Math.random`), as in a
   * single-threaded step run with `Math.random` seeded alike. Afterwards the pool's model holds the
   * updated normalisation statistics; applying the gradients is the caller's.
   */
  classifierGradients(
    indices: readonly number[],
    labels: readonly number[],
    options: { seed?: number } = {},
  ): Promise<PoolGradients> {
    return this.gradientStep(indices, labels, options, ({ gradient, hasGradient, logits, loss }) => {
      const gradients: tf.NamedTensorMap = {};
      this.model.trainableWeights.forEach((w, k) => {
        if (!hasGradient[k]) return;
        const slot = this.layout.trainable[k];
        gradients[(w.read() as tf.Variable).name] = tf.tensor(
          gradient.subarray(slot.offset, slot.offset + slot.size),
          slot.shape as number[],
        );
      });
      return { gradients, logits, loss };
    });
  }

  /** `classifierGradients` with the gradient as one flat vector (see `PoolGradientVector`). */
  classifierGradientVector(
    indices: readonly number[],
    labels: readonly number[],
    options: { seed?: number } = {},
  ): Promise<PoolGradientVector> {
    return this.gradientStep(indices, labels, options, (vector) => vector);
  }

  /**
   * The step of `classifierGradients`, its result passed through `finish` inside the serialised
   * call (so that the returned promise is the one the queue already handles: a call failing
   * while its caller is still busy elsewhere is not an unhandled rejection).
   */
  private gradientStep<T>(
    indices: readonly number[],
    labels: readonly number[],
    options: { seed?: number },
    finish: (vector: PoolGradientVector) => T,
  ): Promise<T> {
    if (indices.length === 0)
      return Promise.reject(new RangeError("classifierGradients: the batch is empty"));
    if (labels.length !== indices.length) {
      return Promise.reject(
        new RangeError(
          `classifierGradients: ${labels.length} labels for a batch of ${indices.length} meshes`,
        ),
      );
    }
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    return this.serialise(async () => {
      const parts = splitEvenly(indices, Math.min(this.threads, indices.length));
      const labelParts = splitEvenly(labels, parts.length);
      // Every message is made before any is sent: a sample that fails here (the caller's
      // `sample` throws) must not leave a worker waiting in the step for one that never starts.
      const ownSamples = this.local === undefined ? [] : this.unsent(this.local, parts[0]);
      const messages = parts.slice(this.rankOffset).map(
        (part, k): ToReplica => ({
          type: "train",
          id: this.nextId,
          samples: this.unsent(this.slots[k], part),
          indices: part,
          labels: labelParts[k + this.rankOffset],
          batchSize: indices.length,
          replicas: parts.length,
          seed,
        }),
      );
      this.nextId++;
      const start = performance.now();
      // Also the statistics as they were, to restore should the step fail after rank 0 moved them.
      this.publishWeights();
      resetCollective(this.collective);
      const sent = performance.now();
      const replies = this.all(messages.map((message, k) => this.send(this.slots[k], message)));
      let own: Extract<FromReplica, { type: "trained" }> | undefined;
      let ownError: Error | undefined;
      if (this.local !== undefined) {
        for (const [index, sample] of ownSamples) {
          this.local.replica.addSample(index, sample);
          this.local.sent.add(index);
        }
        try {
          own = this.trainOwnShare(parts[0], labelParts[0], indices.length, parts.length, seed);
        } catch (error) {
          ownError = error as Error;
          abortCollective(this.collective, 1);
        }
      }
      let trained: Extract<FromReplica, { type: "trained" }>[];
      try {
        trained = (await replies) as Extract<FromReplica, { type: "trained" }>[];
        if (ownError !== undefined) throw ownError;
      } catch (error) {
        if (this.local !== undefined) this.restoreStatistics();
        throw ownError !== undefined && !(ownError instanceof CollectiveAbortedError)
          ? ownShareError(ownError)
          : error;
      }
      if (own !== undefined) trained.unshift(own);
      const received = performance.now();
      const first = trained[0];
      // Rank 0's statistics: in the model already when this thread computed that share.
      if (this.local === undefined) {
        writeWeights(
          this.model.nonTrainableWeights,
          this.layout.nonTrainable,
          first.nonTrainable!,
          this.layout.trainableSize,
        );
      }
      const sum = sumOfParts(this.gradients, this.layout.trainableSize, trained.length);
      const timings: PoolStepTimings = {
        weightsOut: sent - start,
        workers: received - sent,
        gradientSum: performance.now() - received,
        replicas: trained.map((t) => t.timings),
      };
      const logits = new Float32Array(trained.reduce((n, t) => n + t.logits.length, 0));
      let at = 0;
      for (const t of trained) {
        logits.set(t.logits, at);
        at += t.logits.length;
      }
      return finish({
        gradient: sum,
        hasGradient: first.hasGradient,
        logits,
        loss: trained.reduce((s, t) => s + t.loss, 0),
        timings,
      });
    });
  }

  /**
   * Rank 0's share of a training step, computed on this thread on the pool's model (its weights
   * are the step's; its normalisation statistics move as a worker's rank 0 would move them).
   * While it waits for the workers at an all-reduce it checks every 50 ms that their threads
   * still run: a worker that dies cannot arrive, and this thread's event loop, which would
   * report its exit, is blocked.
   */
  private trainOwnShare(
    indices: readonly number[],
    labels: readonly number[],
    batchSize: number,
    replicas: number,
    seed: number,
  ): Extract<FromReplica, { type: "trained" }> {
    const { replica } = this.local!;
    const start = stamp(replica.profile);
    const collective = new Collective(this.collective, this.threads, this.capacity, 0, replicas, () =>
      this.assertWorkersRunning(),
    );
    const result = replica.classifierGradients(
      indices,
      labels,
      batchSize,
      seed,
      collective,
      this.gradients.subarray(0, this.layout.trainableSize),
    );
    const end = stamp(replica.profile);
    return {
      type: "trained",
      id: this.nextId - 1,
      ...result,
      timings: {
        phases: { ...result.timings, weightsIn: between(start, start), total: between(start, end) },
        collectiveWait: collective.waitMs,
      },
    };
  }

  /** Throws, stopping the step for all, when a worker's thread has ended (see `trainOwnShare`). */
  private assertWorkersRunning(): void {
    this.slots.forEach((slot, k) => {
      if (slot.thread !== undefined && !isThreadRunning(slot.thread)) {
        abortCollective(this.collective, -1);
        // The worker's `exit` event, once this thread's event loop runs again, fails its job
        // (and the pool) with the exit code; this only ends the wait.
        throw new CollectiveAbortedError(`replica ${k + this.rankOffset}'s worker thread has stopped`);
      }
    });
  }

  /** Puts back the normalisation statistics as `publishWeights` copied them before the step. */
  private restoreStatistics(): void {
    writeWeights(this.model.nonTrainableWeights, this.layout.nonTrainable, this.weights);
  }

  /**
   * Inference logits of the meshes `indices`, `[meshes × classes]` row-major: the list is split
   * evenly over the workers, each running its part in batches of at most `batchSize` meshes
   * (cached per composition, so repeated evaluations of one list reuse them).
   */
  logits(indices: readonly number[], options: { batchSize?: number } = {}): Promise<Float32Array> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      return Promise.reject(new RangeError(`logits: batchSize must be a positive integer, got ${batchSize}`));
    }
    const classes = this.model.outputs[0].shape.at(-1) as number;
    if (indices.length === 0) return Promise.resolve(new Float32Array(0));
    return this.serialise(async () => {
      const parts = splitEvenly(indices, Math.min(this.threads, indices.length));
      const chunksOf = (part: readonly number[]) => splitEvenly(part, Math.ceil(part.length / batchSize));
      const ownSamples = this.local === undefined ? [] : this.unsent(this.local, parts[0]);
      const messages = parts.slice(this.rankOffset).map(
        (part, k): ToReplica => ({
          type: "infer",
          id: this.nextId,
          samples: this.unsent(this.slots[k], part),
          chunks: chunksOf(part),
        }),
      );
      this.nextId++;
      if (this.slots.length > 0) this.publishWeights();
      const replies = this.all(messages.map((message, k) => this.send(this.slots[k], message)));
      const values: Float32Array[] = [];
      if (this.local !== undefined) {
        for (const [index, sample] of ownSamples) {
          this.local.replica.addSample(index, sample);
          this.local.sent.add(index);
        }
        try {
          values.push(this.local.replica.logits(chunksOf(parts[0])));
        } catch (error) {
          await replies.catch(() => {});
          throw ownShareError(error as Error);
        }
      }
      for (const reply of (await replies) as Extract<FromReplica, { type: "inferred" }>[]) {
        values.push(reply.logits);
      }
      const out = new Float32Array(indices.length * classes);
      let at = 0;
      for (const v of values) {
        out.set(v, at);
        at += v.length;
      }
      return out;
    });
  }

  /** Stops the workers (pending calls fail). Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    abortCollective(this.collective, -1);
    for (const slot of this.slots) {
      slot.job?.reject(new ReplicaPoolError("the replica pool was closed"));
      slot.job = undefined;
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** Runs `task` after every earlier call has finished (the shared buffers serve one call at a time). */
  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new ReplicaPoolError("the replica pool is closed");
      if (this.failure !== undefined) throw this.failure;
      return task();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private publishWeights(): void {
    readWeights(this.model, this.layout, this.weights);
  }

  /**
   * The samples of `indices` that `slot`'s worker has not been sent yet (`send` marks them sent
   * once they are posted). An error of the caller's `sample` is thrown as it is.
   */
  private unsent(
    slot: { readonly sent: Set<number> },
    indices: readonly number[],
  ): [number, ReplicaSample][] {
    const out: [number, ReplicaSample][] = [];
    const taken = new Set<number>();
    for (const index of indices) {
      if (slot.sent.has(index) || taken.has(index)) continue;
      taken.add(index);
      out.push([index, this.sample(index)]);
    }
    return out;
  }

  private send(slot: Slot, message: ToReplica): Promise<FromReplica> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<FromReplica>((resolve, reject) => {
      try {
        slot.worker.postMessage(message);
      } catch (error) {
        // E.g. a sample that cannot be copied to a worker (a DataCloneError).
        reject(new ReplicaPoolError(`cannot send work to a replica: ${(error as Error).message}`));
        return;
      }
      if (message.type !== "init") for (const [index] of message.samples) slot.sent.add(index);
      slot.job = { resolve, reject };
      slot.worker.ref();
    });
  }

  /**
   * Waits for every worker's reply. When one fails, the step is aborted for the others (they stop
   * at their next collective) and the first real error is thrown, not the others' aborts.
   */
  private async all(replies: Promise<FromReplica>[]): Promise<FromReplica[]> {
    const settled = await Promise.allSettled(
      replies.map((p) =>
        p.catch((error: Error) => {
          abortCollective(this.collective, -1);
          throw error;
        }),
      ),
    );
    const errors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as Error] : []));
    if (errors.length > 0) throw errors.find((e) => !(e instanceof CollectiveAbortedError)) ?? errors[0];
    return settled.map((s) => (s as PromiseFulfilledResult<FromReplica>).value);
  }
}
