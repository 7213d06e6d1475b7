import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Totals, TrainableModel } from "../training/loop.js";

export interface LinearProbeOptions {
  readonly classes: number;
  /** Decoupled (AdamW) weight decay per step, relative to the learning rate. */
  readonly weightDecay: number;
  readonly seed: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/**
 * Softmax regression on fixed descriptors (pooled feature statistics), trained with AdamW. A
 * baseline that needs no network package: it measures how much class information the invariant
 * features carry, and drives the training infrastructure end to end. Written out because it is
 * a few dozen float64 loops; the GEM-CNN classifier uses the nn package's tensors instead.
 * Inputs are standardised with the training set's mean and standard deviation.
 */
export class LinearProbe implements TrainableModel {
  readonly inputs: readonly Float64Array[];
  readonly labels: readonly number[];
  readonly classes: number;
  readonly dim: number;
  private readonly weightDecay: number;
  private weights: Float64Array;
  private m: Float64Array;
  private v: Float64Array;
  private step = 0;
  private shift: Float64Array;
  private scale: Float64Array;

  /** `inputs[i]`, `labels[i]`: the descriptor and class of sample `i`; `train`: the samples to normalise by. */
  constructor(
    inputs: readonly Float64Array[],
    labels: readonly number[],
    train: readonly number[],
    options: LinearProbeOptions,
  ) {
    this.inputs = inputs;
    this.labels = labels;
    this.classes = options.classes;
    this.dim = inputs[0]?.length ?? 0;
    this.weightDecay = options.weightDecay;
    const size = this.classes * (this.dim + 1);
    // Small deterministic initial weights: a fixed pattern scaled by the seed's parity is enough
    // for a convex problem.
    this.weights = Float64Array.from({ length: size }, (_, i) => 1e-3 * Math.sin(12.9898 * i + options.seed));
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.shift = new Float64Array(this.dim);
    this.scale = new Float64Array(this.dim).fill(1);
    if (train.length > 0) {
      for (const i of train) for (let d = 0; d < this.dim; d++) this.shift[d] += inputs[i][d] / train.length;
      for (let d = 0; d < this.dim; d++) {
        let s = 0;
        for (const i of train) s += (inputs[i][d] - this.shift[d]) ** 2;
        const std = Math.sqrt(s / train.length);
        this.scale[d] = std > 1e-12 ? 1 / std : 1;
      }
    }
  }

  /** Class probabilities of sample `i`. */
  probabilities(i: number): Float64Array {
    const x = this.inputs[i];
    const D = this.dim;
    const z = new Float64Array(this.classes);
    for (let c = 0; c < this.classes; c++) {
      const row = c * (D + 1);
      let s = this.weights[row + D];
      for (let d = 0; d < D; d++) s += this.weights[row + d] * (x[d] - this.shift[d]) * this.scale[d];
      z[c] = s;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (const s of z) max = Math.max(max, s);
    let sum = 0;
    for (let c = 0; c < z.length; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (let c = 0; c < z.length; c++) z[c] /= sum;
    return z;
  }

  async trainBatch(indices: readonly number[], learningRate: number): Promise<Totals> {
    const D = this.dim;
    const grad = new Float64Array(this.weights.length);
    let loss = 0;
    let correct = 0;
    for (const i of indices) {
      const p = this.probabilities(i);
      const label = this.labels[i];
      loss -= Math.log(Math.max(p[label], 1e-300));
      if (argmax(p) === label) correct++;
      const x = this.inputs[i];
      for (let c = 0; c < this.classes; c++) {
        const g = (p[c] - (c === label ? 1 : 0)) / indices.length;
        const row = c * (D + 1);
        for (let d = 0; d < D; d++) grad[row + d] += g * (x[d] - this.shift[d]) * this.scale[d];
        grad[row + D] += g;
      }
    }
    this.step++;
    const correction1 = 1 - BETA1 ** this.step;
    const correction2 = 1 - BETA2 ** this.step;
    for (let k = 0; k < this.weights.length; k++) {
      this.m[k] = BETA1 * this.m[k] + (1 - BETA1) * grad[k];
      this.v[k] = BETA2 * this.v[k] + (1 - BETA2) * grad[k] * grad[k];
      const update = this.m[k] / correction1 / (Math.sqrt(this.v[k] / correction2) + EPSILON);
      this.weights[k] -= learningRate * (update + this.weightDecay * this.weights[k]);
    }
    return { loss, correct, count: indices.length };
  }

  async evaluate(indices: readonly number[]): Promise<Totals> {
    let loss = 0;
    let correct = 0;
    for (const i of indices) {
      const p = this.probabilities(i);
      loss -= Math.log(Math.max(p[this.labels[i]], 1e-300));
      if (argmax(p) === this.labels[i]) correct++;
    }
    return { loss, correct, count: indices.length };
  }

  async saveState(dir: string): Promise<void> {
    const state = {
      kind: "linear-probe",
      classes: this.classes,
      dim: this.dim,
      step: this.step,
      weights: Array.from(this.weights),
      m: Array.from(this.m),
      v: Array.from(this.v),
      shift: Array.from(this.shift),
      scale: Array.from(this.scale),
    };
    await writeFile(join(dir, "linear-probe.json"), `${JSON.stringify(state)}\n`);
  }

  async loadState(dir: string): Promise<void> {
    const path = join(dir, "linear-probe.json");
    let state: Record<string, unknown> & { classes?: number; dim?: number };
    try {
      state = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new Error(`${path}: unreadable, corrupt or truncated (${(error as Error).message})`, {
        cause: error,
      });
    }
    if (state.kind !== "linear-probe" || state.classes !== this.classes || state.dim !== this.dim) {
      throw new Error(
        `${path}: a linear probe for ${state.classes} classes and ${state.dim} inputs, not ${this.classes} and ${this.dim}`,
      );
    }
    const size = this.classes * (this.dim + 1);
    const vector = (name: string, length: number) => {
      const values = state[name];
      if (!Array.isArray(values) || values.length !== length || !values.every(Number.isFinite))
        throw new Error(`${path}: "${name}" is not ${length} finite numbers (corrupt or truncated)`);
      return Float64Array.from(values as number[]);
    };
    this.weights = vector("weights", size);
    this.m = vector("m", size);
    this.v = vector("v", size);
    this.shift = vector("shift", this.dim);
    this.scale = vector("scale", this.dim);
    this.step = Number(state.step);
  }
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
