// A user's own fields as a network's input: a dataset's declaration says which columns of a
// field file are scalars, tangent vectors or line fields; the result is a packed field in the
// vertex frames, with its named type. Run: pnpm --filter @gemcnn/features example:fields
import assert from "node:assert/strict";
import {
  parseFieldDeclarations,
  prepareMesh,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "@gemcnn/features";
import {
  formatVertexFieldsJson,
  parsePlyVertexProperties,
  parseVertexFieldsJson,
  sphericalWindSample,
  VertexFieldFileError,
  writePlyWithVertexProperties,
} from "@gemcnn/geometry";

export function userFieldsExample() {
  // Weather on a 642-vertex sphere, written as a <name>.fields.json file beside the mesh.
  const sample = sphericalWindSample("cyclone-pair", 3);
  const n = sample.mesh.positions.length / 3;
  const axis = (k: number) => Float64Array.from({ length: n }, (_, v) => sample.wind[3 * v + k]);
  const file = formatVertexFieldsJson(
    new Map([
      ["pressure", sample.pressure],
      ["u", axis(0)],
      ["v", axis(1)],
      ["w", axis(2)],
    ]),
  );

  // The dataset's declaration: which columns make which field.
  const declarations = parseFieldDeclarations([
    { name: "pressure", kind: "scalar" },
    { name: "wind", kind: "vector", columns: ["u", "v", "w"] },
    { name: "streamline", kind: "direction", order: 2, columns: ["u", "v", "w"] },
  ]);
  const columns = parseVertexFieldsJson(file, { source: "storm.fields.json", count: n });
  const mesh = prepareMesh(sample.mesh, "storm.ply"); // centred and scaled: directions unchanged
  const fields = vertexFieldsFromColumns(columns, declarations, mesh.frames);
  console.log(`${fields.type}: ${fields.type.dim} numbers per vertex`); // pressure:0+wind:1+streamline:2
  assert.equal(fields.type.type.toString(), "1x0+1x1+1x2"); // a model's inputType
  assert.equal(fields.values.length, n * fields.type.dim);

  // Back to the mesh's coordinates, e.g. a prediction written as PLY vertex properties.
  const out = vertexFieldsToColumns(fields.type, fields.values, mesh.frames, declarations.slice(0, 2));
  const ply = parsePlyVertexProperties(writePlyWithVertexProperties(sample.mesh, out), "storm.ply");
  assert.deepEqual([...ply.columns.columns.keys()], ["x", "y", "z", "pressure", "u", "v", "w"]);

  // A missing column names the file, the column and the field that reads it.
  assert.throws(
    () => vertexFieldsFromColumns(columns, [{ name: "gust", kind: "vector" }], mesh.frames),
    (e) => e instanceof VertexFieldFileError && e.column === "gust_x",
  );
  return fields;
}

if (process.argv[1]?.endsWith("user-fields.ts")) userFieldsExample();
