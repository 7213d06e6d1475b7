// A regression model's two ends: the packed input (geometric features and the user's input
// fields in one canonical field type) and the scaling of the target fields it learns.
// Run: pnpm --filter @gemcnn/features example:regression
import assert from "node:assert/strict";
import {
  computeFeatures,
  DEFAULT_FEATURE_OPTIONS,
  fitTargetScaling,
  networkInput,
  parseTargetScaling,
  prepareMesh,
  scaleTarget,
  unscaleTarget,
  vertexFieldsFromColumns,
} from "@gemcnn/features";
import { sphericalWindSample, type VertexColumns } from "@gemcnn/geometry";

export function regressionExample() {
  // Input: the pressure on a 642-vertex sphere and two cheap geometric scalars; target: the wind.
  const sample = sphericalWindSample("cyclone", 1);
  const n = sample.mesh.positions.length / 3;
  const axis = (k: number) => Float64Array.from({ length: n }, (_, v) => sample.wind[3 * v + k]);
  const columns: VertexColumns = {
    source: "storm.fields.json",
    nVertices: n,
    columns: new Map([
      ["pressure", sample.pressure],
      ["wind_x", axis(0)],
      ["wind_y", axis(1)],
      ["wind_z", axis(2)],
    ]),
  };
  const mesh = prepareMesh(sample.mesh, "storm.ply");
  const features = computeFeatures(mesh, { ...DEFAULT_FEATURE_OPTIONS, kinds: ["ones", "angle-defect"] });
  const pressure = vertexFieldsFromColumns(columns, [{ name: "pressure", kind: "scalar" }], mesh.frames);
  const input = networkInput(features, pressure, "storm.ply");
  console.log(`input ${input.fieldType}: ${input.channels.join(", ")}`); // 3x0: ones, angle-defect, pressure

  // The target, scaled as the network learns it (one factor on the vector: no shift, no rotation).
  const wind = vertexFieldsFromColumns(columns, [{ name: "wind", kind: "vector" }], mesh.frames);
  const scaling = fitTargetScaling([wind.values], wind.type);
  const learned = scaleTarget(wind.values, scaling);
  // gemcnn.json stores the scaling as JSON; a prediction goes back through the inverse.
  const stored = parseTargetScaling(JSON.parse(JSON.stringify(scaling)), "gemcnn.json target");
  const back = unscaleTarget(learned, stored);
  assert.ok(back.every((x, i) => Math.abs(x - wind.values[i]) < 1e-12));
  return { input, scaling };
}

if (process.argv[1]?.endsWith("regression.ts")) regressionExample();
