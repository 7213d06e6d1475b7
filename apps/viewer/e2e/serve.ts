import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, preview } from "vite";

const configFile = join(import.meta.dirname, "..", "vite.config.ts");

/** A static build of the viewer served on loopback. */
export interface ServedViewer {
  readonly url: string;
  /** The served folder. */
  readonly outDir: string;
  close(): Promise<void>;
}

/**
 * Builds the viewer the way `pnpm --filter @gemcnn/viewer build` does, into a temporary folder,
 * and serves it with Vite's preview server on a free loopback port, so that tests and the
 * screenshot run against the static build that users deploy. The folder is also what
 * `outDir` reports, so that files added to it are served beside the page.
 */
export async function serveStaticBuild(
  options: {
    /** Adds files to the build folder before the server starts (it lists them only then). */
    addFiles?: (outDir: string) => Promise<void>;
  } = {},
): Promise<ServedViewer> {
  const outDir = mkdtempSync(join(tmpdir(), "gemcnn-viewer-"));
  await build({ configFile, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  await options.addFiles?.(outDir);
  const server = await preview({
    configFile,
    logLevel: "warn",
    build: { outDir },
    preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite preview did not report a local address");
  return {
    url,
    outDir,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
