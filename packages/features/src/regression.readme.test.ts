import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";
import { regressionExample } from "../examples/regression.js";

it("the README's regression example is a verbatim copy of examples/regression.ts, and runs", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const example = readFileSync(new URL("../examples/regression.ts", import.meta.url), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Regression models' input")));
  expect(block?.[1]).toBe(example);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const { input, scaling } = regressionExample();
    expect(input.fieldType).toBe("3x0");
    expect(input.channels).toEqual(["ones", "angle-defect", "pressure"]);
    expect(scaling.fieldType).toBe("1x1");
    expect(scaling.copyScale[0]).toBeGreaterThan(0);
    expect(log).toHaveBeenLastCalledWith("input 3x0: ones, angle-defect, pressure");
  } finally {
    log.mockRestore();
  }
});
