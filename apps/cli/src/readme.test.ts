import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the README's library example runs and prints what its comment says", async () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const expected = /\/\/ (\S+ \d+)\s*$/.exec(code!.trim())?.[1];
  const script = `${root}.readme-example-${process.pid}.ts`;
  await writeFile(script, code!);
  try {
    const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, "--conditions=source", script], {
      cwd: root,
    });
    expect(stdout.trim()).toBe(expected);
  } finally {
    await rm(script, { force: true });
  }
}, 30_000);
