/**
 * How long the page takes to classify a mesh, per tfjs backend, in headless Chromium: builds and
 * serves the viewer with a trained model beside it, and for each backend (`?backend=`) and mesh
 * predicts once to warm up, then `--repeats` more times (each after a gauge scramble, which makes
 * the page predict from scratch), and prints the median time of each stage. Run with
 * `pnpm --filter @gemcnn/viewer bench [--model <dir>] [--repeats <n>]` (default model: the
 * repository's `runs/synth/model`).
 */
import { cp } from "node:fs/promises";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { launchChromium, openViewer } from "./browser.js";
import { serveStaticBuild } from "./serve.js";

const { values } = parseArgs({
  options: { model: { type: "string" }, repeats: { type: "string", default: "5" } },
});
const cwd = process.env["INIT_CWD"] ?? process.cwd();
const modelDir = values.model
  ? resolve(cwd, values.model)
  : join(import.meta.dirname, "..", "..", "..", "runs", "synth", "model");
const repeats = Number(values.repeats);
const BACKENDS = ["wasm", "webgl", "cpu"];
const MESHES = ["torus", "bumpy sphere", "bunny"];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const served = await serveStaticBuild({
  addFiles: (outDir) => cp(modelDir, join(outDir, "models", "bench"), { recursive: true }),
});
const browser = await launchChromium();
const version = browser.version();
const rows: string[] = [];
try {
  for (const backend of BACKENDS) {
    const page = await openViewer(browser, `${served.url}?backend=${backend}&model=models/bench/`);
    await page.waitForFunction(() => window.__gemcnnViewer!.classifier().status === "ready", undefined, {
      timeout: 60_000,
    });
    const reason = await page.evaluate(() => window.__gemcnnViewer!.classifier().backend);
    for (const mesh of MESHES) {
      await page.evaluate((name) => window.__gemcnnViewer!.openBuiltin(name), mesh);
      const times: { features: number; hierarchy: number; network: number }[] = [];
      for (let run = 0; run <= repeats; run++) {
        if (run > 0) await page.evaluate((seed) => window.__gemcnnViewer!.scrambleGauge({ seed }), run);
        const result = await page.waitForFunction(
          (version) => {
            const h = window.__gemcnnViewer!;
            const snapshot = h.classifier();
            if (snapshot.predictionError) return { error: snapshot.predictionError };
            const status = document.getElementById("classifier-status")?.textContent ?? "";
            return snapshot.prediction?.gaugeVersion === version && h.state().gaugeVersion === version
              ? { status }
              : null;
          },
          run,
          { timeout: 120_000 },
        );
        const value = (await result.jsonValue()) as { error?: string; status?: string };
        if (value.error) {
          times.length = 0;
          rows.push(`${backend.padEnd(6)} ${mesh.padEnd(13)} ${value.error}`);
          break;
        }
        const [features, hierarchy, network] = [...value.status!.matchAll(/(\d+) ms/g)].map((m) =>
          Number(m[1]),
        );
        if (run > 0) times.push({ features, hierarchy, network });
      }
      if (times.length === 0) continue;
      const vertices = await page.evaluate(() => window.__gemcnnViewer!.state().nVertices);
      rows.push(
        `${backend.padEnd(6)} ${mesh.padEnd(13)} ${String(vertices).padStart(5)}  ` +
          `${String(median(times.map((t) => t.features))).padStart(8)}  ` +
          `${String(median(times.map((t) => t.hierarchy))).padStart(9)}  ` +
          `${String(median(times.map((t) => t.network))).padStart(7)}`,
      );
    }
    rows.push(`       (${reason})`);
    await page.close();
  }
} finally {
  await browser.close();
  await served.close();
}
console.log(
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model}, headless Chromium ${version}\n` +
    `pnpm --filter @gemcnn/viewer bench --model ${modelDir} --repeats ${repeats}\n` +
    `median ms of ${repeats} predictions after gauge scrambles\n` +
    "backend mesh         vertices features  levels   network\n" +
    rows.join("\n"),
);
