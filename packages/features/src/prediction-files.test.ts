import { randomField } from "@gemcnn/gauge";
import {
  bumpySphere,
  formatVertexFieldsCsv,
  formatVertexFieldsJson,
  frameCoefficientsToAmbient,
  MeshGeometry,
  type PlyFormat,
  parsePlyVertexProperties,
  parseVertexFieldsCsv,
  parseVertexFieldsJson,
  tangentFrames,
  type VertexColumns,
  writePlyWithVertexProperties,
} from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  type FieldDeclaration,
  namedFieldTypeOf,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "./user-fields.js";

// A regressor's prediction (a packed field in the vertex frames) written for other tools: as
// ambient vectors in PLY vertex properties, CSV and .fields.json, and read back as the same field.

const data = bumpySphere({ level: 2, seed: 4 });
const geometry = MeshGeometry.fromData(data, { source: "bumpy" });
const frames = tangentFrames(geometry);
const n = geometry.nVertices;
const declarations: FieldDeclaration[] = [
  { name: "pressure", kind: "scalar" },
  { name: "wind", kind: "vector" },
  { name: "stripes", kind: "direction", order: 2, magnitude: "stripes_strength" },
];
const type = namedFieldTypeOf(declarations);
const predicted = randomField(type.type, n, 9, "float32") as Float32Array;

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe("predicted fields written for other tools", () => {
  const columns = vertexFieldsToColumns(type, predicted, frames, declarations);

  it("are ambient vectors in the mesh's coordinates", () => {
    expect([...columns.keys()]).toEqual([
      "pressure",
      "wind_x",
      "wind_y",
      "wind_z",
      "stripes_x",
      "stripes_y",
      "stripes_z",
      "stripes_strength",
    ]);
    const wind = type.copy("wind");
    const coefficients = Float64Array.from(
      { length: 2 * n },
      (_, i) => predicted[(i >> 1) * type.dim + wind.offset + (i & 1)],
    );
    const ambient = frameCoefficientsToAmbient(frames, coefficients);
    for (const [k, axis] of ["x", "y", "z"].entries()) {
      const column = columns.get(`wind_${axis}`)!;
      expect(
        largestDifference(
          column,
          Float64Array.from({ length: n }, (_, v) => ambient[3 * v + k]),
        ),
      ).toBe(0);
    }
  });

  const readers: [string, () => VertexColumns][] = [
    ...(["binary_little_endian", "binary_big_endian", "ascii"] as PlyFormat[]).map(
      (format): [string, () => VertexColumns] => [
        `PLY (${format})`,
        () => parsePlyVertexProperties(writePlyWithVertexProperties(data, columns, format), "p.ply").columns,
      ],
    ),
    ["CSV", () => parseVertexFieldsCsv(formatVertexFieldsCsv(columns), { source: "p.csv", count: n })],
    [
      "JSON",
      () => parseVertexFieldsJson(formatVertexFieldsJson(columns), { source: "p.fields.json", count: n }),
    ],
  ];
  for (const [format, read] of readers) {
    it(`round-trip through ${format}: the same columns exactly, and the same field`, () => {
      const back = read();
      expect(back.nVertices).toBe(n);
      for (const [name, values] of columns)
        expect(largestDifference(back.columns.get(name)!, values), name).toBe(0);
      // Read as a field again: the frames' coefficients of the prediction, to float64 rounding of
      // the ambient conversion and back (the values are float32 predictions of order 1).
      const again = vertexFieldsFromColumns(back, declarations, frames, { onNormalComponent: "error" });
      expect(again.type.equals(type)).toBe(true);
      expect(largestDifference(again.values, predicted)).toBeLessThan(1e-12);
    });
  }
});
