import { readFileSync } from "node:fs";
import { describe, expect, test, vi } from "vitest";

const packageRoot = new URL("../../", import.meta.url);

describe("README's tangent-field example", () => {
  test("is a verbatim copy of examples/tangent-fields.ts, which runs", async () => {
    const readme = readFileSync(new URL("README.md", packageRoot), "utf8");
    const example = readFileSync(new URL("examples/tangent-fields.ts", packageRoot), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(
      readme.slice(readme.indexOf("## Tangent fields from the mesh's coordinates")),
    );
    expect(block?.[1]).toBe(example);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await import("../../examples/tangent-fields.js");
    expect(log).toHaveBeenLastCalledWith("ok");
    log.mockRestore();
  });
});
