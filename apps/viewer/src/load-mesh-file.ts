import { meshFormatOf, parseMesh, type TriangleMeshData } from "@gemcnn/geometry";

/**
 * Parses a dropped or fetched mesh file with the geometry package's reader for its extension
 * (.obj, .off, .ply, any case). Every problem, an unsupported extension included, is a
 * `MeshParseError` naming the file (and the line or byte offset where there is one).
 */
export function parseMeshFile(fileName: string, bytes: ArrayBuffer): TriangleMeshData {
  return parseMesh(new Uint8Array(bytes), meshFormatOf(fileName), fileName);
}

/** A message for the page that names the file, whatever was thrown. */
export function describeLoadError(fileName: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(fileName) ? message : `${fileName}: ${message}`;
}
