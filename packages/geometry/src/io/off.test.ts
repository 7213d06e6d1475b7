import { describe, expect, it } from "vitest";
import { torus } from "../generate/torus.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parseOff, writeOff } from "./off.js";

const SQUARE = "OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n";

describe("parseOff", () => {
  it("reads a plain OFF file", () => {
    const data = parseOff(SQUARE);
    expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 3]);
  });

  it("skips comments and blank lines, ignores colour columns, triangulates polygons", () => {
    const text = [
      "COFF # coloured vertices",
      "# a comment line",
      "",
      "5 2 7",
      "0 0 0 255 0 0 255",
      "1 0 0 0 255 0 255",
      "   1 1 0 0 0 255 255",
      "0 1 0 0.5 0.5 0.5 1",
      "0.5 1.5 0 0 0 0 1\r",
      "4 0 1 2 4 0.1 0.2 0.3 1",
      "3 0 4 3 255 0 0",
      "",
    ].join("\n");
    const data = parseOff(text);
    expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5, 1.5, 0]);
    expect(Array.from(data.triangles)).toEqual([0, 1, 2, 0, 2, 4, 0, 4, 3]);
  });

  it("accepts the counts on the keyword's line and the other prefixes", () => {
    for (const keyword of ["OFF", "NOFF", "CNOFF", "STOFF"]) {
      const text = `${keyword} 3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n`;
      expect(Array.from(parseOff(text).triangles)).toEqual([0, 1, 2]);
    }
  });

  const errors: [string, string, number, RegExp][] = [
    ["an empty file", "", 1, /the file is empty/],
    ["a missing keyword", "4 2 0\n", 1, /expected the 'OFF' keyword, found '4'/],
    ["binary OFF", "OFF BINARY\n", 1, /binary OFF is not supported/],
    ["4-D OFF", "4OFF\n", 1, /only 3-D/],
    ["bad counts", "OFF\n4 two\n", 2, /expected the counts/],
    ["negative counts", "OFF\n-4 2\n", 2, /expected the counts/],
    ["a short vertex", "OFF\n3 1\n0 0 0\n1 0\n", 4, /a vertex needs 3 coordinates, got 2/],
    ["a word for a coordinate", "OFF\n3 1\n0 0 0\n1 zero 0\n", 4, /'zero' is not a number/],
    ["a face with too few corners", "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n2 0 1\n", 6, /at least 3 corners, got 2/],
    ["a face missing corners", "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1\n", 6, /lists 2 of its 3 corners/],
    [
      "an index out of range",
      "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n",
      6,
      /'3' is not a vertex index from 0 to 2/,
    ],
    ["a negative index", "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 -1 2\n", 6, /'-1' is not a vertex index/],
    [
      "a word after the corners",
      "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2 red\n",
      6,
      /'red' after the corners/,
    ],
    ["too few vertices", "OFF\n3 1\n0 0 0\n1 0 0\n", 5, /ends after 2 of its 3 vertices/],
    ["too few faces", "OFF\n3 2\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n", 7, /ends after 1 of its 2 faces/],
    ["content after the faces", `${SQUARE}3 0 1 2\n`, 9, /unexpected '3' after the last face/],
  ];
  for (const [what, text, line, message] of errors) {
    it(`rejects ${what}, naming file and line`, () => {
      let error: unknown;
      try {
        parseOff(text, "bad.off");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MeshParseError);
      const e = error as MeshParseError;
      expect([e.file, e.line]).toEqual(["bad.off", line]);
      expect(e.message).toMatch(message);
    });
  }
});

describe("parseOff with header counts that do not match the body", () => {
  const vertices = "0 0 0\n1 0 0\n0 1 0\n0 0 1\n";
  const cases: [string, string, string][] = [
    [
      "more vertices declared than there are",
      `OFF\n5 1 0\n${vertices}3 0 1 2\n`,
      "the header declares 5 vertices, but the body has 4 vertex lines before its 1 face line: the counts line should start '4 1'",
    ],
    [
      "fewer vertices declared than there are",
      `OFF\n3 1 0\n${vertices}3 0 1 2\n`,
      "the header declares 3 vertices, but the body has 4 vertex lines before its 1 face line: the counts line should start '4 1'",
    ],
    [
      "swapped counts",
      `OFF\n2 4 0\n${vertices}3 0 1 2\n3 0 2 3\n`,
      "the header declares 2 vertices and 4 faces, but the body has 4 vertex lines and then 2 face lines (the two counts are swapped): the counts line should start '4 2'",
    ],
    [
      // Both wrong and adding up: a face is read as a fifth vertex and the mesh loses it.
      "both counts wrong by the same amount",
      `OFF\n5 1 0\n${vertices}3 0 1 2\n3 0 2 3\n`,
      "the header declares 5 vertices and 1 face, but the body has 4 vertex lines and then 2 face lines: the counts line should start '4 2'",
    ],
    [
      "counts on the keyword's line",
      `OFF 6 1 0\n${vertices}\n# faces\n4 0 1 2 3\n`,
      "the header declares 6 vertices, but the body has 4 vertex lines before its 1 face line: the counts line should start '4 1'",
    ],
  ];
  for (const [what, text, detail] of cases) {
    it(`says which count is wrong: ${what}`, () => {
      let error: unknown;
      try {
        parseOff(text, "counts.off");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MeshParseError);
      const e = error as MeshParseError;
      const countsLine = text.startsWith("OFF 6") ? 1 : 2;
      expect([e.line, e.detail]).toEqual([countsLine, detail]);
    });
  }

  it("keeps the reader's own error where the vertex count is right or the file is cut off", () => {
    expect(() => parseOff(`OFF\n4 2 0\n${vertices}3 0 1 2\n`, "f.off")).toThrow(
      "f.off, line 8: the file ends after 1 of its 2 faces",
    );
    expect(() => parseOff(`OFF\n4 1 0\n${vertices}3 0 1 2\n3 0 2 3\n`, "f.off")).toThrow(
      "f.off, line 8: unexpected '3' after the last face (the header declares 1 faces)",
    );
    expect(() => parseOff("OFF\n4 1 0\n0 0 0\n1 0 0\n", "f.off")).toThrow(
      "f.off, line 5: the file ends after 2 of its 4 vertices",
    );
    // A malformed face stays that error, even though its line could pass for a vertex.
    expect(() => parseOff(`OFF\n4 1 0\n${vertices}3 0 1\n`, "f.off")).toThrow(
      "f.off, line 7: the face lists 2 of its 3 corners",
    );
    expect(() => parseOff(`OFF\n4 2 0\n${vertices}3 0 1\n3 0 1 2\n`, "f.off")).toThrow(
      "f.off, line 7: the face lists 2 of its 3 corners",
    );
    // Vertex lines of different widths alone are no reason to refuse a file whose counts are right.
    expect(parseOff("OFF\n3 1\n0 0 0\n1 0 0 0.5\n0 1 0\n3 0 1 2\n").triangles).toEqual(
      Uint32Array.of(0, 1, 2),
    );
  });
});

describe("writeOff", () => {
  it("round-trips exactly", () => {
    const data = torus({ majorSegments: 7, minorSegments: 5 });
    expect(parseOff(writeOff(data))).toEqual(data);
  });
});
