import { expect, it } from "vitest";
import { perVertexExample } from "../examples/per-vertex.js";

// Thirty steps of each model on 410-vertex bodies: about 5 s alone, more on a loaded 2-core machine.
it("runs the README's per-vertex example: correspondence and segmentation learn", {
  timeout: 120_000,
}, async () => {
  const { losses, curve, accuracy, iou } = await perVertexExample();
  expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]);
  // On a pose it never saw: far above chance (1 in 410) at zero error, and the curve rises.
  expect(curve.atZero).toBeGreaterThan(0.04);
  for (let i = 1; i < curve.fraction.length; i++)
    expect(curve.fraction[i]).toBeGreaterThanOrEqual(curve.fraction[i - 1]);
  expect(curve.fraction.at(-1)!).toBeGreaterThan(curve.atZero);
  // Six parts; the torso alone would give about a quarter.
  expect(accuracy).toBeGreaterThan(0.45);
  expect(iou.mean).toBeGreaterThan(0.25);
});
