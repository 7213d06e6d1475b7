import { defaultClientConditions, defineConfig } from "vite";

// Workspace packages export their TypeScript sources under the "source" condition, so the page
// runs on the current code of @gemcnn/* without building them first.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  resolve: { conditions: ["source", ...defaultClientConditions] },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
