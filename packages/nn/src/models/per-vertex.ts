import { mulberry32 } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { gatherRows } from "../kernels/rows.js";
import type { MeshBatch } from "../multiscale/batch.js";
import { gemModelInfo, ModelConfigError } from "./builders.js";
import { EMBEDDING_LAYER, LOGITS_LAYER } from "./correspondence.js";
import { applyToMeshes, type FeatureArray } from "./run.js";

/** Per-vertex values of a batch: one array over all its vertices (mesh 0 first), or one per mesh. */
export type PerVertexValues = ArrayLike<number> | readonly ArrayLike<number>[];

export interface PerVertexTrainOptions {
  /**
   * Which vertices count (non-zero) and which are unlabelled (0), in the layout of the labels.
   * Default: every vertex whose label is not negative, so that −1 (as `faceLabelsToVertexLabels`
   * gives an unreferenced vertex) means unlabelled.
   */
  readonly mask?: PerVertexValues;
  /** A weight per class (non-negative), multiplying each vertex's loss by its true class's weight; default 1. */
  readonly classWeights?: ArrayLike<number>;
  /**
   * Softmax over this many classes drawn uniformly without replacement each step instead of over
   * all of them (for a correspondence model, `buildGemCorrespondence`, whose dense head makes the
   * sample cheap): only vertices whose true class was drawn count, each against the other drawn
   * classes, whose logits get `log((C − 1)/(K − 1))` added so that the sampled denominator
   * estimates the full one without bias. Ignored when at least the number of classes.
   */
  readonly sampledClasses?: number;
  /** Uniform numbers in [0, 1) for the class sample (default: one seeded stream for the process). */
  readonly random?: () => number;
  /** A name per mesh of the batch (a file path, say), used in errors about its input (see `applyToMeshes`). */
  readonly meshNames?: readonly string[];
}

/** The class sample's default stream: seeded, so that a process's runs repeat. */
const defaultRandom = mulberry32(0x5eed);

function flatten(values: PerVertexValues, batch: MeshBatch, what: string): Float64Array {
  const offsets = batch.levels[0].meshOffsets;
  const n = offsets[batch.size];
  const out = new Float64Array(n);
  const perMesh = Array.isArray(values) && values.length > 0 && typeof values[0] !== "number";
  if (perMesh) {
    const arrays = values as readonly ArrayLike<number>[];
    if (arrays.length !== batch.size) {
      throw new ModelConfigError(`${what}: ${arrays.length} arrays for a batch of ${batch.size} meshes`);
    }
    arrays.forEach((a, i) => {
      const rows = offsets[i + 1] - offsets[i];
      if (a.length !== rows) {
        throw new ModelConfigError(`${what}: mesh ${i} has ${rows} vertices but ${a.length} values`);
      }
      for (let v = 0; v < rows; v++) out[offsets[i] + v] = Number(a[v]);
    });
  } else {
    const a = values as ArrayLike<number>;
    if (a.length !== n) {
      throw new ModelConfigError(`${what}: ${a.length} values for a batch of ${n} vertices`);
    }
    for (let v = 0; v < n; v++) out[v] = Number(a[v]);
  }
  return out;
}

/** Number of classes of a per-vertex model (its output width); throws for a classifier. */
function perVertexClasses(model: tf.LayersModel, caller: string): number {
  if (gemModelInfo(model)?.kind === "classifier") {
    throw new ModelConfigError(
      `${caller}: model "${model.name}" is a classifier (one output per mesh); use a segmenter or correspondence model`,
    );
  }
  return model.outputs[0].shape.at(-1) as number;
}

/** The rows that count, their targets and weights, checked. */
function labelledRows(
  caller: string,
  classes: number,
  batch: MeshBatch,
  labels: PerVertexValues,
  options: PerVertexTrainOptions,
): { rows: number[]; targets: number[]; weights: number[] } {
  const y = flatten(labels, batch, `${caller} (labels)`);
  const mask = options.mask === undefined ? null : flatten(options.mask, batch, `${caller} (mask)`);
  const classWeights = options.classWeights;
  if (classWeights !== undefined) {
    if (classWeights.length !== classes) {
      throw new ModelConfigError(
        `${caller}: ${classWeights.length} class weights for a model of ${classes} classes`,
      );
    }
    for (let c = 0; c < classes; c++) {
      if (!(classWeights[c] >= 0 && Number.isFinite(classWeights[c]))) {
        throw new ModelConfigError(
          `${caller}: class weight ${c} is ${classWeights[c]}, not a finite number ≥ 0`,
        );
      }
    }
  }
  const rows: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  for (let v = 0; v < y.length; v++) {
    const counts = mask === null ? y[v] >= 0 : mask[v] !== 0;
    if (!counts) continue;
    const label = y[v];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new ModelConfigError(
        `${caller}: vertex ${v} of the batch has label ${label}, not a class from 0 to ${classes - 1}${mask === null ? "" : " (the mask counts it)"}`,
      );
    }
    const weight = classWeights === undefined ? 1 : classWeights[label];
    if (weight === 0) continue;
    rows.push(v);
    targets.push(label);
    weights.push(weight);
  }
  if (rows.length === 0) {
    throw new ModelConfigError(`${caller}: no vertex of the batch is labelled (or every weight is 0)`);
  }
  return { rows, targets, weights };
}

/** The dense head of a correspondence model and the sub-model giving its input, or `null`. */
interface DenseHead {
  readonly embedding: tf.LayersModel;
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;
}

const heads = new WeakMap<tf.LayersModel, DenseHead | null>();

function denseHead(model: tf.LayersModel): DenseHead | null {
  if (heads.has(model)) return heads.get(model)!;
  let head: DenseHead | null = null;
  const layer = model.layers.find((l) => l.name === LOGITS_LAYER);
  const config = layer?.getConfig();
  if (
    layer !== undefined &&
    layer.getClassName() === "Dense" &&
    (config?.activation ?? "linear") === "linear" &&
    model.outputs[0] === layer.output
  ) {
    const [kernel, bias] = [
      layer.weights.find((w) => /kernel/.test(w.name)),
      layer.weights.find((w) => /bias/.test(w.name)),
    ];
    if (kernel !== undefined) {
      head = {
        embedding: tf.model({
          inputs: model.inputs,
          outputs: layer.input as tf.SymbolicTensor,
          name: `${model.name}_${EMBEDDING_LAYER}`,
        }),
        kernel,
        bias: bias ?? null,
      };
    }
  }
  heads.set(model, head);
  return head;
}

/**
 * `e · t` (`e`: `[rows × D]`, `t`: `[D × K]`) with gradients that avoid the wasm backend's slow
 * matMul with `transposeA`/`transposeB` set (3–10× slower than transposing first; see conv.ts):
 * `de = dy · tᵀ` and `dt = (dyᵀ · e)ᵀ`, with explicit transposes, so that the second operand,
 * which the wasm matMul packs anew each time, is the small one (`[K × D]`, `[rows × D]`): with
 * `dt = eᵀ · dy` the `[rows × K]` gradient was packed, 4× slower at K = 2,048.
 */
const headMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [e, t, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([e, t]);
  return {
    value: tf.matMul(e, t),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [se, st] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(st)), tf.transpose(tf.matMul(tf.transpose(dy2), se))];
    },
  };
}) as (e: tf.Tensor2D, t: tf.Tensor2D) => tf.Tensor2D;

/** `k` distinct classes of `0 … classes − 1`, uniformly (a partial Fisher-Yates shuffle). */
function sampleClasses(classes: number, k: number, random: () => number): Int32Array {
  const pool = Int32Array.from({ length: classes }, (_, c) => c);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (classes - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k);
}

/**
 * One optimisation step of a per-vertex model (`buildGemSegmenter`, `buildGemCorrespondence`) on
 * a batch: softmax cross-entropy of every counted vertex's logits against its label, weighted by
 * its class's weight and averaged with those weights (`Σ w_v CE_v / Σ w_v`), the gradients of every
 * trainable weight applied by `optimizer`. `labels` holds a class per vertex of the batch (one
 * array over all of them, or one per mesh); `options.mask` says which vertices count (default:
 * those with a label ≥ 0). With `options.sampledClasses` the softmax runs over a uniform sample of
 * the classes (see `PerVertexTrainOptions`), computed from the model's embedding and dense head
 * without the `[vertices × classes]` logits. Returns the loss (the sampled loss when sampling).
 */
export function perVertexTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  labels: PerVertexValues,
  options: PerVertexTrainOptions = {},
): number {
  const caller = "perVertexTrainStep";
  const classes = perVertexClasses(model, caller);
  const { rows, targets, weights } = labelledRows(caller, classes, batch, labels, options);
  const sampled = options.sampledClasses;
  if (sampled !== undefined && !(Number.isSafeInteger(sampled) && sampled >= 2)) {
    throw new ModelConfigError(`${caller}: sampledClasses must be an integer ≥ 2, got ${sampled}`);
  }
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const head = denseHead(model);
  const sampling = sampled !== undefined && sampled < classes;
  if (head === null) {
    if (sampling) {
      throw new ModelConfigError(
        `${caller}: sampledClasses needs a model whose output layer is a linear dense head named "${LOGITS_LAYER}" (buildGemCorrespondence); model "${model.name}" has none`,
      );
    }
    return tf.tidy(() => {
      const rowIndex = Int32Array.from(rows);
      const targetsOneHot = tf.oneHot(tf.tensor1d(targets, "int32"), classes);
      const w = tf.tensor1d(weights);
      const total = weights.reduce((a, b) => a + b, 0);
      const { value, grads } = tf.variableGrads(() => {
        const logits = applyToMeshes(model, batch, features, {
          training: true,
          meshNames: options.meshNames,
        });
        const picked = tf.sum(tf.mul(tf.logSoftmax(gatherRows(logits, rowIndex)), targetsOneHot), 1);
        return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), total) as tf.Scalar;
      }, variables);
      optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
  }
  // A dense head: logits from the embedding and the (sampled) columns of the head's kernel.
  const k = sampling ? sampled : classes;
  const drawn = sampling
    ? sampleClasses(classes, k, options.random ?? defaultRandom)
    : Int32Array.from({ length: classes }, (_, c) => c);
  const column = new Map<number, number>();
  drawn.forEach((c, j) => {
    column.set(c, j);
  });
  const kept: number[] = [];
  for (let i = 0; i < rows.length; i++) if (column.has(targets[i])) kept.push(i);
  if (kept.length === 0) return 0;
  return tf.tidy(() => {
    const rowIndex = Int32Array.from(kept, (i) => rows[i]);
    const target = kept.map((i) => column.get(targets[i])!);
    const keptWeights = kept.map((i) => weights[i]);
    const total = keptWeights.reduce((a, b) => a + b, 0);
    const targetsOneHot = tf.oneHot(tf.tensor1d(target, "int32"), k);
    // Negatives stand for the C − 1 other classes of which K − 1 were drawn.
    const correction = sampling ? tf.mul(tf.sub(1, targetsOneHot), Math.log((classes - 1) / (k - 1))) : null;
    const w = tf.tensor1d(keptWeights);
    const { value, grads } = tf.variableGrads(() => {
      const embedding = applyToMeshes(head.embedding, batch, features, {
        training: true,
        meshNames: options.meshNames,
      });
      const kernel = head.kernel.read() as tf.Tensor2D;
      const table = sampling ? tf.transpose(gatherRows(tf.transpose(kernel), drawn)) : kernel;
      let logits = headMatMul(gatherRows(embedding, rowIndex), table as tf.Tensor2D);
      if (head.bias !== null) {
        const bias = sampling
          ? tf.reshape(gatherRows(tf.reshape(head.bias.read(), [classes, 1]), drawn), [-1])
          : head.bias.read();
        logits = tf.add(logits, bias);
      }
      if (correction !== null) logits = tf.add(logits, correction);
      const picked = tf.sum(tf.mul(tf.logSoftmax(logits), targetsOneHot), 1);
      return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), total) as tf.Scalar;
    }, variables);
    optimizer.applyGradients(grads);
    return value.dataSync()[0];
  });
}

/** What `predictPerVertex` returns, one array per mesh of the batch. */
export interface PerVertexPrediction {
  /** The most likely class of every vertex. */
  readonly labels: Int32Array[];
  /** Its softmax probability. */
  readonly probability: Float32Array[];
}

/**
 * The most likely class of every vertex of a batch and its probability, in inference mode. For a
 * correspondence model the logits are computed from the embedding and the dense head a chunk of
 * rows at a time (at most `maxLogits` numbers at once, default 2²²), so a 6,890-way head on
 * 6,890 vertices never holds the whole `[vertices × classes]` matrix; other models' outputs are
 * reduced in the same chunks. Features are checked as in `applyToMeshes` (names from
 * `options.meshNames`).
 */
export function predictPerVertex(
  model: tf.LayersModel,
  batch: MeshBatch,
  features: tf.Tensor2D | readonly FeatureArray[],
  options: { maxLogits?: number; meshNames?: readonly string[] } = {},
): PerVertexPrediction {
  const caller = "predictPerVertex";
  const classes = perVertexClasses(model, caller);
  const maxLogits = options.maxLogits ?? 2 ** 22;
  if (!(Number.isSafeInteger(maxLogits) && maxLogits >= 1)) {
    throw new ModelConfigError(`${caller}: maxLogits must be a positive integer, got ${maxLogits}`);
  }
  const head = denseHead(model);
  const offsets = batch.levels[0].meshOffsets;
  const n = offsets[batch.size];
  const labels = new Int32Array(n);
  const probability = new Float32Array(n);
  const chunk = Math.max(1, Math.floor(maxLogits / classes));
  const source = tf.tidy(() =>
    applyToMeshes(head === null ? model : head.embedding, batch, features, { meshNames: options.meshNames }),
  );
  try {
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const [best, p] = tf.tidy(() => {
        let logits = tf.slice(source, [start, 0], [size, -1]);
        if (head !== null) {
          logits = tf.matMul(logits, head.kernel.read() as tf.Tensor2D);
          if (head.bias !== null) logits = tf.add(logits, head.bias.read());
        }
        const top = tf.max(logits, 1);
        return [
          tf.argMax(logits, 1).dataSync() as Int32Array,
          tf.exp(tf.sub(top, tf.logSumExp(logits, 1))).dataSync() as Float32Array,
        ];
      });
      labels.set(best, start);
      probability.set(p, start);
    }
  } finally {
    source.dispose();
  }
  return {
    labels: Array.from({ length: batch.size }, (_, i) => labels.slice(offsets[i], offsets[i + 1])),
    probability: Array.from({ length: batch.size }, (_, i) => probability.slice(offsets[i], offsets[i + 1])),
  };
}
