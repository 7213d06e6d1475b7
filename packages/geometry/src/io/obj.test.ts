import { describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { MeshError } from "../mesh/errors.js";
import { mulberry32 } from "../random.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObj, writeObj } from "./obj.js";

const SQUARE_VERTICES = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n";

function parseError(text: string): MeshParseError {
  try {
    parseObj(text, "bad.obj");
  } catch (e) {
    expect(e).toBeInstanceOf(MeshParseError);
    return e as MeshParseError;
  }
  throw new Error("expected a MeshParseError");
}

describe("parseObj", () => {
  it("reads every face-corner form and ignores texture and normal indices", () => {
    for (const face of [
      "f 1 2 3",
      "f 1/1 2/2 3/3",
      "f 1/1/1 2/2/2 3/3/3",
      "f 1//1 2//2 3//3",
      "f 1/4 2//2 3/1/9",
    ]) {
      const data = parseObj(`${SQUARE_VERTICES}${face}\n`);
      expect(Array.from(data.triangles)).toEqual([0, 1, 2]);
      expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    }
  });

  it("resolves negative indices against the vertices defined so far", () => {
    const data = parseObj("v 0 0 0\nv 1 0 0\nv 1 1 0\nf -3 -2 -1\nv 0 1 0\nf -4/1 -2/2 -1/3\n");
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 3]);
  });

  it("triangulates polygons as fans from the first corner", () => {
    const data = parseObj(`${SQUARE_VERTICES}v 0.5 1.5 0\nf 1 2 3 5 4\n`);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 4, 0, 4, 3]);
  });

  it("skips comments, blank lines, other records and extra vertex columns", () => {
    const text = [
      "# a comment",
      "mtllib cube.mtl",
      "o square",
      "g group1",
      "",
      "v 0 0 0 1.0   # with w",
      "v 1 0 0 0.5 0.5 0.5",
      "\tv  1 1 0\r",
      "v 0 1 0",
      "vt 0 0",
      "vn 0 0 1",
      "vp 0.5",
      "usemtl red",
      "s off",
      "l 1 2",
      "p 3",
      "f 1 2 3 # trailing comment",
      "f 1 3 4\r",
    ].join("\n");
    const data = parseObj(text);
    expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 3]);
  });

  it("reads numbers in every decimal form", () => {
    const data = parseObj("v -1.5e-3 +2. .25\nv 1E2 -0 3\nv 0 0 1\nf 1 2 3\n");
    expect(Array.from(data.positions)).toEqual([-1.5e-3, 2, 0.25, 100, -0, 3, 0, 0, 1]);
  });

  it("reads bytes as UTF-8 text", () => {
    const bytes = new TextEncoder().encode(`# café\n${SQUARE_VERTICES}f 1 2 3\n`);
    expect(Array.from(parseObj(bytes).triangles)).toEqual([0, 1, 2]);
    expect(Array.from(parseObj(bytes.buffer as ArrayBuffer).triangles)).toEqual([0, 1, 2]);
  });

  const errors: [string, string, number, RegExp][] = [
    ["too few coordinates", "v 0 0 0\nv 1 2\n", 2, /a vertex needs 3 coordinates, got 2/],
    ["a word for a coordinate", "v 0 0 0\nv 1 x 2\n", 2, /'x' is not a number/],
    ["nan", "v nan 0 0\n", 1, /'nan' is not a number/],
    ["overflow", "v 1e999 0 0\n", 1, /out of range/],
    ["a face of two corners", `${SQUARE_VERTICES}f 1 2\n`, 5, /at least 3 corners, got 2/],
    ["index zero", `${SQUARE_VERTICES}f 0 1 2\n`, 5, /index 0 is invalid/],
    [
      "an index past the end",
      `${SQUARE_VERTICES}f 1 2 5\n`,
      5,
      /'5' refers to a vertex that does not exist: 4 vertices/,
    ],
    ["a forward reference", "v 0 0 0\nv 1 0 0\nf 1 2 3\nv 0 1 0\n", 3, /does not exist/],
    ["a negative index before the start", `${SQUARE_VERTICES}f -1 -2 -5\n`, 5, /'-5' refers to a vertex/],
    ["a malformed corner", `${SQUARE_VERTICES}f 1/ 2 3\n`, 5, /'1\/' is not a face corner/],
    ["a corner with a word", `${SQUARE_VERTICES}f 1 2 three\n`, 5, /'three' is not a face corner/],
  ];
  for (const [what, text, line, message] of errors) {
    it(`rejects ${what}, naming file and line`, () => {
      const error = parseError(text);
      expect(error.file).toBe("bad.obj");
      expect(error.line).toBe(line);
      expect(error.message).toMatch(new RegExp(`^bad\\.obj, line ${line}: `));
      expect(error.message).toMatch(message);
    });
  }

  it("names '<input>' when no source is given", () => {
    expect(() => parseObj("v 1 2\n")).toThrow(/^<input>, line 1: /);
  });
});

describe("writeObj", () => {
  it("round-trips positions exactly and faces as they are", () => {
    const random = mulberry32(5);
    const sphere = icosphere(2);
    const positions = sphere.positions.map((x) => x * 10 ** Math.floor(20 * random() - 10));
    positions[0] = -0;
    positions[1] = Number.MIN_VALUE;
    positions[2] = -Number.MAX_VALUE;
    const data = { positions, triangles: sphere.triangles };
    const back = parseObj(writeObj(data));
    expect(back).toEqual(data);
    expect(Object.is(back.positions[0], -0)).toBe(true);
  });

  it("writes a comment and rounds when asked", () => {
    const data = {
      positions: Float64Array.from([1 / 3, 0, 0, 1, 0, 0, 0, 1, 0]),
      triangles: Uint32Array.of(0, 1, 2),
    };
    const text = writeObj(data, { comment: "made by a test\nsecond line", fractionDigits: 4 });
    expect(text.split("\n").slice(0, 3)).toEqual(["# made by a test", "# second line", "v 0.3333 0 0"]);
    // Tiny values round to a plain zero, without sign.
    const tiny = {
      positions: Float64Array.from([-1e-17, 2.5e-9, 1e21, 1, 0, 0, 0, 1, 0]),
      triangles: Uint32Array.of(0, 1, 2),
    };
    expect(writeObj(tiny, { fractionDigits: 6 }).split("\n")[0]).toBe("v 0 0 1e+21");
    expect(() => writeObj(tiny, { fractionDigits: 1.5 })).toThrow(RangeError);
    expect(text.endsWith("f 1 2 3\n")).toBe(true);
  });

  it("refuses data that would not read back", () => {
    const nan = {
      positions: Float64Array.from([Number.NaN, 0, 0, 1, 0, 0, 0, 1, 0]),
      triangles: Uint32Array.of(0, 1, 2),
    };
    expect(() => writeObj(nan)).toThrow(MeshError);
    const outOfRange = {
      positions: Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0]),
      triangles: Uint32Array.of(0, 1, 3),
    };
    expect(() => writeObj(outOfRange)).toThrow(/face 0 refers to vertex 3/);
  });
});
