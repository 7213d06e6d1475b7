import type { BufferGeometry } from "three";
import { PLYLoader } from "three/examples/jsm/loaders/PLYLoader.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { readableBytes } from "./content.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { quote } from "./printable.js";
import { assertWritable, DECIMAL, DEFAULT_SOURCE, formatNumber, INTEGER, type MeshInput } from "./text.js";

// PLY is decoded by three's PLYLoader, which keeps the vertex indices (ASCII and binary, both
// byte orders). It trusts its input, though; measured on three 0.187 it
//   - loops over every declared record of a binary element without properties (3e8 records took
//     6 s; the header can declare far more),
//   - silently drops faces with more than 4 corners and stops early on truncated ASCII data,
//   - turns negative indices into large ones (its index buffer is unsigned),
//   - un-indexes the mesh when faces carry colours or texture coordinates,
//   - logs to the console on unknown header lines and NaN coordinates,
//   - throws a bare RangeError on truncated binary data.
// So the header and the body are checked here first, with the line or byte offset of every
// problem, and the loader only sees files it decodes correctly. Its output is checked again, and
// faces with more than 4 corners, which it drops, are triangulated here.

type ScalarType = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64";

const SCALAR_TYPES: Record<string, ScalarType> = {
  char: "int8",
  int8: "int8",
  uchar: "uint8",
  uint8: "uint8",
  short: "int16",
  int16: "int16",
  ushort: "uint16",
  uint16: "uint16",
  int: "int32",
  int32: "int32",
  uint: "uint32",
  uint32: "uint32",
  float: "float32",
  float32: "float32",
  double: "float64",
  float64: "float64",
};

const SIZE: Record<ScalarType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

const isInteger = (t: ScalarType) => !t.startsWith("float");

interface PlyProperty {
  readonly name: string;
  /** The value type, or for a list the type of its items. */
  readonly type: ScalarType;
  /** The type of a list's length; undefined for a scalar property. */
  readonly countType: ScalarType | undefined;
  readonly line: number;
}

interface PlyElement {
  readonly name: string;
  readonly count: number;
  readonly properties: PlyProperty[];
  readonly line: number;
}

/** The three PLY encodings. */
export type PlyFormat = "ascii" | "binary_little_endian" | "binary_big_endian";

interface PlyHeader {
  readonly format: PlyFormat;
  readonly elements: PlyElement[];
  /** Byte offset where the body starts, as PLYLoader computes it. */
  readonly bodyOffset: number;
  /** Number of header lines, so that ASCII body lines can be numbered from the file's start. */
  readonly lineCount: number;
}

const INDEX_LIST_NAMES = ["vertex_indices", "vertex_index"];

/** Longest ASCII value accepted; a number needs far fewer characters. */
const MAX_TOKEN_LENGTH = 400;

/**
 * Reads a PLY file (ASCII, binary little-endian or binary big-endian) with a `vertex` element
 * holding `x`, `y`, `z` and, optionally, a `face` element holding a list `vertex_indices` (or
 * `vertex_index`) of 0-based indices. Other properties and elements are ignored. Polygons are
 * triangulated as fans from their first corner. Coordinates keep the precision the header
 * declares (`float` is float32). Throws a `MeshParseError` naming `source` and the line (header,
 * ASCII body) or byte offset (binary body) for anything malformed, truncated or out of range,
 * and first for content that is plainly something else (compressed, UTF-16, another format).
 */
export function parsePly(input: MeshInput, source: string = DEFAULT_SOURCE): TriangleMeshData {
  const bytes = readableBytes(input, source);
  const header = readHeader(bytes, source);
  const faceCorners =
    header.format === "ascii" ? scanAsciiBody(bytes, header, source) : scanBinaryBody(bytes, header, source);
  const geometry = decodeWithThree(bytes, header, source);
  return assemble(geometry, header, faceCorners, source);
}

/**
 * The header. A file without an `end_header` line goes on into the body as if it were header, and
 * fails on some line there ("unknown header keyword '0.5'"); that error then says what is missing.
 */
function readHeader(bytes: Uint8Array, source: string): PlyHeader {
  try {
    return readHeaderLines(bytes, source);
  } catch (error) {
    if (
      error instanceof MeshParseError &&
      error.line !== undefined &&
      error.line > 1 &&
      !error.detail.startsWith("the header has no 'end_header' line") &&
      !containsEndHeader(bytes)
    ) {
      throw new MeshParseError(
        source,
        { line: error.line },
        `the header has no 'end_header' line, so the body was read as header and this line failed: ${error.detail}`,
        { cause: error },
      );
    }
    throw error;
  }
}

const END_HEADER = Array.from("end_header", (c) => c.charCodeAt(0));

function containsEndHeader(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(END_HEADER[0]); i >= 0; i = bytes.indexOf(END_HEADER[0], i + 1)) {
    if (END_HEADER.every((b, k) => bytes[i + k] === b)) return true;
  }
  return false;
}

function readHeaderLines(bytes: Uint8Array, source: string): PlyHeader {
  // Lines end at each '\r' or '\n' and empty lines are skipped, as in PLYLoader; bytes are read
  // as Latin-1 like it does.
  let at = 0;
  let lineNumber = 0;
  let firstTerminator = "";
  const fail = (detail: string) => new MeshParseError(source, { line: lineNumber }, detail);
  const readLine = (): string | undefined => {
    if (at >= bytes.length) return undefined;
    let text = "";
    while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d)
      text += String.fromCharCode(bytes[at++]);
    lineNumber++;
    return text;
  };
  const skipTerminator = (): string => {
    if (bytes[at] === 0x0d && bytes[at + 1] === 0x0a) {
      at += 2;
      return "\r\n";
    }
    if (at < bytes.length) return String.fromCharCode(bytes[at++]);
    return "";
  };

  const magic = readLine();
  if (magic !== "ply") {
    lineNumber = 1;
    throw fail("not a PLY file: the first line must be 'ply'");
  }
  firstTerminator = skipTerminator();
  let format: PlyFormat | undefined;
  const elements: PlyElement[] = [];
  const names = new Set<string>();
  for (;;) {
    const text = readLine();
    if (text === undefined) throw fail("the header has no 'end_header' line");
    if (text === "end_header") break;
    skipTerminator();
    if (text.includes("end_header")) {
      // PLYLoader finds the ASCII body after the first 'end_header' anywhere in the file.
      throw fail("'end_header' may only appear as the line that ends the header");
    }
    const tokens = text.trim() === "" ? [] : text.trim().split(/[ \t]+/);
    if (tokens.length === 0) continue;
    if (!/^[\x20-\x7e\t]*$/.test(text) && tokens[0] !== "comment" && tokens[0] !== "obj_info") {
      throw fail("the header line has characters other than printable ASCII");
    }
    switch (tokens[0]) {
      case "comment":
      case "obj_info":
        break;
      case "format": {
        if (format !== undefined) throw fail("the header has a second 'format' line");
        if (elements.length > 0) throw fail("'format' must come before the elements");
        if (
          tokens.length !== 3 ||
          !["ascii", "binary_little_endian", "binary_big_endian"].includes(tokens[1])
        ) {
          throw fail(
            `expected 'format ascii|binary_little_endian|binary_big_endian 1.0', found ${quote(text.trim())}`,
          );
        }
        if (tokens[2] !== "1.0") throw fail(`unsupported PLY version ${quote(tokens[2])} (expected 1.0)`);
        format = tokens[1] as PlyFormat;
        break;
      }
      case "element": {
        if (tokens.length !== 3 || !/^\d+$/.test(tokens[2])) {
          throw fail(`expected 'element <name> <count>', found ${quote(text.trim())}`);
        }
        if (names.has(tokens[1])) throw fail(`element ${quote(tokens[1])} is declared twice`);
        const count = Number(tokens[2]);
        if (!Number.isSafeInteger(count)) throw fail(`element count ${tokens[2]} is too large`);
        names.add(tokens[1]);
        elements.push({ name: tokens[1], count, properties: [], line: lineNumber });
        break;
      }
      case "property": {
        const element = elements[elements.length - 1];
        if (!element) throw fail("'property' before any 'element'");
        let property: PlyProperty;
        if (tokens[1] === "list") {
          const countType = SCALAR_TYPES[tokens[2]];
          const type = SCALAR_TYPES[tokens[3]];
          if (tokens.length !== 5 || !countType || !type) {
            throw fail(
              `expected 'property list <count type> <item type> <name>', found ${quote(text.trim())}`,
            );
          }
          if (!isInteger(countType))
            throw fail(`a list's count type must be an integer type, not ${quote(tokens[2])}`);
          property = { name: tokens[4], type, countType, line: lineNumber };
        } else {
          const type = SCALAR_TYPES[tokens[1]];
          if (tokens.length !== 3 || !type)
            throw fail(`expected 'property <type> <name>', found ${quote(text.trim())}`);
          property = { name: tokens[2], type, countType: undefined, line: lineNumber };
        }
        if (element.properties.some((p) => p.name === property.name)) {
          throw fail(`element ${quote(element.name)} has two properties named ${quote(property.name)}`);
        }
        element.properties.push(property);
        break;
      }
      default:
        throw fail(`unknown header keyword ${quote(tokens[0])}`);
    }
  }
  // The 'end_header' line: PLYLoader's binary body starts after its first terminator character,
  // plus one more byte when the file's first line ended with "\r\n". Its ASCII body starts at
  // the first non-blank character after 'end_header'.
  const endLine = lineNumber;
  if (format !== "ascii") {
    const ends =
      firstTerminator === "\r\n"
        ? bytes[at] === 0x0d && bytes[at + 1] === 0x0a
        : bytes[at] === firstTerminator.charCodeAt(0);
    if (!ends) throw fail("'end_header' must be followed by the same line ending as the first line");
    at += firstTerminator.length;
  } else {
    skipTerminator();
  }

  if (format === undefined) throw fail("the header has no 'format' line");
  lineNumber = endLine;
  const vertex = elements.find((e) => e.name === "vertex");
  if (!vertex) throw fail("the header declares no 'vertex' element");
  for (const axis of ["x", "y", "z"]) {
    const p = vertex.properties.find((q) => q.name === axis);
    if (!p) throw fail(`the 'vertex' element has no property ${quote(axis)}`);
    if (p.countType) throw fail(`the vertex property ${quote(axis)} must be a number, not a list`);
  }
  const face = elements.find((e) => e.name === "face");
  if (face) {
    const lists = face.properties.filter((p) => INDEX_LIST_NAMES.includes(p.name));
    if (lists.length !== 1) {
      throw fail("the 'face' element needs exactly one list property 'vertex_indices' (or 'vertex_index')");
    }
    if (!lists[0].countType || !isInteger(lists[0].type)) {
      throw fail(`${quote(lists[0].name)} must be a list of integers`);
    }
  }
  for (const e of elements) {
    if (e.count > 0 && e.properties.length === 0) {
      lineNumber = e.line;
      throw fail(`element ${quote(e.name)} has ${e.count} records but no properties`);
    }
  }
  return { format, elements, bodyOffset: at, lineCount: endLine };
}

/** Corner count of every face, in file order; indices of faces with more than 4 corners, for `assemble`. */
interface FaceCorners {
  readonly counts: number[];
  readonly polygons: Map<number, number[]>;
}

function isIndexList(element: PlyElement, property: PlyProperty): boolean {
  return element.name === "face" && INDEX_LIST_NAMES.includes(property.name);
}

function scanBinaryBody(bytes: Uint8Array, header: PlyHeader, source: string): FaceCorners {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = header.format === "binary_little_endian";
  const nVertices = header.elements.find((e) => e.name === "vertex")!.count;
  const read = binaryScalarReader(view, little);
  const counts: number[] = [];
  const polygons = new Map<number, number[]>();
  let at = header.bodyOffset;
  for (const element of header.elements) {
    for (let record = 0; record < element.count; record++) {
      const fail = (offset: number, detail: string) =>
        new MeshParseError(source, { offset }, `${element.name} ${record}: ${detail}`);
      for (const property of element.properties) {
        const need = (size: number) => {
          if (at + size > bytes.length) {
            throw fail(
              at,
              `the file ends inside property ${quote(property.name)}: it needs ${size} bytes, ${bytes.length - at} are left (the header declares ${element.count} ${element.name} records)`,
            );
          }
        };
        if (property.countType === undefined) {
          need(SIZE[property.type]);
          if (element.name === "vertex" && ["x", "y", "z"].includes(property.name)) {
            const value = read(property.type, at);
            if (!Number.isFinite(value)) throw fail(at, `coordinate ${property.name} is ${value}`);
          }
          at += SIZE[property.type];
          continue;
        }
        need(SIZE[property.countType]);
        const n = read(property.countType, at);
        if (n < 0) throw fail(at, `list ${quote(property.name)} has negative length ${n}`);
        at += SIZE[property.countType];
        const itemSize = SIZE[property.type];
        need(n * itemSize);
        if (isIndexList(element, property)) {
          if (n < 3) throw fail(at, `a face needs at least 3 corners, got ${n}`);
          const corners: number[] = [];
          for (let i = 0; i < n; i++) {
            const index = read(property.type, at + i * itemSize);
            if (index < 0 || index >= nVertices) {
              throw fail(
                at + i * itemSize,
                `corner ${i} refers to vertex ${index}, but vertices are numbered 0 to ${nVertices - 1}`,
              );
            }
            corners.push(index);
          }
          counts.push(n);
          if (n > 4) polygons.set(record, corners);
        }
        at += n * itemSize;
      }
    }
  }
  if (at !== bytes.length) {
    throw new MeshParseError(
      source,
      { offset: at },
      `${bytes.length - at} bytes follow the last element the header declares`,
    );
  }
  return { counts, polygons };
}

function scanAsciiBody(bytes: Uint8Array, header: PlyHeader, source: string): FaceCorners {
  // Tokens are split on ASCII whitespace only and must be plain decimal numbers; PLYLoader
  // splits on any whitespace, which gives the same tokens for every body accepted here.
  let at = header.bodyOffset;
  let line = header.lineCount;
  if (bytes[at - 1] === 0x0a || bytes[at - 1] === 0x0d) line++;
  let tokenLine = line;
  const nextToken = (): string | undefined => {
    for (;;) {
      if (at >= bytes.length) return undefined;
      const c = bytes[at];
      if (c === 0x0a || (c === 0x0d && bytes[at + 1] !== 0x0a)) line++;
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) at++;
      else break;
    }
    let token = "";
    while (at < bytes.length) {
      const c = bytes[at];
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) break;
      if (token.length === MAX_TOKEN_LENGTH) {
        throw new MeshParseError(
          source,
          { line },
          `a value longer than ${MAX_TOKEN_LENGTH} characters: ${quote(token)}`,
        );
      }
      token += String.fromCharCode(c);
      at++;
    }
    tokenLine = line;
    return token;
  };
  const nVertices = header.elements.find((e) => e.name === "vertex")!.count;
  const counts: number[] = [];
  const polygons = new Map<number, number[]>();
  for (const element of header.elements) {
    for (let record = 0; record < element.count; record++) {
      const fail = (detail: string) =>
        new MeshParseError(source, { line: tokenLine }, `${element.name} ${record}: ${detail}`);
      const number = (property: PlyProperty, type: ScalarType, what: string): number => {
        const token = nextToken();
        if (token === undefined) {
          throw fail(
            `the file ends before ${what} of property ${quote(property.name)} (the header declares ${element.count} ${element.name} records)`,
          );
        }
        if (isInteger(type) ? !INTEGER.test(token) : !DECIMAL.test(token)) {
          throw fail(
            `${quote(token)} is not ${isInteger(type) ? "an integer" : "a number"} (${what} of ${quote(property.name)})`,
          );
        }
        const value = Number(token);
        if (!Number.isFinite(value))
          throw fail(`${quote(token)} is out of range (${what} of ${quote(property.name)})`);
        return value;
      };
      for (const property of element.properties) {
        if (property.countType === undefined) {
          number(property, property.type, "the value");
          continue;
        }
        const n = number(property, property.countType, "the length");
        if (n < 0) throw fail(`list ${quote(property.name)} has negative length ${n}`);
        const index = isIndexList(element, property);
        if (index && n < 3) throw fail(`a face needs at least 3 corners, got ${n}`);
        const corners: number[] = [];
        for (let i = 0; i < n; i++) {
          const value = number(property, property.type, `item ${i}`);
          if (index) {
            if (value < 0 || value >= nVertices) {
              throw fail(
                `corner ${i} refers to vertex ${value}, but vertices are numbered 0 to ${nVertices - 1}`,
              );
            }
            corners.push(value);
          }
        }
        if (index) {
          counts.push(n);
          if (n > 4) polygons.set(record, corners);
        }
      }
    }
  }
  const extra = nextToken();
  if (extra !== undefined) {
    throw new MeshParseError(
      source,
      { line: tokenLine },
      `unexpected ${quote(extra)} after the last element the header declares`,
    );
  }
  return { counts, polygons };
}

function decodeWithThree(bytes: Uint8Array, header: PlyHeader, source: string): BufferGeometry {
  const loader = new PLYLoader();
  // Every property except the coordinates and the index list gets a private name, so that the
  // loader neither reads colours or texture coordinates nor, for per-face ones, un-indexes the
  // geometry. A prototype-free object because the loader looks names up with `in`.
  const rename: Record<string, string> = Object.create(null);
  let n = 0;
  for (const element of header.elements) {
    for (const property of element.properties) {
      const keep = ["x", "y", "z", ...INDEX_LIST_NAMES].includes(property.name);
      if (!keep && !(property.name in rename)) rename[property.name] = `gemcnn_ignored_${n++}`;
    }
  }
  loader.setPropertyNameMapping(rename);
  // The loader needs an ArrayBuffer holding exactly the file (a Node Buffer is a view into a pool).
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  try {
    return loader.parse(buffer);
  } catch (error) {
    throw new MeshParseError(
      source,
      { offset: header.bodyOffset },
      `three's PLYLoader failed on the body: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function assemble(
  geometry: BufferGeometry,
  header: PlyHeader,
  faces: FaceCorners,
  source: string,
): TriangleMeshData {
  const nVertices = header.elements.find((e) => e.name === "vertex")!.count;
  const fail = (detail: string) =>
    new MeshParseError(source, { offset: header.bodyOffset }, `three's PLYLoader returned ${detail}`);
  const positionAttribute = geometry.getAttribute("position");
  const positions = Float64Array.from(
    positionAttribute ? (positionAttribute.array as ArrayLike<number>) : [],
  );
  if (positions.length !== 3 * nVertices) {
    throw fail(`${positions.length / 3} vertices where the header declares ${nVertices}`);
  }
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i])) throw fail(`a non-finite coordinate for vertex ${Math.floor(i / 3)}`);
  }
  const decoded = geometry.getIndex()?.array ?? new Uint32Array(0);
  let expected = 0;
  for (const k of faces.counts) expected += k - 2;
  const triangles = new Uint32Array(3 * expected);
  let fromLoader = 0;
  let t = 0;
  for (let f = 0; f < faces.counts.length; f++) {
    const polygon = faces.polygons.get(f);
    if (polygon) {
      for (let i = 1; i + 1 < polygon.length; i++)
        triangles.set([polygon[0], polygon[i], polygon[i + 1]], 3 * t++);
      continue;
    }
    const n = 3 * (faces.counts[f] - 2);
    if (fromLoader + n > decoded.length) throw fail(`fewer triangles than the file's faces make`);
    for (let i = 0; i < n; i++) {
      const v = decoded[fromLoader + i];
      if (!(v >= 0 && v < nVertices)) throw fail(`vertex index ${v} for face ${f}`);
      triangles[3 * t + i] = v;
    }
    fromLoader += n;
    t += n / 3;
  }
  if (fromLoader !== decoded.length) throw fail("more triangles than the file's faces make");
  return { positions, triangles };
}

/**
 * The mesh as a PLY file: vertices as `double x, y, z` (exact), faces as `list uchar uint
 * vertex_indices`. Binary little-endian by default. Throws a `MeshError` for data that would not
 * read back.
 */
export function writePly(data: TriangleMeshData, format: PlyFormat = "binary_little_endian"): Uint8Array {
  assertWritable(data, "PLY output");
  const { positions, triangles } = data;
  const nVertices = positions.length / 3;
  const nFaces = triangles.length / 3;
  const headerText = [
    "ply",
    `format ${format} 1.0`,
    "comment written by @gemcnn/geometry",
    `element vertex ${nVertices}`,
    "property double x",
    "property double y",
    "property double z",
    `element face ${nFaces}`,
    "property list uchar uint vertex_indices",
    "end_header",
    "",
  ].join("\n");
  const encoder = new TextEncoder();
  if (format === "ascii") {
    const lines = [headerText.slice(0, -1)];
    for (let i = 0; i < positions.length; i += 3) {
      lines.push(
        `${formatNumber(positions[i])} ${formatNumber(positions[i + 1])} ${formatNumber(positions[i + 2])}`,
      );
    }
    for (let i = 0; i < triangles.length; i += 3)
      lines.push(`3 ${triangles[i]} ${triangles[i + 1]} ${triangles[i + 2]}`);
    return encoder.encode(`${lines.join("\n")}\n`);
  }
  const head = encoder.encode(headerText);
  const out = new Uint8Array(head.length + 24 * nVertices + 13 * nFaces);
  out.set(head);
  const view = new DataView(out.buffer);
  const little = format === "binary_little_endian";
  let at = head.length;
  for (let i = 0; i < positions.length; i++, at += 8) view.setFloat64(at, positions[i], little);
  for (let f = 0; f < nFaces; f++) {
    view.setUint8(at++, 3);
    for (let k = 0; k < 3; k++, at += 4) view.setUint32(at, triangles[3 * f + k], little);
  }
  return out;
}

/**
 * @internal The checked header of a PLY file (as `parsePly` reads it), for the vertex-property
 * reader in `ply-properties.ts`.
 */
export function plyHeaderOf(bytes: Uint8Array, source: string): PlyHeader {
  return readHeader(bytes, source);
}
/**
 * @internal Reads one scalar of a binary PLY body at a byte offset, in the file's byte order; shared
 * by the mesh reader and the vertex-property reader in `ply-properties.ts`.
 */
export function binaryScalarReader(
  view: DataView,
  little: boolean,
): (type: ScalarType, at: number) => number {
  return (type, at) => {
    switch (type) {
      case "int8":
        return view.getInt8(at);
      case "uint8":
        return view.getUint8(at);
      case "int16":
        return view.getInt16(at, little);
      case "uint16":
        return view.getUint16(at, little);
      case "int32":
        return view.getInt32(at, little);
      case "uint32":
        return view.getUint32(at, little);
      case "float32":
        return view.getFloat32(at, little);
      case "float64":
        return view.getFloat64(at, little);
    }
  };
}
export type { PlyElement, PlyHeader, PlyProperty, ScalarType as PlyScalarType };
export { SIZE as PLY_SCALAR_SIZE };
