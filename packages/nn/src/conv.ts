import {
  type FieldType,
  type KernelBasis,
  kernelBasis,
  type SelfInteractionBasis,
  selfInteractionBasis,
} from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { assertConvGraphLive, type ConvGraph } from "./graph.js";
import { type Aggregation, aggregate, aggregationPlan } from "./kernels/aggregate.js";
import { concatColumns } from "./kernels/columns.js";
import { type MixingPlan, mixingMatrices, mixingPlan } from "./kernels/mixing.js";
import { assertLayerSize } from "./layers/field-layer-utils.js";

/** What defines a GemConv apart from its weights. */
export interface GemConvSpec {
  readonly inType: FieldType;
  readonly outType: FieldType;
  /** Number of radial rings; must match the graph's. */
  readonly rings: number;
  /** Mean (default) or sum over the neighbourhood, the vertex itself included when the graph includes it. */
  readonly aggregation?: Aggregation;
  /** Band limit of the neighbour kernels (GEM-CNN's): no basis element of higher angular frequency. */
  readonly maxFrequency?: number;
}

/** A malformed layer argument or a mismatch between a layer and its inputs. */
export class GemConvError extends Error {
  override name = "GemConvError";
}

/** The gauge package's bases for a spec, and how many weights the layer has. */
export interface GemConvBases {
  readonly neighbour: KernelBasis;
  readonly self: SelfInteractionBasis;
  /** Length of the flat kernel weight vector: `rings × neighbour.nWeights + self.nWeights`. */
  readonly nWeights: number;
  /** Number of bias entries: one per scalar output copy. */
  readonly nBias: number;
}

const basisCache = new Map<string, GemConvBases>();

function specKey(spec: GemConvSpec): string {
  return `${spec.inType}|${spec.outType}|${spec.rings}|${spec.maxFrequency ?? "inf"}`;
}

/**
 * The neighbour and self-interaction bases of a spec (cached). Throws a `GemConvError` when the
 * dense mixing matrices of the spec, `(2 · rings + 1) · inType.dim · outType.dim` numbers (which
 * also bound the number of weights), would exceed `MAX_LAYER_SIZE`.
 */
export function gemConvBases(spec: GemConvSpec): GemConvBases {
  const key = specKey(spec);
  let bases = basisCache.get(key);
  if (bases === undefined) {
    const blocks = 2 * spec.rings + 1;
    assertLayerSize(
      `GemConv "${spec.inType}" → "${spec.outType}"`,
      `its kernel matrices (${blocks} × ${spec.inType.dim} × ${spec.outType.dim})`,
      blocks * spec.inType.dim * spec.outType.dim,
      GemConvError,
    );
    const neighbour = kernelBasis(spec.inType, spec.outType, { maxFrequency: spec.maxFrequency });
    const self = selfInteractionBasis(spec.inType, spec.outType);
    bases = {
      neighbour,
      self,
      nWeights: spec.rings * neighbour.nWeights + self.nWeights,
      nBias: spec.outType.scalarCount,
    };
    basisCache.set(key, bases);
  }
  return bases;
}

const mixingCache = new Map<string, MixingPlan>();

/**
 * `a · m` (`a` tall: `[V × K]`, `m` small: `[K × N]`) with gradients computed without the wasm
 * backend's slow paths: its matMul with `transposeA`/`transposeB` set is 3–6× slower than
 * transposing first (see bench/conv-stages.ts). The wasm matMul packs its second operand
 * anew for every new tensor, so that operand is kept small: `dm = aᵀ · dy`, not `(dyᵀ · a)ᵀ`.
 */
const matMulTallSmall = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, m, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, m]);
  return {
    value: tf.matMul(a, m),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sm] = saved as tf.Tensor2D[];
      const dy2 = dy as tf.Tensor2D;
      return [tf.matMul(dy2, tf.transpose(sm)), tf.matMul(tf.transpose(sa), dy2)];
    },
  };
}) as (a: tf.Tensor2D, m: tf.Tensor2D) => tf.Tensor2D;

/**
 * One gauge-equivariant convolution (GEM-CNN) of the packed field `x` (`[V × inType.dim]`) over
 * `graph`:
 *
 *   out_p = s_p (Σ_q Σ_r w_r(r_pq) K_r(θ_pq) ρ_in(g(q→p)) x_q + S x_p) + b,
 *
 * with `K_r(θ) = ρ_out(θ) W_r ρ_in(−θ)` from the gauge package's neighbour basis, `S` from its
 * commuting self-interaction basis (only when the graph includes the vertex itself), `s_p` the
 * mean's 1/count or 1, and the bias `b` on scalar outputs only. `weights` is the flat vector of
 * `gemConvBases(spec).nWeights` basis coefficients: ring-major neighbour weights in the basis's
 * documented order, then the self weights.
 */
export function gemConv(
  x: tf.Tensor2D,
  graph: ConvGraph,
  weights: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  spec: GemConvSpec,
): tf.Tensor2D {
  assertConvGraphLive(graph, "GemConv");
  const bases = gemConvBases(spec);
  if (graph.rings !== spec.rings) {
    throw new GemConvError(`GemConv has ${spec.rings} rings but the graph was built with ${graph.rings}`);
  }
  if (x.rank !== 2 || x.shape[0] !== graph.nVertices || x.shape[1] !== spec.inType.dim) {
    throw new GemConvError(
      `GemConv input must have shape [${graph.nVertices} vertices, ${spec.inType.dim} = dim "${spec.inType}"], got [${x.shape.join(", ")}]`,
    );
  }
  if (weights.rank !== 1 || weights.shape[0] !== bases.nWeights) {
    throw new GemConvError(
      `GemConv weights must have shape [${bases.nWeights}], got [${weights.shape.join(", ")}]`,
    );
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== bases.nBias)) {
    throw new GemConvError(`GemConv bias must have shape [${bases.nBias}], got [${bias.shape.join(", ")}]`);
  }
  const aggregation = spec.aggregation ?? "mean";
  const plan = aggregationPlan(graph, spec.inType, spec.outType, aggregation);
  const mixingKey = `${specKey(spec)}|${graph.includesSelf}`;
  let mixing = mixingCache.get(mixingKey);
  if (mixing === undefined) {
    mixing = mixingPlan(plan.blocks, bases.neighbour, spec.rings, bases.self);
    mixingCache.set(mixingKey, mixing);
  }
  return tf.tidy(() => {
    const blocks = aggregate(x, plan);
    const matrices = mixingMatrices(weights, mixing);
    const outs: tf.Tensor2D[] = blocks.map((a, i) => matMulTallSmall(a, matrices[i]));
    if (bias !== null && bases.nBias > 0) outs[0] = tf.add(outs[0], bias);
    return outs.length === 1 ? outs[0] : concatColumns(outs);
  });
}
