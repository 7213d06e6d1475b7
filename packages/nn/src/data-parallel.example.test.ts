import { expect, it } from "vitest";
import { dataParallel } from "../examples/data-parallel.js";

// Two worker threads start (about a second each, more on a loaded machine) and train 8 steps.
it("runs the README's data-parallel example", { timeout: 60_000 }, async () => {
  const { losses, logits } = await dataParallel();
  expect(losses).toHaveLength(8);
  expect(losses.at(-1)!).toBeLessThan(losses[0]);
  expect(logits).toHaveLength(4 * 2);
  expect(logits.every(Number.isFinite)).toBe(true);
});
