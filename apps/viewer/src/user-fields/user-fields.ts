import { type FieldDeclaration, vertexFieldsFromColumns } from "@gemcnn/features";
import type { NamedFieldType } from "@gemcnn/gauge";
import type { TangentFrames, VertexColumns } from "@gemcnn/geometry";
import type { TangentField } from "../model/fields.js";
import { declareFields, type FieldPair, predictionPairs, type TripleKind } from "./field-file.js";

/** One field of a user's file, as the page draws it. */
export type DrawableField =
  | { readonly name: string; readonly order: 0; readonly values: Float64Array }
  | { readonly name: string; readonly order: 1 | 2; readonly field: TangentField };

/**
 * A user's per-vertex fields in one gauge: the packed field that geometry's and features' readers
 * make of the file's columns (`vertexFieldsFromColumns`: scalars copied, vectors and line fields
 * turned into coefficients in the given frames, normal parts dropped and reported), split into
 * drawable fields, with the pairs of a field and its prediction.
 */
export interface UserFieldValues {
  readonly type: NamedFieldType;
  readonly fields: readonly DrawableField[];
  readonly pairs: readonly FieldPair[];
  /** Notes from the conversion (vectors that left the tangent plane), one line each. */
  readonly notes: readonly string[];
}

/**
 * Where a field's prediction can come from besides the file: a regression model
 * (`src/regression/regression-model.ts`) predicts packed values of a named field type (copies
 * such as `wind`) in the frames it is given, from the file's columns where it reads input fields.
 * `UserFieldFile.setPredictor` adds each copy as `<name>_predicted`, which pairs with the file's
 * field `<name>` like a `_pred` column, so the colours, arrows and errors need nothing more.
 */
export interface FieldPredictor {
  /** Names the model in notes. */
  readonly label: string;
  predict(
    frames: TangentFrames,
    columns: VertexColumns,
  ): { type: NamedFieldType; values: Float64Array; notes?: readonly string[] };
}

/** The suffix of a predictor's fields (one of `PREDICTION_SUFFIXES`). */
export const PREDICTOR_SUFFIX = "_predicted";

/** The drawable fields of a packed field of `type`, one per named copy (orders above 2 are left out). */
export function drawableFields(type: NamedFieldType, values: Float64Array, suffix = ""): DrawableField[] {
  const nVertices = values.length / type.dim;
  const out: DrawableField[] = [];
  for (const copy of type.copies()) {
    if (copy.order === 0) {
      out.push({
        name: copy.name + suffix,
        order: 0,
        values: Float64Array.from({ length: nVertices }, (_, v) => values[v * type.dim + copy.offset]),
      });
    } else if (copy.order === 1 || copy.order === 2) {
      const coefficients = new Float64Array(2 * nVertices);
      for (let v = 0; v < nVertices; v++) {
        coefficients[2 * v] = values[v * type.dim + copy.offset];
        coefficients[2 * v + 1] = values[v * type.dim + copy.offset + 1];
      }
      out.push({ name: copy.name + suffix, order: copy.order, field: { order: copy.order, coefficients } });
    }
  }
  return out;
}

/**
 * A user's field file opened on a mesh: its columns, and the declarations the page makes of them
 * (see `declareFields`; a triple's kind can be switched between vector and line field).
 * `valuesIn(frames)` converts them; the first conversion happens on opening, so a missing column,
 * a NaN or a vector far from the tangent plane is refused at once with the readers' message.
 */
export class UserFieldFile {
  readonly columns: VertexColumns;
  private tripleKinds = new Map<string, TripleKind>();
  private predictor: FieldPredictor | undefined;
  declarations: FieldDeclaration[];

  constructor(columns: VertexColumns, frames: TangentFrames) {
    this.columns = columns;
    this.declarations = declareFields(columns);
    this.valuesIn(frames);
  }

  get source(): string {
    return this.columns.source;
  }

  /** The triples (fields of three columns) and how each is read. */
  triples(): { name: string; kind: TripleKind }[] {
    return this.declarations
      .filter((d) => d.kind !== "scalar")
      .map((d) => ({ name: d.name, kind: d.kind === "direction" ? "line" : "vector" }));
  }

  /** Reads the triple `name` as a vector or a line field from now on (checked in `frames`). */
  setTripleKind(name: string, kind: TripleKind, frames: TangentFrames): void {
    const previous = new Map(this.tripleKinds);
    this.tripleKinds.set(name, kind);
    const declarations = declareFields(this.columns, this.tripleKinds);
    const before = this.declarations;
    this.declarations = declarations;
    try {
      this.valuesIn(frames);
    } catch (error) {
      this.tripleKinds = previous;
      this.declarations = before;
      throw error;
    }
  }

  /**
   * Adds (or with `undefined` removes) a predictor's fields beside the file's; it is run once in
   * `frames` here, so that one whose output does not fit the mesh is refused at once.
   */
  setPredictor(predictor: FieldPredictor | undefined, frames: TangentFrames): void {
    const before = this.predictor;
    this.predictor = predictor;
    try {
      this.valuesIn(frames);
    } catch (error) {
      this.predictor = before;
      throw error;
    }
  }

  /** The fields in `frames` (the open mesh's current gauge), and the predictor's if one is set. */
  valuesIn(frames: TangentFrames): UserFieldValues {
    const converted = vertexFieldsFromColumns(this.columns, this.declarations, frames, {
      onNormalComponent: "report",
    });
    const fields = drawableFields(converted.type, converted.values);
    const notes = [...converted.notes];
    if (this.predictor) {
      const { type, values, notes: predictorNotes } = this.predictor.predict(frames, this.columns);
      if (values.length !== this.columns.nVertices * type.dim) {
        throw new RangeError(
          `${this.predictor.label}: ${values.length} predicted numbers for ${this.columns.nVertices} vertices of ${type}`,
        );
      }
      const predicted = drawableFields(type, values, PREDICTOR_SUFFIX);
      const clash = predicted.find((p) => fields.some((f) => f.name === p.name));
      if (clash) {
        throw new RangeError(`${this.predictor.label}: ${this.source} has a field ${clash.name} already`);
      }
      fields.push(...predicted);
      notes.push(
        `${predicted.map((f) => f.name).join(", ")}: predicted by ${this.predictor.label}`,
        ...(predictorNotes ?? []),
      );
    }
    const orders = new Map(fields.map((f) => [f.name, f.order as number]));
    return { type: converted.type, fields, pairs: predictionPairs(orders), notes };
  }
}

/**
 * Per-vertex error of a prediction against the truth. Scalars: `prediction − truth`. Tangent
 * fields of order `n`: the angle between them in degrees, `|wrap(arg p − arg t)| / n` (0 to 180°
 * for vectors, 0 to 90° for line fields), NaN where either is zero; gauge-invariant, since both
 * arguments turn by the same `nφ`.
 */
export function fieldErrors(truth: DrawableField, prediction: DrawableField): Float64Array {
  if (truth.order !== prediction.order) {
    throw new RangeError(
      `fieldErrors: ${truth.name} is of order ${truth.order}, ${prediction.name} of order ${prediction.order}`,
    );
  }
  if (truth.order === 0 && prediction.order === 0) {
    return truth.values.map((t, v) => prediction.values[v] - t);
  }
  if (truth.order === 0 || prediction.order === 0) throw new Error("unreachable");
  const a = truth.field.coefficients;
  const b = prediction.field.coefficients;
  const n = truth.order;
  return Float64Array.from({ length: a.length / 2 }, (_, v) => {
    const [a1, a2, b1, b2] = [a[2 * v], a[2 * v + 1], b[2 * v], b[2 * v + 1]];
    if (Math.hypot(a1, a2) === 0 || Math.hypot(b1, b2) === 0) return Number.NaN;
    // The angle of b relative to a, in (−π, π]: arg(b · conj(a)).
    const turn = Math.atan2(b2 * a1 - b1 * a2, b1 * a1 + b2 * a2);
    return (Math.abs(turn) / n) * (180 / Math.PI);
  });
}

/** Summary of an error array: RMSE for scalars, mean angle for tangent fields; NaNs skipped. */
export function summarizeErrors(errors: Float64Array, order: number): string {
  const finite = Array.from(errors).filter(Number.isFinite);
  if (finite.length === 0) return "no vertex to compare";
  if (order === 0) {
    const rmse = Math.sqrt(finite.reduce((s, e) => s + e * e, 0) / finite.length);
    return `RMSE ${rmse.toPrecision(3)} over ${finite.length} vertices`;
  }
  const mean = finite.reduce((s, e) => s + e, 0) / finite.length;
  const sorted = finite.sort((x, y) => x - y);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return `angular error: mean ${mean.toFixed(2)}°, median ${median.toFixed(2)}° over ${finite.length} vertices`;
}
