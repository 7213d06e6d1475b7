import { type FieldType, irrepDim, type KernelBasis, type SelfInteractionBasis } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import type { AggregationBlock } from "./aggregate.js";
import { defineJsKernel } from "./js-kernel.js";

/**
 * Mixing matrices: the linear map from a GemConv's basis coefficients to the matrices `M_m`
 * that multiply the aggregated blocks `A_m` (see aggregate.ts): `out_m = A_m · M_m`.
 *
 * `M_m` is row-major `[width_m × dim(out order m)]`. Its rows follow the columns of `A_m`:
 * row `(c, r, j)` holds column `j` of `(J^c P_m W_r)` transposed, where `W_r = Σ w · W_element`
 * is the factored neighbour kernel of ring `r` (the gauge package's `assembleW`) and `J` the
 * quarter turn of each output copy; the self-interaction rows hold the commuting kernel `S`
 * restricted to order `m`. The map is sparse and fixed, so it is kept as triplets
 * (destination, weight, value) and applied by one loop forwards and its transpose backwards.
 */
export interface MixingPlan {
  readonly blocks: readonly AggregationBlock[];
  /** Number of output columns of each block. */
  readonly outWidths: readonly number[];
  /** Number of neighbour weights: `rings × basis.nWeights`. */
  readonly nNeighbourWeights: number;
  /** Number of self-interaction weights (0 without self-interaction). */
  readonly nSelfWeights: number;
  /**
   * Triplets: `M_{block[i]}[destination[i]] += value[i] · weights[weight[i]]` (destination
   * row-major in the block's matrix; weights: the neighbour weights, then the self weights).
   */
  readonly block: Uint8Array;
  readonly destination: Uint32Array;
  readonly weight: Uint32Array;
  readonly value: Float64Array;
}

/** Builds the triplets of the mixing map for `rings` rings of `basis` and an optional self basis. */
export function mixingPlan(
  blocks: readonly AggregationBlock[],
  basis: KernelBasis,
  rings: number,
  selfBasis: SelfInteractionBasis | null,
): MixingPlan {
  const inType: FieldType = basis.inType;
  const outType: FieldType = basis.outType;
  const dimIn = inType.dim;
  const outWidths = outType.terms.map((_, i) => outType.slice(i).end - outType.slice(i).start);
  const blockOf: number[] = [];
  const destination: number[] = [];
  const weight: number[] = [];
  const value: number[] = [];
  const push = (block: number, row: number, column: number, w: number, v: number) => {
    blockOf.push(block);
    destination.push(row * outWidths[block] + column);
    weight.push(w);
    value.push(v);
  };
  for (const b of basis.blocks) {
    const dOut = irrepDim(b.outOrder);
    const dIn = irrepDim(b.inOrder);
    const nElements = b.elements.length;
    for (let i = 0; i < b.outMultiplicity; i++) {
      for (let j = 0; j < b.inMultiplicity; j++) {
        for (let e = 0; e < nElements; e++) {
          const W = b.elements[e].W;
          const local = b.weightOffset + (i * b.inMultiplicity + j) * nElements + e;
          for (let rr = 0; rr < dOut; rr++) {
            for (let cc = 0; cc < dIn; cc++) {
              const v = W[rr * dIn + cc];
              if (v === 0) continue;
              const inColumn = b.inStart + j * dIn + cc;
              // Column of M (an output number within the term) and its J-rotated partner.
              const column = i * dOut + rr;
              for (let r = 0; r < rings; r++) {
                const w = r * basis.nWeights + local;
                push(b.outTerm, r * dimIn + inColumn, column, w, v);
                if (dOut === 2) {
                  // (J W)[row 0] = −W[row 1], (J W)[row 1] = W[row 0].
                  const partner = rr === 0 ? column + 1 : column - 1;
                  push(b.outTerm, (rings + r) * dimIn + inColumn, partner, w, rr === 0 ? v : -v);
                }
              }
            }
          }
        }
      }
    }
  }
  const nNeighbourWeights = rings * basis.nWeights;
  const nSelfWeights = selfBasis?.nWeights ?? 0;
  if (selfBasis !== null) {
    for (const b of selfBasis.blocks) {
      const block = blocks[b.outTerm];
      if (block.selfColumn < 0) continue;
      const d = irrepDim(b.outOrder);
      const nElements = b.elements.length;
      for (let i = 0; i < b.outMultiplicity; i++) {
        for (let j = 0; j < b.inMultiplicity; j++) {
          for (let e = 0; e < nElements; e++) {
            const W = b.elements[e].W;
            const w = nNeighbourWeights + b.weightOffset + (i * b.inMultiplicity + j) * nElements + e;
            for (let rr = 0; rr < d; rr++) {
              for (let cc = 0; cc < d; cc++) {
                const v = W[rr * d + cc];
                if (v !== 0) push(b.outTerm, block.selfColumn + j * d + cc, i * d + rr, w, v);
              }
            }
          }
        }
      }
    }
  }
  return {
    blocks,
    outWidths,
    nNeighbourWeights,
    nSelfWeights,
    block: Uint8Array.from(blockOf),
    destination: Uint32Array.from(destination),
    weight: Uint32Array.from(weight),
    value: Float64Array.from(value),
  };
}

interface MixingAttrs {
  readonly plan: MixingPlan;
}

const mixingKernel = defineJsKernel<MixingAttrs>({
  name: "GemcnnMixing",
  inputNames: ["weights"],
  outputShapes: ({ plan }) => plan.blocks.map((b, i) => [b.width, plan.outWidths[i]]),
  body: ({ plan }, [weights], outputs) => {
    const { block, destination, weight, value } = plan;
    for (let t = 0; t < destination.length; t++) {
      outputs[block[t]][destination[t]] += value[t] * weights[weight[t]];
    }
  },
});

/** Inputs: the gradients of the matrices, in block order. */
const mixingGradientKernel = defineJsKernel<MixingAttrs>({
  name: "GemcnnMixingGrad",
  outputShapes: ({ plan }) => [[plan.nNeighbourWeights + plan.nSelfWeights]],
  body: ({ plan }, dm, [dw]) => {
    const { block, destination, weight, value } = plan;
    for (let t = 0; t < destination.length; t++) dw[weight[t]] += value[t] * dm[block[t]][destination[t]];
  },
});

tf.registerGradient({
  kernelName: "GemcnnMixing",
  gradFunc: (dys, _saved, attrs) => {
    const { plan } = attrs as unknown as MixingAttrs;
    const list = (Array.isArray(dys) ? dys : [dys]).map(
      (dy, i) => dy ?? tf.zeros([plan.blocks[i].width, plan.outWidths[i]]),
    );
    return { weights: () => mixingGradientKernel(list, { plan })[0] };
  },
});

/**
 * The mixing matrices `M_m` (one per output term) from the flat weights: the neighbour weights
 * (`rings × nWeights`, ring-major) followed by the self-interaction weights.
 */
export function mixingMatrices(weights: tf.Tensor1D, plan: MixingPlan): tf.Tensor2D[] {
  const expected = plan.nNeighbourWeights + plan.nSelfWeights;
  if (weights.rank !== 1 || weights.shape[0] !== expected) {
    throw new Error(`mixingMatrices: expected ${expected} weights, got shape [${weights.shape.join(", ")}]`);
  }
  return mixingKernel([weights], { plan }) as tf.Tensor2D[];
}
