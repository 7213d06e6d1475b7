/**
 * Takes the README's screenshot in headless Chromium: builds and serves the viewer with a trained
 * classifier beside it, opens a mesh, lets the classifier predict it, colours the surface by a
 * scalar channel of its first block and draws an order-1 channel as arrows, then saves
 * `docs/screenshot.png` with its colours reduced to a 256-colour palette (upng-js), which keeps
 * the file small. Run with
 * `pnpm --filter @gemcnn/viewer screenshot [--model <dir>] [mesh]` (defaults: the repository's
 * `runs/synth/model`, written by the README's `pnpm gemcnn train … --name synth`, and the bunny).
 */
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import UPNG from "upng-js";
import { launchChromium, openViewer } from "./browser.js";
import { serveStaticBuild } from "./serve.js";

const repository = join(import.meta.dirname, "..", "..", "..");
const output = join(import.meta.dirname, "..", "docs", "screenshot.png");
const { values, positionals } = parseArgs({
  options: { model: { type: "string" } },
  allowPositionals: true,
});
// pnpm runs the script in apps/viewer; paths given on the command line are meant from where it was typed.
const cwd = process.env["INIT_CWD"] ?? process.cwd();
const modelDir = values.model ? resolve(cwd, values.model) : join(repository, "runs", "synth", "model");
const mesh = positionals[0] ?? "bunny";

const served = await serveStaticBuild({
  addFiles: (outDir) => cp(modelDir, join(outDir, "models", "screenshot"), { recursive: true }),
});
const browser = await launchChromium();
try {
  const page = await openViewer(browser, `${served.url}?model=models/screenshot/`, {
    width: 1040,
    height: 640,
  });
  const opened = await page.evaluate((name) => window.__gemcnnViewer!.openBuiltin(name), mesh);
  if (!opened) throw new Error(`could not open the built-in mesh ${JSON.stringify(mesh)}`);
  await page.waitForFunction(
    (name) => {
      const snapshot = window.__gemcnnViewer!.classifier();
      if (snapshot.predictionError || (snapshot.status === "none" && window.__gemcnnViewer!.state().error))
        return true;
      return snapshot.prediction?.mesh === name;
    },
    mesh,
    { timeout: 60_000 },
  );
  const snapshot = await page.evaluate(() => window.__gemcnnViewer!.classifier());
  if (!snapshot.prediction) {
    const error =
      snapshot.predictionError ?? (await page.evaluate(() => window.__gemcnnViewer!.state().error));
    throw new Error(`no prediction for ${mesh}: ${error}`);
  }
  const layer = snapshot.layers[0];
  await page.selectOption("#classifier-layer", layer);
  await page.selectOption("#classifier-scalar", "0");
  await page.selectOption("#classifier-order1", "0");
  await page.evaluate(() => {
    document.getElementById("classifier-panel")!.scrollIntoView({ block: "end" });
    return window.__gemcnnViewer!.nextFrame();
  });
  const png = await page.screenshot({ type: "png" });
  const image = UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
  const rgba = UPNG.toRGBA8(image)[0];
  const small = UPNG.encode([rgba], image.width, image.height, 256);
  await mkdir(join(output, ".."), { recursive: true });
  await writeFile(output, new Uint8Array(small));
  console.log(
    `wrote ${output} (${(small.byteLength / 1024).toFixed(0)} KB): ${mesh} predicted ${snapshot.prediction.best} ` +
      `(${(100 * Math.max(...snapshot.prediction.probabilities)).toFixed(1)}%)`,
  );
} finally {
  await browser.close();
  await served.close();
}
