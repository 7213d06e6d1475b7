import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, test } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("the root README's example is examples/readme.ts, and it runs", async () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = readme.match(/```ts\n([\s\S]*?)```/)?.[1];
  const example = readFileSync(join(root, "examples/readme.ts"), "utf8");
  expect(block).toBeDefined();
  expect(example).toBe(block);
  // Throws (and fails the test) if the layer were not equivariant.
  await import(pathToFileURL(join(root, "examples/readme.ts")).href);
});
