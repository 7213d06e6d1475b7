import { icosphere } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { MeshModel } from "./mesh-model.js";
import {
  holonomyAroundOneRing,
  shortestEdgePath,
  starCurvature,
  TransportDemoError,
  transportAlongPath,
} from "./transport-demo.js";

describe("holonomyAroundOneRing", () => {
  const model = MeshModel.open("icosphere", icosphere(3));

  test("Levi-Civita holonomy equals the curvature inside the loop, counter-clockwise positive on a sphere", () => {
    for (const p of [0, 17, 200, 641]) {
      const result = holonomyAroundOneRing(model, p, [0.6, 0.8], "levi-civita");
      expect(result.holonomy).toBeGreaterThan(0);
      expect(result.holonomy).toBeCloseTo(result.enclosedCurvature, 10);
      expect(result.enclosedCurvature).toBeGreaterThan(result.enclosedAngleDefect);
      // The vector comes back turned by the holonomy.
      const [x, y] = result.coefficients[result.coefficients.length - 1];
      const c = Math.cos(result.holonomy);
      const s = Math.sin(result.holonomy);
      expect(x).toBeCloseTo(c * 0.6 - s * 0.8, 12);
      expect(y).toBeCloseTo(s * 0.6 + c * 0.8, 12);
      expect(result.vertices[0]).toBe(p);
      expect(result.vertices[result.vertices.length - 1]).toBe(p);
    }
  });

  test("GEM-CNN's normal-rotation transport comes close to the same holonomy", () => {
    const result = holonomyAroundOneRing(model, 17, [1, 0], "normal-rotation");
    expect(Math.abs(result.holonomy - starCurvature(model, 17))).toBeLessThan(0.1 * result.holonomy);
  });

  test("holonomy does not depend on the gauge", () => {
    const other = MeshModel.open("icosphere", icosphere(3));
    const before = holonomyAroundOneRing(other, 40, [1, 0], "normal-rotation").holonomy;
    other.changeGauge({ seed: 11 });
    expect(holonomyAroundOneRing(other, 40, [1, 0], "normal-rotation").holonomy).toBeCloseTo(before, 10);
  });
});

describe("paths", () => {
  const model = MeshModel.open("icosphere", icosphere(2));

  test("a shortest edge path joins its ends through neighbours", () => {
    const path = shortestEdgePath(model, 0, 3);
    expect(path[0]).toBe(0);
    expect(path[path.length - 1]).toBe(3);
    for (let i = 1; i < path.length; i++) expect(model.oneRingOf(path[i - 1])).toContain(path[i]);
    expect(shortestEdgePath(model, 5, 5)).toEqual([5]);
  });

  test("transport along a path keeps the vector's length and refuses a jump between non-neighbours", () => {
    const path = shortestEdgePath(model, 0, 3);
    const result = transportAlongPath(model, path, [0.3, -0.4], "levi-civita");
    for (const [x, y] of result.coefficients) expect(Math.hypot(x, y)).toBeCloseTo(0.5, 12);
    expect(() => transportAlongPath(model, [0, 3], [1, 0], "levi-civita")).toThrow(TransportDemoError);
  });
});
