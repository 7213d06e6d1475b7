import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";
import { userFieldsExample } from "../examples/user-fields.js";

it("the README's user-fields example is a verbatim copy of examples/user-fields.ts, and runs", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const example = readFileSync(new URL("../examples/user-fields.ts", import.meta.url), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Users' own fields")));
  expect(block?.[1]).toBe(example);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const fields = userFieldsExample();
    expect(fields.type.toString()).toBe("pressure:0+wind:1+streamline:2");
    expect(log).toHaveBeenLastCalledWith("pressure:0+wind:1+streamline:2: 5 numbers per vertex");
  } finally {
    log.mockRestore();
  }
});
