/**
 * Takes the README's screenshot in headless Chromium: builds and serves the viewer, opens a mesh,
 * colours it by curvature, picks a vertex and carries a vector around its 1-ring, then saves
 * `docs/screenshot.png`. Run with `pnpm --filter @gemcnn/viewer screenshot [mesh]` (default: the torus).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, openViewer } from "./browser.js";
import { serveStaticBuild } from "./serve.js";

const output = join(import.meta.dirname, "..", "docs", "screenshot.png");
const mesh = process.argv[2] ?? "torus";

const served = await serveStaticBuild();
const browser = await launchChromium();
try {
  const page = await openViewer(browser, served.url, { width: 1040, height: 640 });
  if (mesh) {
    const opened = await page.evaluate((name) => window.__gemcnnViewer!.openBuiltin(name), mesh);
    if (!opened) throw new Error(`could not open the built-in mesh ${JSON.stringify(mesh)}`);
  }
  await page.selectOption("#coloring", "curvature");
  await page.check("#show-order2");
  // The facing vertex of largest curvature near the middle of the uncovered view, so that the
  // loop's holonomy is clearly non-zero.
  const target = await page.evaluate(() => {
    const h = window.__gemcnnViewer!;
    const canvas = document.getElementById("viewer-canvas")!.getBoundingClientRect();
    const inspector = document.getElementById("inspector")!.getBoundingClientRect();
    const cx = (canvas.left + inspector.left) / 2;
    const cy = canvas.top + canvas.height / 2;
    const reach = 0.3 * canvas.height;
    let best: { x: number; y: number; k: number } | null = null;
    for (let v = 0; v < h.state().nVertices; v++) {
      const s = h.vertexOnScreen(v);
      const k = Math.abs(h.curvature(v).density);
      if (s.facing && Math.hypot(s.x - cx, s.y - cy) < reach && (!best || k > best.k))
        best = { x: s.x, y: s.y, k };
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
