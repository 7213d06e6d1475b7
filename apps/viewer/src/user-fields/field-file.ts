import type { FieldDeclaration } from "@gemcnn/features";
import {
  parsePlyVertexProperties,
  parseVertexFieldsCsv,
  parseVertexFieldsJson,
  type VertexColumns,
  vertexFieldFormatOf,
} from "@gemcnn/geometry";

/** Whether a file name is a per-vertex field file the page reads beside a mesh (`.csv`, `.fields.json`). */
export function isFieldFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(".csv") || lower.endsWith(".fields.json");
}

/**
 * PLY vertex properties that are not a user's field: the position, the normal and colours
 * (what meshing tools write), so that a plain PLY mesh shows no fields.
 */
const PLY_MESH_PROPERTIES = new Set(["x", "y", "z", "nx", "ny", "nz", "red", "green", "blue", "alpha"]);

/**
 * Reads the per-vertex columns of a field file with the geometry package's readers (`.csv`,
 * `.fields.json`, or a `.ply` file's vertex properties beyond its positions, normals and colours),
 * checking that it has one row per vertex of a mesh of `nVertices`. Every problem is a
 * `VertexFieldFileError` (or for PLY a `MeshParseError`) naming the file.
 */
export function readFieldColumns(name: string, bytes: ArrayBuffer, nVertices: number): VertexColumns {
  const input = new Uint8Array(bytes);
  switch (vertexFieldFormatOf(name)) {
    case "csv":
      return parseVertexFieldsCsv(input, { source: name, count: nVertices });
    case "fields-json":
      return parseVertexFieldsJson(input, { source: name, count: nVertices });
    case "ply": {
      const { columns } = parsePlyVertexProperties(input, name);
      const kept = new Map([...columns.columns].filter(([column]) => !PLY_MESH_PROPERTIES.has(column)));
      return { ...columns, columns: kept };
    }
  }
}

/** How the page reads a triple of columns `<name>_x, _y, _z`: a tangent vector, or a line field (order 2). */
export type TripleKind = "vector" | "line";

/**
 * The fields that a file's columns make, by the page's naming rule: three columns `<name>_x`,
 * `<name>_y`, `<name>_z` are one tangent field `<name>` in the mesh's coordinates (a vector unless
 * `tripleKinds` says it is a line field, an order-2 direction field whose magnitude is its
 * length), and every other column is a scalar field of its own name. The files carry no
 * declaration of their own (the command line's datasets declare fields in their settings), so the
 * page offers the choice of vector or line field per triple.
 */
export function declareFields(
  columns: VertexColumns,
  tripleKinds: ReadonlyMap<string, TripleKind> = new Map(),
): FieldDeclaration[] {
  const names = [...columns.columns.keys()];
  const present = new Set(names);
  const used = new Set<string>();
  const declarations: FieldDeclaration[] = [];
  for (const name of names) {
    if (used.has(name)) continue;
    const match = /^(.+)_x$/.exec(name);
    const base = match?.[1];
    if (base !== undefined && present.has(`${base}_y`) && present.has(`${base}_z`) && !present.has(base)) {
      const xyz = [`${base}_x`, `${base}_y`, `${base}_z`] as const;
      for (const column of xyz) used.add(column);
      declarations.push(
        tripleKinds.get(base) === "line"
          ? { name: base, kind: "direction", order: 2, columns: xyz }
          : { name: base, kind: "vector", columns: xyz },
      );
      continue;
    }
    used.add(name);
    declarations.push({ name, kind: "scalar", column: name });
  }
  return declarations;
}

/** Suffixes that mark a field as the prediction of another of the same order. */
export const PREDICTION_SUFFIXES = ["_pred", "_prediction", "_predicted"] as const;

/** A field and its prediction, e.g. `wind` and `wind_pred`. */
export interface FieldPair {
  readonly truth: string;
  readonly prediction: string;
}

/**
 * Pairs of a field and its prediction among `fields` (name → order): `<name>` with
 * `<name>_pred` (or `_prediction`, `_predicted`) of the same order.
 */
export function predictionPairs(fields: ReadonlyMap<string, number>): FieldPair[] {
  const pairs: FieldPair[] = [];
  for (const [name, order] of fields) {
    for (const suffix of PREDICTION_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const truth = name.slice(0, -suffix.length);
      if (truth !== "" && fields.get(truth) === order) pairs.push({ truth, prediction: name });
    }
  }
  return pairs;
}
