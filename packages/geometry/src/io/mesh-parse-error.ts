/**
 * Thrown by the mesh readers for every problem with a file's contents or the file itself. The
 * message starts with the file name and, where the problem has a place, the 1-based line (text
 * formats) or the 0-based byte offset (binary PLY).
 */
export class MeshParseError extends Error {
  /** The file name, or the source name given to a parse function (`"<input>"` when none was). */
  readonly file: string;
  /** 1-based line number, for text formats. */
  readonly line: number | undefined;
  /** 0-based byte offset, for binary data. */
  readonly offset: number | undefined;
  /** The problem, without the location prefix. */
  readonly detail: string;

  constructor(
    file: string,
    location: { line?: number; offset?: number },
    detail: string,
    options?: ErrorOptions,
  ) {
    const where =
      location.line !== undefined
        ? `, line ${location.line}`
        : location.offset !== undefined
          ? `, byte ${location.offset}`
          : "";
    super(`${file}${where}: ${detail}`, options);
    this.name = "MeshParseError";
    this.file = file;
    this.line = location.line;
    this.offset = location.offset;
    this.detail = detail;
  }
}
