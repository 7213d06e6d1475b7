import { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import type { GraphKwargs } from "../graph-context.js";
import type { Aggregation } from "../kernels/aggregate.js";
import { layerGraph } from "../multiscale/batch.js";
import { FieldLayerError, levelArg } from "./field-layer-utils.js";
import { FieldLinear } from "./field-linear.js";
import { fieldTypeArgument, type LayerArgs, singleInput, singleShape } from "./field-parts.js";
import { GemConv } from "./gem-conv.js";
import {
  type ActivationName,
  activationChoices,
  GatedNonlinearity,
  isActivation,
  NormNonlinearity,
  RegularNonlinearity,
} from "./nonlinearities.js";
import { FieldDropout, FieldNormalization } from "./normalization.js";

/**
 * The nonlinearities a residual block can use: exactly equivariant `norm` and `gated`,
 * approximately equivariant `regular`. A subset of the gauge package's `NonlinearityKind` (what a
 * field type may support), which also has `pointwise`, legal on scalars only and so no choice
 * for a block with non-scalar fields.
 */
export const BLOCK_NONLINEARITIES = ["gated", "norm", "regular"] as const;
export type BlockNonlinearity = (typeof BLOCK_NONLINEARITIES)[number];

export interface ResidualBlockArgs extends LayerArgs {
  inType: string | FieldType;
  outType: string | FieldType;
  /** Default `"gated"`. On a type without non-scalar copies, `gated` is the activation of the scalars. */
  nonlinearity?: BlockNonlinearity;
  /** The scalar function (norm: of `‖x‖ + b`; gated: of the scalars; regular: of the samples); default relu. */
  activation?: ActivationName;
  /** Samples of the regular nonlinearity (default `8L + 1`). */
  samples?: number;
  /** Resolution level the block runs at (default 0). */
  level?: number;
  /** Rings of both convolutions (default 2; the level's graph must have as many). */
  rings?: number;
  aggregation?: Aggregation;
  maxFrequency?: number;
  /** A `FieldNormalization` after each convolution (default false). */
  normalization?: boolean;
  /** Rate of the `FieldDropout` after the nonlinearity (default 0: none). */
  fieldDropout?: number;
}

/**
 * A residual block of gauge-equivariant layers at one resolution level:
 *
 *   y = conv2(dropout(nonlinearity(norm1(conv1(x))))) (then norm2) + skip(x),
 *
 * `skip` the identity when the input and output types agree, else a `FieldLinear` without bias.
 * With a gated nonlinearity, `conv1` also outputs one gate scalar per non-scalar copy. The
 * convolutions run on the graph `layerGraph` gives the block (the call's `{ graph }`, else the
 * level's graph of the active mesh batch, else at level 0 the `withConvGraph` graph), as every
 * graph layer does. Its sublayers' weights are named `<block>/conv1/kernel` etc.
 */
export class ResidualBlock extends tf.layers.Layer {
  static className = "ResidualBlock";
  readonly inType: FieldType;
  readonly outType: FieldType;
  readonly nonlinearity: BlockNonlinearity;
  readonly activationName: ActivationName;
  readonly samples: number | undefined;
  readonly level: number;
  readonly rings: number;
  readonly aggregation: Aggregation;
  readonly maxFrequency: number | undefined;
  readonly normalization: boolean;
  readonly fieldDropout: number;
  readonly conv1: GemConv;
  readonly norm1: FieldNormalization | null;
  readonly activationLayer: tf.layers.Layer;
  readonly dropout: FieldDropout | null;
  readonly conv2: GemConv;
  readonly norm2: FieldNormalization | null;
  readonly skip: FieldLinear | null;

  constructor(args: ResidualBlockArgs) {
    super(args);
    const layer = "ResidualBlock";
    this.inType = fieldTypeArgument(args?.inType, `${layer}: inType`, FieldLayerError);
    this.outType = fieldTypeArgument(args.outType, `${layer}: outType`, FieldLayerError);
    this.nonlinearity = args.nonlinearity ?? "gated";
    if (!BLOCK_NONLINEARITIES.includes(this.nonlinearity)) {
      throw new FieldLayerError(
        `${layer}: nonlinearity must be one of ${BLOCK_NONLINEARITIES.join(", ")}, got ${JSON.stringify(args.nonlinearity)}`,
      );
    }
    this.activationName = args.activation ?? "relu";
    if (!isActivation(this.activationName)) {
      throw new FieldLayerError(
        `${layer}: activation must be ${activationChoices()}, got ${JSON.stringify(args.activation)}`,
      );
    }
    this.samples = args.samples;
    this.level = levelArg(args.level, layer);
    this.rings = args.rings ?? 2;
    this.aggregation = args.aggregation ?? "mean";
    this.maxFrequency = args.maxFrequency;
    this.normalization = args.normalization ?? false;
    this.fieldDropout = args.fieldDropout ?? 0;
    const gated = this.nonlinearity === "gated" && this.outType.nonScalarCount > 0;
    const hiddenType = gated
      ? FieldType.directSum(this.outType, FieldType.scalars(this.outType.nonScalarCount))
      : this.outType;
    const convArgs = {
      level: this.level,
      rings: this.rings,
      aggregation: this.aggregation,
      maxFrequency: this.maxFrequency,
    };
    this.conv1 = new GemConv({ inType: this.inType, outType: hiddenType, ...convArgs, name: "conv1" });
    this.norm1 = this.normalization ? new FieldNormalization({ fieldType: hiddenType, name: "norm1" }) : null;
    if (this.nonlinearity === "regular") {
      this.outType.assertSupportsNonlinearity("regular");
      this.activationLayer = new RegularNonlinearity({
        fieldType: this.outType,
        activation: this.activationName,
        samples: this.samples,
        name: "nonlinearity",
      });
    } else if (gated) {
      this.activationLayer = new GatedNonlinearity({
        fieldType: this.outType,
        scalarActivation: this.activationName,
        name: "nonlinearity",
      });
    } else {
      this.activationLayer = new NormNonlinearity({
        fieldType: this.outType,
        activation: this.activationName,
        name: "nonlinearity",
      });
    }
    this.dropout =
      this.fieldDropout > 0
        ? new FieldDropout({
            fieldType: this.outType,
            rate: this.fieldDropout,
            name: "dropout",
          })
        : null;
    this.conv2 = new GemConv({ inType: this.outType, outType: this.outType, ...convArgs, name: "conv2" });
    this.norm2 = this.normalization
      ? new FieldNormalization({ fieldType: this.outType, name: "norm2" })
      : null;
    this.skip = this.inType.equals(this.outType)
      ? null
      : new FieldLinear({ inType: this.inType, outType: this.outType, useBias: false, name: "skip" });
  }

  private sublayers(): tf.layers.Layer[] {
    return [
      this.conv1,
      this.norm1,
      this.activationLayer,
      this.dropout,
      this.conv2,
      this.norm2,
      this.skip,
    ].filter((l): l is tf.layers.Layer => l !== null);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    if (shape.at(-1) !== this.inType.dim) {
      throw new FieldLayerError(
        `ResidualBlock "${this.name}": input has ${shape.at(-1)} numbers per vertex, but "${this.inType}" has dimension ${this.inType.dim}`,
      );
    }
    // Applying the sublayers to a symbolic input builds them inside their own name scopes, so
    // that their weights get distinct names under this block's (tfjs has no public nameScope).
    const input = tf.input({ batchShape: [null, this.inType.dim] });
    let h = input;
    for (const l of [this.conv1, this.norm1, this.activationLayer, this.dropout, this.conv2, this.norm2]) {
      if (l !== null) h = l.apply(h) as tf.SymbolicTensor;
    }
    this.skip?.apply(input);
    this.built = true;
  }

  override get trainableWeights(): tf.LayerVariable[] {
    return this.trainable ? this.sublayers().flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): tf.LayerVariable[] {
    const all = this.sublayers().flatMap((l) => l.weights);
    return this.trainable ? this.sublayers().flatMap((l) => l.nonTrainableWeights) : all;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...singleShape(inputShape).slice(0, -1), this.outType.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const { graph } = layerGraph(
        kwargs as GraphKwargs | undefined,
        this.level,
        `ResidualBlock "${this.name}"`,
      );
      const training = { training: kwargs?.training === true };
      let h = this.conv1.call(x, { graph }) as tf.Tensor2D;
      if (this.norm1 !== null) h = this.norm1.call(h, training) as tf.Tensor2D;
      h = this.activationLayer.call(h, {}) as tf.Tensor2D;
      if (this.dropout !== null) h = this.dropout.call(h, training) as tf.Tensor2D;
      h = this.conv2.call(h, { graph }) as tf.Tensor2D;
      if (this.norm2 !== null) h = this.norm2.call(h, training) as tf.Tensor2D;
      return tf.add(h, this.skip === null ? x : (this.skip.call(x) as tf.Tensor2D));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      inType: this.inType.toString(),
      outType: this.outType.toString(),
      nonlinearity: this.nonlinearity,
      activation: this.activationName,
      level: this.level,
      rings: this.rings,
      aggregation: this.aggregation,
      normalization: this.normalization,
      fieldDropout: this.fieldDropout,
    };
    if (this.samples !== undefined) config.samples = this.samples;
    if (this.maxFrequency !== undefined) config.maxFrequency = this.maxFrequency;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(ResidualBlock);
