import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = dirname(fileURLToPath(import.meta.url));
/** Packages the main entry may import: they run in browsers. */
const BROWSER_PACKAGES = new Set(["@gemcnn/geometry", "@gemcnn/gauge"]);

/** Every module reachable from `entry` through relative imports, and every bare import they make. */
function reachable(entry: string): { modules: string[]; bare: Map<string, string> } {
  const modules: string[] = [];
  const bare = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (modules.includes(path)) continue;
    modules.push(path);
    const text = readFileSync(path, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      const specifier = match[1];
      if (specifier.startsWith(".")) pending.push(resolve(dirname(path), specifier.replace(/\.js$/, ".ts")));
      else bare.set(specifier, relative(srcDir, path));
    }
  }
  return { modules, bare };
}

describe("@gemcnn/features is browser-safe", () => {
  it("imports nothing but browser packages, transitively", () => {
    const { modules, bare } = reachable(join(srcDir, "index.ts"));
    expect(modules.map((m) => relative(srcDir, m))).toContain("preprocess.ts");
    const offenders = [...bare].filter(([specifier]) => !BROWSER_PACKAGES.has(specifier));
    expect(offenders).toEqual([]);
  });

  it("negative control: the check finds the Node built-ins this test imports", () => {
    const { bare } = reachable(fileURLToPath(import.meta.url));
    expect([...bare.keys()].filter((specifier) => specifier.startsWith("node:")).length).toBeGreaterThan(0);
  });
});
