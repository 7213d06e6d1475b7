import { largestComponent } from "@gemcnn/features";
import { grid, icosphere, type TriangleMeshData } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { largestComponentVertices } from "./classifier-input.js";

/** `parts` side by side as one mesh of several components (vertex numbers shifted). */
function union(...parts: TriangleMeshData[]): TriangleMeshData {
  const positions: number[] = [];
  const triangles: number[] = [];
  for (const part of parts) {
    const offset = positions.length / 3;
    positions.push(...part.positions);
    triangles.push(...Array.from(part.triangles, (v) => v + offset));
  }
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

describe("largestComponentVertices", () => {
  test("keeps the vertices the command line's largestComponent keeps, in its order", () => {
    // Small grid first, larger sphere second, another small grid last: the sphere has most faces.
    const data = union(grid({ nx: 3, ny: 3 }), icosphere(1), grid({ nx: 2, ny: 2 }));
    const vertices = largestComponentVertices(data);
    const kept = largestComponent(data, "union", []);
    expect(vertices.length).toBe(kept.positions.length / 3);
    expect(vertices[0]).toBe(16);
    vertices.forEach((v, i) => {
      expect(Array.from(kept.positions.subarray(3 * i, 3 * i + 3))).toEqual(
        Array.from(data.positions.subarray(3 * v, 3 * v + 3)),
      );
    });
  });

  test("keeps every vertex of a connected mesh", () => {
    expect(largestComponentVertices(icosphere(1)).length).toBe(42);
  });
});
