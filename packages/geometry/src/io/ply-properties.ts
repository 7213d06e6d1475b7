import type { TriangleMeshData } from "../mesh/mesh-data.js";
import {
  binaryScalarReader,
  PLY_SCALAR_SIZE,
  type PlyFormat,
  type PlyHeader,
  parsePly,
  plyHeaderOf,
} from "./ply.js";
import { assertWritable, DEFAULT_SOURCE, formatNumber, type MeshInput, toBytes } from "./text.js";
import { type VertexColumns, VertexFieldFileError } from "./vertex-fields.js";

/** A PLY file's mesh and the scalar properties of its `vertex` element as columns. */
export interface PlyWithVertexProperties {
  readonly mesh: TriangleMeshData;
  readonly columns: VertexColumns;
}

/**
 * Reads a PLY file (as `parsePly` does, with all its checks) together with every scalar property
 * of its `vertex` element as a column of float64 numbers, in header order: `x`, `y`, `z` and
 * whatever else the file carries (`nx`, `ny`, `nz`, `quality`, a user's `wind_u`, …). List
 * properties of vertices are skipped. Values keep the type's precision (`float` is float32) and
 * may be NaN or ±∞ (binary files can hold them): they are judged where a column is used.
 */
export function parsePlyVertexProperties(
  input: MeshInput,
  source: string = DEFAULT_SOURCE,
): PlyWithVertexProperties {
  const mesh = parsePly(input, source);
  const bytes = toBytes(input);
  const header = plyHeaderOf(bytes, source);
  const vertex = header.elements.find((e) => e.name === "vertex")!;
  const wanted = vertex.properties.filter((p) => p.countType === undefined);
  const columns = new Map(wanted.map((p) => [p.name, new Float64Array(vertex.count)]));
  const sink = (element: string, record: number, property: string, value: number) => {
    if (element === "vertex") {
      const column = columns.get(property);
      if (column) column[record] = value;
    }
  };
  if (header.format === "ascii") walkAscii(bytes, header, sink);
  else walkBinary(bytes, header, sink);
  return { mesh, columns: { source, nVertices: vertex.count, columns } };
}

type Sink = (element: string, record: number, property: string, value: number) => void;

// The walkers run on files `parsePly` has accepted, so the counts and types are known to fit.

function walkAscii(bytes: Uint8Array, header: PlyHeader, sink: Sink): void {
  let text = "";
  // Latin-1, like the header; chunked because String.fromCharCode takes limited arguments.
  for (let at = header.bodyOffset; at < bytes.length; at += 8192) {
    text += String.fromCharCode(...bytes.subarray(at, Math.min(bytes.length, at + 8192)));
  }
  const tokens = text.split(/[ \t\n\v\f\r]+/).filter((t) => t !== "");
  let k = 0;
  for (const element of header.elements) {
    for (let record = 0; record < element.count; record++) {
      for (const property of element.properties) {
        if (property.countType === undefined) {
          sink(element.name, record, property.name, Number(tokens[k++]));
        } else {
          k += 1 + Number(tokens[k]);
        }
      }
    }
  }
}

function walkBinary(bytes: Uint8Array, header: PlyHeader, sink: Sink): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = header.format === "binary_little_endian";
  const read = binaryScalarReader(view, little);
  let at = header.bodyOffset;
  for (const element of header.elements) {
    for (let record = 0; record < element.count; record++) {
      for (const property of element.properties) {
        if (property.countType === undefined) {
          sink(element.name, record, property.name, read(property.type, at));
          at += PLY_SCALAR_SIZE[property.type];
        } else {
          const n = read(property.countType, at);
          at += PLY_SCALAR_SIZE[property.countType] + n * PLY_SCALAR_SIZE[property.type];
        }
      }
    }
  }
}

/** A PLY property name: printable ASCII without spaces (the header splits on whitespace). */
const PROPERTY_NAME = /^[\x21-\x7e]+$/;

/**
 * The mesh as a PLY file whose vertices carry `columns` as extra `double` properties after
 * `x, y, z`, in the map's order, so that other tools (MeshLab, ParaView, Blender add-ons) see them;
 * faces as `list uchar uint vertex_indices`. Binary little-endian by default; values round-trip
 * exactly through `parsePlyVertexProperties`. Throws a `MeshError` for a mesh that would not read
 * back and a `VertexFieldFileError` for a column of the wrong length or a name PLY cannot hold
 * (spaces, `x`/`y`/`z`).
 */
export function writePlyWithVertexProperties(
  data: TriangleMeshData,
  columns: ReadonlyMap<string, ArrayLike<number>>,
  format: PlyFormat = "binary_little_endian",
): Uint8Array {
  assertWritable(data, "PLY output");
  const { positions, triangles } = data;
  const nVertices = positions.length / 3;
  const nFaces = triangles.length / 3;
  const names = [...columns.keys()];
  const arrays = [...columns.values()];
  names.forEach((name, i) => {
    const fail = (detail: string) => new VertexFieldFileError("PLY output", { column: name }, detail);
    if (!PROPERTY_NAME.test(name)) throw fail("a PLY property name must be printable ASCII without spaces");
    if (["x", "y", "z"].includes(name)) throw fail("the vertex coordinates are already called x, y and z");
    if (arrays[i].length !== nVertices) throw fail(`${arrays[i].length} values for ${nVertices} vertices`);
  });
  const headerText = [
    "ply",
    `format ${format} 1.0`,
    "comment written by @gemcnn/geometry",
    `element vertex ${nVertices}`,
    "property double x",
    "property double y",
    "property double z",
    ...names.map((name) => `property double ${name}`),
    `element face ${nFaces}`,
    "property list uchar uint vertex_indices",
    "end_header",
    "",
  ].join("\n");
  const encoder = new TextEncoder();
  const perVertex = 3 + names.length;
  const vertexValue = (v: number, k: number) => (k < 3 ? positions[3 * v + k] : arrays[k - 3][v]);
  if (format === "ascii") {
    const lines = [headerText.slice(0, -1)];
    for (let v = 0; v < nVertices; v++) {
      const values: string[] = [];
      for (let k = 0; k < perVertex; k++) values.push(plyNumber(vertexValue(v, k)));
      lines.push(values.join(" "));
    }
    for (let i = 0; i < triangles.length; i += 3)
      lines.push(`3 ${triangles[i]} ${triangles[i + 1]} ${triangles[i + 2]}`);
    return encoder.encode(`${lines.join("\n")}\n`);
  }
  const head = encoder.encode(headerText);
  const out = new Uint8Array(head.length + 8 * perVertex * nVertices + 13 * nFaces);
  out.set(head);
  const view = new DataView(out.buffer);
  const little = format === "binary_little_endian";
  let at = head.length;
  for (let v = 0; v < nVertices; v++) {
    for (let k = 0; k < perVertex; k++, at += 8) view.setFloat64(at, vertexValue(v, k), little);
  }
  for (let f = 0; f < nFaces; f++) {
    view.setUint8(at++, 3);
    for (let k = 0; k < 3; k++, at += 4) view.setUint32(at, triangles[3 * f + k], little);
  }
  return out;
}

/** ASCII PLY has no spelling for NaN or ±∞ that PLY readers agree on: refuse them. */
function plyNumber(x: number): string {
  if (!Number.isFinite(x)) {
    throw new VertexFieldFileError(
      "PLY output",
      {},
      `${x} cannot be written to an ASCII PLY file (use binary)`,
    );
  }
  return formatNumber(x);
}
