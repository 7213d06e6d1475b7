import { FieldType, NamedFieldType } from "@gemcnn/gauge";
import { robustCenterAndScale, robustRms } from "./robust-statistics.js";

// The target end of a regression model, shared by the command line (which trains and predicts)
// and the viewer (which predicts on the page): the scaling of the target fields the network is
// trained on. The input end, for every task, is network-input.ts.

/**
 * How a regression model's target fields are scaled for training, fitted on the training
 * meshes and stored in `gemcnn.json` (`target`), JSON as it is: the network learns
 * `(t − scalarCenter[c]) / scalarScale[c]` for scalar `c` and `t · copyScale[k]` for order ≥ 1
 * copy `k` (a common factor commutes with the copy's rotation, a shift would not, so copies are
 * not centred), and a prediction is mapped back by the inverse (`unscaleTarget`). The statistics
 * are the input normalisation's (median and IQR / 1.349; median norm / √(ln 2)), so that a few
 * extreme meshes do not set the scale; unlike the input, nothing is clipped (the map must invert).
 */
export interface TargetScaling {
  /** Canonical field type of the target declarations, e.g. `"1x0+1x1"`. */
  readonly fieldType: string;
  /** Median of each scalar copy over the training vertices, in packed order. */
  readonly scalarCenter: readonly number[];
  /** Robust standard deviation of each scalar copy (IQR / 1.349; the SD where that is 0; 1 where both are). */
  readonly scalarScale: readonly number[];
  /** One over the robust RMS norm of each order ≥ 1 copy (median norm / √(ln 2); the RMS where that is 0; 1 where both are). */
  readonly copyScale: readonly number[];
}

/** A scaling that cannot be fitted, read or applied; the message says why. */
export class TargetScalingError extends Error {
  override name = "TargetScalingError";
}

function fieldTypeOf(type: FieldType | NamedFieldType | string, source: string): FieldType {
  if (type instanceof NamedFieldType) return type.type;
  if (type instanceof FieldType) return type;
  try {
    return FieldType.parse(type);
  } catch (error) {
    throw new TargetScalingError(`${source}: ${(error as Error).message}`);
  }
}

/**
 * Fits the target scaling on the training meshes' packed targets (`values[i]`: `[V_i × dim]` of
 * `type`); every vertex of every mesh counts once. O(N log N) for N training vertices per copy.
 * Throws a `TargetScalingError` for no vertices, a length that is not whole rows, or a NaN or
 * infinite value (it would make every statistic NaN).
 */
export function fitTargetScaling(
  values: readonly ArrayLike<number>[],
  type: FieldType | NamedFieldType | string,
): TargetScaling {
  const fieldType = fieldTypeOf(type, "fitTargetScaling");
  const dim = fieldType.dim;
  let count = 0;
  values.forEach((mesh, i) => {
    if (mesh.length % dim !== 0) {
      throw new TargetScalingError(
        `fitTargetScaling: mesh ${i} has ${mesh.length} numbers, not whole rows of ${dim} ("${fieldType}")`,
      );
    }
    for (let j = 0; j < mesh.length; j++) {
      if (!Number.isFinite(mesh[j])) {
        throw new TargetScalingError(
          `fitTargetScaling: mesh ${i}, vertex ${Math.floor(j / dim)}: target value ${mesh[j]} is not a finite number`,
        );
      }
    }
    count += mesh.length / dim;
  });
  if (count === 0) throw new TargetScalingError("fitTargetScaling: no training vertices to fit on");
  const scalarCenter: number[] = [];
  const scalarScale: number[] = [];
  const copyScale: number[] = [];
  for (const c of fieldType.copies()) {
    const column = new Float64Array(count);
    let i = 0;
    for (const mesh of values) {
      for (let at = c.offset; at < mesh.length; at += dim) {
        column[i++] = c.dim === 1 ? mesh[at] : Math.hypot(mesh[at], mesh[at + 1]);
      }
    }
    if (c.dim === 1) {
      const { center, scale } = robustCenterAndScale(column);
      scalarCenter.push(center);
      scalarScale.push(scale);
    } else {
      copyScale.push(1 / robustRms(column));
    }
  }
  return { fieldType: fieldType.toString(), scalarCenter, scalarScale, copyScale };
}

/**
 * Reads a `TargetScaling` from JSON (`gemcnn.json`'s `target`), checking that its numbers fit its
 * field type: one centre and one positive scale per scalar, one positive factor per other copy,
 * all finite. Throws a `TargetScalingError` naming `source`.
 */
export function parseTargetScaling(value: unknown, source = "target scaling"): TargetScaling {
  const fail = (detail: string): never => {
    throw new TargetScalingError(`${source}: ${detail}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail('expected an object { "fieldType", "scalarCenter", "scalarScale", "copyScale" }');
  }
  const { fieldType, scalarCenter, scalarScale, copyScale } = value as Record<string, unknown>;
  if (typeof fieldType !== "string") fail('"fieldType" must be a field type string such as "1x0+1x1"');
  const type = fieldTypeOf(fieldType as string, source);
  const scalars = type.scalarCount;
  const others = type.copies().length - scalars;
  const numbers = (name: string, list: unknown, length: number, positive: boolean): number[] => {
    if (!Array.isArray(list) || list.length !== length) {
      fail(`"${name}" must be ${length} number(s) for the field type "${type}"`);
    }
    for (const x of list as unknown[]) {
      if (typeof x !== "number" || !Number.isFinite(x) || (positive && !(x > 0))) {
        fail(`"${name}" holds ${JSON.stringify(x)}, not a finite${positive ? " positive" : ""} number`);
      }
    }
    return [...(list as number[])];
  };
  return {
    fieldType: type.toString(),
    scalarCenter: numbers("scalarCenter", scalarCenter, scalars, false),
    scalarScale: numbers("scalarScale", scalarScale, scalars, true),
    copyScale: numbers("copyScale", copyScale, others, true),
  };
}

function applyScaling(values: ArrayLike<number>, scaling: TargetScaling, inverse: boolean): Float64Array {
  const type = fieldTypeOf(scaling.fieldType, "target scaling");
  const dim = type.dim;
  const what = inverse ? "unscaleTarget" : "scaleTarget";
  if (values.length % dim !== 0) {
    throw new TargetScalingError(
      `${what}: ${values.length} numbers are not whole rows of ${dim} (field type "${type}")`,
    );
  }
  const out = new Float64Array(values.length);
  let scalar = 0;
  let pair = 0;
  for (const c of type.copies()) {
    if (c.dim === 1) {
      const center = scaling.scalarCenter[scalar];
      const scale = scaling.scalarScale[scalar++];
      for (let i = c.offset; i < values.length; i += dim) {
        out[i] = inverse ? values[i] * scale + center : (values[i] - center) / scale;
      }
    } else {
      const factor = scaling.copyScale[pair++];
      for (let i = c.offset; i < values.length; i += dim) {
        out[i] = inverse ? values[i] / factor : values[i] * factor;
        out[i + 1] = inverse ? values[i + 1] / factor : values[i + 1] * factor;
      }
    }
  }
  return out;
}

/** The targets the network is trained on: `(t − centre) / scale` per scalar, `t · copyScale` per other copy. */
export function scaleTarget(values: ArrayLike<number>, scaling: TargetScaling): Float64Array {
  return applyScaling(values, scaling, false);
}

/** A network's output (e.g. float32) back in the target's units: the inverse of `scaleTarget`, in float64. */
export function unscaleTarget(values: ArrayLike<number>, scaling: TargetScaling): Float64Array {
  return applyScaling(values, scaling, true);
}
