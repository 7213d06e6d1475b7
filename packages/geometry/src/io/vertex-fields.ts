import { DECIMAL, DEFAULT_SOURCE, decodeText, formatNumber, type MeshInput } from "./text.js";

// Per-vertex data beside a mesh, as named columns of one number per vertex: a CSV file with a
// header row, a `<name>.fields.json` file, or a PLY file's vertex properties (ply-properties.ts).
// What the columns mean (scalars, tangent vectors, directions) is declared by the dataset and
// applied by @gemcnn/features' `vertexFieldsFromColumns`; here they are only numbers.

/** Named per-vertex columns read from one file. */
export interface VertexColumns {
  /** The file (or source name) the columns came from, for messages. */
  readonly source: string;
  readonly nVertices: number;
  /** The columns in file order, each one number per vertex (values may be NaN or ±∞ here: they are judged where used). */
  readonly columns: ReadonlyMap<string, Float64Array>;
  /** For text formats with one row per line (CSV): the 1-based line of each vertex's row. */
  readonly lines?: Int32Array;
}

/** The file kinds that hold per-vertex columns, by how their names end. */
export type VertexFieldFormat = "csv" | "fields-json" | "ply";

/** How the name of each kind of per-vertex column file ends (PLY files carry the mesh too). */
export const VERTEX_FIELD_EXTENSIONS: Readonly<Record<VertexFieldFormat, string>> = Object.freeze({
  csv: ".csv",
  "fields-json": ".fields.json",
  ply: ".ply",
});

/** Where in a file a problem is: any of the 1-based line, the column's name and the vertex (0-based row). */
export interface VertexFieldLocation {
  readonly line?: number;
  readonly column?: string;
  readonly vertex?: number;
}

/**
 * Every problem with per-vertex column data: the message starts with the file and where it is
 * known the line, the column and the vertex, e.g. `wind.csv, line 14, column "u", vertex 12: …`.
 */
export class VertexFieldFileError extends Error {
  override name = "VertexFieldFileError";
  readonly file: string;
  readonly line: number | undefined;
  readonly column: string | undefined;
  readonly vertex: number | undefined;
  /** The problem, without the location prefix. */
  readonly detail: string;

  constructor(file: string, location: VertexFieldLocation, detail: string, options?: ErrorOptions) {
    const where = [
      location.line === undefined ? "" : `, line ${location.line}`,
      location.column === undefined ? "" : `, column ${JSON.stringify(location.column)}`,
      location.vertex === undefined ? "" : `, vertex ${location.vertex}`,
    ].join("");
    super(`${file}${where}: ${detail}`, options);
    this.file = file;
    this.line = location.line;
    this.column = location.column;
    this.vertex = location.vertex;
    this.detail = detail;
  }
}

/** The kind of a per-vertex column file from its name: `.fields.json`, `.csv` or `.ply` (case-insensitive). */
export function vertexFieldFormatOf(path: string): VertexFieldFormat {
  const lower = path.toLowerCase();
  for (const format of ["fields-json", "csv", "ply"] as const) {
    if (lower.endsWith(VERTEX_FIELD_EXTENSIONS[format])) return format;
  }
  throw new VertexFieldFileError(
    path,
    {},
    "not a per-vertex field file: expected a name ending in .fields.json, .csv or .ply",
  );
}

export interface ParseVertexColumnsOptions {
  /** Names the file in errors (default `"<input>"`). */
  readonly source?: string;
  /** The number of vertices the file must hold (its mesh's), checked when given. */
  readonly count?: number;
}

/** The spellings of non-finite values accepted in CSV (case-insensitive); they are refused where a column is used. */
const NON_FINITE: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  "+infinity": Number.POSITIVE_INFINITY,
  "-infinity": Number.NEGATIVE_INFINITY,
};

/**
 * Reads per-vertex columns from CSV: a header row of unique column names, then one row of numbers
 * per vertex, in the mesh's vertex order, fields separated by commas. Fields may be quoted as in
 * RFC 4180 (`"wind x"`, `""` for a quote inside); whitespace around fields is ignored; lines end
 * with `\n`, `\r\n` or `\r`; blank lines and a UTF-8 byte-order mark are skipped. Values are
 * decimal numbers; `nan` and `inf` are read but refused where the column is used. Every problem
 * is a `VertexFieldFileError` naming the source and the line (and the column where there is one).
 */
export function parseVertexFieldsCsv(
  input: MeshInput,
  options: ParseVertexColumnsOptions = {},
): VertexColumns {
  const source = options.source ?? DEFAULT_SOURCE;
  const rows = csvRows(decodeText(input), source);
  if (rows.length === 0) {
    throw new VertexFieldFileError(source, {}, "the file is empty: expected a header row of column names");
  }
  const [header, ...body] = rows;
  const names = header.fields.map((name, i) => {
    if (name === "") {
      throw new VertexFieldFileError(
        source,
        { line: header.line },
        `column ${i + 1} of the header has no name`,
      );
    }
    return name;
  });
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new VertexFieldFileError(
        source,
        { line: header.line, column: name },
        "the header names this column twice",
      );
    }
    seen.add(name);
  }
  if (names.every((name) => isNumber(name)) && body.length > 0) {
    throw new VertexFieldFileError(
      source,
      { line: header.line },
      "the first row holds numbers, not column names: a per-vertex CSV file starts with a header row",
    );
  }
  checkCount(body.length, options.count, source, "rows after the header");
  const values = names.map(() => new Float64Array(body.length));
  const lines = new Int32Array(body.length);
  body.forEach((row, vertex) => {
    lines[vertex] = row.line;
    if (row.fields.length !== names.length) {
      throw new VertexFieldFileError(
        source,
        { line: row.line, vertex },
        `${row.fields.length} values where the header names ${names.length} columns`,
      );
    }
    row.fields.forEach((text, i) => {
      values[i][vertex] = csvNumber(text, source, { line: row.line, column: names[i], vertex });
    });
  });
  return {
    source,
    nVertices: body.length,
    columns: new Map(names.map((name, i) => [name, values[i]])),
    lines,
  };
}

/**
 * Reads a `<name>.fields.json` file:
 * `{ "vertices": 642, "columns": { "pressure": [0.1, …], "wind_x": […], … } }`, each column an
 * array of one number per vertex in the mesh's vertex order; `"vertices"` is optional and, when
 * present, must match every column's length. `null` (what `JSON.stringify` writes for NaN and
 * ±∞) is read as NaN and refused where the column is used. Every problem is a
 * `VertexFieldFileError` naming the source and the column.
 */
export function parseVertexFieldsJson(
  input: MeshInput,
  options: ParseVertexColumnsOptions = {},
): VertexColumns {
  const source = options.source ?? DEFAULT_SOURCE;
  let value: unknown;
  try {
    value = JSON.parse(decodeText(input).replace(/^\ufeff/, ""));
  } catch (error) {
    throw new VertexFieldFileError(source, {}, `not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const schema = 'expected { "vertices": N, "columns": { "<name>": [N numbers], … } }';
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new VertexFieldFileError(source, {}, `${schema}, got ${kindOf(value)}`);
  }
  const { vertices, columns, ...rest } = value as { vertices?: unknown; columns?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new VertexFieldFileError(source, {}, `unknown key ${JSON.stringify(unknown[0])}: ${schema}`);
  }
  if (vertices !== undefined && !(Number.isSafeInteger(vertices) && (vertices as number) >= 0)) {
    throw new VertexFieldFileError(
      source,
      {},
      `"vertices" must be a whole number ≥ 0, got ${JSON.stringify(vertices)}`,
    );
  }
  if (columns === null || typeof columns !== "object" || Array.isArray(columns)) {
    throw new VertexFieldFileError(source, {}, `"columns" is missing or not an object: ${schema}`);
  }
  const entries = Object.entries(columns as Record<string, unknown>);
  if (entries.length === 0) throw new VertexFieldFileError(source, {}, '"columns" has no columns');
  let nVertices = vertices as number | undefined;
  const out = new Map<string, Float64Array>();
  for (const [name, array] of entries) {
    if (!Array.isArray(array)) {
      throw new VertexFieldFileError(
        source,
        { column: name },
        `expected an array of numbers, got ${kindOf(array)}`,
      );
    }
    if (nVertices === undefined) nVertices = array.length;
    if (array.length !== nVertices) {
      throw new VertexFieldFileError(
        source,
        { column: name },
        `${array.length} values, but ${vertices === undefined ? `the first column has ${nVertices}` : `"vertices" is ${nVertices}`}`,
      );
    }
    const column = new Float64Array(array.length);
    array.forEach((x, vertex) => {
      if (x === null) column[vertex] = Number.NaN;
      else if (typeof x === "number") column[vertex] = x;
      else {
        throw new VertexFieldFileError(
          source,
          { column: name, vertex },
          `expected a number, got ${kindOf(x)}`,
        );
      }
    });
    out.set(name, column);
  }
  checkCount(nVertices!, options.count, source, "values per column");
  return { source, nVertices: nVertices!, columns: out };
}

/**
 * CSV text of columns (all of the same length), header first; numbers written so that they read
 * back as the same float64 (NaN and ±∞ as `nan`, `inf`, `-inf`). Names with commas, quotes or
 * surrounding spaces are quoted.
 */
export function formatVertexFieldsCsv(columns: ReadonlyMap<string, ArrayLike<number>>): string {
  const { names, arrays, nVertices } = checkColumns(columns, "formatVertexFieldsCsv");
  const quote = (name: string) => (/[",\r\n]|^\s|\s$/.test(name) ? `"${name.replaceAll('"', '""')}"` : name);
  const lines = [names.map(quote).join(",")];
  for (let v = 0; v < nVertices; v++) lines.push(arrays.map((a) => csvText(a[v])).join(","));
  return `${lines.join("\n")}\n`;
}

/** A `.fields.json` file's text for columns (all of the same length); NaN and ±∞ cannot be written in JSON and are refused. */
export function formatVertexFieldsJson(columns: ReadonlyMap<string, ArrayLike<number>>): string {
  const { names, arrays, nVertices } = checkColumns(columns, "formatVertexFieldsJson");
  const body = names.map((name, i) => {
    const values = Array.from(arrays[i], (x, v) => {
      if (!Number.isFinite(x)) {
        throw new RangeError(
          `formatVertexFieldsJson: column ${JSON.stringify(name)} has ${x} at vertex ${v}; JSON holds finite numbers only`,
        );
      }
      return formatNumber(x);
    });
    return `    ${JSON.stringify(name)}: [${values.join(", ")}]`;
  });
  return `{\n  "vertices": ${nVertices},\n  "columns": {\n${body.join(",\n")}\n  }\n}\n`;
}

function checkColumns(columns: ReadonlyMap<string, ArrayLike<number>>, caller: string) {
  const names = [...columns.keys()];
  const arrays = [...columns.values()];
  if (names.length === 0) throw new RangeError(`${caller}: no columns to write`);
  const nVertices = arrays[0].length;
  names.forEach((name, i) => {
    if (name === "") throw new RangeError(`${caller}: a column has an empty name`);
    if (arrays[i].length !== nVertices) {
      throw new RangeError(
        `${caller}: column ${JSON.stringify(name)} has ${arrays[i].length} values, the first has ${nVertices}`,
      );
    }
  });
  return { names, arrays, nVertices };
}

function csvText(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  return formatNumber(x);
}

function checkCount(found: number, expected: number | undefined, source: string, what: string): void {
  if (expected !== undefined && found !== expected) {
    throw new VertexFieldFileError(
      source,
      {},
      `${found} ${what} for a mesh of ${expected} vertices; the file holds one value per vertex, in the mesh's vertex order`,
    );
  }
}

function isNumber(text: string): boolean {
  return DECIMAL.test(text) || text.toLowerCase() in NON_FINITE;
}

function csvNumber(text: string, source: string, location: VertexFieldLocation): number {
  if (DECIMAL.test(text)) return Number(text);
  const special = NON_FINITE[text.toLowerCase()];
  if (special !== undefined) return special;
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  throw new VertexFieldFileError(
    source,
    location,
    text === "" ? "the value is empty" : `${JSON.stringify(shown)} is not a number`,
  );
}

interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

/**
 * The rows of CSV text, each with the line it starts on; blank lines skipped, unquoted fields
 * trimmed. Written by hand: npm's CSV parsers need Node's `Buffer` (csv-parse) or bring a copy
 * of it for the browser, and numeric columns need only RFC 4180's quoting.
 */
function csvRows(text: string, source: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const n = text.length;
  const isSpace = (c: string) => c === " " || c === "\t";
  const isEnd = (c: string) => c === "," || c === "\n" || c === "\r";
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      while (i < n && isSpace(text[i])) i++;
      let value: string;
      if (text[i] === '"') {
        blank = false;
        i++;
        value = "";
        for (;;) {
          if (i >= n) {
            throw new VertexFieldFileError(
              source,
              { line: rowLine },
              "a quoted field is not closed before the end of the file",
            );
          }
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] !== '"') break;
            value += '"';
            i += 2;
            continue;
          }
          if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
          value += c;
          i++;
        }
        i++;
        while (i < n && isSpace(text[i])) i++;
        if (i < n && !isEnd(text[i])) {
          throw new VertexFieldFileError(
            source,
            { line },
            `unexpected ${JSON.stringify(text[i])} after a closing quote`,
          );
        }
      } else {
        const start = i;
        while (i < n && !isEnd(text[i])) {
          if (text[i] === '"') {
            throw new VertexFieldFileError(
              source,
              { line },
              "a quote inside an unquoted field (quote the whole field)",
            );
          }
          i++;
        }
        value = text.slice(start, i).trim();
        if (value !== "") blank = false;
      }
      fields.push(value);
      if (text[i] !== ",") break;
      blank = false;
      i++;
    }
    if (i < n) {
      i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
    }
    if (!blank) rows.push({ line: rowLine, fields });
  }
  return rows;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
