import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { torus } from "../generate/torus.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { type MeshFormat, meshFormatOf, parseMesh, serializeMesh } from "./formats.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObj, writeObj } from "./obj.js";
import { parseOff, writeOff } from "./off.js";
import { parsePly, writePly } from "./ply.js";
import { escapeControlCharacters, quote } from "./printable.js";
import { forEachLine } from "./text.js";

const MESH: TriangleMeshData = torus({ majorSegments: 6, minorSegments: 4 });
const OBJ_TEXT = writeObj(MESH);
const bytes = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** The error `parse` throws for `input`, which must be a MeshParseError. */
function errorOf(parse: () => unknown): MeshParseError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(MeshParseError);
    return error as MeshParseError;
  }
  throw new Error("expected a MeshParseError, but parsing succeeded");
}

/** Whether `text` has no C0 or C1 control character (line breaks and NUL included). */
const isPrintableLine = (text: string) =>
  Array.from(text).every((c) => {
    const code = c.charCodeAt(0);
    return code >= 0x20 && !(code >= 0x7f && code <= 0x9f);
  });

/** The start of a zip archive storing `name` uncompressed: its first local file header and the data. */
function zipStart(name: string, content: Uint8Array): Uint8Array {
  const u16 = (n: number) => [n & 0xff, n >> 8];
  const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
  const fileName = bytes(name);
  // Signature, version 1.0, no flags, stored, time and date 0, CRC left 0, sizes, name length.
  const header = [0x50, 0x4b, 0x03, 0x04, ...u16(10), ...u16(0), ...u16(0), ...u32(0), ...u32(0)];
  const sizes = [...u32(content.length), ...u32(content.length), ...u16(fileName.length), ...u16(0)];
  return concat(header, sizes, fileName, content);
}

describe("content that is not the format", () => {
  const utf16le = (text: string) => concat([0xff, 0xfe], new Uint8Array(Buffer.from(text, "utf16le")));
  const utf16be = (text: string) => {
    const le = new Uint8Array(Buffer.from(text, "utf16le"));
    const be = le.slice();
    for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    return concat([0xfe, 0xff], be);
  };
  const elf = concat([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], new Uint8Array(56));
  const cases: [string, Uint8Array, RegExp][] = [
    ["gzip", new Uint8Array(gzipSync(OBJ_TEXT)), /looks like gzip-compressed data/],
    ["a zip archive", zipStart("mesh.obj", bytes(OBJ_TEXT)), /looks like a zip archive/],
    ["an ELF executable", elf, /looks like an ELF executable/],
    ["UTF-16 (little-endian, byte-order mark)", utf16le(OBJ_TEXT), /looks like UTF-16 text/],
    ["UTF-16 (big-endian, byte-order mark)", utf16be(OBJ_TEXT), /looks like UTF-16 text/],
    [
      "UTF-16 without a byte-order mark",
      new Uint8Array(Buffer.from(OBJ_TEXT, "utf16le")),
      /looks like UTF-16 text \(little-endian, without a byte-order mark/,
    ],
    ["bzip2", concat(bytes("BZh91AY&SY"), new Uint8Array(20)), /looks like bzip2-compressed data/],
    ["a PDF", bytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n"), /looks like a PDF document/],
  ];
  for (const [what, input, looksLike] of cases) {
    it(`says what ${what} looks like, for every format, from a parse function and parseMesh`, () => {
      for (const format of ["obj", "off", "ply"] as const) {
        const name = `mesh.${format}`;
        const expectedStart = `${name}: not ${format === "obj" ? "an OBJ" : format === "off" ? "an OFF" : "a PLY"} file: `;
        const parse = { obj: parseObj, off: parseOff, ply: parsePly }[format];
        for (const error of [
          errorOf(() => parse(input, name)),
          errorOf(() => parseMesh(input, format, name)),
        ]) {
          expect(error.message.startsWith(expectedStart), error.message).toBe(true);
          expect(error.message).toMatch(looksLike);
          expect(isPrintableLine(error.message)).toBe(true);
        }
      }
    });
  }

  it("calls the executable this test runs in by its kind (on Linux, an ELF file)", () => {
    // The platform precondition: the case is made from a real executable where it is ELF.
    expect(process.platform).toBe("linux");
    const head = new Uint8Array(readFileSync(process.execPath).subarray(0, 64 * 1024));
    expect(errorOf(() => parseObj(head, "node.obj")).message).toBe(
      "node.obj: not an OBJ file: looks like an ELF executable or library",
    );
  });

  it("names other binary data by its first NUL byte, and text formats only", () => {
    const data = concat(bytes("v 0 0 0\nv 1 0 0\n"), [0x00, 0x13, 0x88], bytes("\nf 1 2 3\n"));
    const error = errorOf(() => parseObj(data, "odd.obj"));
    expect(error.message).toBe(
      "odd.obj, byte 16: not an OBJ file: looks like binary data, not text (a NUL byte at byte 16)",
    );
    expect(error.offset).toBe(16);
    const off = concat(bytes("OFF\n3 1 0\n0 0 0\n"), [0x00], bytes("1 0 0\n0 1 0\n3 0 1 2\n"));
    expect(errorOf(() => parseOff(off, "odd.off")).message).toMatch(
      /^odd\.off, byte 16: not an OFF file: looks like binary data/,
    );
    // A string with a NUL character is refused too.
    expect(errorOf(() => parseObj("v 0 0 0\u0000\n", "odd.obj")).message).toMatch(
      /a NUL character at index 7/,
    );
    // Binary PLY holds NUL bytes in its body, and is read.
    const binary = writePly(MESH);
    expect(binary.includes(0)).toBe(true);
    expect(parsePly(binary)).toEqual(MESH);
  });

  it("recognises another mesh format under the wrong name", () => {
    const ply = writePly(MESH, "ascii");
    expect(errorOf(() => parseObj(ply, "a.obj")).message).toBe(
      "a.obj: not an OBJ file: looks like a PLY file (its first line is 'ply'); name it .ply",
    );
    expect(errorOf(() => parseOff(ply, "a.off")).message).toMatch(
      /^a\.off: not an OFF file: looks like a PLY file/,
    );
    expect(errorOf(() => parseObj(writeOff(MESH), "a.obj")).message).toMatch(
      /^a\.obj: not an OBJ file: looks like an OFF file \(its first line is 'OFF'\); name it \.off$/,
    );
    expect(errorOf(() => parseObj(`# made by hand\n\nCOFF\n3 1 0\n`, "a.obj")).message).toMatch(
      /an OFF file/,
    );
    expect(errorOf(() => parseOff(OBJ_TEXT, "a.off")).message).toMatch(
      /^a\.off: not an OFF file: looks like an OBJ file \(its first record is 'v'\); name it \.obj$/,
    );
    expect(errorOf(() => parsePly(OBJ_TEXT, "a.ply")).message).toMatch(
      /^a\.ply: not a PLY file: looks like an OBJ file/,
    );
    const stl = "solid cube\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n";
    expect(errorOf(() => parseObj(stl, "a.obj")).message).toBe(
      "a.obj: not an OBJ file: looks like an ASCII STL file",
    );
    // Binary STL: an 80-byte header, a triangle count, 50 bytes per triangle.
    const binaryStl = new Uint8Array(84 + 50 * 2);
    new DataView(binaryStl.buffer).setUint32(80, 2, true);
    binaryStl.set(bytes("solid exported"));
    expect(errorOf(() => parseObj(binaryStl, "a.obj")).message).toMatch(/looks like a binary STL file/);
    // A UTF-8 byte-order mark is skipped by the text formats and named by PLY, which needs 'ply' first.
    const bom = [0xef, 0xbb, 0xbf];
    expect(parseObj(concat(bom, bytes(OBJ_TEXT)))).toEqual(MESH);
    expect(parseOff(concat(bom, bytes(writeOff(MESH))))).toEqual(MESH);
    expect(errorOf(() => parsePly(concat(bom, writePly(MESH)), "a.ply")).message).toMatch(
      /^a\.ply, byte 0: the file starts with a UTF-8 byte-order mark/,
    );
  });

  it("names a web page, XML and JSON, and OBJ text without vertices whose first line is no OBJ statement", () => {
    const page = '\n<!DOCTYPE html>\n<html lang="en"><head><title>mesh.obj · GitHub</title></head></html>\n';
    for (const format of ["obj", "off", "ply"] as const) {
      expect(errorOf(() => parseMesh(page, format, `m.${format}`)).message).toMatch(
        new RegExp(`^m\\.${format}: not an? [A-Z]+ file: looks like an HTML page \\(a web page saved`),
      );
    }
    expect(errorOf(() => parseObj("<html><body>404</body></html>", "m.obj")).message).toMatch(/an HTML page/);
    expect(errorOf(() => parseObj('<?xml version="1.0"?>\n<COLLADA>', "m.obj")).message).toBe(
      "m.obj: not an OBJ file: looks like an XML document (COLLADA .dae and X3D are XML)",
    );
    expect(errorOf(() => parseOff('{"asset": {"version": "2.0"}}', "m.off")).message).toBe(
      "m.off: not an OFF file: looks like JSON text (a .gltf file is JSON)",
    );
    // Text OBJ skips line by line, which used to read as an empty mesh without a word.
    expect(errorOf(() => parseObj("x,y,z\n0,0,0\n1,0,0\n", "points.obj")).message).toBe(
      "points.obj: not an OBJ file: it has no vertex ('v') records, and its first line starts with 'x,y,z', which is no OBJ statement",
    );
    // An OBJ without vertices but of OBJ statements only is still an empty mesh, not this error.
    expect(parseObj("# nothing yet\nmtllib a.mtl\no empty\ng\n").positions).toHaveLength(0);
    expect(parseObj("").positions).toHaveLength(0);
    // And a first line that is no statement is fine where vertices follow (OBJ skips it).
    expect(parseObj(`unknown_statement 1\n${OBJ_TEXT}`)).toEqual(MESH);
  });

  it("still reads text with Latin-1 or UTF-8 comments and ordinary files of every format", () => {
    const latin1 = concat(bytes("# Erstellt f"), [0xfc], bytes("r Tests\n"), bytes(OBJ_TEXT));
    expect(parseObj(latin1)).toEqual(MESH);
    expect(parseObj(`# é ü 漢字\n${OBJ_TEXT}`)).toEqual(MESH);
    for (const format of ["obj", "off", "ply"] as MeshFormat[]) {
      expect(parseMesh(serializeMesh(MESH, format), format)).toEqual(MESH);
    }
  });

  it("refuses text too long for one JavaScript string with its own message", () => {
    // 2^29 − 23 bytes of spaces: one more character than V8 allows in a string (about 0.5 GB,
    // allocated and filled in about 0.4 s; TextDecoder then fails at once).
    const huge = new Uint8Array(2 ** 29 - 23).fill(0x20);
    const error = errorOf(() => parseObj(huge, "huge.obj"));
    expect(error.message).toBe(
      `huge.obj: the file is too large to read as text: ${huge.length} bytes, more than the ${2 ** 29 - 24} characters a JavaScript string can hold (write such meshes as binary PLY)`,
    );
  }, 30_000);
});

describe("messages never carry raw control characters", () => {
  it("escapes NUL, escape sequences, line breaks and bidirectional controls", () => {
    expect(escapeControlCharacters("a\u0000b\u001b[31mc\td\ne\rf\u007f\u0085\u202eg\ud800")).toBe(
      "a\\x00b\\x1b[31mc\\td\\ne\\rf\\x7f\\x85\\u202eg\\ud800",
    );
    // Printable text, a surrogate pair and a backslash stay as they are.
    expect(escapeControlCharacters("C:\\meshes\\ü 😀")).toBe("C:\\meshes\\ü 😀");
    expect(quote("x".repeat(100))).toBe(`'${"x".repeat(40)}…'`);
  });

  it("in parse errors of every format, with the token quoted and cut short", () => {
    const ansi = "\u001b[2J\u001b[31m";
    const cases: [string, () => unknown, RegExp][] = [
      ["obj", () => parseObj(`v 0 0 ${ansi}\n`, "a.obj"), /'\\x1b\[2J\\x1b\[31m' is not a number/],
      [
        "off",
        () => parseOff(`OFF\n3 1\n0 0 0\n1 0 0\n0 1 ${ansi}\n`, "a.off"),
        /'\\x1b\[2J\\x1b\[31m' is not a number/,
      ],
      [
        "ply",
        () =>
          parsePly(
            `ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 \u0001\n`,
            "a.ply",
          ),
        /'\\x01' is not a number/,
      ],
      ["obj, long", () => parseObj(`v 0 0 ${"9".repeat(10_000)}x\n`, "a.obj"), /'9{40}…' is not a number/],
    ];
    for (const [what, parse, expected] of cases) {
      const error = errorOf(parse);
      expect(error.message, what).toMatch(expected);
      expect(isPrintableLine(error.message), what).toBe(true);
      expect(error.message.length, what).toBeLessThan(200);
    }
    // A file name with control characters is escaped in the message and kept as given in `file`.
    const error = errorOf(() => parseObj("v 0 0\n", "bad\nname\u001b.obj"));
    expect(error.message).toBe("bad\\nname\\x1b.obj, line 1: a vertex needs 3 coordinates, got 2");
    expect(error.file).toBe("bad\nname\u001b.obj");
  });
});

describe("line ends", () => {
  it("ends lines at \\n, \\r\\n and a lone \\r, numbering them alike", () => {
    const seen: [string[], number][] = [];
    forEachLine("a\rb\r\nc\n\rd", (tokens, line) => seen.push([tokens, line]));
    expect(seen).toEqual([
      [["a"], 1],
      [["b"], 2],
      [["c"], 3],
      [[], 4],
      [["d"], 5],
    ]);
  });

  it("reads OBJ and OFF files with carriage returns only (old Mac OS), and names lines right", () => {
    const cr = (text: string) => text.replaceAll("\n", "\r");
    const comment = `# a comment first, which a reader that ends lines at \\n only takes to run to the end\n`;
    expect(parseObj(cr(comment + OBJ_TEXT))).toEqual(MESH);
    expect(parseObj(bytes(cr(comment + OBJ_TEXT)))).toEqual(MESH);
    expect(parseOff(cr(writeOff(MESH)))).toEqual(MESH);
    expect(parseMesh(bytes(cr(writeOff(MESH))), "off")).toEqual(MESH);
    const broken = errorOf(() => parseObj(cr("v 0 0 0\nv 1 0 0\nf 1 2 3\n"), "cr.obj"));
    expect([broken.line, broken.detail]).toEqual([
      3,
      "face corner '3' refers to a vertex that does not exist: 2 vertices are defined before this line",
    ]);
  });
});

describe("wrong arguments", () => {
  it("parseMesh refuses an unknown format instead of returning undefined", () => {
    const error = errorOf(() => parseMesh(OBJ_TEXT, "stl" as MeshFormat, "mesh.stl"));
    expect(error.message).toBe(`mesh.stl: unknown mesh format 'stl': expected "obj", "off" or "ply"`);
    expect(errorOf(() => parseMesh(OBJ_TEXT, undefined as unknown as MeshFormat)).message).toBe(
      `<input>: unknown mesh format undefined: expected "obj", "off" or "ply"`,
    );
    expect(errorOf(() => serializeMesh(MESH, "OBJ" as MeshFormat)).message).toMatch(
      /unknown mesh format 'OBJ'/,
    );
  });

  it("gives the library's own error for inputs, sources and paths of the wrong type", () => {
    for (const parse of [parseObj, parseOff, parsePly]) {
      expect(errorOf(() => parse(42 as unknown as string)).message).toBe(
        "<input>: expected the file's text (a string) or bytes (a Uint8Array or an ArrayBuffer), got a number (42)",
      );
      expect(errorOf(() => parse(null as unknown as string)).message).toMatch(/got null$/);
      expect(errorOf(() => parse([1, 2] as unknown as string)).message).toMatch(/got an object \(Array\)$/);
      expect(errorOf(() => parse(OBJ_TEXT, 7 as unknown as string)).message).toMatch(
        /the source name \(for messages\) must be a string, got a number \(7\)/,
      );
    }
    expect(errorOf(() => parseMesh(OBJ_TEXT, "obj", {} as unknown as string)).message).toMatch(
      /parseMesh: the source name must be a string, got an object \(Object\)/,
    );
    expect(errorOf(() => meshFormatOf(undefined as unknown as string)).message).toBe(
      "<input>: expected a file path (a non-empty string), got undefined",
    );
  });
});
