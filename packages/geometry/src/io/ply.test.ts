import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bumpySphere } from "../generate/bumpy-sphere.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parsePly, writePly } from "./ply.js";

type Field = [type: "u8" | "i8" | "u16" | "i32" | "u32" | "f32" | "f64", value: number];

const SIZES = { u8: 1, i8: 1, u16: 2, i32: 4, u32: 4, f32: 4, f64: 8 };

/** A PLY file: header lines (joined with `eol`, "end_header" appended) and a binary body. */
function binaryPly(header: string[], fields: Field[], little: boolean, eol = "\n"): Uint8Array {
  const head = new TextEncoder().encode([...header, "end_header", ""].join(eol));
  const size = fields.reduce((n, [t]) => n + SIZES[t], 0);
  const out = new Uint8Array(head.length + size);
  out.set(head);
  const view = new DataView(out.buffer);
  let at = head.length;
  for (const [type, value] of fields) {
    if (type === "u8") view.setUint8(at, value);
    if (type === "i8") view.setInt8(at, value);
    if (type === "u16") view.setUint16(at, value, little);
    if (type === "i32") view.setInt32(at, value, little);
    if (type === "u32") view.setUint32(at, value, little);
    if (type === "f32") view.setFloat32(at, value, little);
    if (type === "f64") view.setFloat64(at, value, little);
    at += SIZES[type];
  }
  return out;
}

const asciiPly = (lines: string[]) => new TextEncoder().encode(`${lines.join("\n")}\n`);

/** Five vertices: a unit square plus an apex above the top edge (all exact in float32). */
const POINTS = [
  [0, 0, 0],
  [1, 0, 0],
  [1, 1, 0],
  [0, 1, 0],
  [0.5, 1.5, 0],
];

/** Header with per-vertex normals and colours, per-face colours and an extra element. */
const RICH_HEADER = (format: string) => [
  "ply",
  `format ${format} 1.0`,
  "comment made by hand",
  "obj_info anything at all",
  "element vertex 5",
  "property float x",
  "property float y",
  "property float z",
  "property float nx",
  "property uchar red",
  "property uchar green",
  "property uchar blue",
  "element face 3",
  "property list uchar int vertex_indices",
  "property uchar red",
  "property uchar green",
  "property uchar blue",
  "property list uchar float texcoord",
  "element material 1",
  "property float shininess",
];

/** The faces of the rich file: a triangle, a quad, a pentagon-free triangle. */
const RICH_FACES = [
  [0, 1, 2],
  [0, 2, 4, 3],
  [1, 2, 0],
];
const RICH_TRIANGLES = [0, 1, 2, 0, 2, 4, 0, 4, 3, 1, 2, 0];

function richBinary(little: boolean): Uint8Array {
  const fields: Field[] = [];
  for (const [x, y, z] of POINTS) {
    fields.push(["f32", x], ["f32", y], ["f32", z], ["f32", 1], ["u8", 200], ["u8", 100], ["u8", 50]);
  }
  for (const face of RICH_FACES) {
    fields.push(["u8", face.length], ...face.map((v): Field => ["i32", v]));
    fields.push(["u8", 1], ["u8", 2], ["u8", 3], ["u8", 2], ["f32", 0.5], ["f32", 0.25]);
  }
  fields.push(["f32", 7]);
  return binaryPly(RICH_HEADER(little ? "binary_little_endian" : "binary_big_endian"), fields, little);
}

function richAscii(): Uint8Array {
  return asciiPly([
    ...RICH_HEADER("ascii"),
    "end_header",
    ...POINTS.map((p) => `${p.join(" ")} 1 200 100 50`),
    ...RICH_FACES.map((f) => `${f.length} ${f.join(" ")} 1 2 3 2 0.5 0.25`),
    "7",
  ]);
}

function parseError(bytes: Uint8Array): MeshParseError {
  try {
    parsePly(bytes, "bad.ply");
  } catch (e) {
    expect(e).toBeInstanceOf(MeshParseError);
    return e as MeshParseError;
  }
  throw new Error("expected a MeshParseError");
}

describe("parsePly", () => {
  // three's loader logs on some inputs; nothing here should reach the console.
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  beforeEach(() => {
    for (const method of ["log", "warn", "error"] as const) spies.push(vi.spyOn(console, method));
  });
  afterEach(() => {
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
    spies.length = 0;
  });

  const cases: [string, () => Uint8Array][] = [
    ["ASCII", richAscii],
    ["binary little-endian", () => richBinary(true)],
    ["binary big-endian", () => richBinary(false)],
  ];
  for (const [name, file] of cases) {
    it(`reads ${name} with extra properties and elements, keeping the indices`, () => {
      const data = parsePly(file());
      expect(Array.from(data.positions)).toEqual(POINTS.flat());
      expect(Array.from(data.triangles)).toEqual(RICH_TRIANGLES);
    });
  }

  it("reads the same mesh from a Uint8Array view into a larger buffer and from an ArrayBuffer", () => {
    const file = richBinary(true);
    const padded = new Uint8Array(file.length + 10);
    padded.set(file, 7);
    const view = padded.subarray(7, 7 + file.length);
    expect(Array.from(parsePly(view).triangles)).toEqual(RICH_TRIANGLES);
    expect(Array.from(parsePly(file.buffer as ArrayBuffer).triangles)).toEqual(RICH_TRIANGLES);
  });

  it("is not confused by property names that exist on every JavaScript object", () => {
    const text = [
      "ply",
      "format ascii 1.0",
      "element vertex 3",
      "property float __proto__",
      "property float x",
      "property float y",
      "property float z",
      "property float constructor",
      "element face 1",
      "property list uchar int vertex_indices",
      "property uchar toString",
      "end_header",
      "9 0 0 0 8",
      "9 1 0 0 8",
      "9 0 1 0 8",
      "3 0 1 2 7",
    ];
    const data = parsePly(asciiPly(text));
    expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2]);
  });

  it("triangulates faces with more than four corners, which three's loader drops, in file order", () => {
    const header = [
      "ply",
      "format binary_little_endian 1.0",
      "element vertex 5",
      "property double x",
      "property double y",
      "property double z",
      "element face 3",
      "property list uchar uint vertex_index",
    ];
    const fields: Field[] = POINTS.flat().map((x): Field => ["f64", x]);
    for (const face of [
      [0, 1, 2],
      [0, 1, 2, 4, 3],
      [3, 0, 2, 1],
    ]) {
      fields.push(["u8", face.length], ...face.map((v): Field => ["u32", v]));
    }
    const data = parsePly(binaryPly(header, fields, true));
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 1, 2, 0, 2, 4, 0, 4, 3, 3, 0, 2, 3, 2, 1]);
  });

  it("reads a header with \\r\\n line endings and a file without faces", () => {
    const header = [
      "ply",
      "format binary_big_endian 1.0",
      "element vertex 2",
      "property float x",
      "property float y",
      "property float z",
    ];
    const data = parsePly(
      binaryPly(
        header,
        [1, 2, 3, 4, 5, 6].map((x): Field => ["f32", x]),
        false,
        "\r\n",
      ),
    );
    expect(Array.from(data.positions)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.triangles.length).toBe(0);
  });

  it("keeps double coordinates exactly and reads integer coordinates", () => {
    const mesh = bumpySphere({ level: 1, seed: 4 });
    for (const format of ["ascii", "binary_little_endian", "binary_big_endian"] as const) {
      expect(parsePly(writePly(mesh, format))).toEqual(mesh);
    }
    const header = [
      "ply",
      "format ascii 1.0",
      "element vertex 3",
      "property short x",
      "property short y",
      "property short z",
    ];
    expect(
      Array.from(parsePly(asciiPly([...header, "end_header", "1 2 3", "-4 5 6", "7 8 -9"])).positions),
    ).toEqual([1, 2, 3, -4, 5, 6, 7, 8, -9]);
  });

  const TRIANGLE_HEADER = (format: string) => [
    "ply",
    `format ${format} 1.0`,
    "element vertex 3",
    "property float x",
    "property float y",
    "property float z",
    "element face 1",
    "property list uchar int vertex_indices",
  ];
  const TRIANGLE_BODY: Field[] = [
    ...[0, 0, 0, 1, 0, 0, 0, 1, 0].map((x): Field => ["f32", x]),
    ["u8", 3],
    ["i32", 0],
    ["i32", 1],
    ["i32", 2],
  ];
  const triangleBinary = (body = TRIANGLE_BODY) =>
    binaryPly(TRIANGLE_HEADER("binary_little_endian"), body, true);
  const headerLength = (format: string) => [...TRIANGLE_HEADER(format), "end_header", ""].join("\n").length;

  const headerErrors: [string, string[], number, RegExp][] = [
    ["a missing magic line", ["plx", "format ascii 1.0"], 1, /not a PLY file/],
    ["a missing end_header", ["ply", "format ascii 1.0", "element vertex 0"], 3, /no 'end_header'/],
    [
      "an unknown keyword",
      ["ply", "format ascii 1.0", "elemnt vertex 3", "end_header"],
      3,
      /unknown header keyword 'elemnt'/,
    ],
    ["an unknown format", ["ply", "format binary 1.0", "end_header"], 2, /expected 'format ascii/],
    ["another version", ["ply", "format ascii 2.0", "end_header"], 2, /unsupported PLY version '2.0'/],
    [
      "a property before any element",
      ["ply", "format ascii 1.0", "property float x", "end_header"],
      3,
      /before any 'element'/,
    ],
    [
      "an unknown type",
      ["ply", "format ascii 1.0", "element vertex 1", "property real x", "end_header"],
      4,
      /expected 'property <type>/,
    ],
    [
      "a float list count",
      ["ply", "format ascii 1.0", "element face 1", "property list float int vertex_indices", "end_header"],
      4,
      /count type must be an integer/,
    ],
    [
      "a negative count",
      ["ply", "format ascii 1.0", "element vertex -1", "end_header"],
      3,
      /expected 'element <name> <count>'/,
    ],
    [
      "a repeated element",
      ["ply", "format ascii 1.0", "element vertex 0", "element vertex 0", "end_header"],
      4,
      /declared twice/,
    ],
    [
      "a repeated property",
      ["ply", "format ascii 1.0", "element vertex 0", "property float x", "property float x", "end_header"],
      5,
      /two properties named 'x'/,
    ],
    ["no format", ["ply", "element vertex 0", "property float x", "end_header"], 4, /no 'format' line/],
    [
      "no vertex element",
      ["ply", "format ascii 1.0", "element face 0", "property list uchar int vertex_indices", "end_header"],
      5,
      /no 'vertex' element/,
    ],
    [
      "no z",
      ["ply", "format ascii 1.0", "element vertex 0", "property float x", "property float y", "end_header"],
      6,
      /no property 'z'/,
    ],
    [
      "a face without indices",
      [
        "ply",
        "format ascii 1.0",
        "element vertex 0",
        "property float x",
        "property float y",
        "property float z",
        "element face 0",
        "property uchar red",
        "end_header",
      ],
      9,
      /needs exactly one list property 'vertex_indices'/,
    ],
    [
      "float indices",
      [
        "ply",
        "format ascii 1.0",
        "element vertex 0",
        "property float x",
        "property float y",
        "property float z",
        "element face 0",
        "property list uchar float vertex_indices",
        "end_header",
      ],
      9,
      /must be a list of integers/,
    ],
    [
      "an element without properties",
      [
        "ply",
        "format binary_little_endian 1.0",
        "element vertex 0",
        "property float x",
        "property float y",
        "property float z",
        "element junk 1000000000000",
        "end_header",
      ],
      7,
      /has 1000000000000 records but no properties/,
    ],
    [
      "end_header inside a comment",
      ["ply", "format ascii 1.0", "comment end_header", "end_header"],
      3,
      /'end_header' may only appear/,
    ],
  ];
  for (const [what, lines, line, message] of headerErrors) {
    it(`rejects a header with ${what}, naming file and line`, () => {
      const error = parseError(asciiPly(lines));
      expect([error.file, error.line]).toEqual(["bad.ply", line]);
      expect(error.message).toMatch(new RegExp(`^bad\\.ply, line ${line}: `));
      expect(error.message).toMatch(message);
    });
  }

  it("says that 'end_header' is missing when the body is read as header, ASCII and binary", () => {
    const mesh = bumpySphere({ level: 0 });
    for (const format of ["ascii", "binary_little_endian"] as const) {
      const file = writePly(mesh, format);
      const text = new TextDecoder("latin1").decode(file);
      const at = text.indexOf("end_header\n");
      const without = new Uint8Array([...file.subarray(0, at), ...file.subarray(at + "end_header\n".length)]);
      const error = parseError(without);
      expect(error.line).toBe(10);
      expect(error.message).toMatch(
        /^bad\.ply, line 10: the header has no 'end_header' line, so the body was read as header and this line failed: /,
      );
    }
    // A header cut off before its end says so too.
    expect(parseError(asciiPly(["ply", "format ascii 1.0", "element vertex 0"])).message).toBe(
      "bad.ply, line 3: the header has no 'end_header' line",
    );
  });

  it("rejects a binary header whose last line ends differently from the first", () => {
    const bytes = new TextEncoder().encode(
      `${TRIANGLE_HEADER("binary_little_endian").join("\n")}\nend_header\r\n`,
    );
    expect(parseError(bytes).message).toMatch(/same line ending as the first line/);
  });

  const bodyErrors: [string, Field[], number, RegExp][] = [
    [
      "a coordinate that is NaN",
      TRIANGLE_BODY.map((f, i): Field => (i === 4 ? ["f32", Number.NaN] : f)),
      16,
      /vertex 1: coordinate y is NaN/,
    ],
    [
      "a negative index",
      TRIANGLE_BODY.map((f, i): Field => (i === 11 ? ["i32", -1] : f)),
      41,
      /face 0: corner 1 refers to vertex -1/,
    ],
    [
      "an index past the end",
      TRIANGLE_BODY.map((f, i): Field => (i === 12 ? ["i32", 3] : f)),
      45,
      /corner 2 refers to vertex 3, but vertices are numbered 0 to 2/,
    ],
    [
      "a face of two corners",
      [...TRIANGLE_BODY.slice(0, 9), ["u8", 2], ["i32", 0], ["i32", 1]],
      37,
      /at least 3 corners, got 2/,
    ],
    ["trailing bytes", [...TRIANGLE_BODY, ["u8", 0]], 49, /1 bytes follow the last element/],
  ];
  for (const [what, body, offset, message] of bodyErrors) {
    it(`rejects a binary body with ${what}, naming the byte offset`, () => {
      const error = parseError(triangleBinary(body));
      expect(error.offset).toBe(headerLength("binary_little_endian") + offset);
      expect(error.message).toMatch(message);
    });
  }

  it("rejects truncated binary data at the start of the value it cuts", () => {
    const full = triangleBinary();
    const error = parseError(full.subarray(0, full.length - 2));
    // The index list starts after the 36 bytes of vertices and its 1-byte length.
    expect(error.offset).toBe(headerLength("binary_little_endian") + 37);
    expect(error.message).toMatch(
      /face 0: the file ends inside property 'vertex_indices': it needs 12 bytes, 10 are left \(the header declares 1 face records\)/,
    );
  });

  const asciiErrors: [string, string[], number, RegExp][] = [
    ["a word", ["0 0 0", "1 zero 0", "0 1 0", "3 0 1 2"], 11, /vertex 1: 'zero' is not a number/],
    ["a fractional index", ["0 0 0", "1 0 0", "0 1 0", "3 0 1.5 2"], 13, /'1.5' is not an integer/],
    ["an index past the end", ["0 0 0", "1 0 0", "0 1 0", "3 0 1 3"], 13, /corner 2 refers to vertex 3/],
    ["an overflowing coordinate", ["0 0 0", "1 1e999 0", "0 1 0", "3 0 1 2"], 11, /'1e999' is out of range/],
    [
      "missing data",
      ["0 0 0", "1 0 0", "0 1 0", "3 0 1"],
      13,
      /ends before item 2 of property 'vertex_indices'/,
    ],
    [
      "extra data",
      ["0 0 0", "1 0 0", "0 1 0", "3 0 1 2", "", "4"],
      15,
      /unexpected '4' after the last element/,
    ],
    [
      "an absurdly long value",
      ["0 0 0", `1${"0".repeat(500)} 0 0`, "0 1 0", "3 0 1 2"],
      11,
      /longer than 400 characters/,
    ],
  ];
  for (const [what, body, line, message] of asciiErrors) {
    it(`rejects an ASCII body with ${what}, naming the line`, () => {
      const error = parseError(asciiPly([...TRIANGLE_HEADER("ascii"), "end_header", ...body]));
      expect(error.line).toBe(line);
      expect(error.message).toMatch(message);
    });
  }
});
