import { bumpySphere } from "@gemcnn/geometry";
import { initBackend } from "@gemcnn/nn";
import { beforeAll, describe, expect, test } from "vitest";
import { fieldGlyphVectors } from "../model/fields.js";
import { MeshModel } from "../model/mesh-model.js";
import { type NetworkFeatures, RandomGemConv } from "./random-gem-conv.js";

/** Largest difference of two 3D vector lists, per vertex up to sign when `order` is 2 (crosses). */
function glyphDifference(a: Float64Array, b: Float64Array, order: 1 | 2): number {
  let max = 0;
  for (let i = 0; i < a.length; i += 3) {
    let same = 0;
    let opposite = 0;
    for (let k = i; k < i + 3; k++) {
      same = Math.max(same, Math.abs(a[k] - b[k]));
      opposite = Math.max(opposite, Math.abs(a[k] + b[k]));
    }
    max = Math.max(max, order === 1 ? same : Math.min(same, opposite));
  }
  return max;
}

function drawn(features: NetworkFeatures, model: MeshModel) {
  return [...features.order1, ...features.order2].map((field) => ({
    order: field.order,
    vectors: fieldGlyphVectors(field, model.frames, 1),
  }));
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

describe("RandomGemConv in the viewer", () => {
  beforeAll(() => initBackend({ backend: "cpu" }));

  // The layer runs in float32 (unit roundoff 6e-8) on inputs rounded in two different gauges; each
  // output sums a few hundred products, so outputs agree to about 1e-6 of their size. 1e-4 of the
  // largest output leaves a wide margin, and a misplaced gauge transformation errs by O(1).
  const RELATIVE_TOLERANCE = 1e-4;

  test("a gauge change leaves the network's features where they were in 3D", () => {
    const model = MeshModel.open("bumpy sphere", bumpySphere({ level: 2 }));
    const network = new RandomGemConv(3);
    const before = network.apply(model);
    const glyphsBefore = drawn(before, model);
    model.changeGauge({ seed: 12 });
    const after = network.apply(model);
    const glyphsAfter = drawn(after, model);
    glyphsBefore.forEach(({ order, vectors }, i) => {
      const size = maxAbs(vectors);
      expect(size).toBeGreaterThan(0.01);
      expect(glyphDifference(vectors, glyphsAfter[i].vectors, order)).toBeLessThan(RELATIVE_TOLERANCE * size);
    });
    before.scalars.forEach((channel, c) => {
      expect(maxAbs(channel)).toBeGreaterThan(0.01);
      const difference = channel.map((value, p) => value - after.scalars[c][p]);
      expect(maxAbs(difference)).toBeLessThan(RELATIVE_TOLERANCE * maxAbs(channel));
    });
  });

  test("negative control: inputs left in the old gauge move the features", () => {
    const model = MeshModel.open("bumpy sphere", bumpySphere({ level: 2 }));
    const network = new RandomGemConv(3);
    const glyphsBefore = drawn(network.apply(model), model);
    model.changeGauge({ seed: 12, transformFields: false });
    const glyphsAfter = drawn(network.apply(model), model);
    glyphsBefore.forEach(({ order, vectors }, i) => {
      expect(glyphDifference(vectors, glyphsAfter[i].vectors, order)).toBeGreaterThan(0.05 * maxAbs(vectors));
    });
  });
});
