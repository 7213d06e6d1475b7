import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, backendReport } from "../backend.js";
import { gemModelInfo, ModelConfigError } from "../models/builders.js";
import {
  abortCollective,
  CollectiveAbortedError,
  createCollectiveBuffer,
  resetCollective,
} from "./collective.js";
import type { FromReplica, ToReplica } from "./messages.js";
import {
  checkSplittable,
  type ReplicaSample,
  type ReplicaStepTimings,
  readWeights,
  type WeightLayout,
  weightLayout,
  writeWeights,
} from "./replica.js";
import { splitEvenly } from "./split.js";

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
  /** Worker threads, each with a replica (default: every core, `os.availableParallelism()`). */
  readonly threads?: number;
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
}

/**
 * Data-parallel training and inference of a gemcnn classifier over worker threads. Each worker
 * holds a replica of the model on its own tfjs backend (the wasm backend runs one thread per
 * worker, so `threads` workers use `threads` cores). A training step cuts the batch into
 * consecutive runs of meshes, one per worker; each computes the gradient of its meshes' losses,
 * with `FieldNormalization` statistics combined over all workers as one batch (shared memory, see
 * `BatchShare`) and dropout masks drawn for the whole batch; the gradients are added in worker
 * order in float64. The model stays on the calling thread: every call first copies its current
 * weights to the workers, and a training step copies the normalisation statistics back, so the
 * caller's optimizer, checkpoints and resumes work as in a single-threaded loop.
 *
 * Same seed and thread count give the same results bit for bit; other thread counts agree with a
 * single-threaded step up to float32 rounding (the sums run in another order).
 */
export class ReplicaPool {
  readonly threads: number;
  readonly model: tf.LayersModel;
  private readonly layout: WeightLayout;
  private readonly slots: Slot[];
  private readonly sample: (index: number) => ReplicaSample;
  private readonly weights: Float32Array;
  private readonly gradients: Float32Array;
  private readonly collective: SharedArrayBuffer;
  private readonly capacity: number;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private failure: ReplicaPoolError | undefined;
  private closed = false;

  private constructor(model: tf.LayersModel, options: ReplicaPoolOptions, threads: number) {
    this.model = model;
    this.threads = threads;
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
    this.slots = Array.from({ length: threads }, (_, rank) => {
      const worker = new Worker(entry, { workerData: { module: module.href } });
      const slot: Slot = { worker, sent: new Set(), job: undefined };
      worker.on("message", (message: FromReplica) => {
        const job = slot.job;
        slot.job = undefined;
        // An idle worker must not keep the process alive (a caller that never closes still exits).
        worker.unref();
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
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const { modelTopology, weightSpecs, weightData, userDefinedMetadata } = artifacts!;
    const pool = new ReplicaPool(model, options, threads);
    const backend = options.backend ?? backendReport()?.backend ?? "auto";
    try {
      await Promise.all(
        pool.slots.map((slot, rank) =>
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
            rank,
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
      const messages = parts.map(
        (part, rank): ToReplica => ({
          type: "train",
          id: this.nextId,
          samples: this.unsent(this.slots[rank], part),
          indices: part,
          labels: labelParts[rank],
          batchSize: indices.length,
          replicas: parts.length,
          seed,
        }),
      );
      this.nextId++;
      const start = performance.now();
      this.publishWeights();
      resetCollective(this.collective);
      const sent = performance.now();
      const replies = await this.all(messages.map((message, rank) => this.send(this.slots[rank], message)));
      const received = performance.now();
      const trained = replies as Extract<FromReplica, { type: "trained" }>[];
      const first = trained[0];
      writeWeights(
        this.model.nonTrainableWeights,
        this.layout.nonTrainable,
        first.nonTrainable!,
        this.layout.trainableSize,
      );
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
      const messages = parts.map(
        (part, rank): ToReplica => ({
          type: "infer",
          id: this.nextId,
          samples: this.unsent(this.slots[rank], part),
          chunks: splitEvenly(part, Math.ceil(part.length / batchSize)),
        }),
      );
      this.nextId++;
      this.publishWeights();
      const replies = await this.all(messages.map((message, rank) => this.send(this.slots[rank], message)));
      const out = new Float32Array(indices.length * classes);
      let at = 0;
      for (const reply of replies as Extract<FromReplica, { type: "inferred" }>[]) {
        out.set(reply.logits, at);
        at += reply.logits.length;
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
  private unsent(slot: Slot, indices: readonly number[]): [number, ReplicaSample][] {
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
