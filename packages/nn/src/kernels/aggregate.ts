import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import type { ConvGraph } from "../graph.js";
import { defineJsKernel } from "./js-kernel.js";

/**
 * Neighbour aggregation, the edge half of a GemConv in factored form.
 *
 * The message from `q` to `p` is `ρ_out(θ) Σ_r w_r W_r ρ_in(α) x_q` with `α = g(q→p) − θ(p, q)`.
 * Writing the output rotation of order `m` as `cos(mθ)·v + sin(mθ)·J v` (J the quarter turn of
 * each 2-dimensional copy), the sum over neighbours becomes, for each output order `m`,
 *
 *   out_m(p) = Σ_{c ∈ {cos, sin}} Σ_r J^c P_m W_r · A_{m,c,r}(p),
 *   A_{m,c,r}(p) = s_p Σ_q trig_c(mθ) w_r ρ_in(α) x_q,
 *
 * (`s_p` the mean's 1/count or 1), so the edges only rotate and accumulate input-sized vectors
 * and all channel mixing is one dense matMul per output order (`A_m · M_m`, see mixing.ts).
 * Per edge that is (1 + 2·L_out)·R·dim_in multiply-adds, against R·dim_in·dim_out for mixing
 * every edge's message densely: 10× fewer for 16x0+16x1+16x2 with two rings.
 *
 * `A_m` is row-major `[V × width_m]`: the columns are `(c, r, input column)` followed, when the
 * vertex is in its own neighbourhood and the input has order `m`, by `s_p` times the input's
 * order-`m` columns of `x_p` (for the self-interaction, which only couples equal orders).
 */
export interface AggregationBlock {
  /** Output order `m` (one block per term of the output type, in canonical order). */
  readonly order: number;
  /** 1 (cos only) for order 0, else 2 (cos, sin). */
  readonly phases: 1 | 2;
  /** Number of columns of `A_m`. */
  readonly width: number;
  /** First self-interaction column of `A_m`, or −1 when there is none. */
  readonly selfColumn: number;
  /** Input columns copied into the self-interaction columns: `[start, end)` of the input row. */
  readonly selfInput: readonly [number, number];
}

/** Everything the aggregation kernel needs for one (graph, input type, output orders, rings, mean/sum). */
export interface AggregationPlan {
  readonly nVertices: number;
  readonly dimIn: number;
  readonly offsets: Uint32Array;
  readonly sources: Uint32Array;
  readonly blocks: readonly AggregationBlock[];
  /** Input terms as `[order, start, end)` triples. */
  readonly inTerms: readonly (readonly [number, number, number])[];
  /** Highest input order `L_in`. */
  readonly maxInOrder: number;
  /** `cos nα, sin nα` for `n = 1…L_in`, row-major `[E × 2·L_in]`, `α = g(q→p) − θ(p, q)`. */
  readonly transportTrig: Float64Array;
  /** Coefficients `s_p·trig_c(mθ)·w_r` in `(block, c, r)` order, row-major `[E × K]`. */
  readonly coefficients: Float64Array;
  /** Number of coefficients per edge, `K = Σ_blocks phases·R`. */
  readonly nCoefficients: number;
  /** Block of coefficient `k`. */
  readonly coefficientBlock: Uint32Array;
  /** First column in its block's row of coefficient `k`. */
  readonly coefficientColumn: Uint32Array;
  /** `s_p` for the self-interaction columns (0 when the graph excludes the vertex itself). */
  readonly selfScale: Float64Array;
}

export type Aggregation = "mean" | "sum";

const planCache = new WeakMap<ConvGraph, Map<string, AggregationPlan>>();

/** The aggregation plan of a graph for a layer's types, cached on the graph. */
export function aggregationPlan(
  graph: ConvGraph,
  inType: FieldType,
  outType: FieldType,
  aggregation: Aggregation,
): AggregationPlan {
  const key = `${inType}|${outType.terms.map((t) => t.order).join(",")}|${aggregation}`;
  let plans = planCache.get(graph);
  if (plans === undefined) {
    plans = new Map();
    planCache.set(graph, plans);
  }
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = buildPlan(graph, inType, outType, aggregation);
    plans.set(key, plan);
  }
  return plan;
}

function buildPlan(
  graph: ConvGraph,
  inType: FieldType,
  outType: FieldType,
  aggregation: Aggregation,
): AggregationPlan {
  const { nVertices, offsets, sources, theta, transport, rings, ringWeights, includesSelf } = graph;
  const nEdges = sources.length;
  const dimIn = inType.dim;
  const blocks: AggregationBlock[] = outType.terms.map((t) => {
    const phases = t.order === 0 ? 1 : 2;
    const inTerm = inType.termIndexOfOrder(t.order);
    const neighbourWidth = phases * rings * dimIn;
    if (!includesSelf || inTerm < 0) {
      return { order: t.order, phases, width: neighbourWidth, selfColumn: -1, selfInput: [0, 0] as const };
    }
    const slice = inType.slice(inTerm);
    return {
      order: t.order,
      phases,
      width: neighbourWidth + slice.end - slice.start,
      selfColumn: neighbourWidth,
      selfInput: [slice.start, slice.end] as const,
    };
  });
  const coefficientBlock: number[] = [];
  const coefficientColumn: number[] = [];
  blocks.forEach((b, i) => {
    for (let c = 0; c < b.phases; c++) {
      for (let r = 0; r < rings; r++) {
        coefficientBlock.push(i);
        coefficientColumn.push((c * rings + r) * dimIn);
      }
    }
  });
  const nCoefficients = coefficientBlock.length;
  const maxInOrder = inType.maxOrder;
  const transportTrig = new Float64Array(nEdges * 2 * maxInOrder);
  const coefficients = new Float64Array(nEdges * nCoefficients);
  const selfScale = new Float64Array(nVertices);
  for (let p = 0; p < nVertices; p++) {
    const count = offsets[p + 1] - offsets[p] + (includesSelf ? 1 : 0);
    const scale = aggregation === "mean" ? (count > 0 ? 1 / count : 0) : 1;
    if (includesSelf) selfScale[p] = scale;
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      const alpha = transport[e] - theta[e];
      for (let n = 1; n <= maxInOrder; n++) {
        transportTrig[e * 2 * maxInOrder + 2 * (n - 1)] = Math.cos(n * alpha);
        transportTrig[e * 2 * maxInOrder + 2 * (n - 1) + 1] = Math.sin(n * alpha);
      }
      let k = 0;
      for (const b of blocks) {
        for (let c = 0; c < b.phases; c++) {
          const trig =
            b.order === 0 ? 1 : c === 0 ? Math.cos(b.order * theta[e]) : Math.sin(b.order * theta[e]);
          for (let r = 0; r < rings; r++) {
            coefficients[e * nCoefficients + k++] = scale * trig * ringWeights[e * rings + r];
          }
        }
      }
    }
  }
  return {
    nVertices,
    dimIn,
    offsets,
    sources,
    blocks,
    inTerms: inType.terms.map((t, i) => {
      const s = inType.slice(i);
      return [t.order, s.start, s.end] as const;
    }),
    maxInOrder,
    transportTrig,
    coefficients,
    nCoefficients,
    coefficientBlock: Uint32Array.from(coefficientBlock),
    coefficientColumn: Uint32Array.from(coefficientColumn),
    selfScale,
  };
}

/**
 * `y = ρ_in(sign·α_e) x` for the row of `x` starting at `xo`: rotates every 2-dimensional copy of
 * order `n` by `sign·n·α_e`, copies scalars.
 */
function transportRow(
  plan: AggregationPlan,
  e: number,
  sign: 1 | -1,
  x: Float32Array | Float64Array,
  xo: number,
  y: Float64Array,
): void {
  const trig = plan.transportTrig;
  const t0 = e * 2 * plan.maxInOrder;
  for (const [order, start, end] of plan.inTerms) {
    if (order === 0) {
      for (let j = start; j < end; j++) y[j] = x[xo + j];
      continue;
    }
    const c = trig[t0 + 2 * (order - 1)];
    const s = sign * trig[t0 + 2 * (order - 1) + 1];
    for (let j = start; j < end; j += 2) {
      const a = x[xo + j];
      const b = x[xo + j + 1];
      y[j] = c * a - s * b;
      y[j + 1] = s * a + c * b;
    }
  }
}

/** Forward loop: fills the blocks `a[i]` (zeroed, `[V × width_i]`) from `x` (`[V × dim_in]`). */
export function aggregateForward(plan: AggregationPlan, x: Float32Array, a: Float32Array[]): void {
  const { nVertices, dimIn, offsets, sources, blocks, coefficients, nCoefficients, selfScale } = plan;
  const kBlock = plan.coefficientBlock;
  const kColumn = plan.coefficientColumn;
  const y = new Float64Array(dimIn);
  const rowStart = new Uint32Array(blocks.length);
  for (let p = 0; p < nVertices; p++) {
    for (let i = 0; i < blocks.length; i++) rowStart[i] = p * blocks[i].width;
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      transportRow(plan, e, 1, x, sources[e] * dimIn, y);
      const c0 = e * nCoefficients;
      for (let k = 0; k < nCoefficients; k++) {
        const kappa = coefficients[c0 + k];
        if (kappa === 0) continue;
        const out = a[kBlock[k]];
        const o = rowStart[kBlock[k]] + kColumn[k];
        for (let j = 0; j < dimIn; j++) out[o + j] += kappa * y[j];
      }
    }
    const s = selfScale[p];
    if (s === 0) continue;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      if (b.selfColumn < 0) continue;
      const out = a[i];
      const o = rowStart[i] + b.selfColumn - b.selfInput[0];
      for (let j = b.selfInput[0]; j < b.selfInput[1]; j++) out[o + j] = s * x[p * dimIn + j];
    }
  }
}

/** Backward loop (the transpose of `aggregateForward`): accumulates into `dx` (zeroed, `[V × dim_in]`). */
export function aggregateBackward(plan: AggregationPlan, da: Float32Array[], dx: Float32Array): void {
  const { nVertices, dimIn, offsets, sources, blocks, coefficients, nCoefficients, selfScale } = plan;
  const kBlock = plan.coefficientBlock;
  const kColumn = plan.coefficientColumn;
  const dy = new Float64Array(dimIn);
  const y = new Float64Array(dimIn);
  const rowStart = new Uint32Array(blocks.length);
  for (let p = 0; p < nVertices; p++) {
    for (let i = 0; i < blocks.length; i++) rowStart[i] = p * blocks[i].width;
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      dy.fill(0);
      const c0 = e * nCoefficients;
      for (let k = 0; k < nCoefficients; k++) {
        const kappa = coefficients[c0 + k];
        if (kappa === 0) continue;
        const g = da[kBlock[k]];
        const o = rowStart[kBlock[k]] + kColumn[k];
        for (let j = 0; j < dimIn; j++) dy[j] += kappa * g[o + j];
      }
      transportRow(plan, e, -1, dy, 0, y);
      const qo = sources[e] * dimIn;
      for (let j = 0; j < dimIn; j++) dx[qo + j] += y[j];
    }
    const s = selfScale[p];
    if (s === 0) continue;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      if (b.selfColumn < 0) continue;
      const g = da[i];
      const o = rowStart[i] + b.selfColumn - b.selfInput[0];
      for (let j = b.selfInput[0]; j < b.selfInput[1]; j++) dx[p * dimIn + j] += s * g[o + j];
    }
  }
}

interface PlanAttrs {
  readonly plan: AggregationPlan;
}

const aggregateKernel = defineJsKernel<PlanAttrs>({
  name: "GemcnnAggregate",
  inputNames: ["x"],
  outputShapes: ({ plan }) => plan.blocks.map((b) => [plan.nVertices, b.width]),
  body: ({ plan }, [x], a) => aggregateForward(plan, x, a),
});

/** Inputs: the gradients of the blocks, in block order. */
const aggregateGradientKernel = defineJsKernel<PlanAttrs>({
  name: "GemcnnAggregateGrad",
  outputShapes: ({ plan }) => [[plan.nVertices, plan.dimIn]],
  body: ({ plan }, da, [dx]) => aggregateBackward(plan, da, dx),
});

tf.registerGradient({
  kernelName: "GemcnnAggregate",
  gradFunc: (dys, _saved, attrs) => {
    const { plan } = attrs as unknown as PlanAttrs;
    const list = (Array.isArray(dys) ? dys : [dys]).map(
      (dy, i) => dy ?? tf.zeros([plan.nVertices, plan.blocks[i].width]),
    );
    return { x: () => aggregateGradientKernel(list, { plan })[0] };
  },
});

/**
 * The aggregation as a differentiable tfjs op: `x` (`[V × dim_in]`, float32) to one tensor
 * `A_m` per output term. Its gradient is the transposed loop (`aggregateBackward`).
 */
export function aggregate(x: tf.Tensor2D, plan: AggregationPlan): tf.Tensor2D[] {
  if (x.rank !== 2 || x.shape[0] !== plan.nVertices || x.shape[1] !== plan.dimIn) {
    throw new Error(
      `aggregate: expected features of shape [${plan.nVertices}, ${plan.dimIn}], got [${x.shape.join(", ")}]`,
    );
  }
  return aggregateKernel([x], { plan }) as tf.Tensor2D[];
}
