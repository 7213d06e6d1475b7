/**
 * How long the page takes to run a FAUST-size correspondence model: a 6,890-vertex registration
 * (geometry's `articulatedBodies`, a FAUST-like body) and a 6,890-way head (nn's
 * `buildGemCorrespondence`, embedding 64, untrained: time does not depend on the weights), saved
 * as a model directory under the per-vertex contract (e2e/per-vertex-models.ts) and served beside
 * the static build; in headless Chromium on the page's backend (wasm unless `--backend`), the body
 * is dropped as an OBJ file, predicted once to warm up, then `--repeats` more times (each after a
 * gauge scramble, which makes the page predict from scratch); prints the median time of each
 * stage. Run with `pnpm --filter @gemcnn/viewer bench:pervertex [--vertices n] [--repeats n]`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fitInputNormalization, type PreprocessOptions, preprocessMeshData } from "@gemcnn/features";
import { articulatedBodies } from "@gemcnn/geometry";
import { buildGemCorrespondence, initBackend, saveModel } from "@gemcnn/nn";
import { launchChromium, openViewer } from "./browser.js";
import { templatePly } from "./per-vertex-models.js";
import { serveStaticBuild } from "./serve.js";

const { values } = parseArgs({
  options: {
    vertices: { type: "string", default: "6890" },
    repeats: { type: "string", default: "3" },
    backend: { type: "string", default: "wasm" },
  },
});
const repeats = Number(values.repeats);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await initBackend({ backend: "wasm" });
const [body] = articulatedBodies({ shapes: 1, poses: 1, vertices: Number(values.vertices) });
const data = body.data;
const n = data.positions.length / 3;
const preprocess: PreprocessOptions = {
  features: { kinds: ["moments", "curvature"], hksEigenpairs: 128, hksTimeCount: 2 },
  repair: false,
  largestComponentOnly: true,
};
const input = fitInputNormalization([preprocessMeshData(data, "body", preprocess)]);
const architecture = {
  blocks: [
    { fieldType: "16x0+8x1+4x2" },
    { fieldType: "16x0+8x1+4x2", pool: true },
    { fieldType: "16x0+8x1+4x2", pool: true },
  ],
  rings: 2,
  embedding: 64,
};
const model = buildGemCorrespondence({ inputType: input.fieldType, classes: n, ...architecture });
const root = await mkdtemp(join(tmpdir(), "gemcnn-bench-pervertex-"));
const dir = join(root, "correspondence");
await saveModel(model, dir);
await writeFile(
  join(dir, "gemcnn.json"),
  JSON.stringify({
    format: "gemcnn-classifier",
    version: 3,
    kind: "gemcnn",
    task: "correspondence",
    classes: [],
    template: { file: "template.ply", vertexCount: n },
    preprocess,
    input,
    architecture,
    seed: 1,
  }),
);
await writeFile(join(dir, "template.ply"), templatePly(data));
const obj = [
  ...Array.from({ length: n }, (_, v) => `v ${data.positions.slice(3 * v, 3 * v + 3).join(" ")}`),
  ...Array.from(
    { length: data.triangles.length / 3 },
    (_, f) => `f ${Array.from(data.triangles.slice(3 * f, 3 * f + 3), (i) => i + 1).join(" ")}`,
  ),
].join("\n");

const served = await serveStaticBuild({
  addFiles: async (outDir) => {
    const { cp } = await import("node:fs/promises");
    await cp(dir, join(outDir, "models", "bench"), { recursive: true });
  },
});
const browser = await launchChromium();
const lines: string[] = [];
let version = "";
try {
  const page = await openViewer(browser, `${served.url}?backend=${values.backend}`);
  const loaded = await page.evaluate(() => window.__gemcnnViewer!.loadClassifierUrl("models/bench/"));
  if (!loaded) throw new Error(String((await page.evaluate(() => window.__gemcnnViewer!.state())).error));
  const backend = await page.evaluate(() => window.__gemcnnViewer!.perVertex().backend);
  version = browser.version();
  const { dropFile } = await import("./browser.js");
  await dropFile(page, "body.obj", obj);
  const times: number[][] = [];
  for (let run = 0; run <= repeats; run++) {
    if (run > 0) await page.evaluate((seed) => window.__gemcnnViewer!.scrambleGauge({ seed }), run);
    const handle = await page.waitForFunction(
      (version) => {
        const snapshot = window.__gemcnnViewer!.perVertex();
        if (snapshot.predictionError) return { error: snapshot.predictionError };
        return snapshot.prediction?.mesh === "body.obj" && snapshot.prediction.gaugeVersion === version
          ? { status: snapshot.statusText, accuracy: snapshot.accuracy }
          : null;
      },
      run,
      { timeout: 300_000, polling: 200 },
    );
    const value = (await handle.jsonValue()) as { error?: string; status?: string };
    if (value.error) throw new Error(value.error);
    const stage = [...value.status!.matchAll(/(\d+) ms/g)].map((m) => Number(m[1]));
    if (run > 0) times.push(stage);
  }
  lines.push(
    `${n} vertices, ${n} template vertices: features ${median(times.map((t) => t[0]))} ms, ` +
      `mesh levels ${median(times.map((t) => t[1]))} ms, network ${median(times.map((t) => t[2]))} ms (${backend})`,
  );
} finally {
  await browser.close();
  await served.close();
  await rm(root, { recursive: true, force: true });
}
console.log(
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, headless Chromium ${version}\n` +
    `pnpm --filter @gemcnn/viewer bench:pervertex --vertices ${values.vertices} --repeats ${repeats} --backend ${values.backend}\n` +
    `median of ${repeats} predictions after gauge scrambles\n${lines.join("\n")}`,
);
