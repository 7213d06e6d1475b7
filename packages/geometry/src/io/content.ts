import type { MeshFormat } from "./formats.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { describeValue, quote } from "./printable.js";
import { DEFAULT_SOURCE, decodeText, type MeshInput, OFF_KEYWORD, toBytes } from "./text.js";

// A file with a mesh extension may hold something else: a compressed or archived mesh, a program,
// text saved as UTF-16 (PowerShell's `>` does that), or another mesh format. Read as OBJ, most of
// these are an empty mesh without a word, since OBJ skips every line it does not know; read as
// OFF or PLY they fail on the first line with a message that does not say why. So the bytes are
// looked at first, once, for every format: magic numbers at the start, the pattern of UTF-16,
// the first keyword, and (for the text formats) NUL bytes, which no text file contains.

/** How many bytes at the start are looked at for signatures, UTF-16 and the first keyword. */
const HEAD_BYTES = 4096;

const FORMAT_NAMES: Record<MeshFormat, string> = { obj: "an OBJ", off: "an OFF", ply: "a PLY" };

interface Signature {
  readonly bytes: readonly number[];
  /** Where the signature starts (0 but for tar). */
  readonly at?: number;
  readonly looksLike: string;
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));

/** Magic numbers of what is most often found under a wrong name; the descriptions follow file(1). */
const SIGNATURES: readonly Signature[] = [
  { bytes: [0x1f, 0x8b], looksLike: "gzip-compressed data (decompress it first, e.g. with gunzip)" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], looksLike: "a zip archive (extract the mesh from it first)" },
  { bytes: [0x50, 0x4b, 0x05, 0x06], looksLike: "a zip archive (an empty one)" },
  { bytes: [0x50, 0x4b, 0x07, 0x08], looksLike: "a zip archive (extract the mesh from it first)" },
  { bytes: ascii("BZh"), looksLike: "bzip2-compressed data (decompress it first, e.g. with bunzip2)" },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], looksLike: "xz-compressed data (decompress it first)" },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], looksLike: "zstd-compressed data (decompress it first)" },
  {
    bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
    looksLike: "a 7-Zip archive (extract the mesh from it first)",
  },
  { bytes: ascii("Rar!\x1a\x07"), looksLike: "a RAR archive (extract the mesh from it first)" },
  { bytes: ascii("ustar"), at: 257, looksLike: "a tar archive (extract the mesh from it first)" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], looksLike: "an ELF executable or library" },
  { bytes: [0xcf, 0xfa, 0xed, 0xfe], looksLike: "a Mach-O executable" },
  { bytes: [0xfe, 0xed, 0xfa, 0xcf], looksLike: "a Mach-O executable" },
  { bytes: ascii("%PDF-"), looksLike: "a PDF document" },
  { bytes: [0x89, 0x50, 0x4e, 0x47], looksLike: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], looksLike: "a JPEG image" },
  { bytes: ascii("glTF"), looksLike: "a binary glTF (.glb) file" },
  { bytes: [0x00, 0x00, 0xfe, 0xff], looksLike: "UTF-32 text (save it as UTF-8 or ASCII)" },
  { bytes: [0xff, 0xfe, 0x00, 0x00], looksLike: "UTF-32 text (save it as UTF-8 or ASCII)" },
  { bytes: [0xfe, 0xff], looksLike: "UTF-16 text (save it as UTF-8 or ASCII)" },
  { bytes: [0xff, 0xfe], looksLike: "UTF-16 text (save it as UTF-8 or ASCII)" },
];

/** Record keywords that start an OBJ file's first line far more often than anything else. */
const OBJ_KEYWORDS = new Set(["v", "vt", "vn", "f", "o", "g", "s", "mtllib", "usemtl"]);

/** Every statement of the OBJ format (Wavefront's specification, version 3.0). */
const OBJ_STATEMENTS = new Set([
  ...["v", "vt", "vn", "vp", "cstype", "deg", "bmat", "step", "p", "l", "f", "curv", "curv2"],
  ...["surf", "parm", "trim", "hole", "scrv", "sp", "end", "con", "g", "s", "mg", "o", "bevel"],
  ...["c_interp", "d_interp", "lod", "usemtl", "mtllib", "shadow_obj", "trace_obj", "ctech"],
  ...["stech", "maplib", "usemap", "call", "csh"],
]);

/** The first bytes of `input` (a string's first characters as their codes, above 255 as 255). */
function headOf(input: string | Uint8Array): Uint8Array {
  if (typeof input !== "string") return input.subarray(0, HEAD_BYTES);
  const n = Math.min(input.length, HEAD_BYTES);
  const head = new Uint8Array(n);
  for (let i = 0; i < n; i++) head[i] = Math.min(input.charCodeAt(i), 0xff);
  return head;
}

/** UTF-16 without a byte-order mark: in ASCII text, every other byte is 0. */
function utf16Order(head: Uint8Array): "little-endian" | "big-endian" | undefined {
  const pairs = Math.floor(Math.min(head.length, 512) / 2);
  if (pairs < 2) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZeros++;
    if (head[2 * i + 1] === 0) oddZeros++;
  }
  if (oddZeros >= 0.9 * pairs && evenZeros <= 0.1 * pairs) return "little-endian";
  if (evenZeros >= 0.9 * pairs && oddZeros <= 0.1 * pairs) return "big-endian";
  return undefined;
}

/** The first token of the first line that is not blank or a `#` comment, within the head. */
function firstKeyword(head: Uint8Array): { keyword: string; line: string; text: string } | undefined {
  let text = "";
  for (const byte of head) text += String.fromCharCode(byte);
  for (const line of text.split(/\r\n?|\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const [keyword] = trimmed.split(/[ \t]+/);
    return { keyword, line: trimmed, text };
  }
  return undefined;
}

/** Which other mesh format the first keyword belongs to, if any. */
function otherMeshFormat(head: Uint8Array, byteLength: number, format: MeshFormat): string | undefined {
  // Binary STL: an 80-byte header, a uint32 triangle count, 50 bytes per triangle.
  if (byteLength >= 134 && head.length >= 84) {
    const count = new DataView(head.buffer, head.byteOffset + 80, 4).getUint32(0, true);
    if (count > 0 && byteLength === 84 + 50 * count) return "a binary STL file";
  }
  const first = firstKeyword(head);
  if (first === undefined) return undefined;
  const { keyword, line, text } = first;
  if (keyword === "solid" && /\bfacet\b/.test(text)) return "an ASCII STL file";
  // A web page saved under a mesh's name (a download of a repository's page instead of the raw
  // file) or another text format; OBJ would skip every line of it and read an empty mesh.
  if (/^<(!doctype\s+html|html)\b/i.test(line)) {
    return "an HTML page (a web page saved under a mesh file's name: download the raw file)";
  }
  if (keyword.startsWith("<")) return "an XML document (COLLADA .dae and X3D are XML)";
  if (keyword.startsWith("{")) return "JSON text (a .gltf file is JSON)";
  if (format !== "ply" && keyword === "ply") return "a PLY file (its first line is 'ply'); name it .ply";
  if (format !== "off" && OFF_KEYWORD.test(keyword)) {
    return `an OFF file (its first line is ${quote(keyword)}); name it .off`;
  }
  if (format !== "obj" && OBJ_KEYWORDS.has(keyword)) {
    return `an OBJ file (its first record is ${quote(keyword)}); name it .obj`;
  }
  return undefined;
}

/**
 * Throws a `MeshParseError` naming `source` when `input` is plainly not a `format` file:
 * compressed or archived data, an executable, an image, UTF-16 or UTF-32 text, another mesh
 * format, or (for OBJ and OFF, which are text) anything holding a NUL byte. The message says
 * what it looks like: `not an OBJ file: looks like gzip-compressed data (…)`. Costs a look at the
 * first 4 KiB and, for text formats, one `indexOf(0)` over the bytes.
 */
export function assertContentIs(input: string | Uint8Array, format: MeshFormat, source: string): void {
  const head = headOf(input);
  const fail = (looksLike: string, location: { offset?: number } = {}) =>
    new MeshParseError(source, location, `not ${FORMAT_NAMES[format]} file: looks like ${looksLike}`);
  for (const signature of SIGNATURES) {
    const at = signature.at ?? 0;
    if (signature.bytes.every((b, i) => head[at + i] === b)) throw fail(signature.looksLike);
  }
  const order = typeof input === "string" ? undefined : utf16Order(head);
  if (order) throw fail(`UTF-16 text (${order}, without a byte-order mark; save it as UTF-8 or ASCII)`);
  if (format === "ply" && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    throw new MeshParseError(
      source,
      { offset: 0 },
      "the file starts with a UTF-8 byte-order mark: a PLY file must start with the bytes 'ply'",
    );
  }
  const other = otherMeshFormat(head, input.length, format);
  if (other) throw fail(other);
  if (format === "ply") return;
  if (typeof input === "string") {
    const nul = input.indexOf("\0");
    if (nul >= 0) throw fail(`binary data, not text (a NUL character at index ${nul})`, { offset: nul });
  } else {
    const nul = input.indexOf(0);
    if (nul >= 0) throw fail(`binary data, not text (a NUL byte at byte ${nul})`, { offset: nul });
  }
}

/**
 * For an OBJ text that gave no vertices: throws a `MeshParseError` naming `source` when its first
 * statement is none of OBJ's, since it is then some other text (a CSV table, notes, a format this
 * check does not know) that OBJ, which skips what it does not know, would read as an empty mesh.
 * An OBJ with only comments, groups or materials stays an empty mesh (`validateMesh` says so).
 */
export function assertObjStatements(text: string, source: string): void {
  const first = firstKeyword(headOf(text));
  if (first === undefined || OBJ_STATEMENTS.has(first.keyword)) return;
  throw new MeshParseError(
    source,
    {},
    `not an OBJ file: it has no vertex ('v') records, and its first line starts with ${quote(first.keyword)}, which is no OBJ statement`,
  );
}

/** The text of a text-format file, after `assertContentIs`; errors name `source`. */
export function readableText(input: MeshInput, format: "obj" | "off", source: string): string {
  assertSourceName(source);
  if (typeof input === "string") {
    assertContentIs(input, format, source);
    return input;
  }
  const bytes = toBytes(input, source);
  assertContentIs(bytes, format, source);
  return decodeText(bytes, source);
}

/** The bytes of a PLY file, after `assertContentIs`; errors name `source`. */
export function readableBytes(input: MeshInput, source: string): Uint8Array {
  assertSourceName(source);
  const bytes = toBytes(input, source);
  assertContentIs(bytes, "ply", source);
  return bytes;
}

function assertSourceName(source: unknown): void {
  if (typeof source !== "string") {
    throw new MeshParseError(
      DEFAULT_SOURCE,
      {},
      `the source name (for messages) must be a string, got ${describeValue(source)}`,
    );
  }
}
