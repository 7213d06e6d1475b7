import * as tf from "@tensorflow/tfjs";

/** A tensor with a name, as tfjs optimizers' `getWeights` returns them (tfjs-core's `NamedTensor`). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * Adam (Kingma & Ba) over all of a model's weights in one JavaScript loop per weight tensor,
 * instead of tfjs's `AdamOptimizer`, which runs 14 kernel calls per weight tensor (424 per step
 * for the command line's default network, each with tfjs's fixed per-call cost).
 *
 * The arithmetic is tfjs's, operation by operation in float32 (`Math.fround` after every
 * operation: for +, −, ×, ÷ and √ of float32 operands, the double result rounded to float32 is
 * the correctly rounded float32 result, which is what tfjs's wasm and cpu kernels compute), so
 * on those backends the weights and moments are bit for bit those of `tf.train.adam` with the
 * same hyper-parameters:
 *
 *     m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *     w ← w + (−lr)·((m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε))
 *
 * with `β1ᵗ`, `β2ᵗ` running float32 products (as tfjs's `accBeta1`, `accBeta2`). Optionally,
 * decoupled weight decay (AdamW) afterwards on the variables named in `decayedVariables`:
 * `w ← w·(1 − lr·weightDecay)` (one float32 multiplication, as `tf.mul(w, keep)`).
 *
 * Moments are kept per variable name (tfjs keys them by the gradient's position in each call,
 * which only agrees while every call passes the same variables in the same order).
 */
export class FusedAdamOptimizer extends tf.Optimizer {
  static get className(): string {
    return "FusedAdam";
  }
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled weight decay rate (0: none); applies to `decayedVariables` only. */
  weightDecay = 0;
  /** Names (`tf.Variable.name`) of the variables that weight decay shrinks. */
  decayedVariables: ReadonlySet<string> = new Set();
  /** The running products `β1ᵗ⁺¹`, `β2ᵗ⁺¹` in float32 (tfjs's `accBeta1`, `accBeta2`). */
  private accBeta1: number;
  private accBeta2: number;
  private readonly moments = new Map<string, AdamMoments>();

  /** As `tf.train.adam`: ε defaults to the backend's epsilon (1e-7 for float32 backends). */
  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon ?? tf.backend().epsilon();
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /** One step on the variables (registered tfjs variables, by name) of `variableGradients`. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const constants = this.stepConstants();
    tf.tidy(() => {
      for (const [name, gradient] of entries) {
        if (gradient == null) continue;
        const variable = registered[name];
        if (variable === undefined) throw new RangeError(`FusedAdamOptimizer: no variable named "${name}"`);
        const g = gradient.dataSync() as Float32Array;
        this.updateVariable(variable, g, 0, constants);
      }
    });
    this.finishStep();
  }

  /**
   * One step on `variables` from one flat vector of their gradients, laid out one after another
   * in that order (`gradients.length` = their total size); where `hasGradient[k]` is false,
   * variable `k` is left alone (no gradient reached it), as when `applyGradients` does not name it.
   */
  applyFlatGradients(
    variables: readonly tf.Variable[],
    gradients: Float32Array,
    hasGradient?: readonly boolean[],
  ): void {
    const total = variables.reduce((n, v) => n + v.size, 0);
    if (total !== gradients.length) {
      throw new RangeError(
        `FusedAdamOptimizer: ${gradients.length} gradient values for variables of ${total} values`,
      );
    }
    const constants = this.stepConstants();
    let offset = 0;
    tf.tidy(() => {
      variables.forEach((variable, k) => {
        if (hasGradient === undefined || hasGradient[k]) {
          this.updateVariable(variable, gradients, offset, constants);
        }
        offset += variable.size;
      });
    });
    this.finishStep();
  }

  /** The complete state (a copy): iterations, running β powers, moments per variable name. */
  state(): AdamState {
    return {
      iterations: this.iterations,
      accBeta1: this.accBeta1,
      accBeta2: this.accBeta2,
      moments: [...this.moments].map(([name, m]) => ({
        name,
        shape: [...m.shape],
        first: m.first.slice(),
        second: m.second.slice(),
      })),
    };
  }

  /** Restores a `state()` (copied); moments of variables it does not name start at zero. */
  setState(state: AdamState): void {
    if (!Number.isSafeInteger(state.iterations) || state.iterations < 0) {
      throw new RangeError(
        `FusedAdamOptimizer: iterations must be a non-negative integer, got ${state.iterations}`,
      );
    }
    this.moments.clear();
    for (const m of state.moments) {
      const size = m.shape.reduce((a, b) => a * b, 1);
      if (m.first.length !== size || m.second.length !== size) {
        throw new RangeError(
          `FusedAdamOptimizer: the moments of "${m.name}" do not have its shape [${m.shape}]`,
        );
      }
      this.moments.set(m.name, {
        shape: [...m.shape],
        first: Float32Array.from(m.first),
        second: Float32Array.from(m.second),
      });
    }
    this.iterations_ = state.iterations;
    this.accBeta1 = Math.fround(state.accBeta1);
    this.accBeta2 = Math.fround(state.accBeta2);
  }

  /** tfjs's format: the iteration count, then every first moment, then every second moment. */
  override async getWeights(): Promise<NamedTensor[]> {
    const moments = [...this.moments];
    return [
      await this.saveIterations(),
      ...moments.map(([name, m]) => ({ name: `${name}/m`, tensor: tf.tensor(m.first, m.shape) })),
      ...moments.map(([name, m]) => ({ name: `${name}/v`, tensor: tf.tensor(m.second, m.shape) })),
    ];
  }

  /**
   * Reads `getWeights`'s format (also tfjs's `AdamOptimizer`'s). As tfjs does, the running β
   * powers are recomputed from the iteration count, which can differ from the accumulated
   * products in the last bit: `setState` restores them exactly.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const count = rest.length / 2;
    const moments: AdamState["moments"][number][] = [];
    for (let k = 0; k < count; k++) {
      const first = rest[k];
      const second = rest[count + k];
      moments.push({
        name: first.name.replace(/\/m$/, ""),
        shape: first.tensor.shape,
        first: first.tensor.dataSync() as Float32Array,
        second: second.tensor.dataSync() as Float32Array,
      });
    }
    const iterations = this.iterations;
    this.setState({
      iterations,
      accBeta1: Math.fround(Math.fround(this.beta1) ** (iterations + 1)),
      accBeta2: Math.fround(Math.fround(this.beta2) ** (iterations + 1)),
      moments,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    this.moments.clear();
  }

  private stepConstants(): AdamConstants {
    const learningRate = this.learningRate;
    const keep = 1 - learningRate * this.weightDecay;
    return {
      beta1: Math.fround(this.beta1),
      oneMinusBeta1: Math.fround(1 - this.beta1),
      beta2: Math.fround(this.beta2),
      oneMinusBeta2: Math.fround(1 - this.beta2),
      oneMinusAccBeta1: Math.fround(1 - this.accBeta1),
      oneMinusAccBeta2: Math.fround(1 - this.accBeta2),
      epsilon: Math.fround(this.epsilon),
      negativeLearningRate: Math.fround(-learningRate),
      keep: Math.fround(keep),
      decays: keep !== 1,
    };
  }

  private updateVariable(
    variable: tf.Variable,
    gradients: Float32Array,
    offset: number,
    constants: AdamConstants,
  ): void {
    if (variable.dtype !== "float32") {
      throw new TypeError(
        `FusedAdamOptimizer: variable "${variable.name}" is ${variable.dtype}, not float32`,
      );
    }
    let moments = this.moments.get(variable.name);
    if (moments === undefined) {
      moments = {
        shape: [...variable.shape],
        first: new Float32Array(variable.size),
        second: new Float32Array(variable.size),
      };
      this.moments.set(variable.name, moments);
    } else if (moments.first.length !== variable.size) {
      throw new RangeError(
        `FusedAdamOptimizer: variable "${variable.name}" has ${variable.size} values, its moments ${moments.first.length}`,
      );
    }
    // A copy: on the cpu backend `dataSync` returns the tensor's own storage.
    const weights = Float32Array.from(variable.dataSync() as Float32Array);
    const decays = constants.decays && this.decayedVariables.has(variable.name);
    adamUpdate(weights, gradients, offset, moments.first, moments.second, constants, decays);
    variable.assign(tf.tensor(weights, variable.shape, "float32"));
  }

  private finishStep(): void {
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.incrementIterations();
  }
}

/** `new FusedAdamOptimizer(…)`, named like `tf.train.adam`. */
export function fusedAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon?: number,
): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/** Everything `FusedAdamOptimizer` carries from step to step. */
export interface AdamState {
  /** Steps taken. */
  readonly iterations: number;
  /** `β1ᵗ⁺¹` and `β2ᵗ⁺¹` as float32 running products. */
  readonly accBeta1: number;
  readonly accBeta2: number;
  /** First and second moments per variable, in the order the variables were first updated. */
  readonly moments: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly first: Float32Array;
    readonly second: Float32Array;
  }[];
}

interface AdamMoments {
  readonly shape: number[];
  readonly first: Float32Array;
  readonly second: Float32Array;
}

interface AdamConstants {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly oneMinusAccBeta1: number;
  readonly oneMinusAccBeta2: number;
  readonly epsilon: number;
  readonly negativeLearningRate: number;
  readonly keep: number;
  readonly decays: boolean;
}

/**
 * One Adam step in place on `weights` and the moments, from `gradients[offset …]`; every
 * operation rounded to float32 in tfjs's order (see `FusedAdamOptimizer`). `Math.fround` is
 * called by name, which V8 compiles to one instruction (through an alias it stays a call).
 */
function adamUpdate(
  weights: Float32Array,
  gradients: Float32Array,
  offset: number,
  first: Float32Array,
  second: Float32Array,
  c: AdamConstants,
  decays: boolean,
): void {
  const beta1 = c.beta1;
  const oneMinusBeta1 = c.oneMinusBeta1;
  const beta2 = c.beta2;
  const oneMinusBeta2 = c.oneMinusBeta2;
  const oneMinusAccBeta1 = c.oneMinusAccBeta1;
  const oneMinusAccBeta2 = c.oneMinusAccBeta2;
  const epsilon = c.epsilon;
  const negativeLearningRate = c.negativeLearningRate;
  const keep = decays ? c.keep : 1;
  const n = weights.length;
  for (let i = 0; i < n; i++) {
    const g = gradients[offset + i];
    const m = Math.fround(Math.fround(first[i] * beta1) + Math.fround(g * oneMinusBeta1));
    const v = Math.fround(Math.fround(second[i] * beta2) + Math.fround(Math.fround(g * g) * oneMinusBeta2));
    first[i] = m;
    second[i] = v;
    const correctedFirst = Math.fround(m / oneMinusAccBeta1);
    const correctedSecond = Math.fround(v / oneMinusAccBeta2);
    const denominator = Math.fround(Math.fround(Math.sqrt(correctedSecond)) + epsilon);
    const step = Math.fround(Math.fround(correctedFirst / denominator) * negativeLearningRate);
    // w·1 is w exactly, so the undecayed case needs no branch.
    weights[i] = Math.fround(Math.fround(step + weights[i]) * keep);
  }
}
