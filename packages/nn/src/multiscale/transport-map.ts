import type { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { defineJsKernel } from "../kernels/js-kernel.js";
import type { PoolingMap } from "./hierarchy.js";

/**
 * A sparse linear map between fields that transports as it sums:
 *
 *   y_i = Σ_{e ∈ row i} w_e ρ(α_e) x_{col(e)},
 *
 * `ρ` the field type's representation (every order-n copy turned by `n·α_e`). Pooling (rows are
 * coarse vertices, entries the fine vertices of their cells, `α = g(v→c)`, `w = 1/|cell|`) and
 * unpooling (rows are fine vertices, one entry each, `α = g(c→v)`) are both of this form, and the
 * gradient of such a map is its adjoint `dx_j = Σ w_e ρ(−α_e) dy_i`, another one.
 */
export interface TransportMapPlan {
  readonly nRows: number;
  readonly nCols: number;
  readonly dim: number;
  /** Entries of row `i`: `rowOffsets[i]` … `rowOffsets[i + 1] − 1`. */
  readonly rowOffsets: Uint32Array;
  readonly cols: Uint32Array;
  readonly weights: Float64Array;
  /** `cos nα_e, sin nα_e` for `n = 1 … maxOrder`, row-major `[entries × 2·maxOrder]`. */
  readonly trig: Float64Array;
  readonly maxOrder: number;
  readonly termOrder: Int32Array;
  readonly termStart: Int32Array;
  readonly termEnd: Int32Array;
}

interface Entries {
  readonly nRows: number;
  readonly nCols: number;
  readonly rowOffsets: Uint32Array;
  readonly cols: Uint32Array;
  readonly weights: Float64Array;
  readonly angles: Float64Array;
}

function makePlan(entries: Entries, type: FieldType): TransportMapPlan {
  const maxOrder = type.maxOrder;
  const n = entries.cols.length;
  const trig = new Float64Array(n * 2 * maxOrder);
  for (let e = 0; e < n; e++) {
    for (let order = 1; order <= maxOrder; order++) {
      trig[e * 2 * maxOrder + 2 * (order - 1)] = Math.cos(order * entries.angles[e]);
      trig[e * 2 * maxOrder + 2 * (order - 1) + 1] = Math.sin(order * entries.angles[e]);
    }
  }
  return {
    nRows: entries.nRows,
    nCols: entries.nCols,
    dim: type.dim,
    rowOffsets: entries.rowOffsets,
    cols: entries.cols,
    weights: entries.weights,
    trig,
    maxOrder,
    termOrder: Int32Array.from(type.terms, (t) => t.order),
    termStart: Int32Array.from(type.terms, (_, i) => type.slice(i).start),
    termEnd: Int32Array.from(type.terms, (_, i) => type.slice(i).end),
  };
}

/** The entries of the adjoint map: transposed, angles negated. */
function adjointEntries(entries: Entries): Entries {
  const { nRows, nCols, rowOffsets, cols, weights, angles } = entries;
  const counts = new Uint32Array(nCols + 1);
  for (const c of cols) counts[c + 1]++;
  for (let j = 0; j < nCols; j++) counts[j + 1] += counts[j];
  const next = counts.slice(0, nCols);
  const n = cols.length;
  const outCols = new Uint32Array(n);
  const outWeights = new Float64Array(n);
  const outAngles = new Float64Array(n);
  for (let i = 0; i < nRows; i++) {
    for (let e = rowOffsets[i]; e < rowOffsets[i + 1]; e++) {
      const k = next[cols[e]]++;
      outCols[k] = i;
      outWeights[k] = weights[e];
      outAngles[k] = -angles[e];
    }
  }
  return {
    nRows: nCols,
    nCols: nRows,
    rowOffsets: counts,
    cols: outCols,
    weights: outWeights,
    angles: outAngles,
  };
}

/** A map and its adjoint, planned together for one field type. */
interface PlanPair {
  readonly forward: TransportMapPlan;
  readonly adjoint: TransportMapPlan;
}

const adjoints = new WeakMap<TransportMapPlan, TransportMapPlan>();

function planPair(entries: Entries, type: FieldType): PlanPair {
  const forward = makePlan(entries, type);
  const adjoint = makePlan(adjointEntries(entries), type);
  adjoints.set(forward, adjoint);
  adjoints.set(adjoint, forward);
  return { forward, adjoint };
}

function poolingEntries(map: PoolingMap): Entries {
  const { nFine, nCoarse, cell, transport, cellSize } = map;
  const rowOffsets = new Uint32Array(nCoarse + 1);
  for (let c = 0; c < nCoarse; c++) rowOffsets[c + 1] = rowOffsets[c] + cellSize[c];
  const next = rowOffsets.slice(0, nCoarse);
  const cols = new Uint32Array(nFine);
  const weights = new Float64Array(nFine);
  const angles = new Float64Array(nFine);
  for (let v = 0; v < nFine; v++) {
    const c = cell[v];
    const k = next[c]++;
    cols[k] = v;
    weights[k] = 1 / cellSize[c];
    angles[k] = transport[v];
  }
  return { nRows: nCoarse, nCols: nFine, rowOffsets, cols, weights, angles };
}

function unpoolingEntries(map: PoolingMap): Entries {
  const { nFine, nCoarse, cell, transport } = map;
  return {
    nRows: nFine,
    nCols: nCoarse,
    rowOffsets: Uint32Array.from({ length: nFine + 1 }, (_, i) => i),
    cols: Uint32Array.from(cell),
    weights: new Float64Array(nFine).fill(1),
    // g(c→v) = −g(v→c) (conventions.md).
    angles: transport.map((g) => -g),
  };
}

const planCache = new WeakMap<PoolingMap, Map<string, { pool: PlanPair; unpool: PlanPair }>>();

/** The pooling (fine → coarse mean of transported features) and unpooling plans of a map for a field type (cached). */
export function poolingPlans(
  map: PoolingMap,
  type: FieldType,
): { pool: TransportMapPlan; unpool: TransportMapPlan } {
  let plans = planCache.get(map);
  if (plans === undefined) {
    plans = new Map();
    planCache.set(map, plans);
  }
  const key = type.toString();
  let pair = plans.get(key);
  if (pair === undefined) {
    pair = { pool: planPair(poolingEntries(map), type), unpool: planPair(unpoolingEntries(map), type) };
    plans.set(key, pair);
  }
  return { pool: pair.pool.forward, unpool: pair.unpool.forward };
}

/** `y += w ρ(α_e) x_col` for every entry, in float64 per row and rounded once. */
function applyPlan(plan: TransportMapPlan, x: Float32Array, y: Float32Array): void {
  const { nRows, dim, rowOffsets, cols, weights, trig, maxOrder, termOrder, termStart, termEnd } = plan;
  const row = new Float64Array(dim);
  const stride = 2 * maxOrder;
  for (let i = 0; i < nRows; i++) {
    row.fill(0);
    for (let e = rowOffsets[i]; e < rowOffsets[i + 1]; e++) {
      const w = weights[e];
      const xo = cols[e] * dim;
      for (let t = 0; t < termOrder.length; t++) {
        const order = termOrder[t];
        if (order === 0) {
          for (let j = termStart[t]; j < termEnd[t]; j++) row[j] += w * x[xo + j];
          continue;
        }
        const c = w * trig[e * stride + 2 * (order - 1)];
        const s = w * trig[e * stride + 2 * (order - 1) + 1];
        for (let j = termStart[t]; j < termEnd[t]; j += 2) {
          const a = x[xo + j];
          const b = x[xo + j + 1];
          row[j] += c * a - s * b;
          row[j + 1] += s * a + c * b;
        }
      }
    }
    y.set(row, i * dim);
  }
}

const transportMapKernel = defineJsKernel<{ plan: TransportMapPlan }>({
  name: "GemcnnTransportMap",
  inputNames: ["x"],
  outputShapes: ({ plan }) => [[plan.nRows, plan.dim]],
  body: ({ plan }, [x], [y]) => applyPlan(plan, x, y),
});

tf.registerGradient({
  kernelName: "GemcnnTransportMap",
  gradFunc: (dy, _saved, attrs) => {
    const { plan } = attrs as unknown as { plan: TransportMapPlan };
    const adjoint = adjoints.get(plan)!;
    return { x: () => transportMapKernel([dy as tf.Tensor], { plan: adjoint })[0] };
  },
});

/** Applies a transport map to a field `x` (`[plan.nCols × plan.dim]`, float32), differentiably. */
export function transportMap(x: tf.Tensor2D, plan: TransportMapPlan): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[0] !== plan.nCols || x.shape[1] !== plan.dim) {
    throw new Error(
      `transportMap: expected a field of shape [${plan.nCols}, ${plan.dim}], got [${x.shape.join(", ")}]`,
    );
  }
  return transportMapKernel([x], { plan })[0] as tf.Tensor2D;
}
