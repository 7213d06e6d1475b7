import { NamedFieldType } from "@gemcnn/gauge";
import {
  DEFAULT_NORMAL_TOLERANCE,
  describeNormalComponents,
  directionsToFrameCoefficients,
  type FrameCoefficients,
  frameCoefficientsToAmbient,
  frameCoefficientsToDirections,
  type NormalComponentPolicy,
  type NormalComponentReport,
  TangentFieldError,
  type TangentFrames,
  type VertexColumns,
  VertexFieldFileError,
} from "@gemcnn/geometry";

// A user's own per-vertex fields as network input or output: which columns of a field file make
// which irrep copy (the dataset's declaration), and the conversion between the columns (ambient,
// in the mesh's coordinates) and a packed field in the vertex frames.

/** A scalar (order 0): one column, by default the field's name. */
export interface ScalarFieldDeclaration {
  readonly name: string;
  readonly kind: "scalar";
  readonly column?: string;
}

/**
 * A tangent vector (order 1): three columns with the vector's x, y, z in the mesh's coordinates,
 * by default `<name>_x`, `<name>_y`, `<name>_z`. Its length is the magnitude.
 */
export interface VectorFieldDeclaration {
  readonly name: string;
  readonly kind: "vector";
  readonly columns?: readonly [string, string, string];
}

/**
 * An order-`n` direction field (default order 2, a line field: `d` and `−d` are the same): three
 * columns with a direction in the mesh's coordinates (default `<name>_x`, `_y`, `_z`) and,
 * optionally, a `magnitude` column (≥ 0); without one the magnitude is the direction's length.
 */
export interface DirectionFieldDeclaration {
  readonly name: string;
  readonly kind: "direction";
  readonly order?: number;
  readonly columns?: readonly [string, string, string];
  readonly magnitude?: string;
}

/** What one irrep copy of a user's field is made of. */
export type FieldDeclaration = ScalarFieldDeclaration | VectorFieldDeclaration | DirectionFieldDeclaration;

/** The kinds of field a declaration can name. */
export const FIELD_DECLARATION_KINDS = ["scalar", "vector", "direction"] as const;

/** A declaration that cannot be used; the message names its source and the entry. */
export class FieldDeclarationError extends Error {
  override name = "FieldDeclarationError";
}

/** Order of the irrep copy a declaration makes: 0 scalar, 1 vector, the direction's order (default 2). */
export function declarationOrder(declaration: FieldDeclaration): number {
  switch (declaration.kind) {
    case "scalar":
      return 0;
    case "vector":
      return 1;
    case "direction":
      return declaration.order ?? 2;
  }
}

/** The columns a declaration reads, in the order it reads them (x, y, z, then the magnitude). */
export function declarationColumns(declaration: FieldDeclaration): string[] {
  if (declaration.kind === "scalar") return [declaration.column ?? declaration.name];
  const xyz = declaration.columns ?? [
    `${declaration.name}_x`,
    `${declaration.name}_y`,
    `${declaration.name}_z`,
  ];
  return declaration.kind === "direction" && declaration.magnitude !== undefined
    ? [...xyz, declaration.magnitude]
    : [...xyz];
}

/**
 * The named field type the declarations make, canonical (scalars first, then by order; equal
 * orders in declaration order). Throws for repeated or bad names (see `NamedFieldType`).
 */
export function namedFieldTypeOf(declarations: readonly FieldDeclaration[]): NamedFieldType {
  return NamedFieldType.fromCopies(declarations.map((d) => ({ name: d.name, order: declarationOrder(d) })));
}

/**
 * Reads declarations from JSON: an array of `{ "name", "kind": "scalar" | "vector" | "direction",
 * "column" | "columns", "order", "magnitude" }` (see the declaration types). Throws a
 * `FieldDeclarationError` naming `source` and the entry for anything else.
 */
export function parseFieldDeclarations(value: unknown, source = "field declarations"): FieldDeclaration[] {
  const fail = (where: string, detail: string): never => {
    throw new FieldDeclarationError(`${source}${where}: ${detail}`);
  };
  if (!Array.isArray(value) || value.length === 0) {
    fail("", 'expected a non-empty array of { "name": …, "kind": "scalar" | "vector" | "direction", … }');
  }
  const declarations = (value as unknown[]).map((entry, i) => {
    const where = `, entry ${i}`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      fail(where, "expected an object");
    const { name, kind, column, columns, order, magnitude, ...rest } = entry as Record<string, unknown>;
    const named = typeof name === "string" ? `${where} ("${name}")` : where;
    const extra = Object.keys(rest);
    if (typeof name !== "string" || name === "") fail(where, '"name" must be a non-empty string');
    if (!FIELD_DECLARATION_KINDS.includes(kind as never)) {
      fail(named, `"kind" must be one of ${FIELD_DECLARATION_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
    }
    const allowed =
      kind === "scalar" ? ["column"] : kind === "vector" ? ["columns"] : ["columns", "order", "magnitude"];
    for (const [key, present] of [
      ["column", column],
      ["columns", columns],
      ["order", order],
      ["magnitude", magnitude],
    ] as const) {
      if (present !== undefined && !allowed.includes(key)) fail(named, `a ${kind} field has no "${key}"`);
    }
    if (extra.length > 0) fail(named, `unknown key "${extra[0]}"`);
    if (column !== undefined && typeof column !== "string") fail(named, '"column" must be a string');
    if (
      columns !== undefined &&
      !(Array.isArray(columns) && columns.length === 3 && columns.every((c) => typeof c === "string"))
    ) {
      fail(named, '"columns" must be three column names [x, y, z]');
    }
    if (order !== undefined && !(Number.isSafeInteger(order) && (order as number) >= 1)) {
      fail(named, `"order" must be a whole number ≥ 1, got ${JSON.stringify(order)}`);
    }
    if (magnitude !== undefined && typeof magnitude !== "string")
      fail(named, '"magnitude" must be a column name');
    return JSON.parse(JSON.stringify(entry)) as FieldDeclaration;
  });
  try {
    namedFieldTypeOf(declarations);
  } catch (error) {
    fail("", (error as Error).message);
  }
  return declarations;
}

export interface VertexFieldOptions {
  /** Largest accepted `|v·n| / |v|` of vectors and directions; default 0.1 (`DEFAULT_NORMAL_TOLERANCE`). */
  readonly normalTolerance?: number;
  /**
   * `"error"` (default here: a field file from elsewhere that leaves the tangent plane is most
   * often in other coordinates than the mesh) or `"report"` (project, and say so in `notes`).
   */
  readonly onNormalComponent?: NormalComponentPolicy;
}

/** A user's fields as a packed field in the vertex frames. */
export interface VertexFields {
  readonly type: NamedFieldType;
  /** Row-major `[V × type.dim]` in the packed layout of docs/conventions.md, float64. */
  readonly values: Float64Array;
  /** The normal-component report of each vector or direction field, by name. */
  readonly reports: ReadonlyMap<string, NormalComponentReport>;
  /** One line per field whose vectors left the tangent plane by more than the tolerance (`"report"`). */
  readonly notes: readonly string[];
}

/**
 * Builds the packed field that `declarations` describe from a file's columns, in `frames` (the
 * mesh's vertex frames; for a network's input, those of `prepareMesh`, which only centres and
 * scales, so directions are unchanged). Scalars are copied; vectors and directions are converted
 * by `directionsToFrameCoefficients` (normal parts dropped). Every problem is a
 * `VertexFieldFileError` naming the file and, where it applies, the column, the vertex and the
 * line: a missing column, a vertex count other than the mesh's, a NaN or infinite value, a
 * negative magnitude, a magnitude without a direction, vectors far from the tangent plane.
 */
export function vertexFieldsFromColumns(
  columns: VertexColumns,
  declarations: readonly FieldDeclaration[],
  frames: TangentFrames,
  options: VertexFieldOptions = {},
): VertexFields {
  const file = columns.source;
  const nVertices = frames.n.length / 3;
  const type = namedFieldTypeOf(declarations);
  if (columns.nVertices !== nVertices) {
    throw new VertexFieldFileError(
      file,
      {},
      `${columns.nVertices} vertices in the file for a mesh of ${nVertices} vertices; a field file holds one row per vertex, in the mesh's vertex order`,
    );
  }
  const locate = (column: string | undefined, vertex: number) => ({
    column,
    vertex,
    line: columns.lines?.[vertex],
  });
  const column = (name: string, declaration: FieldDeclaration): Float64Array => {
    const values = columns.columns.get(name);
    if (values === undefined) {
      const available = [...columns.columns.keys()].map((c) => JSON.stringify(c)).join(", ");
      throw new VertexFieldFileError(
        file,
        { column: name },
        `no such column, which field "${declaration.name}" (${declaration.kind}) reads; the file has ${available}`,
      );
    }
    for (let v = 0; v < values.length; v++) {
      if (!Number.isFinite(values[v])) {
        throw new VertexFieldFileError(
          file,
          locate(name, v),
          `the value is ${values[v]}, not a finite number`,
        );
      }
    }
    return values;
  };
  const values = new Float64Array(nVertices * type.dim);
  const reports = new Map<string, NormalComponentReport>();
  const notes: string[] = [];
  for (const declaration of declarations) {
    const copy = type.copy(declaration.name);
    const names = declarationColumns(declaration);
    const read = names.map((name) => column(name, declaration));
    if (declaration.kind === "scalar") {
      for (let v = 0; v < nVertices; v++) values[v * type.dim + copy.offset] = read[0][v];
      continue;
    }
    const ambient = new Float64Array(3 * nVertices);
    for (let v = 0; v < nVertices; v++) {
      for (let k = 0; k < 3; k++) ambient[3 * v + k] = read[k][v];
    }
    const magnitudes = read[3];
    if (magnitudes !== undefined) {
      for (let v = 0; v < nVertices; v++) {
        if (magnitudes[v] < 0) {
          throw new VertexFieldFileError(
            file,
            locate(names[3], v),
            `magnitude ${magnitudes[v]} of field "${declaration.name}" is negative; magnitudes are ≥ 0 (turn the direction instead)`,
          );
        }
      }
    }
    const what = `field "${declaration.name}" (columns ${names.slice(0, 3).join(", ")})`;
    let converted: FrameCoefficients;
    try {
      converted = directionsToFrameCoefficients(frames, ambient, copy.order, {
        magnitudes,
        normalTolerance: options.normalTolerance ?? DEFAULT_NORMAL_TOLERANCE,
        onNormalComponent: options.onNormalComponent ?? "error",
        name: what,
      });
    } catch (error) {
      if (!(error instanceof TangentFieldError)) throw error;
      const hint =
        error.report === undefined
          ? ""
          : '; are they in the mesh\'s coordinates? (onNormalComponent: "report" projects them instead)';
      throw new VertexFieldFileError(file, locate(undefined, error.vertex), `${error.message}${hint}`, {
        cause: error,
      });
    }
    reports.set(declaration.name, converted.report);
    if (converted.report.vertices.length > 0)
      notes.push(`${file}: ${what}: ${describeNormalComponents(converted.report)}`);
    const c = converted.coefficients;
    for (let v = 0; v < nVertices; v++) {
      values[v * type.dim + copy.offset] = c[2 * v];
      values[v * type.dim + copy.offset + 1] = c[2 * v + 1];
    }
  }
  return { type, values, reports, notes };
}

/**
 * The columns of a packed field in the mesh's coordinates, for other tools (e.g. predictions
 * written as PLY vertex properties): each declared copy of `type` by its declaration's columns.
 * Scalars as they are; vectors as ambient `x, y, z`; directions as a unit ambient direction (the
 * representative nearest `e1`, see `frameCoefficientsToDirections`) and, with a `magnitude`
 * column, its magnitude, else the direction scaled by it. Throws a `FieldDeclarationError` for a
 * declaration whose name or order `type` does not have.
 */
export function vertexFieldsToColumns(
  type: NamedFieldType,
  values: ArrayLike<number>,
  frames: TangentFrames,
  declarations: readonly FieldDeclaration[],
): Map<string, Float64Array> {
  const nVertices = frames.n.length / 3;
  if (values.length !== nVertices * type.dim) {
    throw new FieldDeclarationError(
      `vertexFieldsToColumns: ${values.length} numbers for ${nVertices} vertices × dim ${type.dim} of ${type}`,
    );
  }
  const out = new Map<string, Float64Array>();
  for (const declaration of declarations) {
    if (!type.has(declaration.name)) {
      throw new FieldDeclarationError(
        `vertexFieldsToColumns: the field type ${type} has no copy "${declaration.name}"`,
      );
    }
    const copy = type.copy(declaration.name);
    if (copy.order !== declarationOrder(declaration)) {
      throw new FieldDeclarationError(
        `vertexFieldsToColumns: "${declaration.name}" is of order ${copy.order} in ${type}, but declared as a ${declaration.kind} of order ${declarationOrder(declaration)}`,
      );
    }
    const names = declarationColumns(declaration);
    for (const name of names) {
      if (out.has(name))
        throw new FieldDeclarationError(`vertexFieldsToColumns: two fields write column "${name}"`);
    }
    if (copy.order === 0) {
      out.set(
        names[0],
        Float64Array.from({ length: nVertices }, (_, v) => values[v * type.dim + copy.offset]),
      );
      continue;
    }
    const coefficients = new Float64Array(2 * nVertices);
    for (let v = 0; v < nVertices; v++) {
      coefficients[2 * v] = values[v * type.dim + copy.offset];
      coefficients[2 * v + 1] = values[v * type.dim + copy.offset + 1];
    }
    if (declaration.kind === "vector") {
      const ambient = frameCoefficientsToAmbient(frames, coefficients);
      for (let k = 0; k < 3; k++) {
        out.set(
          names[k],
          Float64Array.from({ length: nVertices }, (_, v) => ambient[3 * v + k]),
        );
      }
      continue;
    }
    const { directions, magnitudes } = frameCoefficientsToDirections(frames, coefficients, copy.order);
    const separate = declaration.kind === "direction" && declaration.magnitude !== undefined;
    for (let k = 0; k < 3; k++) {
      out.set(
        names[k],
        Float64Array.from(
          { length: nVertices },
          (_, v) => directions[3 * v + k] * (separate ? 1 : magnitudes[v]),
        ),
      );
    }
    if (separate) out.set(names[3], magnitudes);
  }
  return out;
}
