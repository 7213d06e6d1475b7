import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import {
  dropFields,
  dropoutUniforms,
  fieldStatistics,
  fusedFieldKernels,
  movingStatistics,
  normalizeFields,
} from "../kernels/field-kernels.js";
import { activeBatchShare, combinedFieldStatistics, shareRowsOf } from "../parallel/batch-share.js";
import {
  checkFieldDim,
  fieldTypeArgument,
  joinField,
  type LayerArgs,
  singleInput,
  singleShape,
  splitField,
} from "./field-parts.js";

/** A bad normalisation or dropout argument; the message names the layer and the argument. */
export class NormalizationError extends Error {
  override name = "NormalizationError";
}

export interface FieldNormalizationArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** Weight of the old value in the moving statistics (default 0.99). */
  momentum?: number;
  /** Added to the variances (default 1e-3). */
  epsilon?: number;
}

/**
 * Batch normalisation that respects gauge equivariance. Scalars: `(s − mean)/√(var + ε)·γ + β`
 * per scalar channel. Non-scalar copies: `x/√(mean ‖x‖² + ε)·γ` per copy, no mean subtraction
 * and no shift (a mean or shift of a vector depends on the gauge). Statistics over the vertices
 * while training (`call(x, { training: true })`), moving averages otherwise.
 */
export class FieldNormalization extends tf.layers.Layer {
  static className = "FieldNormalization";
  readonly fieldType: FieldType;
  readonly momentum: number;
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean: tf.LayerVariable | null = null;
  private movingVariance: tf.LayerVariable | null = null;

  constructor(args: FieldNormalizationArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "FieldNormalization: fieldType", NormalizationError);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new NormalizationError(`FieldNormalization: momentum must be in [0, 1), got ${args.momentum}`);
    }
    if (!(this.epsilon > 0))
      throw new NormalizationError(`FieldNormalization: epsilon must be positive, got ${args.epsilon}`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, NormalizationError);
    const nCopies = this.fieldType.copies().length;
    const nScalars = this.fieldType.scalarCount;
    this.gamma = this.addWeight("gamma", [nCopies], "float32", tf.initializers.ones());
    if (nScalars > 0) this.beta = this.addWeight("beta", [nScalars], "float32", tf.initializers.zeros());
    // Per copy: the mean (scalars; 0 for the others) and the variance or mean squared norm.
    this.movingMean = this.addWeight(
      "moving_mean",
      [nCopies],
      "float32",
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      "moving_variance",
      [nCopies],
      "float32",
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    if (fusedFieldKernels()) return this.callFused(singleInput(inputs), kwargs?.training === true);
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      const { scalars, pairs } = splitField(x, this.fieldType);
      let mean: tf.Tensor1D;
      let variance: tf.Tensor1D;
      if (kwargs?.training === true) {
        // In a data-parallel step the statistics are those of the whole batch, over all replicas.
        const share = activeBatchShare();
        if (share !== undefined) {
          ({ mean, variance } = combinedFieldStatistics(scalars, pairs, share));
        } else {
          const statistics: tf.Tensor1D[] = [];
          const means: tf.Tensor1D[] = [];
          if (scalars !== null) {
            const moments = tf.moments(scalars, 0);
            means.push(moments.mean as tf.Tensor1D);
            statistics.push(moments.variance as tf.Tensor1D);
          }
          if (pairs !== null) {
            means.push(tf.zeros([nPairs]));
            statistics.push(tf.mean(tf.sum(tf.square(pairs), 2), 0) as tf.Tensor1D);
          }
          mean = tf.concat(means) as tf.Tensor1D;
          variance = tf.concat(statistics) as tf.Tensor1D;
        }
        const m = this.momentum;
        this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), m), tf.mul(mean, 1 - m)));
        this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), m), tf.mul(variance, 1 - m)));
      } else {
        mean = this.movingMean!.read() as tf.Tensor1D;
        variance = this.movingVariance!.read() as tf.Tensor1D;
      }
      const scale = tf.div(this.gamma!.read(), tf.sqrt(tf.add(variance, this.epsilon)));
      const outScalars =
        scalars === null
          ? null
          : tf.add(
              tf.mul(tf.sub(scalars, tf.slice(mean, 0, nScalars)), tf.slice(scale, 0, nScalars)),
              this.beta!.read(),
            );
      const outPairs =
        pairs === null ? null : tf.mul(pairs, tf.reshape(tf.slice(scale, nScalars, nPairs), [1, nPairs, 1]));
      return joinField(outScalars, outPairs, nVertices);
    });
  }

  /** `call` in two whole-field kernels (field-kernels.ts) instead of ops on the split field. */
  private callFused(x: tf.Tensor2D, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      let statistics: tf.Tensor1D;
      if (training) {
        // In a data-parallel step the statistics are those of the whole batch, over all replicas.
        statistics = fieldStatistics(x, nScalars, nPairs, activeBatchShare());
        const [mean, variance] = movingStatistics(
          this.movingMean!.read() as tf.Tensor1D,
          this.movingVariance!.read() as tf.Tensor1D,
          statistics,
          this.momentum,
        );
        this.movingMean!.write(mean);
        this.movingVariance!.write(variance);
      } else {
        statistics = tf.concat([this.movingMean!.read(), this.movingVariance!.read()]) as tf.Tensor1D;
      }
      return normalizeFields(
        x,
        statistics,
        this.gamma!.read() as tf.Tensor1D,
        (this.beta?.read() as tf.Tensor1D | undefined) ?? null,
        nScalars,
        nPairs,
        this.epsilon,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      fieldType: this.fieldType.toString(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(FieldNormalization);

export interface FieldDropoutArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** Probability of dropping each copy at each vertex, in [0, 1). */
  rate: number;
  /**
   * Makes the sequence of masks repeatable: the k-th training call (k = 0, 1, …) of a layer draws
   * its mask with seed `seed + k`, so consecutive calls differ and two layers built with the same
   * seed drop the same copies call for call. Default: random.
   */
  seed?: number;
}

/**
 * Dropout of whole fields: while training, each irrep copy at each vertex is zeroed with
 * probability `rate` (both numbers of a 2-dimensional copy together) and the kept ones are
 * scaled by 1/(1 − rate). Multiplying a copy by a scalar commutes with the gauge action, so the
 * layer is equivariant for any mask. The identity when not training.
 */
export class FieldDropout extends tf.layers.Layer {
  static className = "FieldDropout";
  readonly fieldType: FieldType;
  readonly rate: number;
  readonly seed: number | undefined;
  private trainingCalls = 0;

  constructor(args: FieldDropoutArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "FieldDropout: fieldType", NormalizationError);
    this.rate = args.rate;
    this.seed = args.seed;
    if (!(this.rate >= 0 && this.rate < 1)) {
      throw new NormalizationError(`FieldDropout: rate must be in [0, 1), got ${args.rate}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, NormalizationError);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  /** `kwargs.level`: the mesh level of the input, which a data-parallel step needs (see `BatchShare`). */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean; level?: number }): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      if (kwargs?.training !== true || this.rate === 0) return tf.clone(x);
      const fused = fusedFieldKernels();
      // Without a seed, one draw of Math.random per call (as tf.randomUniform made), which a
      // caller can seed (the command line does, step by step).
      const seed =
        this.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : this.seed + this.trainingCalls++;
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      // In a data-parallel step: this replica's rows of the whole batch's mask, which are those a
      // single step over the whole batch draws for these vertices (see `dropoutUniforms`).
      const share = shareRowsOf(nVertices, kwargs.level, `FieldDropout "${this.name}"`);
      const columns = nScalars + nPairs;
      const uniform = tf.tensor2d(dropoutUniforms(seed, share?.offset ?? 0, nVertices, columns), [
        nVertices,
        columns,
      ]);
      if (fused) return dropFields(x, uniform, 0, nScalars, nPairs, this.rate);
      const keep = tf.div(tf.cast(tf.greaterEqual(uniform, this.rate), "float32"), 1 - this.rate);
      const { scalars, pairs } = splitField(x, this.fieldType);
      const outScalars =
        scalars === null ? null : tf.mul(scalars, tf.slice(keep, [0, 0], [nVertices, nScalars]));
      const outPairs =
        pairs === null
          ? null
          : tf.mul(pairs, tf.expandDims(tf.slice(keep, [0, nScalars], [nVertices, nPairs]), 2));
      return joinField(outScalars, outPairs, nVertices);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { fieldType: this.fieldType.toString(), rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(FieldDropout);
