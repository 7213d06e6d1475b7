import { Color } from "three";
import { fieldGlyphVectors, maxMagnitude, type TangentField, tangentVectorAt } from "../model/fields.js";
import type { MeshModel } from "../model/mesh-model.js";
import type { TransportedVector } from "../model/transport-demo.js";
import { arrowSegments, crossColors, crossSegments, uniformColors } from "./glyphs.js";

/** Line segments and their per-point colours, ready for a `GlyphLayer`. */
export interface Segments {
  readonly positions: Float32Array;
  readonly colors: Float32Array;
}

export const E1_COLOR = new Color(0xff4d4d);
export const E2_COLOR = new Color(0x4dff6a);
export const NORMAL_COLOR = new Color(0x4d9dff);
const ORDER1_COLOR = new Color(0xffd34d);
const CROSS_MAJOR_COLOR = new Color(0xff9a3c);
const CROSS_MINOR_COLOR = new Color(0xb784ff);
const TRANSPORT_COLOR = new Color(0xff5cf0);
const TRANSPORT_START_COLOR = new Color(0xffffff);
const PATH_COLOR = new Color(0x5cf2ff);

/** Glyph lengths in units of the mean edge length. */
const FRAME_ARROW_LENGTH = 0.45;
const PICKED_FRAME_LENGTH = 1.6;
const FIELD_ARROW_LENGTH = 0.9;
const CROSS_ARM_LENGTH = 0.45;
const TRANSPORT_ARROW_LENGTH = 1.2;

function concat(parts: readonly Segments[]): Segments {
  const total = parts.reduce((sum, part) => sum + part.positions.length, 0);
  const positions = new Float32Array(total);
  const colors = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    positions.set(part.positions, offset);
    colors.set(part.colors, offset);
    offset += part.positions.length;
  }
  return { positions, colors };
}

function arrows(origins: Float64Array, vectors: Float64Array, normals: Float64Array, color: Color): Segments {
  const positions = arrowSegments(origins, vectors, normals);
  return { positions, colors: uniformColors(positions.length / 3, color) };
}

function gatherVertices(array: Float64Array, vertices: readonly number[]): Float64Array {
  const out = new Float64Array(3 * vertices.length);
  vertices.forEach((v, i) => {
    out.set(array.subarray(3 * v, 3 * v + 3), 3 * i);
  });
  return out;
}

function scaled(array: Float64Array, factor: number): Float64Array {
  return array.map((x) => x * factor);
}

/** Small `e1` (red) and `e2` (green) arrows at every vertex: the current gauge. */
export function frameSegments(model: MeshModel): Segments {
  const length = FRAME_ARROW_LENGTH * model.meanEdgeLength;
  const { e1, e2, n } = model.frames;
  const origins = model.geometry.positions;
  return concat([
    arrows(origins, scaled(e1, length), n, E1_COLOR),
    arrows(origins, scaled(e2, length), n, E2_COLOR),
  ]);
}

/** The frame of one vertex, large: `e1` red, `e2` green, `n` blue. */
export function pickedFrameSegments(model: MeshModel, vertex: number): Segments {
  const length = PICKED_FRAME_LENGTH * model.meanEdgeLength;
  const { e1, e2, n } = model.frames;
  const origin = gatherVertices(model.geometry.positions, [vertex]);
  const normal = gatherVertices(n, [vertex]);
  // The normal's arrow has its barbs in the plane of n and e1.
  const firstAxis = gatherVertices(e2, [vertex]);
  return concat([
    arrows(origin, scaled(gatherVertices(e1, [vertex]), length), normal, E1_COLOR),
    arrows(origin, scaled(gatherVertices(e2, [vertex]), length), normal, E2_COLOR),
    arrows(origin, scaled(normal, length), firstAxis, NORMAL_COLOR),
  ]);
}

/** Colours for a field drawn beside another: a prediction next to the truth. */
export const PREDICTION_ARROW_COLOR = new Color(0x4de8ff);
export const PREDICTION_CROSS_COLORS = { major: new Color(0x4de8ff), minor: new Color(0xf0f0f0) };

/** How a field's glyphs are drawn: `magnitude` is the field size that gets the full glyph length (default its largest). */
export interface GlyphStyle {
  readonly magnitude?: number;
  readonly color?: Color;
  readonly crossColors?: { readonly major: Color; readonly minor: Color };
}

/** An order-1 field as arrows, the longest `FIELD_ARROW_LENGTH` edge lengths long. */
export function order1Segments(model: MeshModel, field: TangentField, style: GlyphStyle = {}): Segments {
  const scale = (FIELD_ARROW_LENGTH * model.meanEdgeLength) / (style.magnitude || maxMagnitude(field) || 1);
  return arrows(
    model.geometry.positions,
    fieldGlyphVectors(field, model.frames, scale),
    model.frames.n,
    style.color ?? ORDER1_COLOR,
  );
}

/** An order-2 field as crosses: orange arm along the stretching axis, violet across it. */
export function order2Segments(model: MeshModel, field: TangentField, style: GlyphStyle = {}): Segments {
  const scale = (CROSS_ARM_LENGTH * model.meanEdgeLength) / (style.magnitude || maxMagnitude(field) || 1);
  const axes = fieldGlyphVectors(field, model.frames, scale);
  const positions = crossSegments(model.geometry.positions, axes, model.frames.n);
  const colors = style.crossColors ?? { major: CROSS_MAJOR_COLOR, minor: CROSS_MINOR_COLOR };
  return { positions, colors: crossColors(model.nVertices, colors.major, colors.minor) };
}

/**
 * A transported vector: the path it follows (cyan) and the vector at every stop (magenta), the
 * starting vector in white.
 */
export function transportSegments(model: MeshModel, transported: TransportedVector): Segments {
  const length = TRANSPORT_ARROW_LENGTH * model.meanEdgeLength;
  const { vertices, coefficients } = transported;
  const positions = model.geometry.positions;
  const vectors = new Float64Array(3 * vertices.length);
  vertices.forEach((v, i) => {
    const [c1, c2] = coefficients[i];
    vectors.set(tangentVectorAt(model.frames, v, c1 * length, c2 * length), 3 * i);
  });
  const origins = gatherVertices(positions, vertices);
  const normals = gatherVertices(model.frames.n, vertices);
  const path = new Float32Array(6 * Math.max(0, vertices.length - 1));
  for (let i = 0; i + 1 < vertices.length; i++) {
    path.set(origins.subarray(3 * i, 3 * i + 6), 6 * i);
  }
  const start = arrows(
    origins.subarray(0, 3),
    vectors.subarray(0, 3),
    normals.subarray(0, 3),
    TRANSPORT_START_COLOR,
  );
  const carried = arrows(origins.subarray(3), vectors.subarray(3), normals.subarray(3), TRANSPORT_COLOR);
  return concat([{ positions: path, colors: uniformColors(path.length / 3, PATH_COLOR) }, start, carried]);
}
