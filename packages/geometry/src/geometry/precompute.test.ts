import { describe, expect, it } from "vitest";
import { GeometryError } from "./errors.js";
import { tangentFrames } from "./frames.js";
import { bumpyIcosphere } from "./geometry.fixture.js";
import { logMap } from "./log-map.js";
import { geodesicBall, kRing, oneRing } from "./neighbourhoods.js";
import { precomputeNeighbourhoodGeometry } from "./precompute.js";
import { parallelTransport } from "./transport.js";

describe("precomputeNeighbourhoodGeometry", () => {
  const geometry = bumpyIcosphere(2, 0.1);

  it("defaults to the 1-ring with self, intrinsic log map and Levi-Civita transport", () => {
    const result = precomputeNeighbourhoodGeometry(geometry);
    const rings = oneRing(geometry.mesh, { includeSelf: true });
    const frames = tangentFrames(geometry);
    expect(result.neighbourhoods).toEqual(rings);
    expect(result.frames).toEqual(frames);
    expect(result.logMapMethod).toBe("intrinsic");
    expect(result.transportMethod).toBe("levi-civita");
    const { r, theta } = logMap(geometry, frames, rings, { method: "intrinsic" });
    expect(result.r).toEqual(r);
    expect(result.theta).toEqual(theta);
    expect(result.g).toEqual(parallelTransport(geometry, frames, rings, { method: "levi-civita" }));
  });

  it("switches to projection and normal rotation beyond the 1-ring, and takes every option", () => {
    const twoRing = precomputeNeighbourhoodGeometry(geometry, {
      neighbourhood: { kind: "k-ring", k: 2 },
      includeSelf: false,
    });
    expect(twoRing.neighbourhoods).toEqual(kRing(geometry.mesh, 2));
    expect(twoRing.logMapMethod).toBe("projection");
    expect(twoRing.transportMethod).toBe("normal-rotation");
    expect(twoRing.g).toEqual(
      parallelTransport(geometry, twoRing.frames, twoRing.neighbourhoods, { method: "normal-rotation" }),
    );

    const frames = tangentFrames(geometry, { gauge: "random", seed: 2 });
    const gemcnn = precomputeNeighbourhoodGeometry(geometry, {
      logMap: "projection",
      transport: "normal-rotation",
      frames,
    });
    expect(gemcnn.frames).toBe(frames);
    expect(gemcnn.theta).toEqual(
      logMap(geometry, frames, gemcnn.neighbourhoods, { method: "projection" }).theta,
    );

    const axis = precomputeNeighbourhoodGeometry(geometry, {
      frameOptions: { gauge: "global-axis", axis: [0, 1, 0] },
    });
    expect(axis.frames.e1).toEqual(tangentFrames(geometry, { gauge: "global-axis", axis: [0, 1, 0] }).e1);

    const ball = precomputeNeighbourhoodGeometry(geometry, {
      neighbourhood: { kind: "geodesic-ball", radius: 0.4 },
    });
    expect(ball.neighbourhoods.indices).toEqual(geodesicBall(geometry, 0.4, { includeSelf: true }).indices);
  });

  it("refuses the edge-only methods beyond the 1-ring", () => {
    expect(() =>
      precomputeNeighbourhoodGeometry(geometry, {
        neighbourhood: { kind: "k-ring", k: 2 },
        logMap: "intrinsic",
      }),
    ).toThrow(GeometryError);
    expect(() =>
      precomputeNeighbourhoodGeometry(geometry, { neighbourhood: { kind: "disc" } as never }),
    ).toThrow(/unknown neighbourhood kind "disc"/);
  });
});
