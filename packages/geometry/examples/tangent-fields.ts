import assert from "node:assert/strict";
import {
  ambientToFrameCoefficients,
  directionsToFrameCoefficients,
  formatVertexFieldsCsv,
  frameCoefficientsToAmbient,
  MeshGeometry,
  parseVertexFieldsCsv,
  randomGauge,
  rotateFrames,
  sphericalWindSample,
  TangentFieldError,
  tangentFrames,
  VertexFieldFileError,
} from "@gemcnn/geometry";

// Synthetic wind on a 642-vertex icosphere (a cyclone at a random rotation, tangent noise 0.1),
// written as another tool would: a CSV file with a header row, one row per vertex.
const sample = sphericalWindSample("cyclone", 1);
const geometry = MeshGeometry.fromData(sample.mesh);
const n = geometry.nVertices;
const axis = (k: number) => Float64Array.from({ length: n }, (_, v) => sample.wind[3 * v + k]);
const text = formatVertexFieldsCsv(
  new Map([
    ["pressure", sample.pressure],
    ["u", axis(0)],
    ["v", axis(1)],
    ["w", axis(2)],
  ]),
);

// Read it back for this mesh; the count is checked, every problem names file, line and column.
const { columns } = parseVertexFieldsCsv(text, { source: "cyclone.csv", count: n });
const wind = new Float64Array(3 * n);
const [u, v, w] = ["u", "v", "w"].map((name) => columns.get(name)!);
for (let i = 0; i < n; i++) wind.set([u[i], v[i], w[i]], 3 * i);

// Order-1 coefficients (v·e1, v·e2) in the vertex frames; the normal part is dropped and reported.
const frames = tangentFrames(geometry);
const { coefficients, report } = ambientToFrameCoefficients(frames, wind, { name: "wind" });
assert.equal(report.vertices.length, 0); // none beyond 0.1 of its length
assert.ok(report.maxFraction < 0.01); // the mesh's normals are within 0.3° of the sphere's

// Back in the mesh's coordinates: the wind's tangent part.
const tangent = frameCoefficientsToAmbient(frames, coefficients);
assert.ok(Math.abs(tangent[0] - wind[0]) < 0.01 * Math.hypot(wind[0], wind[1], wind[2]) + 1e-12);

// A gauge change φ turns the coefficients by ρ_1(−φ): coefficient angle θ' = θ − φ.
const phi = randomGauge(n, 2);
const turned = ambientToFrameCoefficients(rotateFrames(frames, phi), wind).coefficients;
const angle = (c: Float64Array, v: number) => Math.atan2(c[2 * v + 1], c[2 * v]);
const difference = angle(turned, 5) - angle(coefficients, 5) + phi[5];
const change = Math.atan2(Math.sin(difference), Math.cos(difference)); // wrapped to (−π, π]
assert.ok(Math.abs(change) < 1e-12);

// A line field (order 2): d and −d give the same coefficients (m cos 2θ, m sin 2θ).
const line = directionsToFrameCoefficients(frames, wind, 2).coefficients;
const flipped = directionsToFrameCoefficients(
  frames,
  wind.map((x) => -x),
  2,
).coefficients;
assert.ok(line.every((x, i) => Math.abs(x - flipped[i]) < 1e-12));

// Vectors far out of the tangent plane: reported, or refused when asked.
const normal = geometry.vertexNormals;
assert.equal(ambientToFrameCoefficients(frames, normal).report.vertices.length, n);
assert.throws(
  () => ambientToFrameCoefficients(frames, normal, { onNormalComponent: "error" }),
  TangentFieldError,
);
assert.throws(() => parseVertexFieldsCsv("u,v\n1,2\n", { source: "x.csv", count: n }), VertexFieldFileError);
console.log("ok");
