import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import {
  assertConvGraphLive,
  type ConvGraph,
  ConvGraphError,
  convGraphParts,
  isConvGraphDisposed,
  onConvGraphDispose,
} from "../graph.js";
import { defineJsKernel } from "./js-kernel.js";
import type { SimdKernels } from "./simd-module.js";
import { type WasmArena, wasmArena } from "./wasm-arena.js";
import { activeWasmHeap, releaseWasmTables, type WasmHeap } from "./wasm-heap.js";

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
 * every edge's message densely: 16× fewer for 16x0+16x1+16x2 with two rings.
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
  /** Order of each input term. */
  readonly inTermOrder: Int32Array;
  /** First and one-past-last column of each input term. */
  readonly inTermStart: Int32Array;
  readonly inTermEnd: Int32Array;
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
/** Plans of disposed graphs: their wasm tables are freed, and running them throws. */
const disposedPlans = new WeakSet<AggregationPlan>();

// A graph owns its plans, and each plan its tables in the wasm heap.
onConvGraphDispose((graph) => {
  const plans = planCache.get(graph);
  if (plans === undefined) return;
  planCache.delete(graph);
  for (const plan of plans.values()) {
    disposedPlans.add(plan);
    releaseWasmTables(plan);
  }
});

/** Throws when `plan`'s graph has been disposed (its tables may be freed, and must not be remade). */
function assertPlanLive(plan: AggregationPlan, caller: string): void {
  if (disposedPlans.has(plan)) {
    throw new ConvGraphError(
      `${caller}: the convolution graph of this aggregation (${plan.nVertices} vertices) has been disposed; build or batch the meshes again`,
    );
  }
}

/** The aggregation plan of a graph for a layer's types, cached on the graph. */
export function aggregationPlan(
  graph: ConvGraph,
  inType: FieldType,
  outType: FieldType,
  aggregation: Aggregation,
): AggregationPlan {
  assertConvGraphLive(graph, "aggregationPlan");
  const key = `${inType}|${outType.terms.map((t) => t.order).join(",")}|${aggregation}`;
  let plans = planCache.get(graph);
  if (plans === undefined) {
    plans = new Map();
    planCache.set(graph, plans);
  }
  let plan = plans.get(key);
  if (plan === undefined) {
    // A batch's graph is its meshes' graphs side by side, and every number of a plan belongs to
    // one edge or one vertex of one mesh: the batch's plan is the meshes' plans (built once per
    // mesh and cached on its graph) concatenated, the same numbers without the trigonometry.
    const parts = convGraphParts(graph);
    plan =
      parts !== undefined && !parts.some(isConvGraphDisposed)
        ? concatenatedPlan(
            graph,
            parts.map((part) => aggregationPlan(part, inType, outType, aggregation)),
          )
        : buildPlan(graph, inType, outType, aggregation);
    plans.set(key, plan);
  }
  return plan;
}

function sumOfLengths(arrays: readonly ArrayLike<number>[]): number {
  return arrays.reduce((n, a) => n + a.length, 0);
}

/** `arrays` one after another in `out` (as long as all of them together), returned. */
function concatenated<T extends Float32Array | Float64Array>(arrays: readonly T[], out: T): T {
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The plans a concatenated plan was made of, whose float32 tables it concatenates too. */
const planParts = new WeakMap<AggregationPlan, readonly AggregationPlan[]>();

/** The plan of `graph`, the disjoint union of the graphs of `parts` (in order), from theirs. */
function concatenatedPlan(graph: ConvGraph, parts: readonly AggregationPlan[]): AggregationPlan {
  const first = parts[0];
  const concat = (arrays: Float64Array[]) => concatenated(arrays, new Float64Array(sumOfLengths(arrays)));
  const plan: AggregationPlan = {
    ...first,
    nVertices: graph.nVertices,
    offsets: graph.offsets,
    sources: graph.sources,
    transportTrig: concat(parts.map((p) => p.transportTrig)),
    coefficients: concat(parts.map((p) => p.coefficients)),
    selfScale: concat(parts.map((p) => p.selfScale)),
  };
  planParts.set(plan, parts);
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
    inTermOrder: Int32Array.from(inType.terms, (t) => t.order),
    inTermStart: Int32Array.from(inType.terms, (_, i) => inType.slice(i).start),
    inTermEnd: Int32Array.from(inType.terms, (_, i) => inType.slice(i).end),
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
 * `y[yo…] = ρ_in(sign·α_e) x[xo…]` for one row: rotates every 2-dimensional copy of order `n`
 * by `sign·n·α_e`, copies scalars.
 */
function transportRow(
  plan: AggregationPlan,
  e: number,
  sign: 1 | -1,
  x: Float32Array | Float64Array,
  xo: number,
  y: Float32Array | Float64Array,
  yo: number,
): void {
  const trig = plan.transportTrig;
  const t0 = e * 2 * plan.maxInOrder;
  const { inTermOrder, inTermStart, inTermEnd } = plan;
  for (let t = 0; t < inTermOrder.length; t++) {
    const order = inTermOrder[t];
    const start = inTermStart[t];
    const end = inTermEnd[t];
    if (order === 0) {
      for (let j = start; j < end; j++) y[yo + j] = x[xo + j];
      continue;
    }
    const c = trig[t0 + 2 * (order - 1)];
    const s = sign * trig[t0 + 2 * (order - 1) + 1];
    for (let j = start; j < end; j += 2) {
      const a = x[xo + j];
      const b = x[xo + j + 1];
      y[yo + j] = c * a - s * b;
      y[yo + j + 1] = s * a + c * b;
    }
  }
}

/** The self-interaction columns: `a_m[p, self] = s_p · x_p[order m]`. */
function selfForward(plan: AggregationPlan, x: Float32Array, a: Float32Array[]): void {
  const { nVertices, dimIn, blocks, selfScale } = plan;
  blocks.forEach((b, i) => {
    if (b.selfColumn < 0) return;
    const out = a[i];
    const [start, end] = b.selfInput;
    for (let p = 0; p < nVertices; p++) {
      const s = selfScale[p];
      const o = p * b.width + b.selfColumn - start;
      for (let j = start; j < end; j++) out[o + j] = s * x[p * dimIn + j];
    }
  });
}

/** Transpose of `selfForward`, accumulated into `dx`. */
function selfBackward(plan: AggregationPlan, da: Float32Array[], dx: Float32Array): void {
  const { nVertices, dimIn, blocks, selfScale } = plan;
  blocks.forEach((b, i) => {
    if (b.selfColumn < 0) return;
    const g = da[i];
    const [start, end] = b.selfInput;
    for (let p = 0; p < nVertices; p++) {
      const s = selfScale[p];
      const o = p * b.width + b.selfColumn - start;
      for (let j = start; j < end; j++) dx[p * dimIn + j] += s * g[o + j];
    }
  });
}

/** Forward loop in JavaScript: fills the blocks `a[i]` (zeroed, `[V × width_i]`) from `x` (`[V × dim_in]`). */
export function aggregateForward(plan: AggregationPlan, x: Float32Array, a: Float32Array[]): void {
  const { nVertices, dimIn, offsets, sources, blocks, coefficients, nCoefficients } = plan;
  const kBlock = plan.coefficientBlock;
  const kColumn = plan.coefficientColumn;
  const y = new Float64Array(dimIn);
  const rowStart = new Uint32Array(blocks.length);
  for (let p = 0; p < nVertices; p++) {
    for (let i = 0; i < blocks.length; i++) rowStart[i] = p * blocks[i].width;
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      transportRow(plan, e, 1, x, sources[e] * dimIn, y, 0);
      const c0 = e * nCoefficients;
      for (let k = 0; k < nCoefficients; k++) {
        const kappa = coefficients[c0 + k];
        if (kappa === 0) continue;
        const out = a[kBlock[k]];
        const o = rowStart[kBlock[k]] + kColumn[k];
        for (let j = 0; j < dimIn; j++) out[o + j] += kappa * y[j];
      }
    }
  }
  selfForward(plan, x, a);
}

/** Backward loop in JavaScript (the transpose of `aggregateForward`): accumulates into `dx` (zeroed). */
export function aggregateBackward(plan: AggregationPlan, da: Float32Array[], dx: Float32Array): void {
  const { nVertices, dimIn, offsets, sources, blocks, coefficients, nCoefficients } = plan;
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
      transportRow(plan, e, -1, dy, 0, y, 0);
      const qo = sources[e] * dimIn;
      for (let j = 0; j < dimIn; j++) dx[qo + j] += y[j];
    }
  }
  selfBackward(plan, da, dx);
}

/** Float32 copies of the plan's tables for the SIMD kernels, made once per plan. */
interface PlanTables {
  readonly coefficients: Float32Array;
  readonly transportTrig: Float32Array;
  /** Per input term: byte offset of its `cos` in a trig row (−1 for scalars), first and end byte. */
  readonly terms: Uint32Array;
}

const planTables = new WeakMap<AggregationPlan, PlanTables>();

function tablesOf(plan: AggregationPlan): PlanTables {
  let tables = planTables.get(plan);
  if (tables === undefined) {
    const parts = planParts.get(plan)?.map(tablesOf);
    const float32 = (whole: Float64Array, part: (t: PlanTables) => Float32Array) =>
      parts === undefined
        ? Float32Array.from(whole)
        : concatenated(parts.map(part), new Float32Array(whole.length));
    tables = {
      coefficients: float32(plan.coefficients, (t) => t.coefficients),
      transportTrig: float32(plan.transportTrig, (t) => t.transportTrig),
      terms: Uint32Array.from(
        Array.from(plan.inTermOrder, (order, t) => [
          order === 0 ? -1 : 8 * (order - 1),
          4 * plan.inTermStart[t],
          4 * plan.inTermEnd[t],
        ]).flat(),
      ),
    };
    planTables.set(plan, tables);
  }
  return tables;
}

/** Addresses of the SIMD path's data in a wasm memory (the backend's heap or the private arena). */
interface WasmAddresses {
  readonly heap: { readonly memory: WebAssembly.Memory; readonly kernels: SimdKernels };
  readonly offsets: number;
  readonly sources: number;
  readonly coefficients: number;
  /** `[E × 2·L_in]` f32: `cos nα, sin nα`. */
  readonly transportTrig: number;
  /** The input terms for the transport kernels: (trig byte offset or −1, first byte, end byte). */
  readonly terms: number;
  /** Scratch `[E × dim_in]` f32: the transported neighbour rows (forward) or their gradients. */
  readonly rows: number;
  /** Scratch `[K × 2]` i32: the target table of the SIMD kernels. */
  readonly targets: number;
}

function wasmAddresses(heap: WasmHeap, plan: AggregationPlan): WasmAddresses {
  const nEdges = plan.sources.length;
  return {
    heap,
    offsets: heap.constant(plan, "offsets", () => plan.offsets),
    sources: heap.constant(plan, "sources", () => plan.sources),
    coefficients: heap.constant(plan, "coefficients", () => tablesOf(plan).coefficients),
    transportTrig: heap.constant(plan, "transportTrig", () => tablesOf(plan).transportTrig),
    terms: heap.constant(plan, "terms", () => tablesOf(plan).terms),
    rows: heap.scratch("aggregate rows", 4 * nEdges * plan.dimIn),
    targets: heap.scratch("aggregate targets", 8 * plan.nCoefficients),
  };
}

/** Points the SIMD kernels' target table at row 0, column `kColumn[k]` of each coefficient's block. */
function writeTargets(plan: AggregationPlan, w: WasmAddresses, blocks: Float32Array[]): void {
  const table = new Int32Array(w.heap.memory.buffer, w.targets, 2 * plan.nCoefficients);
  for (let k = 0; k < plan.nCoefficients; k++) {
    const b = plan.coefficientBlock[k];
    table[2 * k] = blocks[b].byteOffset + 4 * plan.coefficientColumn[k];
    table[2 * k + 1] = 4 * plan.blocks[b].width;
  }
}

/** The transport kernels' arguments after the vertex array. */
function transportArguments(plan: AggregationPlan, w: WasmAddresses) {
  return [
    plan.dimIn,
    w.transportTrig,
    8 * plan.maxInOrder,
    w.terms,
    plan.inTermOrder.length,
    w.rows,
  ] as const;
}

/** Forward with the SIMD kernels: transport every neighbour row, then accumulate the coefficients. */
function aggregateForwardSimd(
  plan: AggregationPlan,
  w: WasmAddresses,
  x: Float32Array,
  a: Float32Array[],
): void {
  const { nVertices, dimIn, sources } = plan;
  w.heap.kernels.gatherTransported(sources.length, w.sources, x.byteOffset, ...transportArguments(plan, w));
  writeTargets(plan, w, a);
  w.heap.kernels.accumulate(
    nVertices,
    w.offsets,
    w.rows,
    dimIn,
    w.coefficients,
    plan.nCoefficients,
    w.targets,
  );
  selfForward(plan, x, a);
}

/** Backward with the SIMD kernels: gather the coefficients' gradients, then transport them back and scatter. */
function aggregateBackwardSimd(
  plan: AggregationPlan,
  w: WasmAddresses,
  da: Float32Array[],
  dx: Float32Array,
): void {
  const { nVertices, dimIn, sources } = plan;
  const rows = new Float32Array(w.heap.memory.buffer, w.rows, sources.length * dimIn);
  rows.fill(0);
  writeTargets(plan, w, da);
  w.heap.kernels.gather(nVertices, w.offsets, w.rows, dimIn, w.coefficients, plan.nCoefficients, w.targets);
  w.heap.kernels.scatterTransported(sources.length, w.sources, dx.byteOffset, ...transportArguments(plan, w));
  selfBackward(plan, da, dx);
}

/** The plan's tables and scratch in the arena (reset first: everything of a call lives there). */
function arenaAddresses(arena: WasmArena, plan: AggregationPlan): WasmAddresses {
  arena.reset();
  const tables = tablesOf(plan);
  return {
    heap: arena,
    offsets: arena.put(plan.offsets),
    sources: arena.put(plan.sources),
    coefficients: arena.put(tables.coefficients),
    transportTrig: arena.put(tables.transportTrig),
    terms: arena.put(tables.terms),
    rows: arena.alloc(4 * plan.sources.length * plan.dimIn),
    targets: arena.alloc(8 * plan.nCoefficients),
  };
}

/**
 * Runs a SIMD pass in the private arena: copies `inputs` in, gives the pass zeroed views for
 * `outputs`, and copies the results back out.
 */
function inArena(
  arena: WasmArena,
  plan: AggregationPlan,
  inputs: Float32Array[],
  outputs: Float32Array[],
  pass: (w: WasmAddresses, inViews: Float32Array[], outViews: Float32Array[]) => void,
): void {
  const w = arenaAddresses(arena, plan);
  const inAt = inputs.map((v) => arena.put(v));
  const outAt = outputs.map((v) => arena.alloc(v.byteLength));
  const buffer = arena.memory.buffer;
  const inViews = inAt.map((at, i) => new Float32Array(buffer, at, inputs[i].length));
  const outViews = outAt.map((at, i) => new Float32Array(buffer, at, outputs[i].length).fill(0));
  pass(w, inViews, outViews);
  outViews.forEach((v, i) => {
    outputs[i].set(v);
  });
}

interface PlanAttrs {
  readonly plan: AggregationPlan;
  /** Set on the wasm backend when the SIMD kernels are available. */
  readonly wasm: WasmAddresses | null;
}

const aggregateKernel = defineJsKernel<PlanAttrs>({
  name: "GemcnnAggregate",
  inputNames: ["x"],
  outputShapes: ({ plan }) => plan.blocks.map((b) => [plan.nVertices, b.width]),
  body: ({ plan, wasm }, [x], a) => {
    const arena = wasm === null && useSimd ? wasmArena() : null;
    if (wasm !== null) aggregateForwardSimd(plan, wasm, x, a);
    else if (arena !== null) {
      inArena(arena, plan, [x], a, (w, [xs], outs) => aggregateForwardSimd(plan, w, xs, outs));
    } else aggregateForward(plan, x, a);
  },
});

/** Inputs: the gradients of the blocks, in block order. */
const aggregateGradientKernel = defineJsKernel<PlanAttrs>({
  name: "GemcnnAggregateGrad",
  outputShapes: ({ plan }) => [[plan.nVertices, plan.dimIn]],
  body: ({ plan, wasm }, da, [dx]) => {
    const arena = wasm === null && useSimd ? wasmArena() : null;
    if (wasm !== null) aggregateBackwardSimd(plan, wasm, da, dx);
    else if (arena !== null) {
      inArena(arena, plan, da, [dx], (w, das, [dxs]) => aggregateBackwardSimd(plan, w, das, dxs));
    } else aggregateBackward(plan, da, dx);
  },
});

/** The SIMD path's addresses on the active backend (allocating them now, before any view is taken). */
function wasmFor(plan: AggregationPlan): WasmAddresses | null {
  assertPlanLive(plan, "aggregate");
  if (!useSimd) return null;
  const heap = activeWasmHeap();
  return heap === null ? null : wasmAddresses(heap, plan);
}

let useSimd = true;

/**
 * Turns the SIMD paths off (`false`) or back on; for tests and benchmarks of the JavaScript loops.
 * On the wasm backend the SIMD kernels work on its heap; on other backends in a private arena.
 */
export function setAggregateSimd(enabled: boolean): void {
  useSimd = enabled;
}

tf.registerGradient({
  kernelName: "GemcnnAggregate",
  gradFunc: (dys, _saved, attrs) => {
    const { plan } = attrs as unknown as PlanAttrs;
    const list = (Array.isArray(dys) ? dys : [dys]).map(
      (dy, i) => dy ?? tf.zeros([plan.nVertices, plan.blocks[i].width]),
    );
    return { x: () => aggregateGradientKernel(list, { plan, wasm: wasmFor(plan) })[0] };
  },
});

/**
 * The aggregation as a differentiable tfjs op: `x` (`[V × dim_in]`, float32) to one tensor
 * `A_m` per output term. Its gradient is the transposed loop. On the wasm backend the
 * multiply-adds run in a small SIMD module on the backend's own heap (simd-module.ts).
 */
export function aggregate(x: tf.Tensor2D, plan: AggregationPlan): tf.Tensor2D[] {
  if (x.rank !== 2 || x.shape[0] !== plan.nVertices || x.shape[1] !== plan.dimIn) {
    throw new Error(
      `aggregate: expected features of shape [${plan.nVertices}, ${plan.dimIn}], got [${x.shape.join(", ")}]`,
    );
  }
  return aggregateKernel([x], { plan, wasm: wasmFor(plan) }) as tf.Tensor2D[];
}
