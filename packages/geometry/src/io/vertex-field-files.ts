import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { type ReadMeshOptions, readRegularFileBytes, writeFileAtomic } from "./files.js";
import type { MeshParseError } from "./mesh-parse-error.js";
import { parsePlyVertexProperties, writePlyWithVertexProperties } from "./ply-properties.js";
import {
  formatVertexFieldsCsv,
  formatVertexFieldsJson,
  parseVertexFieldsCsv,
  parseVertexFieldsJson,
  type VertexColumns,
  VertexFieldFileError,
  vertexFieldFormatOf,
} from "./vertex-fields.js";

// Node-only: exported from `@gemcnn/geometry/node`.

/**
 * Reads per-vertex columns from `path`, its kind from the name: `.fields.json`, `.csv`, or `.ply`
 * (the vertex properties; the mesh in it is parsed and checked too, then dropped). With `count`
 * (the mesh's vertices), a file with another number of rows is an error. Every failure, a missing
 * file included, is a `VertexFieldFileError` (or, for a broken PLY file, a `MeshParseError`)
 * naming `path`. It is read as mesh files are (`readRegularFileBytes`: regular files only, at most
 * `options.maxBytes`, default 2 GiB), so a FIFO or a link to a device is refused, not waited on.
 */
export async function readVertexFieldFile(
  path: string,
  options: { count?: number } & ReadMeshOptions = {},
): Promise<VertexColumns> {
  const format = vertexFieldFormatOf(path);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFileBytes(path, "field file", options);
  } catch (error) {
    throw new VertexFieldFileError(path, {}, (error as MeshParseError).detail, { cause: error });
  }
  switch (format) {
    case "csv":
      return parseVertexFieldsCsv(bytes, { source: path, count: options.count });
    case "fields-json":
      return parseVertexFieldsJson(bytes, { source: path, count: options.count });
    case "ply": {
      const { columns } = parsePlyVertexProperties(bytes, path);
      if (options.count !== undefined && columns.nVertices !== options.count) {
        throw new VertexFieldFileError(
          path,
          {},
          `${columns.nVertices} vertices in the file for a mesh of ${options.count} vertices; its vertex properties must follow the mesh's vertex order`,
        );
      }
      return columns;
    }
  }
}

/**
 * Writes columns (one number per vertex each) to `path`, atomically, in the kind its name says:
 * `.csv`, `.fields.json`, or `.ply` with `mesh` (its vertices then carry the columns as `double`
 * properties, binary little-endian).
 */
export async function writeVertexFieldFile(
  path: string,
  columns: ReadonlyMap<string, ArrayLike<number>>,
  options: { mesh?: TriangleMeshData } = {},
): Promise<void> {
  const format = vertexFieldFormatOf(path);
  if (format === "ply") {
    if (options.mesh === undefined) {
      throw new VertexFieldFileError(path, {}, "a PLY field file holds the mesh too: pass options.mesh");
    }
    await writeFileAtomic(path, writePlyWithVertexProperties(options.mesh, columns));
    return;
  }
  await writeFileAtomic(
    path,
    format === "csv" ? formatVertexFieldsCsv(columns) : formatVertexFieldsJson(columns),
  );
}
