import { describe, expect, it } from "vitest";
import {
  formatVertexFieldsCsv,
  formatVertexFieldsJson,
  parseVertexFieldsCsv,
  parseVertexFieldsJson,
  VertexFieldFileError,
  vertexFieldFormatOf,
} from "./vertex-fields.js";

function errorOf(run: () => unknown): VertexFieldFileError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(VertexFieldFileError);
    return error as VertexFieldFileError;
  }
  throw new Error("expected a VertexFieldFileError");
}

describe("parseVertexFieldsCsv", () => {
  it("reads a header row and one row of numbers per vertex, with the line of each row", () => {
    const text =
      "\ufeffpressure, wind_x ,wind_y,wind_z\r\n1,0.5,-2e-3,0\r\n\r\n 2 , 1.5 , +3 , -0\n3,.25,4.,1E2\n\n";
    const { columns, nVertices, lines, source } = parseVertexFieldsCsv(text, { source: "a.csv", count: 3 });
    expect(source).toBe("a.csv");
    expect(nVertices).toBe(3);
    expect([...columns.keys()]).toEqual(["pressure", "wind_x", "wind_y", "wind_z"]);
    expect(Array.from(columns.get("pressure")!)).toEqual([1, 2, 3]);
    expect(Array.from(columns.get("wind_x")!)).toEqual([0.5, 1.5, 0.25]);
    expect(Array.from(columns.get("wind_y")!)).toEqual([-2e-3, 3, 4]);
    expect(Object.is(columns.get("wind_z")![1], -0)).toBe(true);
    expect(Array.from(lines!)).toEqual([2, 4, 5]);
  });

  it("reads quoted names (RFC 4180), lone-CR line ends and non-finite spellings (judged where used)", () => {
    const text = '"wind ""u""", "a,b"\r1,nan\r2,-Inf\r';
    const { columns, lines } = parseVertexFieldsCsv(text);
    expect([...columns.keys()]).toEqual(['wind "u"', "a,b"]);
    expect(Number.isNaN(columns.get("a,b")![0])).toBe(true);
    expect(columns.get("a,b")![1]).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(lines!)).toEqual([2, 3]);
    // A quoted header spanning two lines: the rows' lines still count from the file's start.
    const multiline = parseVertexFieldsCsv('"a\nb",c\n1,2\n');
    expect([...multiline.columns.keys()]).toEqual(["a\nb", "c"]);
    expect(Array.from(multiline.lines!)).toEqual([3]);
  });

  it("names the file, line, column and vertex of every problem", () => {
    const cases: [string, string][] = [
      ["", "f.csv: the file is empty: expected a header row of column names"],
      ["a,,b\n1,2,3\n", "f.csv, line 1: column 2 of the header has no name"],
      ["a,b,a\n1,2,3\n", 'f.csv, line 1, column "a": the header names this column twice'],
      [
        "1,2\n3,4\n",
        "f.csv, line 1: the first row holds numbers, not column names: a per-vertex CSV file starts with a header row",
      ],
      ["a,b\n1,2\n3\n", "f.csv, line 3, vertex 1: 1 values where the header names 2 columns"],
      ["a,b\n1,2\n3,x1\n", 'f.csv, line 3, column "b", vertex 1: "x1" is not a number'],
      ["a,b\n1,\n", 'f.csv, line 2, column "b", vertex 0: the value is empty'],
      ['a,b\n1,"2\n', "f.csv, line 2: a quoted field is not closed before the end of the file"],
      ['a,b\n1,"2"x\n', 'f.csv, line 2: unexpected "x" after a closing quote'],
      ['a,b\n1,2"\n', "f.csv, line 2: a quote inside an unquoted field (quote the whole field)"],
      [
        "a\n1\n2\n",
        "f.csv: 2 rows after the header for a mesh of 3 vertices; the file holds one value per vertex, in the mesh's vertex order",
      ],
    ];
    for (const [text, message] of cases) {
      expect(
        errorOf(() =>
          parseVertexFieldsCsv(text, { source: "f.csv", count: text.startsWith("a\n") ? 3 : undefined }),
        ).message,
        text,
      ).toBe(message);
    }
    const e = errorOf(() => parseVertexFieldsCsv("a,b\n1,2\n3,x\n", { source: "f.csv" }));
    expect([e.file, e.line, e.column, e.vertex, e.detail]).toEqual([
      "f.csv",
      3,
      "b",
      1,
      '"x" is not a number',
    ]);
  });

  it("round-trips through formatVertexFieldsCsv exactly, NaN and ±∞ included", () => {
    const columns = new Map<string, Float64Array>([
      ["p", Float64Array.of(0.1, -1 / 3, 1e-300, Math.PI)],
      ["wind x", Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0)],
      ['q"', Float64Array.of(1, 2, 3, 4)],
    ]);
    const back = parseVertexFieldsCsv(formatVertexFieldsCsv(columns));
    expect([...back.columns.keys()]).toEqual([...columns.keys()]);
    for (const [name, values] of columns) expect(back.columns.get(name)).toEqual(values);
  });
});

describe("parseVertexFieldsJson", () => {
  it('reads { "vertices": N, "columns": { name: [N numbers] } }, null as NaN', () => {
    const text = JSON.stringify({ vertices: 3, columns: { p: [1, 2, 3], u: [0.5, null, -1e-9] } });
    const { columns, nVertices } = parseVertexFieldsJson(text, { source: "m.fields.json", count: 3 });
    expect(nVertices).toBe(3);
    expect(Array.from(columns.get("p")!)).toEqual([1, 2, 3]);
    expect(Number.isNaN(columns.get("u")![1])).toBe(true);
    // "vertices" is optional.
    expect(parseVertexFieldsJson('{"columns":{"p":[1,2]}}').nVertices).toBe(2);
  });

  it("names the file and column of every problem", () => {
    const cases: [string, string][] = [
      ["{", "m.fields.json: not valid JSON"],
      [
        "[1,2]",
        'm.fields.json: expected { "vertices": N, "columns": { "<name>": [N numbers], … } }, got an array',
      ],
      ['{"vertices":2}', 'm.fields.json: "columns" is missing or not an object'],
      ['{"columns":{}}', 'm.fields.json: "columns" has no columns'],
      ['{"columns":{"p":[1]},"extra":1}', 'm.fields.json: unknown key "extra"'],
      ['{"vertices":-1,"columns":{"p":[]}}', 'm.fields.json: "vertices" must be a whole number ≥ 0, got -1'],
      [
        '{"vertices":2,"columns":{"p":[1,2],"q":[1]}}',
        'm.fields.json, column "q": 1 values, but "vertices" is 2',
      ],
      [
        '{"columns":{"p":[1,2],"q":[1,2,3]}}',
        'm.fields.json, column "q": 3 values, but the first column has 2',
      ],
      [
        '{"columns":{"p":"1,2"}}',
        'm.fields.json, column "p": expected an array of numbers, got the string "1,2"',
      ],
      [
        '{"columns":{"p":[1,"2"]}}',
        'm.fields.json, column "p", vertex 1: expected a number, got the string "2"',
      ],
      ['{"columns":{"p":[1,2]}}', "m.fields.json: 2 values per column for a mesh of 3 vertices"],
    ];
    for (const [text, message] of cases) {
      expect(
        errorOf(() => parseVertexFieldsJson(text, { source: "m.fields.json", count: 3 })).message,
        text,
      ).toContain(message);
    }
  });

  it("round-trips through formatVertexFieldsJson exactly, and refuses non-finite values", () => {
    const columns = new Map([
      ["p", Float64Array.of(0.1, -1 / 3, 1e-300)],
      ["u", Float64Array.of(-0, 2 ** 60, 5e-324)],
    ]);
    const back = parseVertexFieldsJson(formatVertexFieldsJson(columns), { count: 3 });
    for (const [name, values] of columns) expect(back.columns.get(name)).toEqual(values);
    expect(() => formatVertexFieldsJson(new Map([["p", [1, Number.NaN]]]))).toThrowError(
      /column "p" has NaN at vertex 1/,
    );
  });
});

describe("vertexFieldFormatOf", () => {
  it("tells the kind from the name, and refuses others", () => {
    expect(vertexFieldFormatOf("a/b.fields.json")).toBe("fields-json");
    expect(vertexFieldFormatOf("B.CSV")).toBe("csv");
    expect(vertexFieldFormatOf("m.ply")).toBe("ply");
    expect(() => vertexFieldFormatOf("m.json")).toThrowError(/not a per-vertex field file/);
  });
});
