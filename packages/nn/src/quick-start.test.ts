import { expect, it } from "vitest";
import { quickStart } from "../examples/quick-start.js";

it("runs the README's quick-start example", async () => {
  const { shape, equivarianceError } = await quickStart();
  expect(shape).toEqual([642, 8 + 16 + 16]);
  expect(equivarianceError).toBeLessThan(1e-5);
});
