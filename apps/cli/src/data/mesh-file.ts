import { constants as bufferConstants } from "node:buffer";
import { MeshParseError, meshFormatOf, parseMesh, type TriangleMeshData } from "@gemcnn/geometry";
import {
  DEFAULT_MAX_MESH_FILE_BYTES,
  formatByteSize,
  MeshFileTooLargeError,
  readMeshFileBytes,
} from "@gemcnn/geometry/node";
import { byteSizeOption, type OptionSpec, type ParsedArgs } from "../cli/command.js";
import { CliError, InputFileError } from "../cli/errors.js";

/** `--max-mesh-size`: the largest mesh file any command reads (geometry's `maxBytes`). */
export const MAX_MESH_SIZE_OPTION: OptionSpec = {
  type: "string",
  valueName: "<size>",
  description: "largest mesh file read, e.g. 4GiB or 500MB (a larger one is refused before reading)",
  defaultText: "2GiB",
};

/** The `--max-mesh-size` limit in bytes (default 2 GiB, at most the largest buffer Node makes). */
export function maxMeshBytes(args: ParsedArgs): number {
  return byteSizeOption(args, "max-mesh-size", DEFAULT_MAX_MESH_FILE_BYTES, bufferConstants.MAX_LENGTH);
}

/**
 * The bytes of the mesh file at `path` through geometry's `readMeshFileBytes` (regular files
 * only, through symbolic links, at most `maxBytes`). Failures are an `InputFileError` naming the
 * file; the size limit's message names `--max-mesh-size`.
 */
export async function readMeshFile(path: string, maxBytes: number): Promise<Uint8Array> {
  try {
    return await readMeshFileBytes(path, { maxBytes });
  } catch (error) {
    if (error instanceof MeshFileTooLargeError) {
      const size = error.grew
        ? `it holds more than ${formatByteSize(error.maxBytes)} (it grew while being read)`
        : `the file is ${formatByteSize(error.bytes)}`;
      throw new InputFileError(
        path,
        `${size}, more than the limit of ${formatByteSize(error.maxBytes)} for a mesh file (--max-mesh-size raises it)`,
        { cause: error },
      );
    }
    if (error instanceof MeshParseError) throw new InputFileError(path, error.detail, { cause: error });
    throw error;
  }
}

/** The mesh file as read (what label files count), parsed; failures name the file. */
export async function meshAsRead(path: string, maxBytes: number): Promise<TriangleMeshData> {
  const bytes = await readMeshFile(path, maxBytes);
  try {
    return parseMesh(bytes, meshFormatOf(path), path);
  } catch (error) {
    if (error instanceof MeshParseError) throw new CliError(error.message, undefined, { cause: error });
    throw new CliError(`${path}: ${(error as Error).message}`, undefined, { cause: error });
  }
}
