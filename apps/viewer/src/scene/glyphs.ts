import { BufferAttribute, BufferGeometry, type Color, LineBasicMaterial, LineSegments } from "three";

/** Floats per arrow in `arrowSegments`' output: a shaft and two barbs, two 3D points each. */
export const ARROW_FLOATS = 18;
/** Floats per cross in `crossSegments`' output: two arms, two 3D points each. */
export const CROSS_FLOATS = 12;

export interface ArrowStyle {
  /** Barb length as a fraction of the arrow's length. */
  readonly headFraction: number;
  /** Angle between a barb and the shaft, radians. */
  readonly headAngle: number;
}

const DEFAULT_ARROW: ArrowStyle = { headFraction: 0.3, headAngle: 0.45 };

/**
 * Line segments that draw tangent vectors as arrows: for arrow `i`, a shaft from `origins[i]` to
 * `origins[i] + vectors[i]` and two barbs at the tip, lying in the plane spanned by the vector and
 * `normals[i] × vector` (the tangent plane when `normals[i]` is the surface normal). All arrays hold
 * three numbers per arrow; the output holds `ARROW_FLOATS` per arrow. A zero vector gives a
 * degenerate arrow at its origin.
 */
export function arrowSegments(
  origins: ArrayLike<number>,
  vectors: ArrayLike<number>,
  normals: ArrayLike<number>,
  style: ArrowStyle = DEFAULT_ARROW,
): Float32Array {
  const count = origins.length / 3;
  const out = new Float32Array(count * ARROW_FLOATS);
  const back = style.headFraction * Math.cos(style.headAngle);
  const side = style.headFraction * Math.sin(style.headAngle);
  for (let i = 0; i < count; i++) {
    const ox = origins[3 * i];
    const oy = origins[3 * i + 1];
    const oz = origins[3 * i + 2];
    const vx = vectors[3 * i];
    const vy = vectors[3 * i + 1];
    const vz = vectors[3 * i + 2];
    const nx = normals[3 * i];
    const ny = normals[3 * i + 1];
    const nz = normals[3 * i + 2];
    // Side direction n × v has the length of v when v is tangent (perpendicular to the unit normal).
    const sx = ny * vz - nz * vy;
    const sy = nz * vx - nx * vz;
    const sz = nx * vy - ny * vx;
    const tx = ox + vx;
    const ty = oy + vy;
    const tz = oz + vz;
    out.set(
      [
        ox,
        oy,
        oz,
        tx,
        ty,
        tz,
        tx,
        ty,
        tz,
        tx - back * vx + side * sx,
        ty - back * vy + side * sy,
        tz - back * vz + side * sz,
        tx,
        ty,
        tz,
        tx - back * vx - side * sx,
        ty - back * vy - side * sy,
        tz - back * vz - side * sz,
      ],
      i * ARROW_FLOATS,
    );
  }
  return out;
}

/**
 * Line segments that draw order-2 fields as crosses: for cross `i`, one arm from
 * `origins[i] − axes[i]` to `origins[i] + axes[i]` and a second, perpendicular arm of the same
 * length along `normals[i] × axes[i]`. An order-2 field is unchanged by a half turn, so an arm has
 * no arrowhead; the two arms are drawn in different colours (see `crossColors`), because the
 * field's trace-free symmetric tensor stretches along the first and squeezes along the second.
 */
export function crossSegments(
  origins: ArrayLike<number>,
  axes: ArrayLike<number>,
  normals: ArrayLike<number>,
): Float32Array {
  const count = origins.length / 3;
  const out = new Float32Array(count * CROSS_FLOATS);
  for (let i = 0; i < count; i++) {
    const ox = origins[3 * i];
    const oy = origins[3 * i + 1];
    const oz = origins[3 * i + 2];
    const ax = axes[3 * i];
    const ay = axes[3 * i + 1];
    const az = axes[3 * i + 2];
    const nx = normals[3 * i];
    const ny = normals[3 * i + 1];
    const nz = normals[3 * i + 2];
    const bx = ny * az - nz * ay;
    const by = nz * ax - nx * az;
    const bz = nx * ay - ny * ax;
    out.set(
      [
        ox - ax,
        oy - ay,
        oz - az,
        ox + ax,
        oy + ay,
        oz + az,
        ox - bx,
        oy - by,
        oz - bz,
        ox + bx,
        oy + by,
        oz + bz,
      ],
      i * CROSS_FLOATS,
    );
  }
  return out;
}

/** Per-point colours for `crossSegments`: the stretching arm in `major`, the other in `minor`. */
export function crossColors(count: number, major: Color, minor: Color): Float32Array {
  const out = new Float32Array(count * CROSS_FLOATS);
  for (let i = 0; i < count; i++) {
    const base = i * CROSS_FLOATS;
    for (let k = 0; k < 2; k++) out.set([major.r, major.g, major.b], base + 3 * k);
    for (let k = 2; k < 4; k++) out.set([minor.r, minor.g, minor.b], base + 3 * k);
  }
  return out;
}

/** Per-point colours, all the same. */
export function uniformColors(pointCount: number, color: Color): Float32Array {
  const out = new Float32Array(pointCount * 3);
  for (let i = 0; i < pointCount; i++) out.set([color.r, color.g, color.b], 3 * i);
  return out;
}

/**
 * A named set of line segments in the scene (arrows, crosses, frames, paths). The drawn positions
 * stay readable through `segments()`, which is what tests compare in 3D.
 */
export class GlyphLayer {
  readonly object: LineSegments;

  constructor(name: string) {
    const geometry = new BufferGeometry();
    geometry.setAttribute("position", new BufferAttribute(new Float32Array(0), 3));
    geometry.setAttribute("color", new BufferAttribute(new Float32Array(0), 3));
    this.object = new LineSegments(geometry, new LineBasicMaterial({ vertexColors: true }));
    this.object.name = name;
    // Glyph sets are rebuilt often and are small; culling by a stale bounding sphere would hide them.
    this.object.frustumCulled = false;
    this.object.renderOrder = 1;
  }

  get name(): string {
    return this.object.name;
  }

  get visible(): boolean {
    return this.object.visible;
  }

  set visible(value: boolean) {
    this.object.visible = value;
  }

  /** Replaces the segments: `positions` holds pairs of 3D points, `colors` one RGB per point. */
  set(positions: Float32Array, colors: Float32Array): void {
    if (colors.length !== positions.length) {
      throw new RangeError(
        `GlyphLayer ${this.name}: ${positions.length} positions but ${colors.length} colours`,
      );
    }
    const geometry = this.object.geometry;
    geometry.setAttribute("position", new BufferAttribute(positions, 3));
    geometry.setAttribute("color", new BufferAttribute(colors, 3));
    geometry.computeBoundingSphere();
  }

  clear(): void {
    this.set(new Float32Array(0), new Float32Array(0));
  }

  /** The drawn segment end points, three floats per point, two points per segment. */
  segments(): Float32Array {
    return (this.object.geometry.getAttribute("position") as BufferAttribute).array as Float32Array;
  }

  dispose(): void {
    this.object.geometry.dispose();
    (this.object.material as LineBasicMaterial).dispose();
  }
}
