import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import type { ClassifierSnapshot } from "../src/inspection-hook.js";
import { dropFile, launchChromium, openViewer } from "./browser.js";
import { maxPointDifference } from "./compare.js";

/**
 * The page and Node run the same float64 preprocessing and the same float32 network (tfjs wasm
 * with nn's SIMD kernels in both), so logits agree to float32 rounding of sums of a few hundred
 * terms, about 1e-6 of their size; probabilities are softmaxes of those logits (slope below 1/4).
 * 1e-5 leaves room for a different order of summation; a wrong input or graph moves them by 1e-3
 * or more (the negative controls).
 */
const PROBABILITY_TOLERANCE = 1e-5;
/** Drawn glyph end points (float32 coordinates below 2 of network outputs, see viewer.test.ts). */
const GLYPH_TOLERANCE = 2e-5;
/** Generous: predictions run after a frame, and CI shares two cores with the other projects. */
const POLL = { timeout: 20_000 };

let browser: Browser;
let page: Page;
const tiny = inject("tinyClassifier");

beforeAll(async () => {
  browser = await launchChromium();
  page = await openViewer(browser, inject("viewerUrl"));
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  await page.evaluate(() => window.__gemcnnViewer!.reset());
});

const classifier = (): Promise<ClassifierSnapshot> =>
  page.evaluate(() => window.__gemcnnViewer!.classifier());
const state = () => page.evaluate(() => window.__gemcnnViewer!.state());

/** Types `url` into the Classifier panel and presses Load; resolves when loading has finished. */
async function loadByUrl(url: string): Promise<void> {
  await page.fill("#classifier-url", url);
  await page.click("#classifier-load-url");
  await expect.poll(async () => (await classifier()).status, POLL).not.toBe("loading");
}

/** The prediction for the open mesh once it is computed for `gaugeVersion` (throws on a prediction error). */
async function prediction(gaugeVersion = 0): Promise<NonNullable<ClassifierSnapshot["prediction"]>> {
  const mesh = (await state()).mesh;
  await expect
    .poll(async () => {
      const snapshot = await classifier();
      if (snapshot.predictionError) throw new Error(snapshot.predictionError);
      return snapshot.prediction?.mesh === mesh && snapshot.prediction.gaugeVersion === gaugeVersion;
    }, POLL)
    .toBe(true);
  return (await classifier()).prediction!;
}

function maxDifference(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

describe("a classifier trained and saved in Node", () => {
  test("loaded from its URL, it predicts the open meshes as Node does, with a bar per class", async () => {
    await loadByUrl(tiny.url);
    const loaded = await classifier();
    expect(loaded.status).toBe("ready");
    expect(loaded.classes).toEqual(tiny.classes);
    expect(loaded.backend).toMatch(/^wasm/);
    expect((await state()).error).toBeNull();

    for (const mesh of Object.keys(tiny.expected)) {
      if ((await state()).mesh !== mesh) await page.selectOption("#mesh-select", mesh);
      const predicted = await prediction();
      expect(predicted.mesh).toBe(mesh);
      expect(maxDifference(predicted.probabilities, tiny.expected[mesh].probabilities)).toBeLessThan(
        PROBABILITY_TOLERANCE,
      );
      // The chart: one row per class, the best one marked, widths as the probabilities.
      const rows = page.locator("#classifier-chart .class-row");
      expect(await rows.count()).toBe(tiny.classes.length);
      expect(await page.locator("#classifier-chart .class-row.best").getAttribute("data-class")).toBe(
        predicted.best,
      );
      const best = predicted.probabilities.indexOf(Math.max(...predicted.probabilities));
      expect(await rows.nth(best).locator(".class-value").textContent()).toBe(
        `${(100 * predicted.probabilities[best]).toFixed(1)}%`,
      );
      expect(await page.textContent("#classifier-status")).toContain(`${mesh}: ${predicted.best}`);
    }
  });

  test("loaded from its directory in the file input, it predicts the same", async () => {
    await page.setInputFiles("#classifier-files", tiny.dir);
    await expect.poll(async () => (await classifier()).status, POLL).toBe("ready");
    const mesh = (await state()).mesh!;
    expect(maxDifference((await prediction()).probabilities, tiny.expected[mesh].probabilities)).toBeLessThan(
      PROBABILITY_TOLERANCE,
    );
  });

  test("its three files dropped on the view load it, rather than open as a mesh", async () => {
    const files = await Promise.all(
      ["model.json", "weights.bin", "gemcnn.json"].map(async (name) => ({
        name,
        bytes: Array.from(await readFile(join(tiny.dir, name))),
      })),
    );
    const mesh = (await state()).mesh;
    const dataTransfer = await page.evaluateHandle((entries) => {
      const transfer = new DataTransfer();
      for (const { name, bytes } of entries) transfer.items.add(new File([Uint8Array.from(bytes)], name));
      return transfer;
    }, files);
    await page.dispatchEvent("#viewport", "drop", { dataTransfer });
    await expect.poll(async () => (await classifier()).status, POLL).toBe("ready");
    expect((await state()).mesh).toBe(mesh);
    expect(
      maxDifference((await prediction()).probabilities, tiny.expected[mesh!].probabilities),
    ).toBeLessThan(PROBABILITY_TOLERANCE);
  });

  test("scrambling the gauge leaves its probabilities unchanged; features left in the old gauge change them", async () => {
    await loadByUrl(tiny.url);
    const before = await prediction(0);
    await page.click("#scramble-gauge");
    const after = await prediction(1);
    expect(maxDifference(before.probabilities, after.probabilities)).toBeLessThan(PROBABILITY_TOLERANCE);
    expect((await classifier()).changeSinceReference).toBeLessThan(PROBABILITY_TOLERANCE);
    expect(await page.textContent("#classifier-status")).toMatch(
      /largest change of a probability since the reference gauge/,
    );

    // Negative control: the frames turn, the features' numbers do not.
    await page.evaluate(() => window.__gemcnnViewer!.scrambleGauge({ seed: 3, transformFields: false }));
    const broken = await prediction(2);
    expect(maxDifference(before.logits, broken.logits)).toBeGreaterThan(1e-3);
  });

  test("a layer's channels are drawn as colours and arrows, and stay put when the gauge is scrambled", async () => {
    await loadByUrl(tiny.url);
    await prediction();
    expect((await classifier()).layers).toContain("block0");
    await page.selectOption("#classifier-layer", "block0");
    await page.selectOption("#classifier-order1", "1");
    await page.selectOption("#classifier-scalar", "2");
    expect(await page.inputValue("#coloring")).toBe("classifier");
    expect(await page.inputValue("#field-source")).toBe("classifier");
    const glyphs = () => page.evaluate(() => window.__gemcnnViewer!.glyphs("order1"));
    const colours = () => page.evaluate(() => window.__gemcnnViewer!.surfaceColors());
    const arrows = await glyphs();
    expect(arrows.visible).toBe(true);
    expect(arrows.segments.length).toBeGreaterThan(0);
    const before = await colours();
    expect(new Set(before.map((c) => c.toFixed(2))).size).toBeGreaterThan(20);

    await page.click("#scramble-gauge");
    await prediction(1);
    expect(maxPointDifference(arrows.segments, (await glyphs()).segments)).toBeLessThan(GLYPH_TOLERANCE);
    expect(maxPointDifference(before, await colours())).toBeLessThan(1e-3);
  });
});

describe("errors", () => {
  test("a broken model directory shows an error naming the file, and the page keeps working", async () => {
    await loadByUrl(tiny.brokenUrl);
    expect((await state()).error).toMatch(/weights\.bin/);
    expect((await state()).error).toMatch(/missing/);
    expect((await classifier()).status).toBe("none");

    // A description asking for features the page does not know, chosen as a directory.
    await page.setInputFiles("#classifier-files", tiny.unknownFeaturesDir);
    await expect
      .poll(async () => (await state()).error, POLL)
      .toMatch(/gemcnn\.json: .*cannot be computed by this page/);

    // A good model loads afterwards, and a bad one after it leaves it in place.
    await loadByUrl(tiny.url);
    expect((await state()).error).toBeNull();
    await prediction();
    await loadByUrl(tiny.brokenUrl);
    expect((await classifier()).status).toBe("ready");
    expect(await page.textContent("#classifier-info")).toMatch(/^Still using/);
    await page.selectOption("#mesh-select", "torus");
    expect((await prediction()).mesh).toBe("torus");
  });

  test("a model with heat-kernel features predicts every built-in mesh, the bunny too", async () => {
    await loadByUrl(tiny.hksUrl);
    expect((await classifier()).status).toBe("ready");
    for (const mesh of ["bumpy sphere", "bunny"]) {
      if ((await state()).mesh !== mesh) await page.selectOption("#mesh-select", mesh);
      const predicted = await prediction();
      expect(predicted.mesh).toBe(mesh);
      expect(predicted.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  test("a mesh the model's features cannot be computed on shows why, and other meshes are still predicted", async () => {
    // Every component kept and 5 eigenpairs: on five separate octahedra the heat kernel has only
    // zero eigenvalues.
    await loadByUrl(tiny.noTimeScaleUrl);
    expect((await classifier()).status).toBe("ready");
    const octahedron = {
      v: ["1 0 0", "-1 0 0", "0 1 0", "0 -1 0", "0 0 1", "0 0 -1"],
      f: ["1 3 5", "3 2 5", "2 4 5", "4 1 5", "3 1 6", "2 3 6", "4 2 6", "1 4 6"],
    };
    const lines: string[] = [];
    for (let copy = 0; copy < 5; copy++) {
      for (const v of octahedron.v) {
        const [x, y, z] = v.split(" ").map(Number);
        lines.push(`v ${x + 3 * copy} ${y} ${z}`);
      }
      for (const f of octahedron.f)
        lines.push(
          `f ${f
            .split(" ")
            .map((i) => Number(i) + 6 * copy)
            .join(" ")}`,
        );
    }
    await dropFile(page, "five-octahedra.obj", `${lines.join("\n")}\n`);
    await expect.poll(async () => (await state()).mesh, POLL).toMatch(/five-octahedra/);
    await expect
      .poll(async () => (await classifier()).predictionError, POLL)
      .toMatch(/five-octahedra.*no time scale/);
    expect(await page.getAttribute("#classifier-status", "class")).toContain("error");
    await page.selectOption("#mesh-select", "grid");
    expect((await prediction()).mesh).toBe("grid");
  });
});
