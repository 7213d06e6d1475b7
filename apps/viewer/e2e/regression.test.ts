import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import type { FieldsSnapshot, RegressionSnapshot } from "../src/inspection-hook.js";
import { dropFile, launchChromium, openViewer } from "./browser.js";
import { maxPointDifference } from "./compare.js";

/**
 * The page and Node run the same preprocessing, the same `networkInput` and the same float32
 * network on the same float32 input (see classifier.test.ts), so the predictions agree to float32
 * rounding of the output, about 1e-6 of its size; 1e-5 of the largest value leaves a margin. Under
 * a gauge change float32 sums run in another order: the same bound holds in the mesh's
 * coordinates, while features left in the old gauge move the prediction by far more.
 */
const RELATIVE_TOLERANCE = 1e-5;
/** Drawn glyph end points (float32 coordinates of size about 1). */
const GLYPH_TOLERANCE = 2e-5;
const POLL = { timeout: 20_000 };

let browser: Browser;
let page: Page;
const models = inject("regressionModels");

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

const regression = (): Promise<RegressionSnapshot> =>
  page.evaluate(() => window.__gemcnnViewer!.regression());
const fields = (): Promise<FieldsSnapshot> => page.evaluate(() => window.__gemcnnViewer!.fields());
const state = () => page.evaluate(() => window.__gemcnnViewer!.state());
const glyphs = (layer: "order1" | "prediction") =>
  page.evaluate((layer) => window.__gemcnnViewer!.glyphs(layer), layer);
const loadByUrl = (url: string): Promise<boolean> =>
  page.evaluate((url) => window.__gemcnnViewer!.loadClassifierUrl(url), url);

async function openTorus(): Promise<void> {
  if ((await state()).mesh !== "torus") await page.selectOption("#mesh-select", "torus");
}

/** The last prediction once it is of the open mesh in `gaugeVersion`. */
async function prediction(gaugeVersion: number): Promise<NonNullable<RegressionSnapshot["prediction"]>> {
  await expect
    .poll(async () => {
      const p = (await regression()).prediction;
      return p?.mesh === "torus" && p.gaugeVersion === gaugeVersion;
    }, POLL)
    .toBe(true);
  return (await regression()).prediction!;
}

/** Largest difference over the columns, and the largest magnitude of `b`. */
function compare(a: Record<string, (number | null)[]>, b: Record<string, number[]>) {
  let difference = 0;
  let scale = 0;
  for (const [name, column] of Object.entries(b)) {
    expect(a[name]?.length, name).toBe(column.length);
    column.forEach((x, v) => {
      difference = Math.max(difference, Math.abs((a[name][v] ?? Number.NaN) - x));
      scale = Math.max(scale, Math.abs(x));
    });
  }
  return { difference: Number.isNaN(difference) ? Number.POSITIVE_INFINITY : difference, scale };
}

describe("a regression model saved in Node", () => {
  test("predicts the field file's mesh as Node does and shows <name>_predicted beside the truth", async () => {
    await openTorus();
    expect(await loadByUrl(models.regressorUrl)).toBe(true);
    const loaded = await regression();
    expect(loaded).toMatchObject({
      status: "ready",
      target: "temperature:0+wind:1",
      inputFields: ["pressure"],
    });
    expect(loaded.backend).toContain("wasm");
    expect(await page.textContent("#classifier-info")).toContain(
      "regression of wind (vector), temperature (scalar)",
    );
    // Without a field file the page says what to open.
    expect((await state()).notice).toContain("open the mesh's field file (with pressure (scalar))");

    await dropFile(page, "torus.csv", models.torusCsv);
    await expect.poll(async () => (await fields()).source, POLL).toBe("torus.csv");
    const predicted = await prediction(0);
    const { difference, scale } = compare(predicted.ambient, models.predicted);
    expect(scale).toBeGreaterThan(1e-3);
    expect(difference).toBeLessThan(RELATIVE_TOLERANCE * scale);

    const snapshot = await fields();
    expect(snapshot.pairs).toEqual(
      expect.arrayContaining([
        { truth: "temperature", prediction: "temperature_predicted" },
        { truth: "wind", prediction: "wind_predicted" },
      ]),
    );
    expect(snapshot.notes.join("\n")).toContain("predicted by");
    // The pair is drawn: the truth's arrows and the prediction's beside them.
    await page.evaluate(() =>
      window.__gemcnnViewer!.chooseFields({ glyph: "pair:wind", color: "pair:wind" }),
    );
    expect((await glyphs("order1")).visible).toBe(true);
    expect((await glyphs("prediction")).visible).toBe(true);
    expect((await glyphs("prediction")).segments.length).toBe(512 * 18);
    expect((await fields()).statusText).toMatch(/wind_predicted against wind: angular error: mean [0-9.]+°/);
    expect((await state()).error).toBeNull();
  });

  test("a scrambled gauge leaves the prediction and its arrows in place; features left in the old gauge move them", async () => {
    await openTorus();
    await loadByUrl(models.regressorUrl);
    await dropFile(page, "torus.csv", models.torusCsv);
    const reference = await prediction(0);
    await page.evaluate(() => window.__gemcnnViewer!.chooseFields({ glyph: "pair:wind" }));
    const arrows = await glyphs("prediction");
    await page.click("#scramble-gauge");
    const version = (await state()).gaugeVersion;
    expect(version).toBeGreaterThan(0);
    // The fields are recomputed when drawn: the glyphs read them, and so the new prediction.
    const turnedArrows = await glyphs("prediction");
    const turned = await prediction(version);
    const asNumbers = Object.fromEntries(
      Object.entries(reference.ambient).map(([k, c]) => [k, c.map((x) => x ?? Number.NaN)]),
    );
    const { difference, scale } = compare(turned.ambient, asNumbers);
    expect(difference).toBeLessThan(RELATIVE_TOLERANCE * scale);
    expect(maxPointDifference(arrows.segments, turnedArrows.segments)).toBeLessThan(GLYPH_TOLERANCE);

    await page.evaluate(() => window.__gemcnnViewer!.scrambleGauge({ seed: 4, transformFields: false }));
    const brokenVersion = (await state()).gaugeVersion;
    await glyphs("prediction");
    const broken = await prediction(brokenVersion);
    expect(compare(broken.ambient, asNumbers).difference).toBeGreaterThan(1e-2 * scale);
  });

  test("missing input columns, a mismatched input type and another target are refused in one line", async () => {
    await openTorus();
    await loadByUrl(models.regressorUrl);
    await dropFile(page, "nopressure.csv", models.torusCsvWithoutPressure);
    await expect
      .poll(async () => (await state()).error, POLL)
      .toMatch(
        /^nopressure\.csv: no column\(s\) "pressure", which .*regressor.* reads as its input field\(s\) pressure \(scalar\)$/,
      );
    // The file's own fields are still shown, without a prediction.
    expect((await fields()).source).toBe("nopressure.csv");
    expect((await fields()).fields.map((f) => f.name)).not.toContain("wind_predicted");

    const cases: [string, RegExp][] = [
      [
        models.inputMismatchUrl,
        /the model reads features of type 6x0\+2x1\+1x2, but its preprocessing options and input fields give 7x0\+2x1\+1x2 here/,
      ],
      [
        models.outputMismatchUrl,
        /the model outputs fields of type 1x0\+1x1, but gemcnn\.json declares the target wind:1/,
      ],
    ];
    for (const [url, message] of cases) {
      expect(await loadByUrl(url)).toBe(false);
      const error = (await state()).error;
      expect(error).toMatch(message);
      expect(error).not.toContain("\n");
      // The model loaded before stays.
      expect((await regression()).label).toMatch(/regressor\/?$/);
    }
    // A good file afterwards gets the prediction.
    await dropFile(page, "torus.csv", models.torusCsv);
    await expect.poll(async () => (await fields()).source, POLL).toBe("torus.csv");
    expect((await fields()).fields.map((f) => f.name)).toContain("wind_predicted");
  });
});
