import { readFileSync } from "node:fs";
import { describe, expect, test, vi } from "vitest";

const packageRoot = new URL("../", import.meta.url);

describe("README's named field type example", () => {
  test("is a verbatim copy of examples/named-field-type.ts, which runs", async () => {
    const readme = readFileSync(new URL("README.md", packageRoot), "utf8");
    const example = readFileSync(new URL("examples/named-field-type.ts", packageRoot), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Named field types")));
    expect(block?.[1]).toBe(example);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await import("../examples/named-field-type.js");
    expect(log).toHaveBeenLastCalledWith("ok");
    log.mockRestore();
  });
});
