import { FieldType } from "@gemcnn/gauge";
import { describe, expect, test } from "vitest";
import { scalarChannel, tangentChannel } from "./layer-channels.js";

describe("channels of a packed field", () => {
  // "2x0+2x1+1x2" on two vertices: each row s0 s1 | a0c a0s a1c a1s | b0c b0s, numbered by value.
  const type = FieldType.parse("2x0+2x1+1x2");
  const packed = Float32Array.from({ length: 2 * type.dim }, (_, i) => i);

  test("takes scalars from the front and each copy's (cos, sin) pair from its term", () => {
    expect(Array.from(scalarChannel(packed, type, 1)!)).toEqual([1, 9]);
    expect(tangentChannel(packed, type, 1, 1)).toEqual({
      order: 1,
      coefficients: Float64Array.of(4, 5, 12, 13),
    });
    expect(tangentChannel(packed, type, 2, 0)).toEqual({
      order: 2,
      coefficients: Float64Array.of(6, 7, 14, 15),
    });
  });

  test("has no channel past a term's multiplicity", () => {
    expect(scalarChannel(packed, type, 2)).toBeUndefined();
    expect(scalarChannel(packed, type, -1)).toBeUndefined();
    expect(tangentChannel(packed, type, 2, 1)).toBeUndefined();
    expect(tangentChannel(packed, FieldType.parse("3x0"), 1, 0)).toBeUndefined();
  });
});
