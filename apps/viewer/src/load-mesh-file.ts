import { parseObj, parseOff, parsePly, type TriangleMeshData } from "@gemcnn/geometry";

/** Thrown for a file the page cannot read as a mesh, naming the file and the problem. */
export class MeshFileError extends Error {
  readonly fileName: string;
  constructor(fileName: string, message: string) {
    super(`${fileName}: ${message}`);
    this.name = "MeshFileError";
    this.fileName = fileName;
  }
}

/** Formats the page opens, by file name extension. */
export type MeshFileFormat = "obj" | "off" | "ply";

/**
 * The format of a file from its name; throws `MeshFileError` for any other extension. (The
 * geometry package's `meshFormatOf` does the same with `node:path`, which a browser lacks.)
 */
export function meshFileFormatOf(fileName: string): MeshFileFormat {
  const extension = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (extension === "obj" || extension === "off" || extension === "ply") return extension;
  throw new MeshFileError(
    fileName,
    `unsupported file type ${extension ? `".${extension}"` : "(no extension)"}; the viewer opens .obj, .off and .ply files`,
  );
}

/**
 * Parses a mesh file's bytes with the geometry package's reader for its format. A parse error
 * (`MeshParseError`) names the file and the line or byte offset of the problem.
 */
export function parseMeshFile(fileName: string, bytes: ArrayBuffer): TriangleMeshData {
  const format = meshFileFormatOf(fileName);
  const input = new Uint8Array(bytes);
  if (format === "obj") return parseObj(input, fileName);
  if (format === "off") return parseOff(input, fileName);
  return parsePly(input, fileName);
}

/** A message for the page that names the file, whatever was thrown. */
export function describeLoadError(fileName: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(fileName) ? message : `${fileName}: ${message}`;
}
