import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObj, type WriteObjOptions, writeObj } from "./obj.js";
import { parseOff, writeOff } from "./off.js";
import { parsePly, writePly } from "./ply.js";
import { describeValue, quote } from "./printable.js";
import { DEFAULT_SOURCE, type MeshInput } from "./text.js";

/** The file formats the readers know, named by their usual extension. */
export type MeshFormat = "obj" | "off" | "ply";

/** The formats `parseMesh`, `serializeMesh` and `meshFormatOf` know. */
const MESH_FORMATS: readonly MeshFormat[] = ["obj", "off", "ply"];

/** The format of `path` from its extension (case-insensitive); throws a `MeshParseError` for any other. */
export function meshFormatOf(path: string): MeshFormat {
  if (typeof path !== "string" || path === "") {
    throw new MeshParseError(
      DEFAULT_SOURCE,
      {},
      `expected a file path (a non-empty string), got ${describeValue(path)}`,
    );
  }
  // By hand rather than node:path's extname, so that this module also runs in the browser.
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : "";
  if (extension === ".obj" || extension === ".off" || extension === ".ply") {
    return extension.slice(1) as MeshFormat;
  }
  throw new MeshParseError(
    path,
    {},
    `unsupported mesh file extension '${extension || "(none)"}': expected .obj, .off or .ply`,
  );
}

/**
 * Parses `input` as `format`; errors name `source`. A format other than "obj", "off" or "ply", a
 * source that is not a string and an input that is neither text nor bytes are `MeshParseError`s too.
 */
export function parseMesh(input: MeshInput, format: MeshFormat, source?: string): TriangleMeshData {
  if (source !== undefined && typeof source !== "string") {
    throw new MeshParseError(
      DEFAULT_SOURCE,
      {},
      `parseMesh: the source name must be a string, got ${describeValue(source)}`,
    );
  }
  switch (assertFormat(format, source ?? DEFAULT_SOURCE)) {
    case "obj":
      return parseObj(input, source);
    case "off":
      return parseOff(input, source);
    case "ply":
      return parsePly(input, source);
  }
}

function assertFormat(format: unknown, source: string): MeshFormat {
  if (MESH_FORMATS.includes(format as MeshFormat)) return format as MeshFormat;
  throw new MeshParseError(
    source,
    {},
    `unknown mesh format ${typeof format === "string" ? quote(format) : describeValue(format)}: expected "obj", "off" or "ply"`,
  );
}

/** The bytes of `data` written as `format` (PLY binary little-endian). */
export function serializeMesh(
  data: TriangleMeshData,
  format: MeshFormat,
  options: WriteObjOptions = {},
): Uint8Array {
  switch (assertFormat(format, "serializeMesh")) {
    case "obj":
      return new TextEncoder().encode(writeObj(data, options));
    case "off":
      return new TextEncoder().encode(writeOff(data));
    case "ply":
      return writePly(data);
  }
}
