import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, RecordFormatError } from "./record.js";

describe("binary records", () => {
  it("round-trips metadata and every array type bit for bit", () => {
    const record = {
      meta: { file: "a.obj", nested: { k: [1, 2] } },
      arrays: {
        x: Float64Array.from([Math.PI, -0, 1e-300, Number.MAX_VALUE]),
        y: Float32Array.from([1.5, -2.25, 3]),
        i: Int32Array.from([-1, 2, -3]),
        u: Uint32Array.from([4294967295, 0, 7]),
        b: Uint8Array.from([1, 2, 3, 4, 5]),
        empty: new Float64Array(0),
      },
    };
    const back = decodeRecord(encodeRecord(record));
    expect(back.meta).toEqual(record.meta);
    for (const [name, array] of Object.entries(record.arrays)) {
      expect(back.arrays[name].constructor).toBe(array.constructor);
      expect(Array.from(back.arrays[name])).toEqual(Array.from(array));
    }
    expect(Object.is(back.arrays.x[1], -0)).toBe(true);
  });

  it("reads a record stored at an odd offset of a larger buffer", () => {
    const bytes = encodeRecord({ meta: {}, arrays: { x: Float64Array.from([1, 2]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(decodeRecord(shifted.subarray(3)).arrays.x)).toEqual([1, 2]);
  });

  it("reads a record held in a Node Buffer view", () => {
    const bytes = encodeRecord({ meta: {}, arrays: { x: Float64Array.from([1, 2]) } });
    const pooled = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes)]).subarray(3);
    expect(Array.from(decodeRecord(pooled).arrays.x)).toEqual([1, 2]);
  });

  it("rejects foreign and truncated bytes", () => {
    const bytes = encodeRecord({ meta: {}, arrays: { x: Float64Array.from([1, 2, 3]) } });
    expect(() => decodeRecord(new TextEncoder().encode("hello world, not a record"))).toThrow(
      RecordFormatError,
    );
    expect(() => decodeRecord(bytes.subarray(0, bytes.length - 8))).toThrow(RecordFormatError);
    expect(() => decodeRecord(bytes.subarray(0, 10))).toThrow(RecordFormatError);
  });
});
