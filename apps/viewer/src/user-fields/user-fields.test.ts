import { FieldType, NamedFieldType, SeededRandom } from "@gemcnn/gauge";
import { icosphere, MeshGeometry, rotateFrames, tangentFrames, type VertexColumns } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { type DrawableField, fieldErrors, summarizeErrors, UserFieldFile } from "./user-fields.js";

const vector = (name: string, coefficients: number[]): DrawableField => ({
  name,
  order: 1,
  field: { order: 1, coefficients: Float64Array.from(coefficients) },
});
const line = (name: string, coefficients: number[]): DrawableField => ({
  name,
  order: 2,
  field: { order: 2, coefficients: Float64Array.from(coefficients) },
});
const angle = (deg: number, n = 1) => [
  Math.cos((n * deg * Math.PI) / 180),
  Math.sin((n * deg * Math.PI) / 180),
];

describe("prediction errors", () => {
  test("scalars: prediction minus truth; RMSE summary", () => {
    const errors = fieldErrors(
      { name: "p", order: 0, values: Float64Array.of(1, 2, 3) },
      { name: "p_pred", order: 0, values: Float64Array.of(1, 4, 0) },
    );
    expect(Array.from(errors)).toEqual([0, 2, -3]);
    expect(summarizeErrors(errors, 0)).toBe(`RMSE ${Math.sqrt(13 / 3).toPrecision(3)} over 3 vertices`);
  });

  test("vectors: the angle between them in degrees, NaN where one is zero", () => {
    const truth = vector("w", [...angle(10), ...angle(0), 1, 0, ...angle(170)]);
    const predicted = vector("w_pred", [
      ...angle(100).map((x) => 3 * x),
      ...angle(180),
      0,
      0,
      ...angle(-170),
    ]);
    const errors = fieldErrors(truth, predicted);
    expect(errors[0]).toBeCloseTo(90, 10);
    expect(errors[1]).toBeCloseTo(180, 10);
    expect(errors[2]).toBeNaN();
    expect(errors[3]).toBeCloseTo(20, 10);
  });

  test("line fields: a direction and its opposite agree; at most 90° apart", () => {
    const truth = line("d", [...angle(0, 2), ...angle(0, 2), ...angle(30, 2)]);
    const predicted = line("d_pred", [...angle(180, 2), ...angle(90, 2), ...angle(-30, 2)]);
    const errors = fieldErrors(truth, predicted);
    expect(errors[0]).toBeCloseTo(0, 10);
    expect(errors[1]).toBeCloseTo(90, 10);
    expect(errors[2]).toBeCloseTo(60, 10);
  });

  test("errors do not change when the gauge does (both fields turned), but do when one is left behind", () => {
    const random = new SeededRandom(3);
    const n = 50;
    for (const order of [1, 2] as const) {
      const a = Float64Array.from({ length: 2 * n }, () => random.uniform(-1, 1));
      const b = Float64Array.from({ length: 2 * n }, () => random.uniform(-1, 1));
      const phi = Float64Array.from({ length: n }, () => random.uniform(-Math.PI, Math.PI));
      const type = FieldType.irreps(order, 1);
      const make = (c: Float64Array, name: string): DrawableField => ({
        name,
        order,
        field: { order, coefficients: c },
      });
      const before = fieldErrors(make(a, "t"), make(b, "p"));
      const after = fieldErrors(make(type.changeGauge(a, phi), "t"), make(type.changeGauge(b, phi), "p"));
      let max = 0;
      for (let v = 0; v < n; v++) max = Math.max(max, Math.abs(after[v] - before[v]));
      expect(max).toBeLessThan(1e-9);
      const broken = fieldErrors(make(type.changeGauge(a, phi), "t"), make(b, "p"));
      let moved = 0;
      for (let v = 0; v < n; v++) moved = Math.max(moved, Math.abs(broken[v] - before[v]));
      expect(moved).toBeGreaterThan(1);
    }
  });
});

describe("UserFieldFile", () => {
  const data = icosphere(1);
  const geometry = MeshGeometry.fromData(data);
  const frames = tangentFrames(geometry);
  const n = geometry.nVertices;
  const p = data.positions;
  /** A tangent field on the sphere, (−y, x, 0), and a scalar; in the mesh's coordinates. */
  const file = (extra: Record<string, Float64Array> = {}): VertexColumns => ({
    source: "sphere.csv",
    nVertices: n,
    columns: new Map(
      Object.entries({
        h: Float64Array.from({ length: n }, (_, v) => p[3 * v + 2]),
        w_x: Float64Array.from({ length: n }, (_, v) => -p[3 * v + 1]),
        w_y: Float64Array.from({ length: n }, (_, v) => p[3 * v]),
        w_z: new Float64Array(n),
        ...extra,
      }),
    ),
  });

  test("converts a file's vectors into coefficients in the frames; turned frames give ρ₁(−φ) of them", () => {
    const fields = new UserFieldFile(file(), frames);
    const reference = fields.valuesIn(frames);
    expect(reference.fields.map((f) => [f.name, f.order])).toEqual([
      ["h", 0],
      ["w", 1],
    ]);
    const w = reference.fields[1] as Extract<DrawableField, { order: 1 | 2 }>;
    // (−y, x, 0) in the frame of vertex v: its components along e1 and e2.
    for (let v = 0; v < n; v++) {
      const e1 = [0, 1, 2].map((k) => frames.e1[3 * v + k]);
      expect(w.field.coefficients[2 * v]).toBeCloseTo(-p[3 * v + 1] * e1[0] + p[3 * v] * e1[1], 12);
    }
    const random = new SeededRandom(5);
    const phi = Float64Array.from({ length: n }, () => random.uniform(-Math.PI, Math.PI));
    const turned = fields.valuesIn(rotateFrames(frames, phi)).fields[1] as typeof w;
    const expected = FieldType.irreps(1, 1).changeGauge(w.field.coefficients, phi);
    let max = 0;
    for (let i = 0; i < 2 * n; i++) max = Math.max(max, Math.abs(turned.field.coefficients[i] - expected[i]));
    expect(max).toBeLessThan(1e-12);
    // The negative control: the untransformed coefficients differ from the turned ones.
    let moved = 0;
    for (let i = 0; i < 2 * n; i++) moved = Math.max(moved, Math.abs(w.field.coefficients[i] - expected[i]));
    expect(moved).toBeGreaterThan(0.1);
  });

  test("a NaN is refused on opening, naming the file, the column and the vertex", () => {
    const h = Float64Array.from({ length: n }, () => 1);
    h[5] = Number.NaN;
    expect(() => new UserFieldFile(file({ h }), frames)).toThrow(
      'sphere.csv, column "h", vertex 5: the value is NaN, not a finite number',
    );
  });

  test("a triple read as a line field becomes order 2; a failed switch leaves the vector", () => {
    const fields = new UserFieldFile(file(), frames);
    expect(fields.triples()).toEqual([{ name: "w", kind: "vector" }]);
    fields.setTripleKind("w", "line", frames);
    expect(fields.valuesIn(frames).fields[1].order).toBe(2);
    const broken = new UserFieldFile(file(), frames);
    // A frame set of the wrong size makes the conversion fail: nothing changes.
    const small = { e1: frames.e1.subarray(0, 9), e2: frames.e2.subarray(0, 9), n: frames.n.subarray(0, 9) };
    expect(() => broken.setTripleKind("w", "line", small)).toThrow();
    expect(broken.triples()).toEqual([{ name: "w", kind: "vector" }]);
  });

  test("a predictor's fields (a regression model's slot) pair with the file's and are compared", () => {
    const fields = new UserFieldFile(file(), frames);
    // A stand-in for a regression model: the file's wind turned by 90° in every frame, h + 1.
    const predictor = {
      label: "turning model",
      predict(f: typeof frames) {
        const truth = new UserFieldFile(file(), f).valuesIn(f).fields[1] as Extract<
          DrawableField,
          { order: 1 | 2 }
        >;
        const c = truth.field.coefficients;
        const type = NamedFieldType.fromCopies([
          { name: "h", order: 0 },
          { name: "w", order: 1 },
        ]);
        const values = new Float64Array(3 * n);
        for (let v = 0; v < n; v++) {
          values.set([p[3 * v + 2] + 1, -c[2 * v + 1], c[2 * v]], 3 * v);
        }
        return { type, values };
      },
    };
    fields.setPredictor(predictor, frames);
    const values = fields.valuesIn(frames);
    expect(values.pairs).toEqual([
      { truth: "h", prediction: "h_predicted" },
      { truth: "w", prediction: "w_predicted" },
    ]);
    expect(values.notes.at(-1)).toBe("h_predicted, w_predicted: predicted by turning model");
    const byName = (name: string) => values.fields.find((f) => f.name === name)!;
    const angles = fieldErrors(byName("w"), byName("w_predicted")).filter(Number.isFinite);
    expect(angles.length).toBeGreaterThan(n / 2);
    for (const a of angles) expect(a).toBeCloseTo(90, 9);
    for (const d of fieldErrors(byName("h"), byName("h_predicted"))) expect(d).toBeCloseTo(1, 12);
    // A predictor of the wrong size is refused, and the one before stays.
    const wrong = {
      label: "wrong",
      predict: () => ({
        type: NamedFieldType.fromCopies([{ name: "h", order: 0 }]),
        values: new Float64Array(3),
      }),
    };
    expect(() => fields.setPredictor(wrong, frames)).toThrow("wrong: 3 predicted numbers for 42 vertices");
    expect(fields.valuesIn(frames).pairs.length).toBe(2);
  });
});
