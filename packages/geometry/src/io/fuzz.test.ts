import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { mulberry32 } from "../random.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseObj, writeObj } from "./obj.js";
import { parseOff, writeOff } from "./off.js";
import { parsePly, writePly } from "./ply.js";
import type { MeshInput } from "./text.js";

// Every parser, on any input, either returns well-formed data (whole triples, finite
// coordinates, indices in range) or throws a MeshParseError; it never crashes with another
// error, never hangs, never writes to the console.

type Parser = (input: MeshInput, source?: string) => TriangleMeshData;

const PARSERS: Record<string, Parser> = { obj: parseObj, off: parseOff, ply: parsePly };

interface Tally {
  parsed: number;
  rejected: number;
}

function check(parse: Parser, input: Uint8Array, tally: Tally): void {
  let data: TriangleMeshData;
  try {
    data = parse(input, "fuzz");
  } catch (error) {
    if (!(error instanceof MeshParseError)) {
      throw new Error(`not a MeshParseError on input ${JSON.stringify(Array.from(input))}: ${error}`);
    }
    expect(error.file).toBe("fuzz");
    // Content that is not the format at all ("not an OBJ file: looks like …") has no one place.
    expect(
      error.line !== undefined || error.offset !== undefined || /^not an? \w+ file:/.test(error.detail),
    ).toBe(true);
    // Whatever bytes came in, the message is one line of printable characters.
    const printable = Array.from(error.message).every((c) => c >= " " && !(c >= "\u007f" && c <= "\u009f"));
    if (!printable) throw new Error(`a control character in ${JSON.stringify(error.message)}`);
    tally.rejected++;
    return;
  }
  const { positions, triangles } = data;
  const nVertices = positions.length / 3;
  const wellFormed =
    positions instanceof Float64Array &&
    triangles instanceof Uint32Array &&
    Number.isInteger(nVertices) &&
    triangles.length % 3 === 0 &&
    positions.every(Number.isFinite) &&
    triangles.every((v) => v < nVertices);
  if (!wellFormed) throw new Error(`malformed result on input ${JSON.stringify(Array.from(input))}`);
  tally.parsed++;
}

const bytes = (text: string) => new TextEncoder().encode(text);

const TETRA: TriangleMeshData = {
  positions: Float64Array.from([1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1]),
  triangles: Uint32Array.from([0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2]),
};

/** Small valid files of every format, exercising most of the syntax. */
const SEEDS: Record<string, Uint8Array[]> = {
  obj: [
    bytes(writeObj(TETRA)),
    bytes("# c\nv 0 0 0\nv 1 0 0 1\nv 1 1 0\nvt 0 0\nv 0 1 0\nf 1/1 2/1 -2/1 -1//1\ng x\nf -4 -3 -2\n"),
  ],
  off: [
    bytes(writeOff(TETRA)),
    bytes("COFF # c\n4 2 0\n0 0 0 1 0 0\n1 0 0 0 1 0\n1 1 0 0 0 1\n0 1 0 1 1 1\n4 0 1 2 3 9\n3 0 1 2\n"),
  ],
  ply: [
    writePly(TETRA, "ascii"),
    writePly(TETRA, "binary_little_endian"),
    writePly(TETRA, "binary_big_endian"),
    bytes(
      "ply\r\nformat ascii 1.0\r\ncomment c\r\nelement vertex 4\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\nproperty uchar red\r\nelement face 1\r\nproperty list uchar int vertex_index\r\nend_header\r\n0 0 0 1\r\n1 0 0 2\r\n1 1 0 3\r\n0 1 0 4\r\n4 0 1 2 3\r\n",
    ),
  ],
};

const TOKENS: Record<string, string[]> = {
  obj: [
    "v",
    "f",
    "vt",
    "vn",
    "o",
    "#",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "-4",
    "1/2",
    "1//3",
    "1/2/3",
    "/",
    "0.5",
    "-2e3",
    "1e999",
    "nan",
    "x",
    "\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
  ],
  off: [
    "OFF",
    "COFF",
    "4OFF",
    "BINARY",
    "#",
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "0.5",
    "1e999",
    "255",
    "x",
    "\n",
    "\n",
    "\n",
    "\r",
    " ",
    "\t",
  ],
  ply: [
    "ply",
    "format",
    "ascii",
    "binary_little_endian",
    "binary_big_endian",
    "1.0",
    "comment",
    "element",
    "vertex",
    "face",
    "property",
    "list",
    "uchar",
    "int",
    "uint",
    "float",
    "double",
    "short",
    "x",
    "y",
    "z",
    "vertex_indices",
    "end_header",
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "1000000000",
    "0.5",
    "nan",
    "\n",
    "\n",
    "\n",
    "\r\n",
    " ",
  ],
};

describe("parser fuzzing", () => {
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

  for (const [format, parse] of Object.entries(PARSERS)) {
    it(`${format}: every truncation of valid files`, () => {
      const tally = { parsed: 0, rejected: 0 };
      for (const seed of SEEDS[format]) {
        check(parse, seed, tally);
        expect(tally.parsed).toBeGreaterThan(0);
        for (let n = 0; n < seed.length; n++) check(parse, seed.subarray(0, n), tally);
      }
      // Most prefixes are incomplete files and must be refused, not half-read.
      expect(tally.rejected).toBeGreaterThan(tally.parsed);
    });

    it(`${format}: random bytes, alone and after a valid start`, () => {
      const random = mulberry32(format.length * 1000 + 1);
      const tally = { parsed: 0, rejected: 0 };
      for (let i = 0; i < 400; i++) {
        const noise = Uint8Array.from({ length: Math.floor(random() * 200) }, () =>
          Math.floor(random() * 256),
        );
        check(parse, noise, tally);
        const seed = SEEDS[format][i % SEEDS[format].length];
        const cut = Math.floor(random() * seed.length);
        const spliced = new Uint8Array(cut + noise.length);
        spliced.set(seed.subarray(0, cut));
        spliced.set(noise, cut);
        check(parse, spliced, tally);
      }
      expect(tally.rejected).toBeGreaterThan(0);
    });

    it(`${format}: single-byte mutations of valid files`, () => {
      const random = mulberry32(format.length * 1000 + 2);
      const tally = { parsed: 0, rejected: 0 };
      for (let i = 0; i < 600; i++) {
        const seed = SEEDS[format][i % SEEDS[format].length];
        const mutated = seed.slice();
        mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        check(parse, mutated, tally);
      }
      expect(tally.rejected).toBeGreaterThan(0);
      expect(tally.parsed).toBeGreaterThan(0);
    });

    it(`${format}: token soup`, () => {
      const random = mulberry32(format.length * 1000 + 3);
      const tokens = TOKENS[format];
      const tally = { parsed: 0, rejected: 0 };
      for (let i = 0; i < 800; i++) {
        const parts: string[] = [];
        const n = Math.floor(random() * 60);
        for (let k = 0; k < n; k++) {
          parts.push(tokens[Math.floor(random() * tokens.length)]);
          if (random() < 0.7) parts.push(" ");
        }
        check(parse, bytes(parts.join("")), tally);
      }
      expect(tally.rejected).toBeGreaterThan(0);
    });
  }

  it("ply: a header declaring huge counts over a short body is refused at once", () => {
    const header = (format: string) =>
      `ply\nformat ${format} 1.0\nelement vertex 4000000000\nproperty float x\nproperty float y\nproperty float z\nelement face 4000000000\nproperty list uint uint vertex_indices\nend_header\n`;
    for (const format of ["ascii", "binary_little_endian", "binary_big_endian"]) {
      const file = new Uint8Array([...bytes(header(format)), ...bytes("0 0 0 1 1 1 ").slice(0, 12)]);
      expect(() => parsePly(file, "huge.ply")).toThrow(MeshParseError);
    }
    // A face list claiming 4e9 corners.
    const head = bytes(
      "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty double x\nproperty double y\nproperty double z\nelement face 1\nproperty list uint uint vertex_indices\nend_header\n",
    );
    const file = new Uint8Array(head.length + 3 * 24 + 4 + 12);
    file.set(head);
    new DataView(file.buffer).setUint32(head.length + 3 * 24, 4_000_000_000, true);
    expect(() => parsePly(file, "huge.ply")).toThrow(/it needs 16000000000 bytes/);
  });
});
