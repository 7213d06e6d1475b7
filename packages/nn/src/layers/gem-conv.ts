import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { GemConvError, type GemConvSpec, gemConv, gemConvBases } from "../conv.js";
import type { GraphKwargs } from "../graph-context.js";
import type { Aggregation } from "../kernels/aggregate.js";
import { layerGraph } from "../multiscale/batch.js";
import { levelArg } from "./field-layer-utils.js";
import { fieldTypeArgument, type LayerArgs, singleInput, singleShape } from "./field-parts.js";

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface GemConvArgs extends LayerArgs {
  /** Input field type, e.g. `"16x0+16x1+16x2"` (or a `FieldType`). */
  inType: string | FieldType;
  /** Output field type. */
  outType: string | FieldType;
  /** Number of radial rings (default 2); the graph must be built with as many. */
  rings?: number;
  /** Mean (default) or sum over each neighbourhood, the vertex itself included when the graph includes it. */
  aggregation?: Aggregation;
  /** Band limit: no neighbour kernel of angular frequency above this (default: none). */
  maxFrequency?: number;
  /** Bias on the scalar outputs (default true; there is never a bias on other orders). */
  useBias?: boolean;
  /**
   * Initializer of the basis coefficients; default normal with standard deviation
   * `√(2 / (dim_in · (rings + 1)))`, which keeps the output variance near the input's.
   */
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  /** Resolution level the layer runs at in a mesh batch (default 0), as residual blocks and pooling. */
  level?: number;
}

/**
 * Gauge-equivariant mesh convolution (GEM-CNN) as a tfjs layer. Input `[V × inType.dim]`, one
 * packed field per mesh (the first axis is the vertices, where tfjs puts the batch); output
 * `[V × outType.dim]`. Weights: `kernel`, the flat coefficients of the gauge package's neighbour
 * basis per ring then of its self-interaction basis (see `gemConv`), and `bias` on the scalar
 * outputs. The mesh comes from `call(x, { graph })`, else the layer's level of the active mesh
 * batch (`withMeshBatch`), else `withConvGraph` (`layerGraph`'s rule, shared with the other graph layers).
 */
export class GemConv extends tf.layers.Layer {
  static className = "GemConv";
  readonly inType: FieldType;
  readonly outType: FieldType;
  readonly rings: number;
  readonly aggregation: Aggregation;
  readonly maxFrequency: number | undefined;
  readonly useBias: boolean;
  readonly level: number;
  private readonly kernelInitializer: Initializer | undefined;
  private readonly biasInitializer: Initializer | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: GemConvArgs) {
    super(args);
    if (args === null || typeof args !== "object")
      throw new GemConvError("GemConv: expected an arguments object");
    this.inType = fieldTypeArgument(args.inType, "GemConv: inType", GemConvError);
    this.outType = fieldTypeArgument(args.outType, "GemConv: outType", GemConvError);
    this.rings = args.rings ?? 2;
    if (!Number.isSafeInteger(this.rings) || this.rings < 1) {
      throw new GemConvError(`GemConv: rings must be a positive integer, got ${args.rings}`);
    }
    this.aggregation = args.aggregation ?? "mean";
    if (this.aggregation !== "mean" && this.aggregation !== "sum") {
      throw new GemConvError(
        `GemConv: aggregation must be "mean" or "sum", got ${JSON.stringify(args.aggregation)}`,
      );
    }
    this.maxFrequency = args.maxFrequency ?? undefined;
    this.useBias = args.useBias ?? true;
    this.level = levelArg(args.level, "GemConv", GemConvError);
    this.kernelInitializer = args.kernelInitializer;
    this.biasInitializer = args.biasInitializer;
    // Builds the bases now, so that a bad band limit fails at construction.
    gemConvBases(this.spec);
  }

  /** The layer's definition without weights, as `gemConv` takes it. */
  get spec(): GemConvSpec {
    return {
      inType: this.inType,
      outType: this.outType,
      rings: this.rings,
      aggregation: this.aggregation,
      maxFrequency: this.maxFrequency,
    };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    if (shape.at(-1) !== this.inType.dim) {
      throw new GemConvError(
        `GemConv "${this.name}": input has ${shape.at(-1)} numbers per vertex, but "${this.inType}" has dimension ${this.inType.dim}`,
      );
    }
    const { nWeights, nBias } = gemConvBases(this.spec);
    const std = Math.sqrt(2 / (this.inType.dim * (this.rings + 1)));
    this.kernel = this.addWeight(
      "kernel",
      [nWeights],
      "float32",
      this.kernelInitializer ?? tf.initializers.randomNormal({ mean: 0, stddev: std }),
    );
    if (this.useBias && nBias > 0) {
      this.bias = this.addWeight("bias", [nBias], "float32", this.biasInitializer ?? tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [...shape.slice(0, -1), this.outType.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: GraphKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const { graph } = layerGraph(kwargs, this.level, `GemConv "${this.name}"`, GemConvError);
      return gemConv(
        x,
        graph,
        this.kernel!.read() as tf.Tensor1D,
        this.bias === null ? null : (this.bias.read() as tf.Tensor1D),
        this.spec,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      inType: this.inType.toString(),
      outType: this.outType.toString(),
      rings: this.rings,
      aggregation: this.aggregation,
      useBias: this.useBias,
      level: this.level,
    };
    if (this.maxFrequency !== undefined) config.maxFrequency = this.maxFrequency;
    return { ...config, ...super.getConfig() };
  }
}
tf.serialization.registerClass(GemConv);

/** Factory in tfjs style: `gemConvLayer({ inType: "8x0", outType: "4x0+4x1" })`. */
export function gemConvLayer(args: GemConvArgs): GemConv {
  return new GemConv(args);
}
