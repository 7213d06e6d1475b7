import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { quickStart } from "../examples/quick-start.js";

const packageRoot = new URL("../", import.meta.url);

describe("README example", () => {
  it("is a verbatim copy of examples/quick-start.ts", () => {
    const readme = readFileSync(new URL("README.md", packageRoot), "utf8");
    const example = readFileSync(new URL("examples/quick-start.ts", packageRoot), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Example")));
    expect(block?.[1]).toBe(example);
  });

  it("runs: 9 scalars, 2 vectors and 1 order-2 field per vertex, scalars standardised", {
    timeout: 30_000,
  }, () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const { mesh, input } = quickStart();
      expect(mesh.fieldType).toBe("9x0+2x1+1x2");
      expect(mesh.nVertices).toBe(288);
      expect(input.length).toBe(288 * 15);
      // Scalars centred on their median (0 in the middle of each column) and clipped to ±5.
      for (let c = 0; c < 9; c++) {
        const column = Float64Array.from({ length: mesh.nVertices }, (_, v) => input[v * 15 + c]).sort();
        expect(Math.abs(column[mesh.nVertices / 2 - 1] + column[mesh.nVertices / 2])).toBeLessThan(1e-5);
        expect(Math.max(-column[0], column[mesh.nVertices - 1])).toBeLessThanOrEqual(5);
      }
      expect(log).toHaveBeenLastCalledWith("input: 15 numbers per vertex");
    } finally {
      log.mockRestore();
    }
  });
});
