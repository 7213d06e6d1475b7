import { FieldType, NamedFieldType } from "@gemcnn/gauge";
import { MetricError } from "./per-vertex.js";

/*
 * Metrics of per-vertex regression of typed fields: plain functions on packed fields (`[V × dim]`,
 * the layout of docs/conventions.md), accumulated in float64. Both are unchanged by a gauge change
 * applied to prediction and target together (each copy turns by the same rotation), so they can
 * be computed in any frames, as long as prediction and target share them.
 */

/**
 * Targets shorter than this fraction of the largest target of their copy (over the counted
 * vertices) have no direction to compare: their angular error is left out (the default threshold
 * of `fieldRegressionMetrics`; the same fraction below which geometry leaves a vector's normal
 * part unjudged, `UNJUDGED_LENGTH_FRACTION`).
 */
export const ZERO_TARGET_FRACTION = 1e-6;

/** Options of `fieldRegressionMetrics`. */
export interface FieldRegressionOptions {
  /** Which vertices count (non-zero), one entry per vertex; default every vertex. */
  readonly mask?: ArrayLike<number | boolean>;
  /**
   * Targets of length at most this are left out of the angular error (an absolute magnitude);
   * default `ZERO_TARGET_FRACTION` times the largest counted target of the copy.
   */
  readonly minTargetMagnitude?: number;
}

/** The angular error of one copy of order ≥ 1, in degrees, over the vertices it was measured at. */
export interface AngularErrorSummary {
  readonly mean: number;
  readonly median: number;
  /** Vertices measured: counted, with a target longer than the threshold. */
  readonly count: number;
  /** Counted vertices left out for a target at most `threshold` long. */
  readonly excluded: number;
  /** The magnitude at or below which a target was left out. */
  readonly threshold: number;
  /** The error per vertex (NaN where not measured). */
  readonly perVertex: Float64Array;
}

/** The errors of one irrep copy of the field. */
export interface FieldCopyErrors {
  /** The copy's name (from a `NamedFieldType`), else `"copy <index>"`. */
  readonly name: string;
  /** Index of the copy in the packed layout. */
  readonly index: number;
  readonly order: number;
  /** `√(mean over counted vertices of |ŷ_c − y_c|²)`, the norm of the copy's difference (a gauge invariant). */
  readonly rmse: number;
  /** `√(mean |y_c|²)`: the RMSE of predicting zero, to judge `rmse` against. */
  readonly targetRms: number;
  /** For order ≥ 1 (see `fieldRegressionMetrics`); `undefined` for scalars. */
  readonly angularError: AngularErrorSummary | undefined;
}

/** What `fieldRegressionMetrics` returns. */
export interface FieldRegressionMetrics {
  /** `√(mean over counted vertices of Σ_c |ŷ_c − y_c|²)`, the square root of the training loss. */
  readonly rmse: number;
  /** Counted vertices. */
  readonly count: number;
  readonly copies: readonly FieldCopyErrors[];
}

/** Concatenates one array or one per mesh into a flat array. */
function flat(values: ArrayLike<number> | readonly ArrayLike<number>[]): ArrayLike<number> {
  if (Array.isArray(values) && values.length > 0 && typeof values[0] !== "number") {
    const arrays = values as readonly ArrayLike<number>[];
    const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of arrays) {
      for (let i = 0; i < a.length; i++) out[at + i] = a[i];
      at += a.length;
    }
    return out;
  }
  return values as ArrayLike<number>;
}

/**
 * The median of finite values (the mean of the middle two for an even count); NaN when there is none.
 */
function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Errors of a predicted field against the true one, both packed `[V × dim]` of `type` (one array,
 * or one per mesh concatenated in order), in the same frames. For the whole field and for each
 * irrep copy: the RMSE, the square root of the mean over counted vertices of the squared norm of
 * the difference (per copy: `|ŷ_c − y_c|`, the length of the difference vector for a vector).
 * For each copy of order `n ≥ 1`, the angular error in degrees: for a vector (`n = 1`) the angle
 * between the predicted and the true vector, in [0°, 180°]; for order `n` the angle between
 * their coefficient vectors divided by `n`, which is the angle between the nearest of the `n`
 * equivalent directions each stands for (a line field, `n = 2`: in [0°, 90°]). A random
 * direction's mean error is thus 90°/n. Vertices whose true copy has magnitude at most the
 * threshold (`minTargetMagnitude`, default `ZERO_TARGET_FRACTION` of the copy's largest counted
 * target) have no direction and are left out of the angular error; a zero prediction against a
 * non-zero target has no direction either and counts as the largest error, 180°/n. Throws a
 * `MetricError` for wrong lengths, non-finite numbers at counted vertices or an empty mask.
 */
export function fieldRegressionMetrics(
  type: FieldType | NamedFieldType | string,
  predicted: ArrayLike<number> | readonly ArrayLike<number>[],
  target: ArrayLike<number> | readonly ArrayLike<number>[],
  options: FieldRegressionOptions = {},
): FieldRegressionMetrics {
  const metric = "fieldRegressionMetrics";
  const named = type instanceof NamedFieldType ? type : undefined;
  const fieldType =
    type instanceof NamedFieldType ? type.type : type instanceof FieldType ? type : FieldType.parse(type);
  const p = flat(predicted);
  const t = flat(target);
  const dim = fieldType.dim;
  if (p.length !== t.length) {
    throw new MetricError(`${metric}: ${p.length} predicted numbers for ${t.length} true ones`);
  }
  if (t.length % dim !== 0) {
    throw new MetricError(`${metric}: ${t.length} numbers are not whole rows of ${fieldType} (dim ${dim})`);
  }
  const nVertices = t.length / dim;
  const { mask } = options;
  if (mask !== undefined && mask.length !== nVertices) {
    throw new MetricError(`${metric}: a mask of ${mask.length} entries for ${nVertices} vertices`);
  }
  const minimum = options.minTargetMagnitude;
  if (minimum !== undefined && !(minimum >= 0 && Number.isFinite(minimum))) {
    throw new MetricError(`${metric}: minTargetMagnitude must be a finite number ≥ 0, got ${minimum}`);
  }
  const counted: number[] = [];
  for (let v = 0; v < nVertices; v++) {
    if (mask !== undefined && !mask[v]) continue;
    for (let k = v * dim; k < (v + 1) * dim; k++) {
      if (!(Number.isFinite(p[k]) && Number.isFinite(t[k]))) {
        throw new MetricError(
          `${metric}: vertex ${v}, channel ${k - v * dim}: predicted ${p[k]}, true ${t[k]}; both must be finite`,
        );
      }
    }
    counted.push(v);
  }
  if (counted.length === 0) throw new MetricError(`${metric}: the mask counts no vertex`);
  let total = 0;
  const copies = fieldType.copies().map((copy): FieldCopyErrors => {
    const name = named?.names[copy.index] ?? `copy ${copy.index}`;
    let squared = 0;
    let targetSquared = 0;
    let largest = 0;
    for (const v of counted) {
      const at = v * dim + copy.offset;
      for (let k = at; k < at + copy.dim; k++) {
        squared += (p[k] - t[k]) ** 2;
        targetSquared += t[k] ** 2;
      }
      if (copy.dim === 2) largest = Math.max(largest, Math.hypot(t[at], t[at + 1]));
    }
    total += squared;
    const rmse = Math.sqrt(squared / counted.length);
    const targetRms = Math.sqrt(targetSquared / counted.length);
    if (copy.order === 0)
      return { name, index: copy.index, order: 0, rmse, targetRms, angularError: undefined };
    const threshold = minimum ?? ZERO_TARGET_FRACTION * largest;
    const perVertex = new Float64Array(nVertices).fill(Number.NaN);
    const errors: number[] = [];
    let excluded = 0;
    const worst = 180 / copy.order;
    for (const v of counted) {
      const at = v * dim + copy.offset;
      const [a, b] = [t[at], t[at + 1]];
      const [c, d] = [p[at], p[at + 1]];
      if (!(Math.hypot(a, b) > threshold)) {
        excluded++;
        continue;
      }
      // The angle between the coefficient vectors, atan2(|t × p|, t · p) in [0, π], accurate near 0 and π.
      const angle =
        c === 0 && d === 0
          ? worst
          : (Math.atan2(Math.abs(a * d - b * c), a * c + b * d) * 180) / Math.PI / copy.order;
      perVertex[v] = angle;
      errors.push(angle);
    }
    const mean = errors.length === 0 ? Number.NaN : errors.reduce((s, e) => s + e, 0) / errors.length;
    return {
      name,
      index: copy.index,
      order: copy.order,
      rmse,
      targetRms,
      angularError: { mean, median: median(errors), count: errors.length, excluded, threshold, perVertex },
    };
  });
  return { rmse: Math.sqrt(total / counted.length), count: counted.length, copies };
}
