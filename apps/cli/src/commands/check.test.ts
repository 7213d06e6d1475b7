import type { PreprocessOptions } from "@gemcnn/features";
import { DEFAULT_FEATURE_OPTIONS } from "@gemcnn/features";
import { bumpySphere } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { pooledStatistics } from "../classifiers/pooled-statistics.js";
import { invarianceVariants, probabilityChanges } from "./check.js";

const options: PreprocessOptions = {
  features: { ...DEFAULT_FEATURE_OPTIONS, kinds: ["moments", "curvature"] },
  repair: true,
  largestComponentOnly: true,
};

/** A softmax over a few fixed linear functions of a descriptor: a stand-in classifier. */
function softmaxOf(descriptor: ArrayLike<number>): Float64Array {
  const z = [0, 1, 2].map((c) => {
    let s = 0;
    for (let d = 0; d < descriptor.length; d++) s += Math.sin(3.7 * d + c) * descriptor[d];
    return s;
  });
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return Float64Array.from(e, (x) => x / sum);
}

describe("gauge and rotation invariance check", () => {
  const data = bumpySphere({ level: 2, amplitude: 0.2, frequency: 3, seed: 4 });
  const variants = invarianceVariants(data, "bumpy", options, { gauges: 2, rotations: 2, seed: 7 });

  it("finds a model on pooled invariant statistics unchanged", () => {
    const changes = probabilityChanges(variants.map((v) => softmaxOf(pooledStatistics(v.mesh))));
    expect(changes).toHaveLength(4);
    for (const c of changes) expect(c).toBeLessThan(1e-9);
  });

  it("negative control: a model reading raw vector components changes under gauge changes", () => {
    // Mean of the first order-1 copy's cos-part: depends on the frames.
    const rawVector = (v: (typeof variants)[number]) => {
      const m = v.mesh;
      const dim = m.features.length / m.nVertices;
      const column = m.channels.indexOf("moment.tangent.cos");
      let s = 0;
      for (let i = 0; i < m.nVertices; i++) s += m.features[i * dim + column];
      return softmaxOf([100 * s]);
    };
    const changes = probabilityChanges(variants.map(rawVector));
    expect(Math.max(changes[0], changes[1])).toBeGreaterThan(1e-3);
  });
});
