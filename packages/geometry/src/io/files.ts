import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { meshFormatOf, parseMesh, serializeMesh } from "./formats.js";
import { MeshParseError } from "./mesh-parse-error.js";
import type { WriteObjOptions } from "./obj.js";

// Node-only: exported from `@gemcnn/geometry/node`, so that the main entry stays browser-safe.

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

/**
 * Writes `bytes` to `path` so that readers see either the old or the new content, never a torn
 * one: missing parent directories are created, the bytes go to a temporary file beside `path`
 * (`siblingTemporaryPath`), which is then renamed over it; on failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = siblingTemporaryPath(path);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A fresh, unique temporary name beside `path` (not created), for files and directories made atomically. */
export function siblingTemporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}
