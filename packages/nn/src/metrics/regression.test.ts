import { FieldType, NamedFieldType, randomField } from "@gemcnn/gauge";
import { randomGauge } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { MetricError } from "./per-vertex.js";
import { fieldRegressionMetrics, ZERO_TARGET_FRACTION } from "./regression.js";

// Rows of "1x0+1x1+1x2": [scalar, vector c1, c2, order-2 c1, c2].
const type = NamedFieldType.of("1x0+1x1+1x2", ["pressure", "wind", "lines"]);

describe("fieldRegressionMetrics", () => {
  it("gives the RMSE of each copy and of the field, and angles between vectors and between line directions", () => {
    const truth = [
      [2, 1, 0, 1, 0],
      [0, 0, 3, 0, 2],
      [-1, 1, 1, 1, 0],
    ].flat();
    const predicted = [
      // Wind turned by 90°; the line's coefficients turned by 180°, its direction by 90°.
      [1, 0, 2, -1, 0],
      // Wind exact; line coefficients turned by 90°: directions 45° apart.
      [0, 0, 3, -2, 0],
      // Wind opposite (180°); line exact.
      [-1, -1, -1, 1, 0],
    ].flat();
    const m = fieldRegressionMetrics(type, predicted, truth);
    expect(m.count).toBe(3);
    const [pressure, wind, lines] = m.copies;
    expect(pressure).toMatchObject({ name: "pressure", order: 0, angularError: undefined });
    expect(pressure.rmse).toBeCloseTo(Math.sqrt(1 / 3), 14);
    expect(pressure.targetRms).toBeCloseTo(Math.sqrt(5 / 3), 14);
    // |Δ|² per vertex: (1 + 4), 0, (4 + 4).
    expect(wind.rmse).toBeCloseTo(Math.sqrt(13 / 3), 14);
    expect(Array.from(wind.angularError!.perVertex)).toEqual([90, 0, 180].map((x) => expect.closeTo(x, 12)));
    expect(wind.angularError!.mean).toBeCloseTo(90, 12);
    expect(wind.angularError!.median).toBeCloseTo(90, 12);
    expect(lines.order).toBe(2);
    expect(Array.from(lines.angularError!.perVertex)).toEqual([90, 45, 0].map((x) => expect.closeTo(x, 12)));
    expect(lines.angularError!.median).toBeCloseTo(45, 12);
    // The field's RMSE is the root of the summed squares: √((1 + 5 + 4) + (0 + 0 + 8) + (0 + 8 + 0)) / 3).
    expect(m.rmse).toBeCloseTo(Math.sqrt(26 / 3), 14);
    expect(m.rmse ** 2).toBeCloseTo(pressure.rmse ** 2 + wind.rmse ** 2 + lines.rmse ** 2, 12);
  });

  it("is unchanged by one gauge change of prediction and truth together (and not by one of the prediction alone)", () => {
    const field = FieldType.parse("2x0+2x1+1x3");
    const n = 200;
    const truth = randomField(field, n, 1, "float64") as Float64Array;
    const predicted = randomField(field, n, 2, "float64") as Float64Array;
    const phi = randomGauge(n, 3);
    const before = fieldRegressionMetrics(field, predicted, truth);
    const after = fieldRegressionMetrics(
      field,
      field.changeGauge(predicted, phi),
      field.changeGauge(truth, phi),
    );
    expect(after.rmse).toBeCloseTo(before.rmse, 12);
    before.copies.forEach((copy, i) => {
      expect(after.copies[i].rmse).toBeCloseTo(copy.rmse, 12);
      if (copy.order === 0) return;
      const a = after.copies[i].angularError!;
      for (let v = 0; v < n; v++) expect(a.perVertex[v]).toBeCloseTo(copy.angularError!.perVertex[v], 9);
      // A random direction is off by 90°/n on average.
      expect(copy.angularError!.mean).toBeGreaterThan(60 / copy.order);
      expect(copy.angularError!.mean).toBeLessThan(120 / copy.order);
    });
    const wrong = fieldRegressionMetrics(field, field.changeGauge(predicted, phi), truth);
    expect(
      Math.abs(wrong.copies[2].angularError!.mean - before.copies[2].angularError!.mean),
    ).toBeGreaterThan(1);
  });

  it("leaves out targets with no direction (threshold stated), counts a zero prediction as the worst, and honours the mask", () => {
    const field = "1x1";
    const truth = [1, 0, 0, 0, 1e-7, 0, 0, 2];
    const predicted = [0, 1, 5, 5, 1, 0, 0, 0];
    const m = fieldRegressionMetrics(field, predicted, truth).copies[0].angularError!;
    expect(m.threshold).toBe(ZERO_TARGET_FRACTION * 2);
    // Vertex 1 (zero target) and vertex 2 (1e-7 ≤ 2e-6) are left out; vertex 3's zero prediction is 180°.
    expect(m.excluded).toBe(2);
    expect(m.count).toBe(2);
    expect(Array.from(m.perVertex)).toEqual([90, Number.NaN, Number.NaN, 180]);
    const windy = fieldRegressionMetrics(field, predicted, truth, { minTargetMagnitude: 1.5 }).copies[0];
    expect(windy.angularError!.count).toBe(1);
    const masked = fieldRegressionMetrics(field, predicted, truth, { mask: [1, 0, 0, 1] });
    expect(masked.count).toBe(2);
    expect(masked.copies[0].rmse).toBeCloseTo(Math.sqrt((2 + 4) / 2), 14);
    expect(masked.copies[0].angularError!.excluded).toBe(0);
  });

  it("accepts one array per mesh, and names the problem with its arguments", () => {
    const a = fieldRegressionMetrics(
      "1x1",
      [Float64Array.of(1, 0), Float64Array.of(0, 1)],
      [
        [1, 0],
        [1, 0],
      ],
    );
    expect(a.count).toBe(2);
    expect(a.copies[0].angularError!.perVertex[1]).toBeCloseTo(90, 12);
    expect(() => fieldRegressionMetrics("1x1", [1, 0], [1, 0, 0, 0])).toThrow(MetricError);
    expect(() => fieldRegressionMetrics("1x1", [1, 0, 0], [1, 0, 0])).toThrow(
      /3 numbers are not whole rows of 1x1/,
    );
    expect(() => fieldRegressionMetrics("1x1", [1, Number.NaN], [1, 0])).toThrow(
      /vertex 0, channel 1: predicted NaN, true 0; both must be finite/,
    );
    expect(() => fieldRegressionMetrics("1x1", [1, 0], [1, 0], { mask: [0] })).toThrow(
      /the mask counts no vertex/,
    );
    expect(() => fieldRegressionMetrics("1x1", [1, 0], [1, 0], { minTargetMagnitude: -1 })).toThrow(
      /minTargetMagnitude must be a finite number ≥ 0/,
    );
  });
});
