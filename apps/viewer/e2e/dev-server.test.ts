import { join } from "node:path";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchChromium, openViewer } from "./browser.js";

// `pnpm viewer` runs Vite's dev server, which serves the workspace sources module by module rather
// than one bundle: a module that works in the static build can still fail there (Node built-ins
// are the usual culprit), so the dev server gets its own check.
let server: ViteDevServer;

beforeAll(async () => {
  server = await createServer({
    configFile: join(import.meta.dirname, "..", "vite.config.ts"),
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false },
  });
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

test("the dev server's page loads and opens its first mesh", async () => {
  const url = server.resolvedUrls?.local[0];
  expect(url).toBeDefined();
  const browser = await launchChromium();
  try {
    const page = await openViewer(browser, url!);
    const state = await page.evaluate(() => window.__gemcnnViewer!.state());
    expect(state.error).toBeNull();
    expect(state.nVertices).toBeGreaterThan(100);
  } finally {
    await browser.close();
  }
});
