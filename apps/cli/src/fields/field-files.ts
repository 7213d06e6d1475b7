import { stat } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import {
  declarationColumns,
  FIELD_DECLARATION_KINDS,
  type FieldDeclaration,
  FieldDeclarationError,
  parseFieldDeclarations,
  type VertexFields,
  vertexFieldsFromColumns,
} from "@gemcnn/features";
import { MeshParseError, type VertexColumns, VertexFieldFileError } from "@gemcnn/geometry";
import { readRegularFileBytes, readVertexFieldFile } from "@gemcnn/geometry/node";
import { CliError, UsageError } from "../cli/errors.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";

// A user's fields on disk, for every task: the declarations of `--input-fields` (and regression's
// `--target-fields`), the field file beside each mesh, and its columns carried to the
// preprocessed mesh's vertices and frames.

/**
 * Declarations from an option's value: a JSON file (a name ending in `.json`: features'
 * `parseFieldDeclarations` format) or an inline list `name:kind[:order]`, comma-separated, e.g.
 * `pressure:scalar,wind:vector,stripes:direction:2` (default columns: `pressure`;
 * `wind_x`, `wind_y`, `wind_z`). A `UsageError` names the option and the entry that does not parse.
 */
export async function fieldDeclarationsFromOption(
  option: string,
  value: string,
  cwd: string,
): Promise<FieldDeclaration[]> {
  const what = `option --${option}`;
  if (value.trim().toLowerCase().endsWith(".json")) {
    const path = resolve(cwd, value.trim());
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(await readRegularFileBytes(path, "field declarations")));
    } catch (error) {
      const detail =
        error instanceof SyntaxError
          ? `not valid JSON (${error.message})`
          : ((error as MeshParseError).detail ?? (error as Error).message);
      throw new UsageError(`${what}: ${path}: ${detail}`);
    }
    try {
      return parseFieldDeclarations(json, path);
    } catch (error) {
      if (error instanceof FieldDeclarationError) throw new UsageError(`${what}: ${error.message}`);
      throw error;
    }
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const declarations = entries.map((entry) => {
    const [name, kind, order, ...rest] = entry.split(":").map((s) => s.trim());
    const fail = (detail: string): never => {
      throw new UsageError(
        `${what}: "${entry}": ${detail} (write name:kind, kind one of ${FIELD_DECLARATION_KINDS.join(", ")}, e.g. pressure:scalar,wind:vector,stripes:direction:2; or give a .json file of declarations)`,
      );
    };
    if (entry === "") fail("an empty entry");
    if (kind === undefined || kind === "") fail("no kind");
    if (rest.length > 0) fail("too many parts");
    if (order !== undefined && kind !== "direction") fail(`a ${kind} has no order`);
    if (order !== undefined && !/^\d+$/.test(order))
      fail(`the order must be a whole number ≥ 1, got "${order}"`);
    return order === undefined ? { name, kind } : { name, kind, order: Number(order) };
  });
  try {
    return parseFieldDeclarations(declarations, what);
  } catch (error) {
    if (error instanceof FieldDeclarationError) throw new UsageError(error.message);
    throw error;
  }
}

/** `pressure:scalar,wind:vector`: declarations as `--input-fields` takes them (columns not shown). */
export function formatDeclarations(declarations: readonly FieldDeclaration[]): string {
  return declarations
    .map((d) => (d.kind === "direction" ? `${d.name}:direction:${d.order ?? 2}` : `${d.name}:${d.kind}`))
    .join(",");
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The field file of the mesh `meshPath` (`<name>.<ext>`): `<name>.fields.json`, else
 * `<name>.csv`, else, for a PLY mesh, the mesh's own vertex properties; `undefined` when there
 * is none.
 */
export async function fieldFileOf(meshPath: string): Promise<string | undefined> {
  const stem = join(dirname(meshPath), basename(meshPath, extname(meshPath)));
  for (const candidate of [`${stem}.fields.json`, `${stem}.csv`]) {
    if (await isFile(candidate)) return candidate;
  }
  return extname(meshPath).toLowerCase() === ".ply" ? meshPath : undefined;
}

/** What `fieldFileOf` looks for, for a message about a mesh without one. */
export function fieldFileHint(meshPath: string): string {
  const stem = basename(meshPath, extname(meshPath));
  return `${stem}.fields.json or ${stem}.csv beside the mesh${extname(meshPath).toLowerCase() === ".ply" ? ", or vertex properties in the PLY file" : ""}`;
}

/**
 * The columns `declarations` read from the field file `file` of a mesh with `vertexCount`
 * vertices (as read), checked: the file exists and parses, has one row per vertex, has every
 * column, and every value is a finite number. Only those columns are kept. Every failure is a
 * `CliError` of one line naming the file (and the column, vertex and line where they apply).
 */
export async function readDeclaredColumns(
  file: string,
  declarations: readonly FieldDeclaration[],
  vertexCount: number,
  maxBytes: number,
): Promise<VertexColumns> {
  let columns: VertexColumns;
  try {
    columns = await readVertexFieldFile(file, { count: vertexCount, maxBytes });
  } catch (error) {
    if (error instanceof VertexFieldFileError || error instanceof MeshParseError)
      throw new CliError(error.message, undefined, { cause: error });
    throw error;
  }
  const kept = new Map<string, Float64Array>();
  for (const declaration of declarations) {
    for (const name of declarationColumns(declaration)) {
      const values = columns.columns.get(name);
      if (values === undefined) {
        const available = [...columns.columns.keys()].map((c) => JSON.stringify(c)).join(", ");
        throw new CliError(
          new VertexFieldFileError(
            file,
            { column: name },
            `no such column, which field "${declaration.name}" (${declaration.kind}) reads; the file has ${available || "no columns"}`,
          ).message,
        );
      }
      for (let v = 0; v < values.length; v++) {
        if (!Number.isFinite(values[v]))
          throw new CliError(
            new VertexFieldFileError(
              file,
              { column: name, vertex: v, line: columns.lines?.[v] },
              `the value is ${values[v]}, not a finite number (every vertex needs a value)`,
            ).message,
          );
      }
      kept.set(name, values);
    }
  }
  return {
    source: file,
    nVertices: columns.nVertices,
    columns: kept,
    ...(columns.lines ? { lines: columns.lines } : {}),
  };
}

/**
 * `columns` with the x, y, z columns of every vector and direction declaration turned by the
 * row-major 3×3 `rotation` (the mesh's own, so that the fields move with it).
 */
export function rotateDeclaredColumns(
  columns: VertexColumns,
  declarations: readonly FieldDeclaration[],
  rotation: readonly number[],
): VertexColumns {
  const out = new Map(columns.columns);
  for (const declaration of declarations) {
    if (declaration.kind === "scalar") continue;
    const [x, y, z] = declarationColumns(declaration).map(
      (name) => columns.columns.get(name) as Float64Array,
    );
    const turned = [new Float64Array(x.length), new Float64Array(x.length), new Float64Array(x.length)];
    for (let v = 0; v < x.length; v++) {
      for (let r = 0; r < 3; r++)
        turned[r][v] = rotation[3 * r] * x[v] + rotation[3 * r + 1] * y[v] + rotation[3 * r + 2] * z[v];
    }
    declarationColumns(declaration)
      .slice(0, 3)
      .forEach((name, k) => {
        out.set(name, turned[k]);
      });
  }
  return { ...columns, columns: out };
}

/**
 * The packed fields `declarations` describe on a preprocessed mesh, in its frames: the columns
 * (one row per vertex of the file as read) carried to its vertices through `mesh.sourceVertex`
 * (repair's renumbering, the component selection), then converted by features'
 * `vertexFieldsFromColumns` (vectors far from the tangent plane refused). A problem is a
 * `CliError` naming the file and the vertex as numbered in the file.
 */
export function meshFields(
  columns: VertexColumns,
  declarations: readonly FieldDeclaration[],
  mesh: Pick<SourcedMesh, "sourceVertex" | "nVertices" | "e1" | "e2" | "normals">,
): VertexFields {
  const map = mesh.sourceVertex;
  const carried = new Map<string, Float64Array>();
  for (const [name, values] of columns.columns)
    carried.set(
      name,
      Float64Array.from(map, (u) => values[u]),
    );
  const lines = columns.lines;
  const onMesh: VertexColumns = {
    source: columns.source,
    nVertices: mesh.nVertices,
    columns: carried,
    ...(lines ? { lines: Int32Array.from(map, (u) => lines[u]) } : {}),
  };
  try {
    return vertexFieldsFromColumns(onMesh, declarations, { e1: mesh.e1, e2: mesh.e2, n: mesh.normals });
  } catch (error) {
    if (error instanceof VertexFieldFileError) {
      const vertex = error.vertex === undefined ? undefined : map[error.vertex];
      throw new CliError(
        new VertexFieldFileError(error.file, { line: error.line, column: error.column, vertex }, error.detail)
          .message,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }
}

/** `columns` (one row per vertex) in the order `order` (row j of the result is row `order[j]`). */
export function reorderedColumns(columns: VertexColumns, order: ArrayLike<number>): VertexColumns {
  const out = new Map<string, Float64Array>();
  for (const [name, values] of columns.columns)
    out.set(
      name,
      Float64Array.from({ length: order.length }, (_, j) => values[order[j]]),
    );
  const lines = columns.lines;
  return {
    source: columns.source,
    nVertices: order.length,
    columns: out,
    ...(lines ? { lines: Int32Array.from({ length: order.length }, (_, j) => lines[order[j]]) } : {}),
  };
}
