import {
  MeshGeometry,
  type TangentFrames,
  type TriangleMeshData,
  withSeededMathRandom,
} from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { meshOptionsOf } from "../models/builders.js";
import { applyToMeshes, type FeatureArray } from "../models/run.js";
import { batchMeshes, disposeMeshBatch, type MeshBatch } from "../multiscale/batch.js";
import { buildMeshHierarchy, type MeshHierarchy } from "../multiscale/hierarchy.js";
import { activeBatchShare, batchShareOf, shareRowsOf, withBatchShare } from "./batch-share.js";
import { type Stamp, stamp } from "./thread-cpu.js";

/** Wall-clock and CPU ms from `a` to `b`. */
export function between(a: Stamp, b: Stamp): { wall: number; cpu: number } {
  return { wall: b.wall - a.wall, cpu: b.cpu - a.cpu };
}

/** One mesh of a data-parallel run: its geometry, the frames its features are in, its input field. */
export interface ReplicaSample {
  /** Vertex positions and triangles, as `MeshGeometry.fromData` takes them. */
  readonly mesh: TriangleMeshData;
  /**
   * Frames of the vertices that `features` are expressed in (default: the frames
   * `buildMeshHierarchy` computes itself).
   */
  readonly frames?: TangentFrames;
  /** The input field, `[V × inputDim]` (the model's input type), float32 or float64 as `applyToMeshes` takes it. */
  readonly features: FeatureArray;
  /** Names the mesh in error messages. */
  readonly name?: string;
}

/** Where each weight of a model sits in a flat float32 array (trainable weights first). */
export interface WeightLayout {
  readonly trainable: readonly WeightSlot[];
  readonly nonTrainable: readonly WeightSlot[];
  /** Numbers in the trainable weights (the length of a gradient vector). */
  readonly trainableSize: number;
  /** Numbers in all weights. */
  readonly size: number;
}

export interface WeightSlot {
  /** The weight's name in the model (`originalName`), the same in every replica. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** The layout of `model`'s weights: `trainableWeights` in order, then `nonTrainableWeights`. */
export function weightLayout(model: tf.LayersModel): WeightLayout {
  let offset = 0;
  const slots = (weights: tf.LayerVariable[]) =>
    weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * (b as number), 1);
      const slot = { name: w.originalName, shape: w.shape as number[], offset, size };
      offset += size;
      return slot;
    });
  const trainable = slots(model.trainableWeights);
  const trainableSize = offset;
  const nonTrainable = slots(model.nonTrainableWeights);
  return { trainable, nonTrainable, trainableSize, size: offset };
}

/** Copies every weight of `model` into `target` (laid out by `layout`). */
export function readWeights(model: tf.LayersModel, layout: WeightLayout, target: Float32Array): void {
  const weights = [...model.trainableWeights, ...model.nonTrainableWeights];
  [...layout.trainable, ...layout.nonTrainable].forEach((slot, k) => {
    target.set(weights[k].read().dataSync() as Float32Array, slot.offset);
  });
}

/** Sets the weights of `slots` in `weights` from `source` (laid out by the same layout). */
export function writeWeights(
  weights: readonly tf.LayerVariable[],
  slots: readonly WeightSlot[],
  source: Float32Array,
  sourceOffset = 0,
): void {
  tf.tidy(() => {
    slots.forEach((slot, k) => {
      const start = slot.offset - sourceOffset;
      weights[k].write(tf.tensor(source.slice(start, start + slot.size), slot.shape as number[], "float32"));
    });
  });
}

/**
 * tfjs layer classes a replica cannot run as one batch over several replicas: their batch
 * statistics or random draws would be those of each replica's part only.
 */
export const UNSUPPORTED_LAYERS = [
  "BatchNormalization",
  "LayerNormalization",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
  "SpatialDropout1D",
] as const;

/** Throws naming the first layer of `model` that data-parallel training cannot split exactly. */
export function checkSplittable(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if ((UNSUPPORTED_LAYERS as readonly string[]).includes(kind)) {
      throw new RangeError(
        `layer "${layer.name}" (${kind}) cannot be split over replicas exactly; use gemcnn's FieldNormalization and FieldDropout, or one thread`,
      );
    }
    if (kind === "Dropout" && (layer as unknown as { noiseShape?: unknown }).noiseShape != null) {
      throw new RangeError(
        `layer "${layer.name}" (Dropout with a noiseShape) cannot be split over replicas exactly`,
      );
    }
  }
}

interface DropoutLike {
  readonly rate: number;
  readonly seed?: number;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/**
 * Makes the tfjs `Dropout` layers of `model` draw, in a data-parallel step, the mask of the whole
 * batch and keep their own rows (as `FieldDropout` does), so that each mask value is the one a
 * single step over the whole batch draws. The arithmetic is tfjs's `dropout` op's:
 * `x · ⌊u + keep⌋ / keep` with `u` uniform in [0, 1). Outside a step the layers are unchanged.
 */
export function splitDropoutLayers(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Dropout") continue;
    const dropout = layer as unknown as DropoutLike;
    const original = dropout.call.bind(dropout);
    dropout.call = (inputs, kwargs) => {
      const rate = dropout.rate;
      if (activeBatchShare() === undefined || kwargs?.training !== true || !(rate > 0 && rate < 1)) {
        return original(inputs, kwargs);
      }
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const rows = shareRowsOf(x.shape[0], undefined, `Dropout "${layer.name}"`)!;
        const rest = x.shape.slice(1);
        const keep = 1 - rate;
        const uniform = tf.randomUniform([rows.total, ...rest], 0, 1, "float32", dropout.seed);
        const own = tf.slice(uniform, [rows.offset, ...rest.map(() => 0)], [rows.rows, ...rest]);
        return tf.mul(x, tf.div(tf.floor(tf.add(own, keep)), keep));
      });
    };
  }
}

/** What one replica computes for its part of a classifier's training step. */
export interface ShareGradients {
  /** Logits of the part's meshes, `[meshes × classes]` row-major. */
  readonly logits: Float32Array;
  /** The part's share of the batch's mean loss: the sum of its meshes' losses over the batch size. */
  readonly loss: number;
  /** Per trainable weight: whether the loss reaches it (the others get no gradient). */
  readonly hasGradient: boolean[];
  /** Where the replica's time went (the phases this class times). */
  readonly timings: ReplicaPhases<"batch" | "forward" | "backward" | "gradientsOut">;
}

/** The phases of one replica's part of a training step (see `ReplicaStepTimings`). */
export type ReplicaPhase = "weightsIn" | "batch" | "forward" | "backward" | "gradientsOut" | "total";

/** Per phase, wall-clock ms and the thread's CPU ms (`NaN` unless the pool profiles). */
export type ReplicaPhases<P extends ReplicaPhase = ReplicaPhase> = Record<P, { wall: number; cpu: number }>;

/**
 * Where one replica's part of a training step went, phase by phase, for benchmarks (see
 * `pnpm bench:step-split`): `weightsIn` the step's weights copied from shared memory into the
 * replica's variables, `batch` its meshes composed into one batch, `forward` the forward pass with
 * the loss and `backward` the backward pass (both including the waits at the all-reduces),
 * `gradientsOut` the gradients copied into shared memory (and, on rank 0, the statistics read
 * back), `total` the whole message from its arrival to the reply; and `collectiveWait` the
 * wall-clock ms of forward and backward spent waiting for the other replicas.
 */
export interface ReplicaStepTimings {
  readonly phases: ReplicaPhases;
  readonly collectiveWait: number;
}

/**
 * A model replica inside one worker: the meshes it has been sent, their hierarchies (built on
 * first use, in the mesh's own frames) and the batches of inference chunks.
 */
export class Replica {
  readonly model: tf.LayersModel;
  private readonly samples = new Map<number, { sample: ReplicaSample; hierarchy?: MeshHierarchy }>();
  private readonly chunkBatches = new Map<string, MeshBatch>();

  /** Whether step timings include the thread's CPU time (`ReplicaPhases`). */
  readonly profile: boolean;

  constructor(model: tf.LayersModel, options: { profile?: boolean } = {}) {
    checkSplittable(model);
    splitDropoutLayers(model);
    this.model = model;
    this.profile = options.profile ?? false;
  }

  addSample(index: number, sample: ReplicaSample): void {
    this.samples.set(index, { sample });
  }

  private entry(index: number) {
    const entry = this.samples.get(index);
    if (entry === undefined) throw new RangeError(`replica: sample ${index} was never sent to this replica`);
    return entry;
  }

  hierarchy(index: number): MeshHierarchy {
    const entry = this.entry(index);
    if (entry.hierarchy === undefined) {
      const { mesh, frames, name } = entry.sample;
      const geometry = MeshGeometry.fromData(mesh, { source: name });
      const options = meshOptionsOf(this.model);
      entry.hierarchy = buildMeshHierarchy(geometry, frames === undefined ? options : { ...options, frames });
    }
    return entry.hierarchy;
  }

  features(index: number): FeatureArray {
    return this.entry(index).sample.features;
  }

  /**
   * Forward and backward of the softmax cross-entropy of this replica's meshes `indices`
   * (classes `labels`), summed and divided by `batchSize` (the whole batch's), with the whole
   * batch's normalisation statistics and dropout masks (through `collective`); dropout seeded by
   * `seed`. Writes the gradient of each trainable weight into `gradients` (flat, in
   * `trainableWeights` order; zeros where the loss does not reach).
   */
  classifierGradients(
    indices: readonly number[],
    labels: readonly number[],
    batchSize: number,
    seed: number,
    collective: Parameters<typeof batchShareOf>[1],
    gradients: Float32Array,
  ): ShareGradients {
    const start = stamp(this.profile);
    const batch = batchMeshes(indices.map((i) => this.hierarchy(i)));
    const batchMade = stamp(this.profile);
    try {
      const result = this.batchGradients(batch, indices, labels, batchSize, seed, collective, gradients);
      return { ...result, timings: { ...result.timings, batch: between(start, batchMade) } };
    } finally {
      // A fresh composition every step: its kernel tables are freed now, not by the collector.
      disposeMeshBatch(batch);
    }
  }

  private batchGradients(
    batch: MeshBatch,
    indices: readonly number[],
    labels: readonly number[],
    batchSize: number,
    seed: number,
    collective: Parameters<typeof batchShareOf>[1],
    gradients: Float32Array,
  ): ShareGradients {
    const inputs = indices.map((i) => this.features(i));
    const share = batchShareOf(batch, collective);
    const classes = this.model.outputs[0].shape.at(-1) as number;
    const variables = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    let logits: Float32Array = new Float32Array(0);
    let loss = 0;
    const start = stamp(this.profile);
    let forwardEnd = start;
    const grads = withSeededMathRandom(seed, () =>
      withBatchShare(share, () =>
        tf.tidy(() => {
          const targets = tf.oneHot(tf.tensor1d(labels as number[], "int32"), classes);
          const result = tf.variableGrads(() => {
            const output = applyToMeshes(this.model, batch, inputs, { training: true });
            logits = output.dataSync() as Float32Array;
            const sum = tf.losses.softmaxCrossEntropy(targets, output, undefined, 0, tf.Reduction.SUM);
            const value = tf.div(sum, batchSize) as tf.Scalar;
            forwardEnd = stamp(this.profile);
            return value;
          }, variables);
          loss = result.value.dataSync()[0];
          return result.grads;
        }),
      ),
    );
    const backwardEnd = stamp(this.profile);
    let offset = 0;
    const hasGradient = variables.map((v) => {
      const size = v.size;
      const g = grads[v.name];
      if (g === undefined) gradients.fill(0, offset, offset + size);
      else gradients.set(g.dataSync() as Float32Array, offset);
      offset += size;
      return g !== undefined;
    });
    tf.dispose(Object.values(grads));
    const timings = {
      batch: between(start, start),
      forward: between(start, forwardEnd),
      backward: between(forwardEnd, backwardEnd),
      gradientsOut: between(backwardEnd, stamp(this.profile)),
    };
    return { logits, loss, hasGradient, timings };
  }

  /** Inference logits of `chunks` (each one batch, cached by its composition), concatenated. */
  logits(chunks: readonly (readonly number[])[]): Float32Array {
    const classes = this.model.outputs[0].shape.at(-1) as number;
    const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0) * classes);
    let row = 0;
    for (const chunk of chunks) {
      const key = chunk.join(",");
      let batch = this.chunkBatches.get(key);
      if (batch === undefined) {
        batch = batchMeshes(chunk.map((i) => this.hierarchy(i)));
        this.chunkBatches.set(key, batch);
      }
      const values = tf.tidy(
        () =>
          applyToMeshes(
            this.model,
            batch,
            chunk.map((i) => this.features(i)),
          ).dataSync() as Float32Array,
      );
      out.set(values, row * classes);
      row += chunk.length;
    }
    return out;
  }
}
