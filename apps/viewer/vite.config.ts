import { existsSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { defaultClientConditions, defineConfig, type Plugin, searchForWorkspaceRoot } from "vite";

/**
 * In the dev server, `/runs/…` serves the repository's `runs/` folder, where `gemcnn train` writes
 * its runs: a trained model opens in the page as `?model=runs/<name>/model/`. The request is
 * handed to Vite's own file serving (`/@fs/`), which keeps to the workspace.
 */
function serveTrainingRuns(): Plugin {
  const runs = join(searchForWorkspaceRoot(import.meta.dirname), "runs");
  return {
    name: "gemcnn-serve-training-runs",
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (!request.url?.startsWith("/runs/")) return next();
        const path = resolve(runs, decodeURIComponent(request.url.slice("/runs/".length).split("?")[0]));
        // A missing file is a 404 here, not the page that Vite's fallback would send.
        if (!path.startsWith(runs + sep) || !existsSync(path)) {
          response.statusCode = 404;
          response.end();
          return;
        }
        request.url = `/@fs${path}`;
        next();
      });
    },
  };
}

// Workspace packages export their TypeScript sources under the "source" condition, so the page
// runs on the current code of @gemcnn/* without building them first.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [serveTrainingRuns()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
