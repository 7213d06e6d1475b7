import { GeometryError } from "./errors.js";
import { checkFrames, type TangentFrames } from "./frames.js";

// Conversions between a user's tangent fields in the mesh's coordinates (3 numbers per vertex) and
// their coefficients in the vertex frames (docs/conventions.md, "Tangent fields from ambient
// vectors"). Order 1: c = (v·e1, v·e2). Order n from a direction at angle θ in the frame and a
// magnitude m: c = (m cos nθ, m sin nθ), so that the n directions θ + 2πk/n give the same
// coefficients and a gauge change φ (θ' = θ − φ) acts as ρ_n(−φ).

/**
 * Default largest accepted `|v·n| / |v|`, the sine of the angle by which a vector leaves the
 * tangent plane: 0.1, about 5.7°. Vertex normals are estimates (angle-weighted here, something
 * else in the tool that made the field), and on a mesh that resolves its surface they disagree by a
 * few degrees at most; dropping such a normal part shortens the vector by at most 0.5 %
 * (cos 5.7°). A vector further out of the plane is more likely expressed in other coordinates than
 * the mesh's (axes swapped, another mesh's orientation, a normal field given as a tangent one).
 */
export const DEFAULT_NORMAL_TOLERANCE = 0.1;

/**
 * Vectors shorter than this fraction of the field's longest are not judged for their normal part:
 * their direction is rounding or measurement noise (a wind field's calm points, for instance).
 */
export const UNJUDGED_LENGTH_FRACTION = 1e-6;

/** What to do with vectors that leave the tangent plane by more than the tolerance. */
export type NormalComponentPolicy = "report" | "error";

export interface TangentProjectionOptions {
  /** Largest accepted `|v·n| / |v|`, in [0, 1]; default `DEFAULT_NORMAL_TOLERANCE` (0.1). */
  readonly normalTolerance?: number;
  /**
   * `"report"` (default): project onto the tangent plane and list the vertices in the report;
   * `"error"`: throw a `TangentFieldError` when there is any.
   */
  readonly onNormalComponent?: NormalComponentPolicy;
  /** Names the field in messages (default `"field"`). */
  readonly name?: string;
}

/**
 * Where a field's vectors leave the tangent planes. Every vector is projected onto its vertex's
 * tangent plane (the normal part is dropped); this says where that dropped more than
 * `tolerance`, as `|v·n| / |v|`.
 */
export interface NormalComponentReport {
  readonly tolerance: number;
  /** Vertices whose `|v·n| / |v|` exceeds `tolerance`, ascending. */
  readonly vertices: Int32Array;
  /** `|v·n| / |v|` at each of `vertices`. */
  readonly fractions: Float64Array;
  /** Largest `|v·n| / |v|` over the judged vertices (0 when none was judged). */
  readonly maxFraction: number;
  /** Where `maxFraction` was reached, or −1 when no vertex was judged (all vectors zero). */
  readonly maxVertex: number;
  /** Vectors judged: those at least `UNJUDGED_LENGTH_FRACTION` of the longest one. */
  readonly judged: number;
}

/** Coefficients of one field copy in the vertex frames, `[V × 2]` row by row, and the projection's report. */
export interface FrameCoefficients {
  readonly coefficients: Float64Array;
  readonly report: NormalComponentReport;
}

/** A field copy as ambient directions and magnitudes (see `frameCoefficientsToDirections`). */
export interface DirectionField {
  /** Unit tangent directions, 3 per vertex (zero where the magnitude is zero). */
  readonly directions: Float64Array;
  readonly magnitudes: Float64Array;
}

/**
 * A tangent field that cannot be converted as asked: vectors out of the tangent plane under
 * `onNormalComponent: "error"`, or a magnitude without a direction. `vertex` is the first vertex
 * concerned; `report` is the projection's report where there is one.
 */
export class TangentFieldError extends Error {
  override name = "TangentFieldError";
  readonly vertex: number;
  readonly report: NormalComponentReport | undefined;

  constructor(message: string, vertex: number, report?: NormalComponentReport) {
    super(message);
    this.vertex = vertex;
    this.report = report;
  }
}

/**
 * Coefficients `(v·e1, v·e2)` of ambient vectors `v` (3 per vertex, in the mesh's coordinates) in
 * the vertex frames: an order-1 field in the packed layout, `[V × 2]`. The normal part `(v·n) n`
 * is dropped (projection onto the tangent plane); vertices where it exceeds
 * `options.normalTolerance` of `|v|` are in the report, or throw with `onNormalComponent: "error"`.
 */
export function ambientToFrameCoefficients(
  frames: TangentFrames,
  vectors: ArrayLike<number>,
  options: TangentProjectionOptions = {},
): FrameCoefficients {
  const nVertices = checkAmbient(frames, vectors, "ambientToFrameCoefficients", "vectors", options);
  const { e1, e2 } = frames;
  const coefficients = new Float64Array(2 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const x = vectors[i];
    const y = vectors[i + 1];
    const z = vectors[i + 2];
    coefficients[2 * v] = x * e1[i] + y * e1[i + 1] + z * e1[i + 2];
    coefficients[2 * v + 1] = x * e2[i] + y * e2[i + 1] + z * e2[i + 2];
  }
  const report = normalComponentReport(frames, vectors, options);
  return { coefficients, report };
}

/** Ambient vectors `c1 e1 + c2 e2` (3 per vertex) of order-1 coefficients `[V × 2]`: tangent by construction. */
export function frameCoefficientsToAmbient(
  frames: TangentFrames,
  coefficients: ArrayLike<number>,
): Float64Array {
  const nVertices = checkCoefficients(frames, coefficients, "frameCoefficientsToAmbient");
  const { e1, e2 } = frames;
  const out = new Float64Array(3 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    const a = coefficients[2 * v];
    const b = coefficients[2 * v + 1];
    for (let k = 3 * v; k < 3 * v + 3; k++) out[k] = a * e1[k] + b * e2[k];
  }
  return out;
}

/**
 * Order-`order` coefficients `(m cos nθ, m sin nθ)` of a field given by ambient directions (3 per
 * vertex) and magnitudes: `θ` is the angle of the direction's tangent part in the vertex frame;
 * `m` is `magnitudes[v]` when given (≥ 0; the direction's length then does not matter), else the
 * length of the direction's tangent part. The `order` directions `θ + 2πk/order` give the same
 * coefficients, so for a line field (order 2) `d` and `−d` are the same. A zero direction gives
 * zero coefficients, and throws when its magnitude is not zero. The normal part is handled as in
 * `ambientToFrameCoefficients` (judged on the direction). Order 1 without magnitudes is exactly
 * `ambientToFrameCoefficients`.
 */
export function directionsToFrameCoefficients(
  frames: TangentFrames,
  directions: ArrayLike<number>,
  order: number,
  options: TangentProjectionOptions & { readonly magnitudes?: ArrayLike<number> } = {},
): FrameCoefficients {
  const caller = "directionsToFrameCoefficients";
  checkOrder(order, caller);
  const { magnitudes } = options;
  if (order === 1 && magnitudes === undefined) return ambientToFrameCoefficients(frames, directions, options);
  const nVertices = checkAmbient(frames, directions, caller, "directions", options);
  const name = options.name ?? "field";
  if (magnitudes !== undefined) {
    if (magnitudes.length !== nVertices) {
      throw new GeometryError(
        "invalid-argument",
        `${caller}: ${name} has ${magnitudes.length} magnitudes for ${nVertices} vertices`,
      );
    }
    for (let v = 0; v < nVertices; v++) {
      if (!(Number.isFinite(magnitudes[v]) && magnitudes[v] >= 0)) {
        throw new GeometryError(
          "invalid-argument",
          `${caller}: ${name}'s magnitude at vertex ${v} is ${magnitudes[v]}; magnitudes must be finite and ≥ 0`,
        );
      }
    }
  }
  const { e1, e2 } = frames;
  const coefficients = new Float64Array(2 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const x = directions[i];
    const y = directions[i + 1];
    const z = directions[i + 2];
    const a = x * e1[i] + y * e1[i + 1] + z * e1[i + 2];
    const b = x * e2[i] + y * e2[i + 1] + z * e2[i + 2];
    const length = Math.hypot(a, b);
    const m = magnitudes === undefined ? length : magnitudes[v];
    if (length === 0) {
      if (m !== 0) {
        throw new TangentFieldError(
          `${name}: vertex ${v} has magnitude ${m} but no tangent direction (its direction is ${x === 0 && y === 0 && z === 0 ? "zero" : "normal to the surface"})`,
          v,
        );
      }
      continue;
    }
    const angle = order * Math.atan2(b, a);
    coefficients[2 * v] = m * Math.cos(angle);
    coefficients[2 * v + 1] = m * Math.sin(angle);
  }
  const report = normalComponentReport(frames, directions, options);
  return { coefficients, report };
}

/**
 * The inverse of `directionsToFrameCoefficients`: from order-`order` coefficients `[V × 2]`, the
 * magnitude `m = |c|` and the unit ambient direction `cos θ e1 + sin θ e2` with
 * `θ = atan2(c2, c1) / order` in `(−π/order, π/order]`, the one of the `order` equivalent
 * directions nearest `e1`. Zero coefficients give a zero direction.
 */
export function frameCoefficientsToDirections(
  frames: TangentFrames,
  coefficients: ArrayLike<number>,
  order: number,
): DirectionField {
  const caller = "frameCoefficientsToDirections";
  checkOrder(order, caller);
  const nVertices = checkCoefficients(frames, coefficients, caller);
  const { e1, e2 } = frames;
  const directions = new Float64Array(3 * nVertices);
  const magnitudes = new Float64Array(nVertices);
  for (let v = 0; v < nVertices; v++) {
    const a = coefficients[2 * v];
    const b = coefficients[2 * v + 1];
    const m = Math.hypot(a, b);
    magnitudes[v] = m;
    if (m === 0) continue;
    const angle = Math.atan2(b, a) / order;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    for (let k = 3 * v; k < 3 * v + 3; k++) directions[k] = c * e1[k] + s * e2[k];
  }
  return { directions, magnitudes };
}

/**
 * The normal-component report of ambient vectors (3 per vertex) against the frames' normals; with
 * `onNormalComponent: "error"`, throws a `TangentFieldError` when any vertex exceeds the tolerance.
 */
export function normalComponentReport(
  frames: TangentFrames,
  vectors: ArrayLike<number>,
  options: TangentProjectionOptions = {},
): NormalComponentReport {
  const nVertices = checkAmbient(frames, vectors, "normalComponentReport", "vectors", options);
  const tolerance = options.normalTolerance ?? DEFAULT_NORMAL_TOLERANCE;
  const { n } = frames;
  let longest = 0;
  for (let v = 0; v < nVertices; v++) {
    longest = Math.max(longest, Math.hypot(vectors[3 * v], vectors[3 * v + 1], vectors[3 * v + 2]));
  }
  const floor = UNJUDGED_LENGTH_FRACTION * longest;
  const vertices: number[] = [];
  const fractions: number[] = [];
  let maxFraction = 0;
  let maxVertex = -1;
  let judged = 0;
  for (let v = 0; v < nVertices; v++) {
    const i = 3 * v;
    const x = vectors[i];
    const y = vectors[i + 1];
    const z = vectors[i + 2];
    const length = Math.hypot(x, y, z);
    if (!(length > 0) || length < floor) continue;
    judged++;
    const fraction = Math.abs(x * n[i] + y * n[i + 1] + z * n[i + 2]) / length;
    if (fraction > maxFraction || maxVertex < 0) {
      maxFraction = fraction;
      maxVertex = v;
    }
    if (fraction > tolerance) {
      vertices.push(v);
      fractions.push(fraction);
    }
  }
  const report: NormalComponentReport = {
    tolerance,
    vertices: Int32Array.from(vertices),
    fractions: Float64Array.from(fractions),
    maxFraction,
    maxVertex,
    judged,
  };
  if (vertices.length > 0 && (options.onNormalComponent ?? "report") === "error") {
    throw new TangentFieldError(
      `${options.name ?? "field"}: ${describeNormalComponents(report)}`,
      vertices[0],
      report,
    );
  }
  return report;
}

/**
 * One sentence on a report with vertices over the tolerance, e.g. "3 of 642 vectors leave the
 * tangent plane by more than 0.1 of their length (|v·n|/|v| up to 0.71 at vertex 17; first at
 * vertices 17, 40, 41)".
 */
export function describeNormalComponents(report: NormalComponentReport): string {
  const shown = Array.from(report.vertices.subarray(0, 5)).join(", ");
  const more = report.vertices.length > 5 ? ", …" : "";
  return `${report.vertices.length} of ${report.judged} vectors leave the tangent plane by more than ${report.tolerance} of their length (|v·n|/|v| up to ${report.maxFraction.toPrecision(3)} at vertex ${report.maxVertex}; at vertices ${shown}${more}); their normal parts are dropped`;
}

function checkOrder(order: number, caller: string): void {
  if (!Number.isSafeInteger(order) || order < 1) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: order must be an integer ≥ 1 (order 0 fields are scalars, not directions), got ${order}`,
    );
  }
}

function checkAmbient(
  frames: TangentFrames,
  vectors: ArrayLike<number>,
  caller: string,
  argument: string,
  options: TangentProjectionOptions,
): number {
  const nVertices = frames.n.length / 3;
  checkFrames(frames, nVertices, caller);
  const name = options.name ?? "field";
  if (vectors.length !== 3 * nVertices) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: ${argument} of ${name} has length ${vectors.length}, expected ${3 * nVertices} (3 per vertex for ${nVertices} vertices)`,
    );
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) {
      throw new GeometryError(
        "invalid-argument",
        `${caller}: ${name} at vertex ${Math.floor(i / 3)} has the non-finite component ${"xyz"[i % 3]} = ${vectors[i]}`,
      );
    }
  }
  const tolerance = options.normalTolerance ?? DEFAULT_NORMAL_TOLERANCE;
  if (!(tolerance >= 0 && tolerance <= 1)) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: normalTolerance must be in [0, 1] (a fraction of each vector's length), got ${tolerance}`,
    );
  }
  const policy = options.onNormalComponent ?? "report";
  if (policy !== "report" && policy !== "error") {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: onNormalComponent must be "report" or "error", got ${JSON.stringify(policy)}`,
    );
  }
  return nVertices;
}

function checkCoefficients(frames: TangentFrames, coefficients: ArrayLike<number>, caller: string): number {
  const nVertices = frames.n.length / 3;
  checkFrames(frames, nVertices, caller);
  if (coefficients.length !== 2 * nVertices) {
    throw new GeometryError(
      "invalid-argument",
      `${caller}: coefficients have length ${coefficients.length}, expected ${2 * nVertices} (2 per vertex for ${nVertices} vertices)`,
    );
  }
  return nVertices;
}
