import type { PreprocessedMesh } from "@gemcnn/features";
import { mulberry32, withSeededMathRandom } from "@gemcnn/geometry";
import {
  applyToMeshes,
  disposeMeshBatch,
  gemModelInfo,
  loadModel,
  type MeshBatch,
  perVertexTrainStep,
  predictPerVertex,
  tensorData,
} from "@gemcnn/nn";
import type * as tf from "@tensorflow/tfjs";
import { type GemArchitecture, gemModelConfig } from "../classifiers/architecture.js";
import {
  buildArchitecture,
  ensureBackend,
  type GemCnnOptions,
  GemMeshNetwork,
  reportingNonFiniteInput,
} from "../classifiers/gem-classifier.js";
import { stepSeed } from "../classifiers/seeded-random.js";
import { CliError } from "../cli/errors.js";
import { PER_VERTEX_TASKS, type PerVertexTask } from "../tasks/tasks.js";
import type { Totals } from "../training/loop.js";

/** One mesh's per-vertex prediction: the most likely class of every vertex and its probability. */
export interface VertexPrediction {
  readonly labels: Int32Array;
  readonly probability: Float32Array;
}

/**
 * A per-vertex GEM-CNN (nn's segmenter or correspondence model, as the task says) over a fixed list
 * of preprocessed meshes with a label per vertex (−1: unlabelled, not counted). Trained with nn's
 * `perVertexTrainStep` (softmax cross-entropy over the labelled vertices of a batch; for
 * correspondence over a sample of the template's vertices when it has many), evaluated and
 * predicted one mesh at a time. Runs on the calling thread: nn's worker replicas
 * (`ReplicaPool`) compute classifier gradients only.
 */
export class GemPerVertexModel extends GemMeshNetwork {
  readonly task: PerVertexTask;
  readonly classes: number;
  private readonly labels: readonly Int32Array[];
  private readonly meshBatches = new Map<number, MeshBatch>();

  private constructor(
    task: PerVertexTask,
    model: tf.LayersModel,
    meshes: readonly PreprocessedMesh[],
    labels: readonly Int32Array[],
    options: GemCnnOptions,
  ) {
    super(model, meshes, options);
    this.task = task;
    this.classes = model.outputs[0].shape.at(-1) as number;
    this.labels = labels;
  }

  /** A new, randomly initialised model for `task` with `classes` outputs per vertex. */
  static async create(
    task: PerVertexTask,
    architecture: GemArchitecture,
    classes: number,
    meshes: readonly PreprocessedMesh[],
    labels: readonly Int32Array[],
    options: GemCnnOptions,
  ): Promise<GemPerVertexModel> {
    await ensureBackend();
    const config = { ...gemModelConfig(architecture, options.input, classes), head: [] };
    const nn = await import("@gemcnn/nn");
    const model = buildArchitecture(options.seed, () => PER_VERTEX_TASKS[task].build(nn, config));
    return new GemPerVertexModel(task, model, meshes, labels, options);
  }

  /** A model saved with `exportModel`; its kind must be the task's. */
  static async load(
    task: PerVertexTask,
    modelDir: string,
    meshes: readonly PreprocessedMesh[],
    labels: readonly Int32Array[],
    options: GemCnnOptions,
  ): Promise<GemPerVertexModel> {
    await ensureBackend();
    const model = await loadModel(modelDir);
    const kind = gemModelInfo(model)?.kind;
    const expected = PER_VERTEX_TASKS[task].networkKind;
    if (kind !== expected) {
      model.dispose();
      throw new CliError(
        `${modelDir}: the network is a ${kind ?? "model without gemcnn metadata"}, not a ${expected} (gemcnn.json says "${task}")`,
      );
    }
    return new GemPerVertexModel(task, model, meshes, labels, options);
  }

  /** Vertices of mesh `i` that have a label (count in loss and accuracy). */
  private labelledCount(i: number): number {
    let n = 0;
    for (const label of this.labels[i]) if (label >= 0) n++;
    return n;
  }

  /**
   * One step on the meshes `indices`. Its loss is the mean over their labelled vertices (for a
   * sampled softmax, an estimate over the vertices whose class was drawn), returned as a sum so
   * that batches combine; a training step computes no arg max, so `correct` is `NaN` (not
   * measured: the validation and test figures are).
   */
  async trainBatch(indices: readonly number[], learningRate: number): Promise<Totals> {
    this.setLearningRate(learningRate);
    const batch = this.batch(indices);
    const inputs = indices.map((i) => this.input(i));
    const labels = indices.map((i) => this.labels[i]);
    const meshNames = indices.map((i) => this.meshes[i].name);
    const seed = stepSeed(this.options.seed, this.steps);
    const sampledClasses = PER_VERTEX_TASKS[this.task].sampledClasses(this.classes);
    let loss: number;
    try {
      loss = reportingNonFiniteInput(meshNames, () =>
        withSeededMathRandom(seed, () =>
          perVertexTrainStep(this.model, this.optimizer, batch, inputs, labels, {
            meshNames,
            ...(sampledClasses !== undefined
              ? { sampledClasses, random: mulberry32(seed ^ 0x2545f491) }
              : {}),
          }),
        ),
      );
    } finally {
      // A fresh composition every step: its kernel tables in the wasm heap are freed now.
      disposeMeshBatch(batch);
    }
    this.steps++;
    const count = indices.reduce((sum, i) => sum + this.labelledCount(i), 0);
    return { loss: loss * count, correct: Number.NaN, count };
  }

  private meshBatch(i: number): MeshBatch {
    let batch = this.meshBatches.get(i);
    if (batch === undefined) {
      batch = this.batch([i]);
      this.meshBatches.set(i, batch);
    }
    return batch;
  }

  /** The logits `[vertices × classes]` of mesh `i`, in inference mode. */
  logits(i: number): Float32Array {
    const batch = this.meshBatch(i);
    return reportingNonFiniteInput(
      [this.meshes[i].name],
      // Not tidy(() => ….dataSync()): tidy would walk the [vertices × classes] array value by value.
      () =>
        tensorData(() =>
          applyToMeshes(this.model, batch, [this.input(i)], { meshNames: [this.meshes[i].name] }),
        ) as Float32Array,
    );
  }

  /** Softmax cross-entropy (float64 sums) and correct count over the labelled vertices of `indices`. */
  async evaluate(indices: readonly number[]): Promise<Totals> {
    let loss = 0;
    let correct = 0;
    let count = 0;
    const classes = this.classes;
    for (const i of indices) {
      const logits = this.logits(i);
      const labels = this.labels[i];
      for (let v = 0; v < labels.length; v++) {
        const label = labels[v];
        if (label < 0) continue;
        const row = logits.subarray(v * classes, (v + 1) * classes);
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
        count++;
      }
    }
    return { loss, correct, count };
  }

  /** The most likely class of every vertex of each mesh (logits in row chunks: see nn's `predictPerVertex`). */
  async predict(indices: readonly number[]): Promise<VertexPrediction[]> {
    return indices.map((i) => {
      const name = this.meshes[i].name;
      const { labels, probability } = reportingNonFiniteInput([name], () =>
        predictPerVertex(this.model, this.meshBatch(i), [this.input(i)], { meshNames: [name] }),
      );
      return { labels: labels[0], probability: probability[0] };
    });
  }

  /** Nothing to stop: the model runs on this thread. */
  async close(): Promise<void> {}
}
