import type { PreprocessedMesh } from "@gemcnn/features";
import { mulberry32 } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { featureDistance, fitTrainingDistribution, normalizedEntropy } from "./training-distribution.js";

/** A mesh stand-in whose field is "2x0+1x1": scalars drawn around `centre`, a vector of norm `norm`. */
function fakeMesh(seed: number, centre: number, norm = 1): PreprocessedMesh {
  const random = mulberry32(seed);
  const V = 50;
  const features = new Float64Array(V * 4);
  for (let v = 0; v < V; v++) {
    features[4 * v] = centre + random() - 0.5;
    features[4 * v + 1] = 2 * centre * random();
    const angle = 2 * Math.PI * random();
    features[4 * v + 2] = norm * (1 + 0.2 * random()) * Math.cos(angle);
    features[4 * v + 3] = norm * (1 + 0.2 * random()) * Math.sin(angle);
  }
  return { name: `m${seed}`, nVertices: V, fieldType: "2x0+1x1", features } as unknown as PreprocessedMesh;
}

describe("training distribution", () => {
  const training = Array.from({ length: 40 }, (_, i) => fakeMesh(i + 1, 1));
  const distribution = fitTrainingDistribution(training);

  it("puts new meshes like the training ones inside, and meshes of other features far outside", () => {
    expect(distribution.count).toBe(40);
    expect(distribution.maxDistance).toBeGreaterThan(distribution.p95Distance);
    const alike = Array.from({ length: 20 }, (_, i) => featureDistance(fakeMesh(100 + i, 1), distribution));
    expect(alike.filter((d) => d > distribution.maxDistance).length).toBeLessThanOrEqual(1);
    expect(featureDistance(fakeMesh(500, 3), distribution)).toBeGreaterThan(3 * distribution.maxDistance);
    expect(featureDistance(fakeMesh(501, 1, 4), distribution)).toBeGreaterThan(2 * distribution.maxDistance);
  });

  it("does not depend on the direction of the vector field (a gauge change)", () => {
    const mesh = fakeMesh(7, 1.2);
    const turned = { ...mesh, features: Float64Array.from(mesh.features) };
    for (let v = 0; v < mesh.nVertices; v++) {
      const [x, y] = [mesh.features[4 * v + 2], mesh.features[4 * v + 3]];
      const a = 0.3 * v;
      turned.features[4 * v + 2] = Math.cos(a) * x - Math.sin(a) * y;
      turned.features[4 * v + 3] = Math.sin(a) * x + Math.cos(a) * y;
    }
    expect(featureDistance(turned, distribution)).toBeCloseTo(featureDistance(mesh, distribution), 5);
  });

  it("measures the entropy of probabilities from 0 (certain) to 1 (uniform)", () => {
    expect(normalizedEntropy([1, 0, 0, 0])).toBe(0);
    expect(normalizedEntropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(1, 12);
    expect(normalizedEntropy([0.7, 0.1, 0.1, 0.1])).toBeGreaterThan(0.3);
  });
});
