import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = dirname(fileURLToPath(import.meta.url));
const NODE_ONLY = new Set(["node.ts", "io/files.ts", "io/label-files.ts", "io/vertex-field-files.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the main entry is browser-safe", () => {
  it("no module outside the Node-only entry imports a node: built-in", () => {
    const offenders = sourceFiles(srcDir)
      .map((path) => relative(srcDir, path))
      .filter((path) => !NODE_ONLY.has(path))
      .filter((path) =>
        /from\s+["'](node:|[./]+(io\/)?files\.js|[./]+node\.js)/.test(
          readFileSync(join(srcDir, path), "utf8"),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it("the check sees the Node-only module (negative control)", () => {
    expect(readFileSync(join(srcDir, "io/files.ts"), "utf8")).toMatch(/from\s+["']node:/);
  });

  it("nothing in the main entry reaches the Node-only modules", () => {
    const index = readFileSync(join(srcDir, "index.ts"), "utf8");
    expect(index).not.toMatch(/io\/files\.js|\.\/node\.js/);
  });
});
