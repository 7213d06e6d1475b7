import { type FieldType, selfInteractionBasis } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { type SparseMatrix, sparseMatrix, sparseMatVec } from "../ops/sparse-matvec.js";
import { FieldLayerError } from "./field-layer-utils.js";
import { checkFieldDim, fieldTypeArgument, type LayerArgs, singleInput, singleShape } from "./field-parts.js";

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface FieldLinearArgs extends LayerArgs {
  inType: string | FieldType;
  outType: string | FieldType;
  /** Bias on the scalar outputs (default true; never on other orders). */
  useBias?: boolean;
  /** Default normal with standard deviation `√(1 / inType.dim)`. */
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

/**
 * `Sᵀ` (row-major `[dimIn × dimOut]`, flattened) as a sparse linear function of the weights: the
 * basis elements are sparse (one 2×2 block or one entry each), so this has a few non-zeros per
 * weight, where a dense basis tensor would have `nWeights · dimIn · dimOut` numbers.
 */
const expansions = new Map<string, { nWeights: number; matrix: SparseMatrix }>();

function weightExpansion(inType: FieldType, outType: FieldType): { nWeights: number; matrix: SparseMatrix } {
  const key = `${inType}|${outType}`;
  let expansion = expansions.get(key);
  if (expansion === undefined) {
    const self = selfInteractionBasis(inType, outType);
    const dimIn = inType.dim;
    const dimOut = outType.dim;
    const triplets: [number, number, number][] = [];
    const unit = new Float64Array(self.nWeights);
    for (let i = 0; i < self.nWeights; i++) {
      unit.fill(0);
      unit[i] = 1;
      const matrix = self.assemble(unit);
      for (let o = 0; o < dimOut; o++) {
        for (let j = 0; j < dimIn; j++) {
          const value = matrix[o * dimIn + j];
          if (value !== 0) triplets.push([j * dimOut + o, i, value]);
        }
      }
    }
    expansion = { nWeights: self.nWeights, matrix: sparseMatrix(dimIn * dimOut, self.nWeights, triplets) };
    expansions.set(key, expansion);
  }
  return expansion;
}

/**
 * The most general gauge-equivariant linear map applied at each vertex on its own: `y = S x + b`
 * with `S` in the gauge package's self-interaction basis (matrices that commute with every
 * rotation, so only equal orders are coupled) and `b` on the scalars. GEM-CNN's "1×1
 * convolution": residual blocks use it to change the field type of their skip connection.
 */
export class FieldLinear extends tf.layers.Layer {
  static className = "FieldLinear";
  readonly inType: FieldType;
  readonly outType: FieldType;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer | undefined;
  private readonly biasInitializer: Initializer | undefined;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: FieldLinearArgs) {
    super(args);
    this.inType = fieldTypeArgument(args?.inType, "FieldLinear: inType", FieldLayerError);
    this.outType = fieldTypeArgument(args.outType, "FieldLinear: outType", FieldLayerError);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer;
    this.biasInitializer = args.biasInitializer;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.inType, `FieldLinear "${this.name}"`, FieldLayerError);
    const { nWeights } = weightExpansion(this.inType, this.outType);
    if (nWeights > 0) {
      this.kernel = this.addWeight(
        "kernel",
        [nWeights],
        "float32",
        this.kernelInitializer ??
          tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(1 / this.inType.dim) }),
      );
    }
    if (this.useBias && this.outType.scalarCount > 0) {
      this.bias = this.addWeight(
        "bias",
        [this.outType.scalarCount],
        "float32",
        this.biasInitializer ?? tf.initializers.zeros(),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...singleShape(inputShape).slice(0, -1), this.outType.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const dimIn = this.inType.dim;
      const dimOut = this.outType.dim;
      const nVertices = x.shape[0];
      let y: tf.Tensor2D;
      if (this.kernel === null) {
        y = tf.zeros([nVertices, dimOut]);
      } else {
        const { matrix } = weightExpansion(this.inType, this.outType);
        const transposed = tf.reshape(sparseMatVec(matrix, this.kernel.read() as tf.Tensor1D), [
          dimIn,
          dimOut,
        ]);
        y = tf.matMul(x, transposed as tf.Tensor2D);
      }
      if (this.bias === null) return y;
      const nScalars = this.outType.scalarCount;
      const padded =
        nScalars === dimOut ? this.bias.read() : tf.pad(this.bias.read(), [[0, dimOut - nScalars]]);
      return tf.add(y, padded);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      inType: this.inType.toString(),
      outType: this.outType.toString(),
      useBias: this.useBias,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(FieldLinear);
