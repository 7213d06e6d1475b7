import { type FieldType, irrepDim, selfInteractionBasis } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { type SparseMatrix, sparseMatrix, sparseMatVec } from "../ops/sparse-matvec.js";
import { assertLayerSize, FieldLayerError } from "./field-layer-utils.js";
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
 * weight, where a dense basis tensor would have `nWeights · dimIn · dimOut` numbers. Built from
 * the basis's blocks in time proportional to those non-zeros (placing each element where
 * `SelfInteractionBasis.assemble` puts it), not by assembling one dense matrix per weight.
 */
const expansions = new Map<string, { nWeights: number; matrix: SparseMatrix }>();

function weightExpansion(inType: FieldType, outType: FieldType): { nWeights: number; matrix: SparseMatrix } {
  const key = `${inType}|${outType}`;
  let expansion = expansions.get(key);
  if (expansion === undefined) {
    const self = selfInteractionBasis(inType, outType);
    const dimOut = outType.dim;
    const triplets: [number, number, number][] = [];
    for (const b of self.blocks) {
      const dOut = irrepDim(b.outOrder);
      const dIn = irrepDim(b.inOrder);
      const nElements = b.elements.length;
      for (let i = 0; i < b.outMultiplicity; i++) {
        for (let j = 0; j < b.inMultiplicity; j++) {
          const w0 = b.weightOffset + (i * b.inMultiplicity + j) * nElements;
          for (let e = 0; e < nElements; e++) {
            const W = b.elements[e].W;
            for (let r = 0; r < dOut; r++) {
              for (let c = 0; c < dIn; c++) {
                const value = W[r * dIn + c];
                if (value === 0) continue;
                const row = b.outStart + i * dOut + r;
                const column = b.inStart + j * dIn + c;
                triplets.push([column * dimOut + row, w0 + e, value]);
              }
            }
          }
        }
      }
    }
    expansion = {
      nWeights: self.nWeights,
      matrix: sparseMatrix(inType.dim * dimOut, self.nWeights, triplets),
    };
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
    assertLayerSize(
      `FieldLinear "${this.inType}" → "${this.outType}"`,
      `its matrix (${this.inType.dim} × ${this.outType.dim})`,
      this.inType.dim * this.outType.dim,
    );
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
