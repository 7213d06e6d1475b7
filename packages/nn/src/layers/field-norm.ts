import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import {
  checkFieldDim,
  FieldLayerError,
  fieldTypeArg,
  isTraining,
  type LayerArgs,
  singleInput,
  singleShape,
} from "./field-layer-utils.js";

export interface FieldNormArgs extends LayerArgs {
  /** Field type of the input and output, e.g. `"16x0+16x1+16x2"`. */
  fieldType: string | FieldType;
  /** Weight of the old value when the moving statistics are updated (default 0.99). */
  momentum?: number;
  /** Added to every variance before its square root (default 1e-5). */
  epsilon?: number;
  /** A trainable offset on each scalar (default true; non-scalar copies never get one). */
  center?: boolean;
  /** A trainable scale per copy (default true). */
  scale?: boolean;
}

/**
 * Batch normalisation of a field that keeps it gauge equivariant. Statistics are taken over all
 * vertices of the batch (every mesh of a `MeshBatch`), one per irrep copy:
 * - a scalar `s` becomes `γ (s − μ) / √(σ² + ε) + β` (mean `μ`, variance `σ²`);
 * - a 2-dimensional copy `x` becomes `γ x / √(m + ε)`, with `m = mean ‖x‖² / 2` the mean square
 *   of its components: no mean is subtracted (a mean vector would depend on the gauge) and the
 *   scale is a function of the norm, which every gauge change preserves.
 * During training the batch statistics are used and folded into moving statistics
 * (`movingMean` of the scalars, `movingVariance` of every copy); at inference the moving ones.
 */
export class FieldNorm extends tf.layers.Layer {
  static className = "FieldNorm";
  readonly fieldType: FieldType;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean: tf.LayerVariable | null = null;
  private movingVariance: tf.LayerVariable | null = null;

  constructor(args: FieldNormArgs) {
    super(args);
    this.fieldType = fieldTypeArg(args?.fieldType, "FieldNorm", "fieldType");
    this.momentum = args.momentum ?? 0.99;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new FieldLayerError(`FieldNorm: momentum must be in [0, 1), got ${args.momentum}`);
    }
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0))
      throw new FieldLayerError(`FieldNorm: epsilon must be positive, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, `FieldNorm "${this.name}"`);
    const nScalars = this.fieldType.scalarCount;
    const nCopies = this.fieldType.copies().length;
    if (this.scale) this.gamma = this.addWeight("gamma", [nCopies], "float32", tf.initializers.ones());
    if (this.center && nScalars > 0) {
      this.beta = this.addWeight("beta", [nScalars], "float32", tf.initializers.zeros());
    }
    if (nScalars > 0) {
      this.movingMean = this.addWeight(
        "moving_mean",
        [nScalars],
        "float32",
        tf.initializers.zeros(),
        undefined,
        false,
      );
    }
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

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      const scalars = nScalars > 0 ? tf.slice(x, [0, 0], [nVertices, nScalars]) : null;
      const pairs =
        nPairs > 0
          ? (tf.reshape(tf.slice(x, [0, nScalars], [nVertices, 2 * nPairs]), [
              nVertices,
              nPairs,
              2,
            ]) as tf.Tensor3D)
          : null;
      let mean: tf.Tensor | null = null;
      let variance: tf.Tensor;
      if (isTraining(kwargs)) {
        const parts: tf.Tensor[] = [];
        if (scalars !== null) {
          const moments = tf.moments(scalars, 0);
          mean = moments.mean;
          parts.push(moments.variance);
        }
        if (pairs !== null) parts.push(tf.mean(tf.square(pairs), [0, 2]));
        variance = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        this.updateMoving(mean, variance);
      } else {
        mean = this.movingMean?.read() ?? null;
        variance = this.movingVariance!.read();
      }
      let factor = tf.rsqrt(tf.add(variance, this.epsilon));
      if (this.gamma !== null) factor = tf.mul(factor, this.gamma.read());
      const out: tf.Tensor[] = [];
      if (scalars !== null) {
        let s = tf.mul(tf.sub(scalars, mean!), tf.slice(factor, 0, nScalars));
        if (this.beta !== null) s = tf.add(s, this.beta.read());
        out.push(s);
      }
      if (pairs !== null) {
        const pairFactor = tf.reshape(tf.slice(factor, nScalars, nPairs), [1, nPairs, 1]);
        out.push(tf.reshape(tf.mul(pairs, pairFactor), [nVertices, 2 * nPairs]));
      }
      return out.length === 1 ? out[0] : tf.concat(out, 1);
    });
  }

  private updateMoving(mean: tf.Tensor | null, variance: tf.Tensor): void {
    const m = this.momentum;
    const blend = (variable: tf.LayerVariable, value: tf.Tensor) =>
      variable.write(tf.add(tf.mul(variable.read(), m), tf.mul(value, 1 - m)));
    if (mean !== null && this.movingMean !== null) blend(this.movingMean, mean);
    blend(this.movingVariance!, variance);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      fieldType: this.fieldType.toString(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(FieldNorm);
