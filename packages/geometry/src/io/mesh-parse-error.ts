import { escapeControlCharacters } from "./printable.js";

/**
 * Thrown by the mesh readers for every problem with a file's contents or the file itself. The
 * message starts with the file name and, where the problem has a place, the 1-based line (text
 * formats) or the 0-based byte offset (binary PLY and content that is not text). Control
 * characters in the name or the detail are written as escapes (`\x00`, `\n`), so the message is
 * one printable line whatever the file holds.
 */
export class MeshParseError extends Error {
  /** The file name, or the source name given to a parse function (`"<input>"` when none was). */
  readonly file: string;
  /** 1-based line number, for text formats. */
  readonly line: number | undefined;
  /** 0-based byte offset, for binary data. */
  readonly offset: number | undefined;
  /** The problem, without the location prefix (control characters escaped). */
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
    const printable = escapeControlCharacters(detail);
    super(`${escapeControlCharacters(file)}${where}: ${printable}`, options);
    this.name = "MeshParseError";
    this.file = file;
    this.line = location.line;
    this.offset = location.offset;
    this.detail = printable;
  }
}
