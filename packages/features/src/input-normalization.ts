import { FieldType } from "@gemcnn/gauge";
import { assertFiniteFeatures } from "./mesh-features.js";
import type { PreprocessedMesh } from "./preprocess.js";
import { robustCenterAndScale, robustRms } from "./robust-statistics.js";

/**
 * Largest magnitude of a normalised input: standardised scalars are clamped to `±clip`, and a
 * scaled 2-vector longer than `clip` is shortened to that length. Five robust standard
 * deviations: about one training value in 10⁶ of a normal distribution lies beyond, but a mesh
 * whose features spread 20–200 times as far as the training meshes' cannot drive the network
 * with inputs of hundreds.
 */
export const INPUT_CLIP = 5;

/**
 * How a mesh's packed features become the network's input, fitted on the training meshes and
 * stored with the model (`gemcnn.json`) so that anyone can reproduce the input. Robust to
 * outliers, in fitting and in use:
 * - every scalar channel `c` becomes `clamp((x_c − scalarCenter[c]) / scalarScale[c], ±clip)`,
 *   with the median and the interquartile range (over 1.349, so that it is the standard
 *   deviation of normal data) of the training vertices: a few meshes with extreme values move
 *   neither, where they would move a mean and a standard deviation as far as they like;
 * - every order-1 or order-2 copy `k` (a 2-vector) is multiplied by `copyScale[k]` (one over its
 *   robust RMS norm: the median norm over `√(ln 2)`), then shortened to length `clip` if longer.
 *   A common factor on a 2-vector, and a change of its length alone, commute with its rotation,
 *   so the input stays gauge-equivariant; a shift would not, which is why copies are not centred.
 */
export interface InputNormalization {
  /** Canonical field type of the features, e.g. `"9x0+2x1+1x2"`. */
  readonly fieldType: string;
  /** Name of each packed column (as the preprocessing wrote them). */
  readonly channels: readonly string[];
  /** Median over the training vertices of each scalar channel, in packed order. */
  readonly scalarCenter: readonly number[];
  /**
   * Interquartile range over 1.349 of each scalar channel over the training vertices; the
   * standard deviation where that is 0 (a channel constant on most vertices), 1 where both are.
   */
  readonly scalarScale: readonly number[];
  /**
   * One over the robust RMS norm (median norm / √(ln 2)) of each non-scalar copy over the
   * training vertices, in packed order; one over the RMS where the median is 0, 1 where both are.
   */
  readonly copyScale: readonly number[];
  /** Normalised scalars are clamped to `±clip`, normalised 2-vectors to length `clip` (`INPUT_CLIP`). */
  readonly clip: number;
}

export class InputNormalizationError extends Error {
  override name = "InputNormalizationError";
}

/**
 * Fits the normalisation on the vertices of `meshes` (every mesh counts by its vertices): medians
 * and quartiles of sorted float64 copies, O(N log N) for N training vertices per channel.
 */
export function fitInputNormalization(meshes: readonly PreprocessedMesh[]): InputNormalization {
  if (meshes.length === 0) throw new InputNormalizationError("no meshes to fit the input normalisation on");
  const { fieldType, channels } = meshes[0];
  const type = FieldType.parse(fieldType);
  for (const m of meshes) {
    if (m.fieldType !== fieldType) {
      throw new InputNormalizationError(
        `${m.name}: features of type "${m.fieldType}", but the first mesh has "${fieldType}"`,
      );
    }
  }
  let count = 0;
  for (const m of meshes) {
    // One NaN would make every median and spread NaN, and so every mesh's input.
    assertFiniteFeatures(m.features, type.dim, m.channels, m.name);
    count += m.nVertices;
  }
  // One column of all training vertices: the value of a scalar, or the norm of a 2-vector.
  const gather = (offset: number, pair: boolean): Float64Array => {
    const out = new Float64Array(count);
    let i = 0;
    for (const m of meshes) {
      const x = m.features;
      for (let v = 0; v < m.nVertices; v++) {
        const at = v * type.dim + offset;
        out[i++] = pair ? Math.hypot(x[at], x[at + 1]) : x[at];
      }
    }
    return out;
  };
  const scalarCenter: number[] = [];
  const scalarScale: number[] = [];
  const copyScale: number[] = [];
  for (const c of type.copies()) {
    const column = gather(c.offset, c.dim === 2);
    if (c.dim === 1) {
      const { center, scale } = robustCenterAndScale(column);
      scalarCenter.push(center);
      scalarScale.push(scale);
    } else {
      copyScale.push(1 / robustRms(column));
    }
  }
  return { fieldType, channels: [...channels], scalarCenter, scalarScale, copyScale, clip: INPUT_CLIP };
}

/** The normalised float32 input `[V × dim]` of one mesh (see `InputNormalization`). */
export function normalizeInput(mesh: PreprocessedMesh, normalization: InputNormalization): Float32Array {
  if (mesh.fieldType !== normalization.fieldType) {
    throw new InputNormalizationError(
      `${mesh.name}: features of type "${mesh.fieldType}", but the model expects "${normalization.fieldType}"`,
    );
  }
  const type = FieldType.parse(normalization.fieldType);
  const out = new Float32Array(mesh.nVertices * type.dim);
  const x = mesh.features;
  const { clip } = normalization;
  let scalar = 0;
  let pair = 0;
  for (const c of type.copies()) {
    if (c.dim === 1) {
      const center = normalization.scalarCenter[scalar];
      const inverse = 1 / normalization.scalarScale[scalar++];
      for (let v = 0; v < mesh.nVertices; v++) {
        const i = v * type.dim + c.offset;
        out[i] = Math.min(clip, Math.max(-clip, (x[i] - center) * inverse));
      }
    } else {
      const scale = normalization.copyScale[pair++];
      for (let v = 0; v < mesh.nVertices; v++) {
        const i = v * type.dim + c.offset;
        const a = x[i] * scale;
        const b = x[i + 1] * scale;
        const norm = Math.hypot(a, b);
        const shorten = norm > clip ? clip / norm : 1;
        out[i] = a * shorten;
        out[i + 1] = b * shorten;
      }
    }
  }
  return out;
}
