import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObj, type WriteObjOptions, writeObj } from "./obj.js";
import { parseOff, writeOff } from "./off.js";
import { parsePly, writePly } from "./ply.js";
import type { MeshInput } from "./text.js";

/** The file formats the readers know, named by their usual extension. */
export type MeshFormat = "obj" | "off" | "ply";

/** The format of `path` from its extension (case-insensitive); throws a `MeshParseError` for any other. */
export function meshFormatOf(path: string): MeshFormat {
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

/** Parses `input` as `format`; errors name `source`. */
export function parseMesh(input: MeshInput, format: MeshFormat, source?: string): TriangleMeshData {
  switch (format) {
    case "obj":
      return parseObj(input, source);
    case "off":
      return parseOff(input, source);
    case "ply":
      return parsePly(input, source);
  }
}

/** The bytes of `data` written as `format` (PLY binary little-endian). */
export function serializeMesh(
  data: TriangleMeshData,
  format: MeshFormat,
  options: WriteObjOptions = {},
): Uint8Array {
  switch (format) {
    case "obj":
      return new TextEncoder().encode(writeObj(data, options));
    case "off":
      return new TextEncoder().encode(writeOff(data));
    case "ply":
      return writePly(data);
  }
}
