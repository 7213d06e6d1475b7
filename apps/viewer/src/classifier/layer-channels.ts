import type { FieldType } from "@gemcnn/gauge";
import type { TangentField } from "../model/fields.js";

/**
 * Scalar channel `channel` of a packed `[V × fieldType.dim]` field (docs/conventions.md,
 * "Fields": the scalars come first), or undefined when the type has no such channel.
 */
export function scalarChannel(
  packed: ArrayLike<number>,
  fieldType: FieldType,
  channel: number,
): Float64Array | undefined {
  if (!(channel >= 0 && channel < fieldType.multiplicityOf(0))) return undefined;
  const dim = fieldType.dim;
  const nVertices = packed.length / dim;
  return Float64Array.from({ length: nVertices }, (_, p) => packed[p * dim + channel]);
}

/**
 * Copy `channel` of the order-`order` term of a packed field, as a tangent field (its two
 * coefficients per vertex, in the gauge the field is expressed in), or undefined when the type
 * has no such copy.
 */
export function tangentChannel(
  packed: ArrayLike<number>,
  fieldType: FieldType,
  order: 1 | 2,
  channel: number,
): TangentField | undefined {
  if (!(channel >= 0 && channel < fieldType.multiplicityOf(order))) return undefined;
  const dim = fieldType.dim;
  const nVertices = packed.length / dim;
  const offset = fieldType.slice(fieldType.termIndexOfOrder(order)).start + 2 * channel;
  const coefficients = new Float64Array(2 * nVertices);
  for (let p = 0; p < nVertices; p++) {
    coefficients[2 * p] = packed[p * dim + offset];
    coefficients[2 * p + 1] = packed[p * dim + offset + 1];
  }
  return { order, coefficients };
}
