import { icosphere } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { fieldGlyphVectors } from "./fields.js";
import { MeshModel } from "./mesh-model.js";

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * Largest difference between two sets of 3D axes, each compared up to sign: an order-2 field is
 * unchanged by a half turn, so its cross's axis has no direction.
 */
function maxAxisDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 3) {
    let same = 0;
    let opposite = 0;
    for (let k = i; k < i + 3; k++) {
      same = Math.max(same, Math.abs(a[k] - b[k]));
      opposite = Math.max(opposite, Math.abs(a[k] + b[k]));
    }
    max = Math.max(max, Math.min(same, opposite));
  }
  return max;
}

/** Every drawn field of the model as 3D glyph vectors (unit scale), with its order. */
function drawnVectors(model: MeshModel): { order: 1 | 2; vectors: Float64Array }[] {
  const layer = model.layerOutputs();
  return [model.inputs.order1, model.inputs.order2, layer.order1, layer.order2].map((field) => ({
    order: field.order,
    vectors: fieldGlyphVectors(field, model.frames, 1),
  }));
}

function glyphDifference(a: { order: 1 | 2; vectors: Float64Array }, b: { vectors: Float64Array }): number {
  return a.order === 1 ? maxDifference(a.vectors, b.vectors) : maxAxisDifference(a.vectors, b.vectors);
}

describe("MeshModel gauge changes", () => {
  // Float64 throughout: the 3D vectors agree to rounding (about 1e-15); 1e-9 leaves room for the
  // sums in the transport-mean layer, while a convention error moves vectors by O(1).
  const TOLERANCE = 1e-9;

  test("a random gauge change turns the frames but leaves every drawn field where it was in 3D", () => {
    const model = MeshModel.open("icosphere", icosphere(2));
    const before = drawnVectors(model);
    const framesBefore = model.frames.e1.slice();
    model.changeGauge({ seed: 7 });
    expect(maxDifference(framesBefore, model.frames.e1)).toBeGreaterThan(0.5);
    const after = drawnVectors(model);
    before.forEach((glyphs, i) => {
      expect(glyphDifference(glyphs, after[i])).toBeLessThan(TOLERANCE);
      expect(maxDifference(glyphs.vectors, new Float64Array(glyphs.vectors.length))).toBeGreaterThan(0.1);
    });
  });

  test("negative control: coefficients left untransformed move the drawn fields", () => {
    const model = MeshModel.open("icosphere", icosphere(2));
    const before = drawnVectors(model);
    model.changeGauge({ seed: 7, transformFields: false });
    const after = drawnVectors(model);
    for (const [i, glyphs] of before.entries())
      expect(glyphDifference(glyphs, after[i])).toBeGreaterThan(0.1);
  });

  test("the layer is recomputed from transport in the new gauge, not merely carried along", () => {
    const model = MeshModel.open("icosphere", icosphere(2));
    const coefficientsBefore = model.layerOutputs().order1.coefficients.slice();
    const gBefore = model.ring.g.slice();
    model.changeGauge({ seed: 3 });
    expect(maxDifference(gBefore, model.ring.g)).toBeGreaterThan(0.5);
    expect(maxDifference(coefficientsBefore, model.layerOutputs().order1.coefficients)).toBeGreaterThan(0.1);
  });

  test("resetting the gauge brings back the reference frames and the original coefficients", () => {
    const model = MeshModel.open("icosphere", icosphere(2));
    const coefficients = model.inputs.order2.coefficients.slice();
    model.changeGauge({ seed: 1 });
    model.changeGauge({ seed: 2 });
    model.resetGauge();
    expect(maxDifference(model.frames.e1, model.referenceFrames.e1)).toBeLessThan(1e-12);
    expect(maxDifference(model.inputs.order2.coefficients, coefficients)).toBeLessThan(1e-12);
  });
});

describe("MeshModel log maps", () => {
  test("the picked vertex's 1-ring comes first in the projected log map and turns with the gauge", () => {
    const model = MeshModel.open("icosphere", icosphere(2));
    const p = 20;
    const before = model.projectedLogMap(p);
    const degree = model.geometry.mesh.vertexDegree[p];
    expect(before.filter((entry) => entry.ring === 1).map((entry) => entry.vertex)).toEqual(
      model.oneRingOf(p),
    );
    expect(before.length).toBeGreaterThan(degree);
    const phi = model.changeGauge({ seed: 5 });
    const after = model.projectedLogMap(p);
    after.forEach((entry, i) => {
      expect(entry.r).toBeCloseTo(before[i].r, 12);
      const expected = before[i].theta - phi[p];
      expect(Math.cos(entry.theta - expected)).toBeCloseTo(1, 12);
    });
  });
});

describe("curvatureDensity", () => {
  test("is about 1/R² on a sphere of radius R", () => {
    const model = MeshModel.open("sphere", icosphere(3, 2));
    for (const k of model.curvatureDensity) expect(k).toBeCloseTo(0.25, 1);
  });
});
