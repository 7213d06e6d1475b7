import { cp, rm } from "node:fs/promises";
import { join } from "node:path";
import { createServer, searchForWorkspaceRoot, type ViteDevServer } from "vite";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { launchChromium, openViewer } from "./browser.js";

// `pnpm viewer` runs Vite's dev server, which serves the workspace sources module by module rather
// than one bundle: a module that works in the static build can still fail there (Node built-ins
// are the usual culprit), so the dev server gets its own check. It also serves the repository's
// `runs/` folder, where `gemcnn train` saves models: the test classifier is copied into a run of
// its own there for the duration of the test.
let server: ViteDevServer;
const run = `e2e-dev-server-${process.pid}`;
const runDir = join(searchForWorkspaceRoot(import.meta.dirname), "runs", run);

beforeAll(async () => {
  await cp(inject("tinyClassifier").dir, join(runDir, "model"), { recursive: true });
  server = await createServer({
    configFile: join(import.meta.dirname, "..", "vite.config.ts"),
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false },
  });
  await server.listen();
});
afterAll(async () => {
  await server?.close();
  await rm(runDir, { recursive: true, force: true });
});

test("the dev server's page loads, opens its first mesh and a model of runs/ given by ?model=", async () => {
  const url = server.resolvedUrls?.local[0];
  expect(url).toBeDefined();
  const browser = await launchChromium();
  try {
    const page = await openViewer(browser, `${url}?model=runs/${run}/model/`);
    const state = await page.evaluate(() => window.__gemcnnViewer!.state());
    expect(state.error).toBeNull();
    expect(state.nVertices).toBeGreaterThan(100);
    await page.waitForFunction(() => window.__gemcnnViewer!.classifier().prediction !== null, undefined, {
      timeout: 25_000,
    });
    const { label, prediction } = await page.evaluate(() => window.__gemcnnViewer!.classifier());
    expect(label).toBe(`/runs/${run}/model/`);
    const expected = inject("tinyClassifier").expected[prediction!.mesh].probabilities;
    expect(Math.max(...prediction!.probabilities.map((p, c) => Math.abs(p - expected[c])))).toBeLessThan(
      1e-5,
    );
  } finally {
    await browser.close();
  }
});
