import { FieldType } from "@gemcnn/gauge";
import type { NeighbourhoodGeometry, TangentFrames } from "@gemcnn/geometry";

/**
 * Tangent fields of one order on every vertex, as coefficients in the current gauge: `[V × 2]`
 * row-major, each row the `(cos-part, sin-part)` of an order-`order` copy (docs/conventions.md,
 * "Fields"). For order 1 that is `(v·e1, v·e2)`.
 */
export interface TangentField {
  readonly order: 1 | 2;
  readonly coefficients: Float64Array;
}

/** The field type `"1x1"` or `"1x2"`: one copy of the irrep of `order`. */
export function fieldTypeOf(field: TangentField): FieldType {
  return FieldType.irreps(field.order, 1);
}

/**
 * The same field after every frame `p` turns counter-clockwise by `φ_p`: coefficients
 * `ρ_n(−φ_p) x_p` (docs/conventions.md, "Gauge change"), by `@gemcnn/gauge`.
 */
export function changeGaugeOfField(field: TangentField, phi: Float64Array): TangentField {
  return { order: field.order, coefficients: fieldTypeOf(field).changeGauge(field.coefficients, phi) };
}

/**
 * A demonstration field defined without reference to any gauge: at each vertex, the tangential
 * part of the fixed ambient direction `direction` (order 1), or its "square" (order 2: the
 * trace-free part of the tangential projector, stretching along that direction), expressed in
 * `frames`. On a sphere the order-1 field vanishes at two poles, as the hairy-ball theorem demands.
 */
export function projectedDirectionField(
  frames: TangentFrames,
  direction: readonly [number, number, number],
  order: 1 | 2,
): TangentField {
  const nVertices = frames.e1.length / 3;
  const norm = Math.hypot(...direction);
  const [dx, dy, dz] = direction.map((x) => x / norm);
  const out = new Float64Array(2 * nVertices);
  for (let p = 0; p < nVertices; p++) {
    const a = dx * frames.e1[3 * p] + dy * frames.e1[3 * p + 1] + dz * frames.e1[3 * p + 2];
    const b = dx * frames.e2[3 * p] + dy * frames.e2[3 * p + 1] + dz * frames.e2[3 * p + 2];
    if (order === 1) {
      out[2 * p] = a;
      out[2 * p + 1] = b;
    } else {
      // (a + ib)² / |a + ib| keeps the magnitude and doubles the angle: order 2.
      const m = Math.hypot(a, b);
      out[2 * p] = m > 0 ? (a * a - b * b) / m : 0;
      out[2 * p + 1] = m > 0 ? (2 * a * b) / m : 0;
    }
  }
  return { order, coefficients: out };
}

/**
 * One parameter-free gauge-equivariant layer: the mean over each vertex's neighbourhood of the
 * neighbours' features carried to the vertex by parallel transport,
 * `y_p = mean_q ρ_n(g(q→p)) x_q`. Computed entirely in the current gauge; the result is the same
 * field in 3D whatever the gauge, which is what the "scramble gauge" control shows.
 */
export function transportMean(field: TangentField, ring: NeighbourhoodGeometry): TangentField {
  const { order, coefficients } = field;
  const { offsets, indices } = ring.neighbourhoods;
  const nVertices = offsets.length - 1;
  // Gather each pair's x_q, carry all pairs at once with ρ_n(g(q→p)), then average per vertex.
  const gathered = new Float64Array(2 * indices.length);
  for (let i = 0; i < indices.length; i++) {
    gathered[2 * i] = coefficients[2 * indices[i]];
    gathered[2 * i + 1] = coefficients[2 * indices[i] + 1];
  }
  const carried = fieldTypeOf(field).actOnField(gathered, ring.g);
  const out = new Float64Array(2 * nVertices);
  for (let p = 0; p < nVertices; p++) {
    const count = Math.max(1, offsets[p + 1] - offsets[p]);
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      out[2 * p] += carried[2 * i] / count;
      out[2 * p + 1] += carried[2 * i + 1] / count;
    }
  }
  return { order, coefficients: out };
}

/** The 3D tangent vector `c1 e1 + c2 e2` of an order-1 coefficient pair at vertex `p`. */
export function tangentVectorAt(
  frames: TangentFrames,
  p: number,
  c1: number,
  c2: number,
): [number, number, number] {
  const { e1, e2 } = frames;
  return [
    c1 * e1[3 * p] + c2 * e2[3 * p],
    c1 * e1[3 * p + 1] + c2 * e2[3 * p + 1],
    c1 * e1[3 * p + 2] + c2 * e2[3 * p + 2],
  ];
}

/**
 * 3D glyph directions of a field at every vertex, scaled by `scale`: for order 1 the vector itself;
 * for order 2 the stretching axis `|x| (cos α e1 + sin α e2)` with `2α = atan2(x_sin, x_cos)`
 * (defined up to sign, which a cross does not show).
 */
export function fieldGlyphVectors(field: TangentField, frames: TangentFrames, scale: number): Float64Array {
  const nVertices = field.coefficients.length / 2;
  const out = new Float64Array(3 * nVertices);
  for (let p = 0; p < nVertices; p++) {
    let a = field.coefficients[2 * p];
    let b = field.coefficients[2 * p + 1];
    if (field.order === 2) {
      const m = Math.hypot(a, b);
      const alpha = Math.atan2(b, a) / 2;
      a = m * Math.cos(alpha);
      b = m * Math.sin(alpha);
    }
    out.set(tangentVectorAt(frames, p, a * scale, b * scale), 3 * p);
  }
  return out;
}

/** Largest coefficient-pair magnitude of a field (gauge-invariant, so glyph scales do not jump). */
export function maxMagnitude(field: TangentField): number {
  let max = 0;
  for (let p = 0; p < field.coefficients.length; p += 2) {
    max = Math.max(max, Math.hypot(field.coefficients[p], field.coefficients[p + 1]));
  }
  return max;
}
