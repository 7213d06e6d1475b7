import { defaultClientConditions, defineConfig, type Plugin } from "vite";

const STUB_PREFIX = "\0gemcnn-node-stub:";

/**
 * Replaces Node's built-in modules with stubs whose every export throws when called. The geometry
 * package's index also exports its file helpers (readMesh, writeMeshFile), which import node:fs,
 * node:path and node:crypto; the page never calls them, but Vite's own placeholder for built-ins
 * throws as soon as a named import is read, which stops the dev server's page from loading.
 */
function nodeBuiltinStubs(): Plugin {
  return {
    name: "gemcnn:node-builtin-stubs",
    enforce: "pre",
    resolveId(id) {
      return id.startsWith("node:") ? STUB_PREFIX + id : undefined;
    },
    async load(id) {
      if (!id.startsWith(STUB_PREFIX)) return undefined;
      const builtin = id.slice(STUB_PREFIX.length);
      const names = Object.keys(await import(builtin)).filter(
        (name) => name !== "default" && /^[A-Za-z_$][\w$]*$/.test(name),
      );
      const thrower = (name: string) =>
        `export function ${name}() { throw new Error(${JSON.stringify(`${builtin}: ${name} is not available in the browser`)}); }`;
      return [...names.map(thrower), "export default {};"].join("\n");
    },
  };
}

// Workspace packages export their TypeScript sources under the "source" condition, so the page
// runs on the current code of @gemcnn/* without building them first.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  plugins: [nodeBuiltinStubs()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
