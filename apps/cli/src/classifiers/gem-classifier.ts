import { join } from "node:path";
import type { PreprocessedMesh } from "@gemcnn/features";
import { type InputNormalization, normalizeInput } from "@gemcnn/features";
import { MeshGeometry, type TangentFrames, withSeededMathRandom } from "@gemcnn/geometry";
import {
  applyToMeshes,
  batchMeshes,
  buildGemClassifier,
  buildMeshHierarchy,
  disposeMeshBatch,
  FusedAdamOptimizer,
  gemModelInfo,
  initBackend,
  loadModel,
  type MeshBatch,
  type MeshHierarchy,
  meshOptionsOf,
  NonFiniteInputError,
  saveModel,
} from "@gemcnn/nn";
import { ReplicaPool, ReplicaPoolError } from "@gemcnn/nn/parallel";
import * as tf from "@tensorflow/tfjs";
import { CliError, EXIT } from "../cli/errors.js";
import type { Totals } from "../training/loop.js";
import { type GemArchitecture, gemModelConfig } from "./architecture.js";
import { loadAdamState, saveAdamState } from "./optimizer-state.js";
import { stepSeed } from "./seeded-random.js";

/** Decoupled weight decay applies to weights whose name ends like this (not biases or normalisation scales). */
const DECAYED_WEIGHT = /(^|\/)kernel(_\d+)?$/;

/** What the nn and gauge packages throw for a layer or field type they refuse. */
export const ARCHITECTURE_ERRORS = [
  "GemConvError",
  "FieldLayerError",
  "NonlinearityError",
  "NormalizationError",
  "PoolingError",
  "ModelConfigError",
  "GaugeArgumentError",
  "FieldTypeParseError",
  "UnsupportedFieldTypeError",
];

/**
 * `run()` on a batch of the meshes `meshNames`, with a mesh whose network input is not finite
 * reported as the user's problem (one line naming the mesh, the vertex and the channel) rather
 * than as a bug: its features were finite when computed, but a normalised value can still leave
 * float32's range.
 */
export function reportingNonFiniteInput<T>(meshNames: readonly string[], run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof NonFiniteInputError) {
      throw new CliError(
        `${meshNames[error.meshIndex]}: the network's input is not finite: vertex ${error.vertex}, channel ${error.channel} is ${Number.isFinite(error.value) ? `${error.value}, beyond float32` : error.value} (after the input normalisation)`,
        EXIT.failure,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Meshes per batch when evaluating (inference needs no gradient memory, so larger is fine). */
const EVAL_BATCH = 32;

export interface GemCnnOptions {
  readonly input: InputNormalization;
  /** Decoupled weight decay (AdamW): after each step `w ← w − lr · weightDecay · w` for kernels. */
  readonly weightDecay: number;
  /** Seeds the initial weights (with `create`) and every step's dropout masks. */
  readonly seed: number;
  /**
   * Threads for training steps and inference (nn's `ReplicaPool`, data-parallel: the calling
   * thread and `threads − 1` workers); 1 (the default) runs everything on the calling thread.
   */
  readonly threads?: number;
}

/**
 * What the GEM-CNN models of the command line share (the classifier here, the per-vertex models of
 * `per-vertex/model.ts`): a tfjs model over a fixed list of preprocessed meshes, each mesh's
 * multiscale hierarchy built once, in the frames stored with its features (so the convolutions
 * and the features share one gauge), batches of meshes run as one block-diagonal graph; Adam plus
 * decoupled weight decay; the state (weights, normalisation statistics, optimizer moments) saved
 * and restored exactly.
 */
export abstract class GemMeshNetwork {
  readonly model: tf.LayersModel;
  protected readonly meshes: readonly PreprocessedMesh[];
  protected readonly options: GemCnnOptions;
  /** Adam with the decoupled weight decay of `options.weightDecay` on the kernels, in one loop per weight tensor. */
  protected readonly optimizer: FusedAdamOptimizer;
  private readonly hierarchies: (MeshHierarchy | undefined)[];
  private readonly inputs: (Float32Array | undefined)[];
  /** Training steps taken so far (restored with the optimizer state); seeds each step's dropout. */
  protected steps = 0;

  protected constructor(model: tf.LayersModel, meshes: readonly PreprocessedMesh[], options: GemCnnOptions) {
    this.model = model;
    this.meshes = meshes;
    this.options = options;
    this.optimizer = new FusedAdamOptimizer(1e-3);
    this.optimizer.weightDecay = options.weightDecay;
    this.optimizer.decayedVariables = new Set(this.variables().decayed.map((v) => v.name));
    this.hierarchies = new Array(meshes.length);
    this.inputs = new Array(meshes.length);
  }

  /** Number of trainable weights. */
  get parameterCount(): number {
    return this.model.countParams();
  }

  /** The multiscale hierarchy of mesh `i`, in the frames its features were computed in. */
  hierarchy(i: number): MeshHierarchy {
    let hierarchy = this.hierarchies[i];
    if (hierarchy === undefined) {
      const mesh = this.meshes[i];
      const geometry = MeshGeometry.fromData(
        { positions: mesh.positions, triangles: mesh.triangles },
        { source: mesh.name },
      );
      const frames: TangentFrames = { e1: mesh.e1, e2: mesh.e2, n: mesh.normals };
      hierarchy = buildMeshHierarchy(geometry, { ...meshOptionsOf(this.model), frames });
      this.hierarchies[i] = hierarchy;
    }
    return hierarchy;
  }

  /** The normalised input field of mesh `i`. */
  input(i: number): Float32Array {
    let input = this.inputs[i];
    if (input === undefined) {
      input = normalizeInput(this.meshes[i], this.options.input);
      this.inputs[i] = input;
    }
    return input;
  }

  protected batch(indices: readonly number[]): MeshBatch {
    return batchMeshes(indices.map((i) => this.hierarchy(i)));
  }

  /** Sets the optimizer's learning rate (and so the weight decay's factor) for the next step. */
  protected setLearningRate(learningRate: number): void {
    this.optimizer.learningRate = learningRate;
  }

  /**
   * The trainable variables, and those that weight decay shrinks (kernels, not biases or scales;
   * the optimizer applies the decay `w ← (1 − lr · weightDecay) · w` after each Adam step).
   */
  protected variables(): { variables: tf.Variable[]; decayed: tf.Variable[] } {
    const weights = this.model.trainableWeights;
    const variables = weights.map((w) => w.read() as tf.Variable);
    return { variables, decayed: variables.filter((_, k) => DECAYED_WEIGHT.test(weights[k].originalName)) };
  }

  /** Checkpoint: `model/` (tfjs layers model) and `optimizer.bin` (Adam's complete state). */
  async saveState(dir: string): Promise<void> {
    await saveModel(this.model, join(dir, "model"));
    await saveAdamState(this.optimizer, join(dir, "optimizer.bin"));
  }

  async loadState(dir: string): Promise<void> {
    const saved = await loadModel(join(dir, "model"));
    try {
      const values = saved.getWeights();
      const own = this.model.getWeights();
      if (values.length !== own.length || values.some((v, k) => v.shape.join() !== own[k].shape.join())) {
        throw new Error(`${join(dir, "model")}: its weights do not fit this model's architecture`);
      }
      this.model.setWeights(values);
    } finally {
      saved.dispose();
    }
    await loadAdamState(this.optimizer, join(dir, "optimizer.bin"), this.variables().variables);
    this.steps = this.optimizer.iterations;
  }

  /** The final model: `model.json` and `weights.bin`, loadable by nn's `loadModel` (Node or browser). */
  async exportModel(dir: string): Promise<void> {
    await saveModel(this.model, dir);
  }
}

/**
 * A GEM-CNN mesh classifier (the nn package's `buildGemClassifier`) over a fixed list of
 * preprocessed meshes (see `GemMeshNetwork`), training and inferring on worker threads when
 * `options.threads > 1`.
 */
export class GemCnnClassifier extends GemMeshNetwork {
  readonly classes: number;
  private readonly labels: readonly number[];
  private readonly evalBatches = new Map<string, MeshBatch>();
  /** The worker threads when `options.threads > 1`, started on first use. */
  private pool: Promise<ReplicaPool> | undefined;

  private constructor(
    model: tf.LayersModel,
    meshes: readonly PreprocessedMesh[],
    labels: readonly number[],
    options: GemCnnOptions,
  ) {
    super(model, meshes, options);
    this.classes = model.outputs[0].shape.at(-1) as number;
    this.labels = labels;
  }

  /** A new, randomly initialised classifier (weights seeded by `options.seed`). */
  static async create(
    architecture: GemArchitecture,
    classes: number,
    meshes: readonly PreprocessedMesh[],
    labels: readonly number[],
    options: GemCnnOptions,
  ): Promise<GemCnnClassifier> {
    await ensureBackend();
    const config = gemModelConfig(architecture, options.input, classes);
    const model = buildArchitecture(options.seed, () => buildGemClassifier(config));
    return new GemCnnClassifier(model, meshes, labels, options);
  }

  /** A classifier around a model saved with `exportModel` (a directory with `model.json`). */
  static async load(
    modelDir: string,
    meshes: readonly PreprocessedMesh[],
    labels: readonly number[],
    options: GemCnnOptions,
  ): Promise<GemCnnClassifier> {
    await ensureBackend();
    const model = await loadModel(modelDir);
    const kind = gemModelInfo(model)?.kind;
    if (kind !== "classifier") {
      model.dispose();
      throw new CliError(
        `${modelDir}: the network is a ${kind ?? "model without gemcnn metadata"}, not a classifier (gemcnn.json says "classification")`,
      );
    }
    return new GemCnnClassifier(model, meshes, labels, options);
  }

  /** Worker threads in use: `options.threads`, or 1. */
  get threads(): number {
    return this.options.threads ?? 1;
  }

  /** The data-parallel workers (when `threads > 1`), each with a replica of the model. */
  private replicas(): Promise<ReplicaPool> {
    this.pool ??= ReplicaPool.create(this.model, {
      threads: this.threads,
      sample: (i) => {
        const mesh = this.meshes[i];
        return {
          mesh: { positions: mesh.positions, triangles: mesh.triangles },
          frames: { e1: mesh.e1, e2: mesh.e2, n: mesh.normals },
          features: this.input(i),
          name: mesh.name,
        };
      },
    });
    return this.pool;
  }

  /**
   * `task` on the workers; their failures (a replica that cannot start, fails or dies) become one
   * line for the command line, naming the replica and the original error.
   */
  private async onWorkers<T>(task: (pool: ReplicaPool) => Promise<T>): Promise<T> {
    try {
      return await task(await this.replicas());
    } catch (error) {
      if (!(error instanceof ReplicaPoolError)) throw error;
      const text = error.message.split("\n")[0];
      // A mesh's own error would fail on one thread as well; a worker that stopped need not.
      const hint = /stopped|could not start/.test(text) ? "; --threads 1 runs without worker threads" : "";
      throw new CliError(`GEM-CNN worker threads (--threads ${this.threads}): ${text}${hint}`, undefined, {
        cause: error,
      });
    }
  }

  async trainBatch(indices: readonly number[], learningRate: number): Promise<Totals> {
    const labels = indices.map((i) => this.labels[i]);
    this.setLearningRate(learningRate);
    const { variables } = this.variables();
    if (this.threads > 1) {
      // The same step split over the workers: the batch's gradient (one flat vector) and
      // normalisation statistics come back, and the optimizer runs here, on the one
      // authoritative model.
      const { gradient, hasGradient, logits } = await this.onWorkers((pool) =>
        pool.classifierGradientVector(indices, labels, { seed: stepSeed(this.options.seed, this.steps) }),
      );
      this.optimizer.applyFlatGradients(variables, gradient, hasGradient);
      this.steps++;
      return totalsOf(logits, labels, this.classes);
    }
    const batch = this.batch(indices);
    const inputs = indices.map((i) => this.input(i));
    let logits: Float32Array = new Float32Array(0);
    const meshNames = indices.map((i) => this.meshes[i].name);
    try {
      reportingNonFiniteInput(meshNames, () =>
        withSeededMathRandom(stepSeed(this.options.seed, this.steps), () =>
          tf.tidy(() => {
            const targets = tf.oneHot(tf.tensor1d(labels, "int32"), this.classes);
            const { grads } = tf.variableGrads(() => {
              const output = applyToMeshes(this.model, batch, inputs, {
                training: true,
                meshNames,
              });
              logits = output.dataSync() as Float32Array;
              return tf.losses.softmaxCrossEntropy(targets, output) as tf.Scalar;
            }, variables);
            this.optimizer.applyGradients(grads);
          }),
        ),
      );
    } finally {
      // Each step's batch is a fresh composition: its kernel tables in the wasm heap are freed
      // now, since the training loop need not yield for the garbage collector to free them.
      disposeMeshBatch(batch);
    }
    this.steps++;
    return totalsOf(logits, labels, this.classes);
  }

  /** Logits `[classes]` of each mesh, in inference mode, in batches of fixed composition (cached). */
  logits(indices: readonly number[]): Float32Array[] {
    const out: Float32Array[] = [];
    for (let start = 0; start < indices.length; start += EVAL_BATCH) {
      const chunk = indices.slice(start, start + EVAL_BATCH);
      const key = chunk.join(",");
      let batch = this.evalBatches.get(key);
      if (batch === undefined) {
        batch = this.batch(chunk);
        this.evalBatches.set(key, batch);
      }
      const meshNames = chunk.map((i) => this.meshes[i].name);
      const values = reportingNonFiniteInput(meshNames, () =>
        tf.tidy(
          () =>
            applyToMeshes(
              this.model,
              batch,
              chunk.map((i) => this.input(i)),
              { meshNames },
            ).dataSync() as Float32Array,
        ),
      );
      chunk.forEach((_, k) => {
        out.push(values.slice(k * this.classes, (k + 1) * this.classes));
      });
    }
    return out;
  }

  /** `logits`, on the workers when there are several. */
  private async logitsOf(indices: readonly number[]): Promise<Float32Array[]> {
    if (this.threads === 1 || indices.length === 0) return this.logits(indices);
    const flat = await this.onWorkers((pool) => pool.logits(indices, { batchSize: EVAL_BATCH }));
    return indices.map((_, k) => flat.slice(k * this.classes, (k + 1) * this.classes));
  }

  async evaluate(indices: readonly number[]): Promise<Totals> {
    const logits = await this.logitsOf(indices);
    const flat = new Float32Array(indices.length * this.classes);
    logits.forEach((l, k) => {
      flat.set(l, k * this.classes);
    });
    return totalsOf(
      flat,
      indices.map((i) => this.labels[i]),
      this.classes,
    );
  }

  async predict(indices: readonly number[]): Promise<Float64Array[]> {
    return (await this.logitsOf(indices)).map(softmax);
  }

  /**
   * Stops the worker threads, if any, and frees the evaluation batches' kernel tables (the
   * classifier still works, on this thread or new workers, with batches made again).
   */
  async close(): Promise<void> {
    for (const batch of this.evalBatches.values()) disposeMeshBatch(batch);
    this.evalBatches.clear();
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await (await pool.catch(() => undefined))?.close();
  }
}

/**
 * `build()` with its initial weights seeded by `seed`; a layer too large or a field type the layers
 * refuse is a bad architecture (one line for the command line), not a bug.
 */
export function buildArchitecture(seed: number, build: () => tf.LayersModel): tf.LayersModel {
  try {
    return withSeededMathRandom(seed, build);
  } catch (error) {
    if (error instanceof Error && ARCHITECTURE_ERRORS.includes(error.name)) {
      throw new CliError(`the architecture cannot be built: ${error.message.split("\n")[0]}`);
    }
    throw error;
  }
}

let backendReady: Promise<unknown> | undefined;

/** Initialises the tfjs backend once (native when installed, else wasm with SIMD). */
export function ensureBackend(): Promise<unknown> {
  backendReady ??= initBackend();
  return backendReady;
}

/** Loss (softmax cross-entropy, summed in float64) and correct count of a batch of logits. */
export function totalsOf(logits: Float32Array, labels: readonly number[], classes: number): Totals {
  let loss = 0;
  let correct = 0;
  labels.forEach((label, k) => {
    const row = logits.subarray(k * classes, (k + 1) * classes);
    let max = Number.NEGATIVE_INFINITY;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      if (row[c] > max) {
        max = row[c];
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c] - max);
    loss += Math.log(sum) + max - row[label];
    if (best === label) correct++;
  });
  return { loss, correct, count: labels.length };
}

function softmax(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const z of logits) max = Math.max(max, z);
  const p = Float64Array.from(logits, (z) => Math.exp(z - max));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / sum);
}
