import { type VertexColumns, VertexFieldFileError, writePlyWithVertexProperties } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { declareFields, isFieldFileName, predictionPairs, readFieldColumns } from "./field-file.js";

const columns = (names: string[], n = 2): VertexColumns => ({
  source: "f.csv",
  nVertices: n,
  columns: new Map(names.map((name) => [name, new Float64Array(n)])),
});
const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe("declaring a file's fields", () => {
  test("x, y, z triples are vectors (or line fields on request), other columns scalars", () => {
    const file = columns(["p", "wind_x", "wind_y", "wind_z", "flow_x", "flow_y", "flow_z", "q"]);
    expect(declareFields(file)).toEqual([
      { name: "p", kind: "scalar", column: "p" },
      { name: "wind", kind: "vector", columns: ["wind_x", "wind_y", "wind_z"] },
      { name: "flow", kind: "vector", columns: ["flow_x", "flow_y", "flow_z"] },
      { name: "q", kind: "scalar", column: "q" },
    ]);
    expect(declareFields(file, new Map([["flow", "line"]]))[2]).toEqual({
      name: "flow",
      kind: "direction",
      order: 2,
      columns: ["flow_x", "flow_y", "flow_z"],
    });
  });

  test("an incomplete triple, or one whose name is also a column, stays scalars", () => {
    expect(declareFields(columns(["a_x", "a_y"])).map((d) => d.kind)).toEqual(["scalar", "scalar"]);
    expect(declareFields(columns(["b", "b_x", "b_y", "b_z"])).map((d) => d.kind)).toEqual([
      "scalar",
      "scalar",
      "scalar",
      "scalar",
    ]);
  });

  test("a field pairs with <name>_pred (or _prediction, _predicted) of the same order only", () => {
    const orders = new Map([
      ["wind", 1],
      ["wind_pred", 1],
      ["p", 0],
      ["p_prediction", 0],
      ["q", 0],
      ["q_pred", 1],
      ["_pred", 0],
    ]);
    expect(predictionPairs(orders)).toEqual([
      { truth: "wind", prediction: "wind_pred" },
      { truth: "p", prediction: "p_prediction" },
    ]);
  });
});

describe("reading field files", () => {
  test("CSV and .fields.json through geometry's readers, with the mesh's vertex count checked", () => {
    expect(isFieldFileName("a.CSV") && isFieldFileName("b.fields.json") && !isFieldFileName("c.json")).toBe(
      true,
    );
    const csv = readFieldColumns("w.csv", bytes("p,q\n1,2\n3,4\n"), 2);
    expect([...csv.columns.keys()]).toEqual(["p", "q"]);
    expect(() => readFieldColumns("w.csv", bytes("p,q\n1,2\n"), 2)).toThrow(
      /^w\.csv: 1 rows? .*for a mesh of 2 vertices/,
    );
    const json = readFieldColumns("w.fields.json", bytes('{"columns":{"p":[1,2]}}'), 2);
    expect(Array.from(json.columns.get("p")!)).toEqual([1, 2]);
    expect(() => readFieldColumns("w.fields.json", bytes('{"columns":{"p":[1]}}'), 2)).toThrow(
      VertexFieldFileError,
    );
  });

  test("a PLY file's vertex properties, without positions, normals and colours", () => {
    const mesh = {
      positions: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0),
      triangles: Uint32Array.of(0, 1, 2),
    };
    const ply = writePlyWithVertexProperties(
      mesh,
      new Map([
        ["nx", [0, 0, 0]],
        ["heat", [1, 2, 3]],
      ]),
    );
    const read = readFieldColumns("m.ply", ply.slice().buffer as ArrayBuffer, 3);
    expect([...read.columns.keys()]).toEqual(["heat"]);
    expect(Array.from(read.columns.get("heat")!)).toEqual([1, 2, 3]);
  });
});
