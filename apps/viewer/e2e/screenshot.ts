/**
 * Takes the README's screenshot in headless Chromium: builds and serves the viewer, opens a mesh,
 * colours it by curvature, picks a vertex and carries a vector around its 1-ring, then saves
 * `docs/screenshot.png`. Run with `pnpm --filter @gemcnn/viewer screenshot`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, openViewer } from "./browser.js";
import { serveStaticBuild } from "./serve.js";

const output = join(import.meta.dirname, "..", "docs", "screenshot.png");
const mesh = process.argv[2];

const served = await serveStaticBuild();
const browser = await launchChromium();
try {
  const page = await openViewer(browser, served.url, { width: 1100, height: 680 });
  if (mesh) {
    const opened = await page.evaluate((name) => window.__gemcnnViewer!.openBuiltin(name), mesh);
    if (!opened) throw new Error(`could not open the built-in mesh ${JSON.stringify(mesh)}`);
  }
  await page.selectOption("#coloring", "curvature");
  await page.check("#show-order2");
  const target = await page.evaluate(() => {
    const h = window.__gemcnnViewer!;
    const canvas = document.getElementById("viewer-canvas")!.getBoundingClientRect();
    const cx = canvas.left + canvas.width * 0.45;
    const cy = canvas.top + canvas.height * 0.4;
    let best: { x: number; y: number; d: number } | null = null;
    for (let v = 0; v < h.state().nVertices; v++) {
      const s = h.vertexOnScreen(v);
      const d = Math.hypot(s.x - cx, s.y - cy);
      if (s.facing && (!best || d < best.d)) best = { x: s.x, y: s.y, d };
    }
    return best;
  });
  if (!target) throw new Error("no vertex faces the camera");
  await page.mouse.click(target.x, target.y);
  await page.evaluate(() => window.__gemcnnViewer!.nextFrame());
  mkdirSync(join(output, ".."), { recursive: true });
  await page.screenshot({ path: output, type: "png" });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await served.close();
}
