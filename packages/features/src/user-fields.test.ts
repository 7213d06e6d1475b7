import { FieldType } from "@gemcnn/gauge";
import {
  ambientToFrameCoefficients,
  bunny,
  formatVertexFieldsCsv,
  MeshGeometry,
  mulberry32,
  parseVertexFieldsCsv,
  randomGauge,
  rotateFrames,
  type TangentFrames,
  tangentFrames,
  type VertexColumns,
  VertexFieldFileError,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  type FieldDeclaration,
  FieldDeclarationError,
  namedFieldTypeOf,
  parseFieldDeclarations,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "./user-fields.js";

const geometry = MeshGeometry.fromData(bunny(), { source: "bunny" });
const frames = tangentFrames(geometry);
const nVertices = geometry.nVertices;

/** Random tangent vectors `a e1 + b e2`, 3 per vertex. */
function tangentVectors(f: TangentFrames, seed: number): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(3 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    const a = 2 * random() - 1;
    const b = 2 * random() - 1;
    for (let k = 0; k < 3; k++) out[3 * v + k] = a * f.e1[3 * v + k] + b * f.e2[3 * v + k];
  }
  return out;
}

function columnsOf(map: Map<string, Float64Array>, source = "bunny.fields.json"): VertexColumns {
  return { source, nVertices, columns: map };
}

/** A file with a pressure, a temperature, a wind vector and a stress direction with its magnitude. */
function sampleColumns(): Map<string, Float64Array> {
  const random = mulberry32(1);
  const wind = tangentVectors(frames, 2);
  const stress = tangentVectors(frames, 3);
  const map = new Map<string, Float64Array>();
  map.set(
    "p",
    Float64Array.from({ length: nVertices }, () => random()),
  );
  map.set(
    "temperature",
    Float64Array.from({ length: nVertices }, () => 280 + 20 * random()),
  );
  ["x", "y", "z"].forEach((axis, k) => {
    map.set(
      `wind_${axis}`,
      Float64Array.from({ length: nVertices }, (_, v) => wind[3 * v + k]),
    );
    map.set(
      `s${axis}`,
      Float64Array.from({ length: nVertices }, (_, v) => stress[3 * v + k]),
    );
  });
  map.set(
    "s_mag",
    Float64Array.from({ length: nVertices }, () => random()),
  );
  return map;
}

const declarations: FieldDeclaration[] = [
  { name: "wind", kind: "vector" },
  { name: "pressure", kind: "scalar", column: "p" },
  { name: "stress", kind: "direction", columns: ["sx", "sy", "sz"], magnitude: "s_mag" },
  { name: "temperature", kind: "scalar" },
];

function ambientOf(map: Map<string, Float64Array>, names: string[]): Float64Array {
  const out = new Float64Array(3 * nVertices);
  for (let v = 0; v < nVertices; v++) for (let k = 0; k < 3; k++) out[3 * v + k] = map.get(names[k])![v];
  return out;
}

describe("vertexFieldsFromColumns", () => {
  it("packs the declared copies canonically: scalars as they are, vectors and directions in the frames", () => {
    const map = sampleColumns();
    const fields = vertexFieldsFromColumns(columnsOf(map), declarations, frames);
    expect(fields.type.toString()).toBe("pressure:0+temperature:0+wind:1+stress:2");
    expect(fields.type.type.toString()).toBe("2x0+1x1+1x2");
    expect(fields.notes).toEqual([]);
    expect(fields.reports.get("wind")!.vertices.length).toBe(0);
    const dim = fields.type.dim;
    const wind = ambientToFrameCoefficients(
      frames,
      ambientOf(map, ["wind_x", "wind_y", "wind_z"]),
    ).coefficients;
    // Expected rows, written out: p, temperature, the wind's (v·e1, v·e2), the stress's
    // m (cos 2θ, sin 2θ) with m from its column.
    const expected = new Float64Array(nVertices * dim);
    for (let v = 0; v < nVertices; v++) {
      const [a, b] = coefficientsOf(map, ["sx", "sy", "sz"], v);
      const angle = 2 * Math.atan2(b, a);
      const m = map.get("s_mag")![v];
      expected.set(
        [
          map.get("p")![v],
          map.get("temperature")![v],
          wind[2 * v],
          wind[2 * v + 1],
          m * Math.cos(angle),
          m * Math.sin(angle),
        ],
        v * dim,
      );
    }
    expect(largestDifference(fields.values, expected)).toBeLessThan(1e-12);
  });

  it("is gauge equivariant: frames turned by φ give ρ(−φ) of the field (and not ρ(+φ))", () => {
    const map = sampleColumns();
    const phi = randomGauge(nVertices, 5);
    const before = vertexFieldsFromColumns(columnsOf(map), declarations, frames);
    const after = vertexFieldsFromColumns(columnsOf(map), declarations, rotateFrames(frames, phi));
    const type = before.type.type;
    const expected = type.changeGauge(before.values, phi);
    const wrong = type.actOnField(before.values, phi);
    let error = 0;
    let control = 0;
    for (let i = 0; i < expected.length; i++) {
      error = Math.max(error, Math.abs(after.values[i] - expected[i]));
      control = Math.max(control, Math.abs(after.values[i] - wrong[i]));
    }
    expect(error).toBeLessThan(1e-12);
    expect(control).toBeGreaterThan(0.1);
  });

  it("round-trips through vertexFieldsToColumns: vectors and magnitudes exactly, line directions up to sign", () => {
    const map = sampleColumns();
    const fields = vertexFieldsFromColumns(columnsOf(map), declarations, frames);
    const back = vertexFieldsToColumns(fields.type, fields.values, frames, declarations);
    expect([...back.keys()].sort()).toEqual([...map.keys()].sort());
    for (const name of ["p", "temperature", "s_mag", "wind_x", "wind_y", "wind_z"]) {
      expect(largestDifference(back.get(name)!, map.get(name)!), name).toBeLessThan(1e-12);
    }
    const d = ambientOf(map, ["sx", "sy", "sz"]);
    const dBack = ambientOf(back, ["sx", "sy", "sz"]);
    let worst = 0;
    for (let v = 0; v < nVertices; v++) {
      const length = Math.hypot(d[3 * v], d[3 * v + 1], d[3 * v + 2]);
      const dot =
        (d[3 * v] * dBack[3 * v] + d[3 * v + 1] * dBack[3 * v + 1] + d[3 * v + 2] * dBack[3 * v + 2]) /
        length;
      worst = Math.max(worst, Math.abs(Math.abs(dot) - 1));
    }
    expect(worst).toBeLessThan(1e-12);
    // And the columns read back as the same field.
    const again = vertexFieldsFromColumns(columnsOf(back), declarations, frames);
    expect(largestDifference(again.values, fields.values)).toBeLessThan(1e-12);
  });

  it("reads a CSV file end to end, naming the file, line, column and vertex of bad values", () => {
    const map = sampleColumns();
    const text = formatVertexFieldsCsv(map);
    const csv = parseVertexFieldsCsv(text, { source: "bunny.csv", count: nVertices });
    const fields = vertexFieldsFromColumns(csv, declarations, frames);
    expect(fields.values).toEqual(vertexFieldsFromColumns(columnsOf(map), declarations, frames).values);
    // A NaN in a used column at vertex 41, the file's line 43 (the header is line 1).
    const bad = new Map(map);
    bad.set("wind_y", map.get("wind_y")!.slice());
    bad.get("wind_y")![41] = Number.NaN;
    const badCsv = parseVertexFieldsCsv(formatVertexFieldsCsv(bad), { source: "bunny.csv" });
    expect(() => vertexFieldsFromColumns(badCsv, declarations, frames)).toThrowError(
      'bunny.csv, line 43, column "wind_y", vertex 41: the value is NaN, not a finite number',
    );
    // NaN in a column no declaration reads is no problem.
    expect(() =>
      vertexFieldsFromColumns(
        badCsv,
        declarations.filter((d) => d.name !== "wind"),
        frames,
      ),
    ).not.toThrow();
  });

  it("names a missing column with those the file has, and a wrong vertex count", () => {
    const map = sampleColumns();
    map.delete("sz");
    expect(() => vertexFieldsFromColumns(columnsOf(map), declarations, frames)).toThrowError(
      /^bunny\.fields\.json, column "sz": no such column, which field "stress" \(direction\) reads; the file has "p", "temperature", "wind_x", "sx", "wind_y", "sy", "wind_z", "s_mag"$/,
    );
    const short = { source: "short.csv", nVertices: 10, columns: new Map([["p", new Float64Array(10)]]) };
    expect(() => vertexFieldsFromColumns(short, [{ name: "p", kind: "scalar" }], frames)).toThrowError(
      `short.csv: 10 vertices in the file for a mesh of ${nVertices} vertices`,
    );
  });

  it("refuses vectors far from the tangent plane by default, and reports them with onNormalComponent: report", () => {
    const map = sampleColumns();
    for (const axis of ["x", "y", "z"]) map.set(`wind_${axis}`, map.get(`wind_${axis}`)!.slice());
    // Vertex 100's wind gets a normal part of 0.5 of its length.
    const v = 100;
    const t = Math.hypot(map.get("wind_x")![v], map.get("wind_y")![v], map.get("wind_z")![v]);
    const h = (t * 0.5) / Math.sqrt(0.75);
    ["x", "y", "z"].forEach((axis, k) => {
      map.get(`wind_${axis}`)![v] += h * frames.n[3 * v + k];
    });
    let error: unknown;
    try {
      vertexFieldsFromColumns(columnsOf(map), declarations, frames);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VertexFieldFileError);
    const e = error as VertexFieldFileError;
    expect(e.vertex).toBe(100);
    expect(e.message).toMatch(
      /^bunny\.fields\.json, vertex 100: field "wind" \(columns wind_x, wind_y, wind_z\): 1 of 1839 vectors leave the tangent plane by more than 0\.1 of their length \(\|v·n\|\/\|v\| up to 0\.500 at vertex 100; .*are they in the mesh's coordinates\?/,
    );
    const reported = vertexFieldsFromColumns(columnsOf(map), declarations, frames, {
      onNormalComponent: "report",
    });
    expect(Array.from(reported.reports.get("wind")!.vertices)).toEqual([100]);
    expect(reported.notes).toHaveLength(1);
    expect(reported.notes[0]).toMatch(
      /^bunny\.fields\.json: field "wind" .* 1 of 1839 vectors leave the tangent plane/,
    );
    // A tolerance above 0.5 accepts it.
    expect(() =>
      vertexFieldsFromColumns(columnsOf(map), declarations, frames, { normalTolerance: 0.6 }),
    ).not.toThrow();
  });

  it("refuses negative magnitudes and magnitudes without a direction", () => {
    const map = sampleColumns();
    map.set("s_mag", map.get("s_mag")!.slice());
    map.get("s_mag")![7] = -0.5;
    expect(() => vertexFieldsFromColumns(columnsOf(map), declarations, frames)).toThrowError(
      /^bunny\.fields\.json, column "s_mag", vertex 7: magnitude -0\.5 of field "stress" is negative/,
    );
    map.get("s_mag")![7] = 0.5;
    for (const axis of ["sx", "sy", "sz"]) {
      map.set(axis, map.get(axis)!.slice());
      map.get(axis)![9] = 0;
    }
    expect(() => vertexFieldsFromColumns(columnsOf(map), declarations, frames)).toThrowError(
      /^bunny\.fields\.json, vertex 9: field "stress" .*: vertex 9 has magnitude 0\.\d+ but no tangent direction/,
    );
  });
});

describe("declarations", () => {
  it("parse from JSON, with defaults for columns and the direction's order", () => {
    const parsed = parseFieldDeclarations(JSON.parse(JSON.stringify(declarations)));
    expect(parsed).toEqual(declarations);
    expect(namedFieldTypeOf(parsed).type.equals(FieldType.parse("2x0+1x1+1x2"))).toBe(true);
    expect(namedFieldTypeOf([{ name: "cross", kind: "direction", order: 4 }]).type.toString()).toBe("1x4");
  });

  it("say which entry is wrong", () => {
    const cases: [unknown, RegExp][] = [
      [[], /expected a non-empty array/],
      [[{ kind: "scalar" }], /entry 0: "name" must be a non-empty string/],
      [
        [{ name: "p", kind: "tensor" }],
        /entry 0 \("p"\): "kind" must be one of scalar, vector, direction, got "tensor"/,
      ],
      [[{ name: "p", kind: "scalar", columns: ["a", "b", "c"] }], /a scalar field has no "columns"/],
      [[{ name: "w", kind: "vector", columns: ["a", "b"] }], /"columns" must be three column names/],
      [[{ name: "w", kind: "vector", order: 2 }], /a vector field has no "order"/],
      [[{ name: "d", kind: "direction", order: 0 }], /"order" must be a whole number ≥ 1, got 0/],
      [[{ name: "d", kind: "direction", colour: 1 }], /unknown key "colour"/],
      [
        [
          { name: "p", kind: "scalar" },
          { name: "p", kind: "vector" },
        ],
        /the name "p" is used twice/,
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parseFieldDeclarations(value, "dataset.json"), JSON.stringify(value)).toThrowError(
        message,
      );
      expect(() => parseFieldDeclarations(value, "dataset.json")).toThrowError(FieldDeclarationError);
    }
  });
});

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function coefficientsOf(map: Map<string, Float64Array>, names: string[], v: number): number[] {
  const d = names.map((n) => map.get(n)![v]);
  const a = d[0] * frames.e1[3 * v] + d[1] * frames.e1[3 * v + 1] + d[2] * frames.e1[3 * v + 2];
  const b = d[0] * frames.e2[3 * v] + d[1] * frames.e2[3 * v + 1] + d[2] * frames.e2[3 * v + 2];
  return [a, b];
}
