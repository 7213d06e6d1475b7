import { FieldType, SeededRandom } from "@gemcnn/gauge";
import { buildConvGraph, type GemConvSpec, gemConv, gemConvBases } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import type { TangentField } from "../model/fields.js";
import type { MeshModel } from "../model/mesh-model.js";

/**
 * What the network reads at each vertex: a scalar (Gaussian curvature times the squared mean edge
 * length, so that it does not depend on the mesh's size), the order-1 and the order-2 demonstration
 * field.
 */
export const NETWORK_INPUT_TYPE = FieldType.parse("1x0+1x1+1x2");
/** What it produces: three scalar channels, two order-1 and two order-2 channels. */
export const NETWORK_OUTPUT_TYPE = FieldType.parse("3x0+2x1+2x2");

const SPEC: GemConvSpec = { inType: NETWORK_INPUT_TYPE, outType: NETWORK_OUTPUT_TYPE, rings: 2 };

/** The network's output on a mesh, in the mesh's current gauge. */
export interface NetworkFeatures {
  /** `[V × 3]` scalar channels (gauge-invariant). */
  readonly scalars: Float64Array[];
  /** The order-1 channels as fields (coefficients in the current gauge). */
  readonly order1: TangentField[];
  /** The order-2 channels as fields. */
  readonly order2: TangentField[];
}

/**
 * One GemConv layer (`@gemcnn/nn`'s `gemConv`) with seeded random weights and biases: an untrained
 * network whose features are what a trained one's are made of. Runs in float32 on whichever tfjs
 * backend is active (the page sets one up with `pageBackend`).
 */
export class RandomGemConv {
  readonly seed: number;
  private readonly weights: Float32Array;
  private readonly bias: Float32Array;

  constructor(seed = 1) {
    this.seed = seed;
    const { nWeights, nBias } = gemConvBases(SPEC);
    const random = new SeededRandom(seed);
    // Weights of order 1 keep the output of the order of the input; non-zero biases, so that a
    // bias wrongly put on a vector channel would show.
    this.weights = Float32Array.from({ length: nWeights }, () => random.gaussian());
    this.bias = Float32Array.from({ length: nBias }, () => random.uniform(-0.5, 0.5));
  }

  /**
   * The layer's output on `model` in its current gauge: the graph (log map, transport) is built
   * from the model's current frames and the input from its current field coefficients.
   */
  apply(model: MeshModel): NetworkFeatures {
    const nVertices = model.nVertices;
    const input = new Float32Array(nVertices * NETWORK_INPUT_TYPE.dim);
    const scale = model.meanEdgeLength ** 2;
    const { order1, order2 } = model.inputs;
    for (let p = 0; p < nVertices; p++) {
      const row = p * NETWORK_INPUT_TYPE.dim;
      input[row] = model.curvatureDensity[p] * scale;
      input[row + 1] = order1.coefficients[2 * p];
      input[row + 2] = order1.coefficients[2 * p + 1];
      input[row + 3] = order2.coefficients[2 * p];
      input[row + 4] = order2.coefficients[2 * p + 1];
    }
    const graph = buildConvGraph(model.geometry, { frames: model.frames, rings: SPEC.rings });
    const output = tf.tidy(() =>
      gemConv(
        tf.tensor2d(input, [nVertices, NETWORK_INPUT_TYPE.dim]),
        graph,
        tf.tensor1d(this.weights),
        tf.tensor1d(this.bias),
        SPEC,
      ).dataSync(),
    );
    return unpack(output, nVertices);
  }
}

/** Splits a packed `3x0+2x1+2x2` output into channels (layout of docs/conventions.md, "Fields"). */
function unpack(packed: ArrayLike<number>, nVertices: number): NetworkFeatures {
  const dim = NETWORK_OUTPUT_TYPE.dim;
  const scalars = [0, 1, 2].map((c) =>
    Float64Array.from({ length: nVertices }, (_, p) => packed[p * dim + c]),
  );
  const pair = (offset: number) => {
    const coefficients = new Float64Array(2 * nVertices);
    for (let p = 0; p < nVertices; p++) {
      coefficients[2 * p] = packed[p * dim + offset];
      coefficients[2 * p + 1] = packed[p * dim + offset + 1];
    }
    return coefficients;
  };
  const orderOne = NETWORK_OUTPUT_TYPE.slice(NETWORK_OUTPUT_TYPE.termIndexOfOrder(1)).start;
  const orderTwo = NETWORK_OUTPUT_TYPE.slice(NETWORK_OUTPUT_TYPE.termIndexOfOrder(2)).start;
  return {
    scalars,
    order1: [0, 1].map((c) => ({ order: 1 as const, coefficients: pair(orderOne + 2 * c) })),
    order2: [0, 1].map((c) => ({ order: 2 as const, coefficients: pair(orderTwo + 2 * c) })),
  };
}
