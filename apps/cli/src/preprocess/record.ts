/** Typed arrays a record can hold. */
export type RecordArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

/** JSON metadata plus named typed arrays: what the preprocessing cache stores per mesh. */
export interface BinaryRecord {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly arrays: Readonly<Record<string, RecordArray>>;
}

const MAGIC = "GEMCNNR1";
const ARRAY_TYPES = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;

/** The file is not a complete record written by `encodeRecord` (truncated, foreign, corrupt). */
export class RecordFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordFormatError";
  }
}

/**
 * Serialises a record: 8-byte magic, little-endian u32 header length, JSON header (metadata and
 * each array's type, length and offset), then the arrays' bytes, each aligned to 8 bytes so they
 * can be viewed in place when read back. Numbers keep their exact bits (no text round trip).
 */
export function encodeRecord(record: BinaryRecord): Uint8Array {
  let offset = 0;
  const layout: { name: string; type: ArrayTypeName; length: number; offset: number }[] = [];
  for (const [name, array] of Object.entries(record.arrays)) {
    layout.push({ name, type: typeName(array), length: array.length, offset });
    offset += align8(array.byteLength);
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: record.meta, arrays: layout, dataBytes: offset }),
  );
  const dataStart = align8(MAGIC.length + 4 + header.length);
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  for (const [i, entry] of layout.entries()) {
    const array = Object.values(record.arrays)[i];
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + entry.offset);
  }
  return bytes;
}

/** Reads a record written by `encodeRecord`; throws `RecordFormatError` on anything else. */
export function decodeRecord(bytes: Uint8Array): BinaryRecord {
  const headerStart = MAGIC.length + 4;
  if (bytes.length < headerStart || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new RecordFormatError("not a gemcnn record (bad magic)");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    MAGIC.length,
    true,
  );
  if (headerStart + headerLength > bytes.length) throw new RecordFormatError("truncated header");
  let header: {
    meta: Record<string, unknown>;
    arrays: { name: string; type: ArrayTypeName; length: number; offset: number }[];
    dataBytes: number;
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength)));
  } catch {
    throw new RecordFormatError("corrupt header");
  }
  const dataStart = align8(headerStart + headerLength);
  if (dataStart + header.dataBytes !== bytes.length)
    throw new RecordFormatError("truncated or oversized data");
  // Copy into a fresh, aligned buffer: `bytes` may sit at any offset of a Node Buffer pool
  // (and Buffer's `slice` is a view, so the copy is made explicitly).
  const data = new Uint8Array(bytes.subarray(dataStart)).buffer;
  const arrays: Record<string, RecordArray> = {};
  for (const entry of header.arrays) {
    const Type = ARRAY_TYPES[entry.type];
    if (!Type) throw new RecordFormatError(`unknown array type ${entry.type}`);
    if (entry.offset + entry.length * Type.BYTES_PER_ELEMENT > header.dataBytes) {
      throw new RecordFormatError(`array ${entry.name} runs past the data`);
    }
    arrays[entry.name] = new Type(data, entry.offset, entry.length);
  }
  return { meta: header.meta, arrays };
}

function typeName(array: RecordArray): ArrayTypeName {
  if (array instanceof Float64Array) return "f64";
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Int32Array) return "i32";
  if (array instanceof Uint32Array) return "u32";
  if (array instanceof Uint8Array) return "u8";
  throw new TypeError("unsupported array type");
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
