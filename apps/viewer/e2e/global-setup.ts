import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, preview } from "vite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** Address of the static build of the viewer, served for the browser tests. */
    viewerUrl: string;
  }
}

const configFile = join(import.meta.dirname, "..", "vite.config.ts");

/**
 * Builds the viewer the way `pnpm --filter @gemcnn/viewer build` does, into a temporary folder,
 * and serves it with Vite's preview server on a free loopback port: the tests run against the
 * static build that users deploy, not the dev server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outDir = mkdtempSync(join(tmpdir(), "gemcnn-viewer-"));
  await build({ configFile, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const server = await preview({
    configFile,
    logLevel: "warn",
    build: { outDir },
    preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview did not report a local address");
  project.provide("viewerUrl", url);
  return async () => {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  };
}
