import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
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
  const extension = extname(path).toLowerCase();
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

function unreadable(path: string, error: unknown): MeshParseError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
        ? "it is a directory, not a file"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
  return new MeshParseError(path, {}, `cannot read the mesh file: ${why}`, { cause: error });
}

/**
 * Reads an OBJ, OFF or PLY file, chosen by the extension of `path` (case-insensitive). The mesh
 * is returned as read, not validated (see `validateMesh`). Every failure, a missing file
 * included, is a `MeshParseError` naming `path`.
 */
export async function readMesh(path: string): Promise<TriangleMeshData> {
  const format = meshFormatOf(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  return parseMesh(bytes, format, path);
}

/** `readMesh`, synchronously. */
export function readMeshSync(path: string): TriangleMeshData {
  const format = meshFormatOf(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  return parseMesh(bytes, format, path);
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

/**
 * Writes `data` to `path` in the format its extension names (.obj, .off, .ply), atomically: the
 * bytes go to a temporary file beside it, which is then renamed over `path`, so a reader never
 * sees a half-written file. `options` apply to OBJ.
 */
export async function writeMeshFile(
  path: string,
  data: TriangleMeshData,
  options: WriteObjOptions = {},
): Promise<void> {
  const bytes = serializeMesh(data, meshFormatOf(path), options);
  await writeFileAtomic(path, bytes);
}

/** Writes `bytes` to `path` through a temporary file in the same directory and a rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
