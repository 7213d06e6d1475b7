import { mulberry32 } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import {
  fitInputNormalization,
  INPUT_CLIP,
  InputNormalizationError,
  normalizeInput,
} from "./input-normalization.js";
import type { PreprocessedMesh } from "./preprocess.js";

/** Field type of the synthetic meshes: two scalars, an order-1 and an order-2 copy (dim 6). */
const FIELD_TYPE = "2x0+1x1+1x2";
const ORDERS = [1, 2];

/** A mesh of `nVertices` whose features are normal draws: scalars `center + spread·N(0, 1)`, copies `spread·N(0, 1)²`. */
function syntheticMesh(name: string, nVertices: number, seed: number, spread = 1): PreprocessedMesh {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const features = new Float64Array(6 * nVertices);
  for (let v = 0; v < nVertices; v++) {
    features[6 * v] = 3 + 2 * spread * normal();
    features[6 * v + 1] = -1 + 0.5 * spread * normal();
    for (let c = 2; c < 6; c++) features[6 * v + c] = 0.7 * spread * normal();
  }
  return {
    name,
    nVertices,
    positions: new Float64Array(3 * nVertices),
    triangles: new Uint32Array(0),
    e1: new Float64Array(3 * nVertices),
    e2: new Float64Array(3 * nVertices),
    normals: new Float64Array(3 * nVertices),
    features,
    fieldType: FIELD_TYPE,
    channels: ["a", "b", "u.x", "u.y", "w.x", "w.y"],
    meanEdgeLength: 1,
    notes: [],
  };
}

/** Mean and standard deviation of column `c` over meshes (what the normalisation used to fit). */
function meanAndStd(meshes: PreprocessedMesh[], c: number): [number, number] {
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (const m of meshes) {
    for (let v = 0; v < m.nVertices; v++) {
      sum += m.features[6 * v + c];
      squares += m.features[6 * v + c] ** 2;
      n++;
    }
  }
  return [sum / n, Math.sqrt(squares / n - (sum / n) ** 2)];
}

const training = Array.from({ length: 10 }, (_, i) => syntheticMesh(`train${i}`, 400, i + 1));

describe("fitInputNormalization and normalizeInput", () => {
  it("fit the median and the normal-equivalent interquartile range of scalars, the robust RMS of copies", () => {
    const n = fitInputNormalization(training);
    expect(n.fieldType).toBe(FIELD_TYPE);
    expect(n.clip).toBe(INPUT_CLIP);
    // 4,000 normal draws: within four standard errors of the truth (the median's is 1.25 σ/√n,
    // the interquartile range's about 1.1 σ/√n, here 2% of σ).
    expect(Math.abs(n.scalarCenter[0] - 3)).toBeLessThan(4 * 0.02 * 1.25 * 2);
    expect(Math.abs(n.scalarScale[0] / 2 - 1)).toBeLessThan(0.08);
    expect(Math.abs(n.scalarCenter[1] + 1)).toBeLessThan(4 * 0.02 * 1.25 * 0.5);
    expect(Math.abs(n.scalarScale[1] / 0.5 - 1)).toBeLessThan(0.08);
    // Each copy has RMS norm 0.7·√2.
    for (const s of n.copyScale) expect(Math.abs(s * 0.7 * Math.SQRT2 - 1)).toBeLessThan(0.05);
    // The median and quartiles of 1…5 are 3, 2, 4 (interpolated order statistics).
    const ramp = syntheticMesh("ramp", 5, 1);
    for (let v = 0; v < 5; v++) ramp.features[6 * v] = v + 1;
    const fitted = fitInputNormalization([ramp]);
    expect(fitted.scalarCenter[0]).toBe(3);
    expect(fitted.scalarScale[0]).toBeCloseTo(2 / 1.3489795003921634, 12);
  });

  it("fall back to the standard deviation for a channel constant on most vertices, and to 1 for a constant one", () => {
    const mostlyConstant = syntheticMesh("flat", 100, 3);
    for (let v = 0; v < 100; v++) {
      mostlyConstant.features[6 * v] = v < 95 ? 2 : 12;
      mostlyConstant.features[6 * v + 1] = 7;
    }
    const n = fitInputNormalization([mostlyConstant]);
    expect(n.scalarCenter[0]).toBe(2);
    expect(n.scalarScale[0]).toBeCloseTo(meanAndStd([mostlyConstant], 0)[1], 12);
    expect(n.scalarScale[1]).toBe(1);
  });

  it("are barely moved by one training mesh whose features spread 100 times as far (a mean and std would be)", () => {
    const clean = fitInputNormalization(training);
    const withOutlier = [...training, syntheticMesh("outlier", 400, 99, 100)];
    const robust = fitInputNormalization(withOutlier);
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(robust.scalarCenter[c] - clean.scalarCenter[c])).toBeLessThan(
        0.1 * clean.scalarScale[c],
      );
      expect(robust.scalarScale[c] / clean.scalarScale[c]).toBeLessThan(1.15);
    }
    for (let k = 0; k < 2; k++) expect(clean.copyScale[k] / robust.copyScale[k]).toBeLessThan(1.15);
    // Negative control: the mean and standard deviation move by tens of times.
    expect(meanAndStd(withOutlier, 0)[1] / meanAndStd(training, 0)[1]).toBeGreaterThan(20);
  });

  it("keep a test mesh of 20–200 times the spread within ±clip, and leave ordinary inputs as they were", () => {
    const n = fitInputNormalization(training);
    for (const spread of [20, 200]) {
      const input = normalizeInput(syntheticMesh("far", 500, 7, spread), n);
      let largest = 0;
      for (let v = 0; v < 500; v++) {
        largest = Math.max(largest, Math.abs(input[6 * v]), Math.abs(input[6 * v + 1]));
        for (const at of [2, 4])
          largest = Math.max(largest, Math.hypot(input[6 * v + at], input[6 * v + at + 1]));
      }
      expect(largest).toBeLessThanOrEqual(INPUT_CLIP * (1 + 1e-6));
      expect(largest).toBeGreaterThan(INPUT_CLIP * 0.999);
    }
    // A mesh like the training ones: nothing clipped, each scalar (x − median) / scale exactly.
    const ordinary = syntheticMesh("ordinary", 500, 8);
    const input = normalizeInput(ordinary, n);
    for (let v = 0; v < 500; v++) {
      const expected = (ordinary.features[6 * v] - n.scalarCenter[0]) / n.scalarScale[0];
      expect(input[6 * v]).toBeCloseTo(expected, 5);
      expect(input[6 * v + 2]).toBeCloseTo(ordinary.features[6 * v + 2] * n.copyScale[0], 5);
    }
  });

  it("stay gauge-equivariant where they clip: rotating each 2-vector by ρ_n(φ) rotates its input the same", () => {
    const n = fitInputNormalization(training);
    const mesh = syntheticMesh("far", 300, 11, 30);
    const random = mulberry32(12);
    const phi = Float64Array.from({ length: 300 }, () => 2 * Math.PI * random());
    const rotate = (x: ArrayLike<number>, out: Float64Array | Float32Array) => {
      for (let v = 0; v < 300; v++) {
        for (const [k, order] of ORDERS.entries()) {
          const at = 6 * v + 2 + 2 * k;
          const [c, s] = [Math.cos(order * phi[v]), Math.sin(order * phi[v])];
          const [a, b] = [x[at], x[at + 1]];
          out[at] = c * a - s * b;
          out[at + 1] = s * a + c * b;
        }
      }
      return out;
    };
    const turned = { ...mesh, features: rotate(mesh.features, mesh.features.slice()) as Float64Array };
    const expected = rotate(normalizeInput(mesh, n), normalizeInput(mesh, n));
    const actual = normalizeInput(turned, n);
    let error = 0;
    let clipped = 0;
    for (let i = 0; i < actual.length; i++) error = Math.max(error, Math.abs(actual[i] - expected[i]));
    for (let v = 0; v < 300; v++)
      if (Math.hypot(actual[6 * v + 2], actual[6 * v + 3]) > INPUT_CLIP * 0.999) clipped++;
    // float32 rounding of inputs up to 5.
    expect(error).toBeLessThan(1e-5);
    expect(clipped).toBeGreaterThan(100);
    // Negative control: clamping each component on its own (as the scalars are) is not equivariant.
    const componentwise = (x: ArrayLike<number>) =>
      Float64Array.from(x, (value, i) =>
        i % 6 >= 2
          ? Math.min(INPUT_CLIP, Math.max(-INPUT_CLIP, value * n.copyScale[Math.floor((i % 6) / 2) - 1]))
          : 0,
      );
    const a = componentwise(turned.features);
    const b = rotate(componentwise(mesh.features), componentwise(mesh.features));
    let controlError = 0;
    for (let i = 0; i < a.length; i++) controlError = Math.max(controlError, Math.abs(a[i] - b[i]));
    expect(controlError).toBeGreaterThan(0.5);
  });

  it("refuse meshes of another field type, naming the mesh", () => {
    const other = { ...syntheticMesh("odd", 10, 1), fieldType: "6x0" };
    expect(() => fitInputNormalization([...training, other])).toThrow(InputNormalizationError);
    expect(() => normalizeInput(other, fitInputNormalization(training))).toThrow(
      /^odd: features of type "6x0"/,
    );
    expect(() => fitInputNormalization([])).toThrow(/no meshes/);
  });
});
