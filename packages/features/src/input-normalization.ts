import { FieldType } from "@gemcnn/gauge";
import { assertFiniteFeatures } from "./mesh-features.js";
import type { PreprocessedMesh } from "./preprocess.js";

/**
 * How a mesh's packed features become the network's input, fitted on the training meshes and
 * stored with the model (`gemcnn.json`) so that anyone can reproduce the input:
 * every scalar channel `c` becomes `(x_c − scalarMean[c]) / scalarStd[c]`, and every order-1 or
 * order-2 copy `k` (a 2-vector) is multiplied by `copyScale[k]`. A common factor on a 2-vector
 * commutes with its rotation, so the input stays gauge-equivariant; a shift would not, which is
 * why non-scalar copies are only scaled.
 */
export interface InputNormalization {
  /** Canonical field type of the features, e.g. `"9x0+2x1+1x2"`. */
  readonly fieldType: string;
  /** Name of each packed column (as the preprocessing wrote them). */
  readonly channels: readonly string[];
  /** Mean over the training vertices of each scalar channel, in packed order. */
  readonly scalarMean: readonly number[];
  /** Standard deviation over the training vertices of each scalar channel (1 where it is 0). */
  readonly scalarStd: readonly number[];
  /** `1 / RMS` over the training vertices of each non-scalar copy's norm, in packed order. */
  readonly copyScale: readonly number[];
}

export class InputNormalizationError extends Error {
  override name = "InputNormalizationError";
}

/** Fits the normalisation on the vertices of `meshes` (float64 sums; every mesh counts by its vertices). */
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
  const copies = type.copies();
  const scalarCopies = copies.filter((c) => c.dim === 1);
  const pairCopies = copies.filter((c) => c.dim === 2);
  const sum = new Float64Array(scalarCopies.length);
  const sumSquares = new Float64Array(scalarCopies.length);
  const normSquares = new Float64Array(pairCopies.length);
  let count = 0;
  for (const m of meshes) {
    const x = m.features;
    // One NaN would make every mean and spread NaN, and so every mesh's input.
    assertFiniteFeatures(x, type.dim, m.channels, m.name);
    for (let v = 0; v < m.nVertices; v++) {
      const row = v * type.dim;
      scalarCopies.forEach((c, k) => {
        sum[k] += x[row + c.offset];
        sumSquares[k] += x[row + c.offset] ** 2;
      });
      pairCopies.forEach((c, k) => {
        normSquares[k] += x[row + c.offset] ** 2 + x[row + c.offset + 1] ** 2;
      });
    }
    count += m.nVertices;
  }
  const scalarMean = Array.from(sum, (s) => s / count);
  const scalarStd = Array.from(sumSquares, (s, k) => {
    const variance = Math.max(0, s / count - scalarMean[k] ** 2);
    const std = Math.sqrt(variance);
    return std > 1e-12 ? std : 1;
  });
  const copyScale = Array.from(normSquares, (s) => {
    const rms = Math.sqrt(s / count);
    return rms > 1e-12 ? 1 / rms : 1;
  });
  return { fieldType, channels: [...channels], scalarMean, scalarStd, copyScale };
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
  let scalar = 0;
  let pair = 0;
  for (const c of type.copies()) {
    if (c.dim === 1) {
      const mean = normalization.scalarMean[scalar];
      const inverse = 1 / normalization.scalarStd[scalar++];
      for (let v = 0; v < mesh.nVertices; v++) {
        const i = v * type.dim + c.offset;
        out[i] = (x[i] - mean) * inverse;
      }
    } else {
      const scale = normalization.copyScale[pair++];
      for (let v = 0; v < mesh.nVertices; v++) {
        const i = v * type.dim + c.offset;
        out[i] = x[i] * scale;
        out[i + 1] = x[i + 1] * scale;
      }
    }
  }
  return out;
}
