import { formatLabels, torus, writePlyWithVertexProperties } from "@gemcnn/geometry";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from "vitest";
import { carryColors, labelColors, templateColors } from "../src/fields/palette.js";
import type { FieldsSnapshot, PerVertexSnapshot } from "../src/inspection-hook.js";
import { dropFile, dropFiles, launchChromium, openViewer } from "./browser.js";
import { maxPointDifference } from "./compare.js";

/**
 * The page and Node run the same preprocessing and the same float32 network (see
 * classifier.test.ts), so probabilities agree to about 1e-6; a label can flip only where two
 * logits tie to float32 rounding, which a wrong input or graph would make the rule, not the
 * exception (the gauge negative control below changes most of them).
 */
const PROBABILITY_TOLERANCE = 1e-5;
/** Drawn colours are float32; the palette's are exact fractions of 255. */
const COLOR_TOLERANCE = 1e-6;
/** Drawn glyph end points (float32 coordinates of size about 1). */
const GLYPH_TOLERANCE = 2e-5;
const POLL = { timeout: 20_000 };

let browser: Browser;
let page: Page;
const models = inject("perVertexModels");
const TORUS = torus();

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

const perVertex = (): Promise<PerVertexSnapshot> => page.evaluate(() => window.__gemcnnViewer!.perVertex());
const fields = (): Promise<FieldsSnapshot> => page.evaluate(() => window.__gemcnnViewer!.fields());
const state = () => page.evaluate(() => window.__gemcnnViewer!.state());
const colors = () => page.evaluate(() => window.__gemcnnViewer!.surfaceColors());
const glyphs = (layer: "order1" | "order2" | "prediction") =>
  page.evaluate((layer) => window.__gemcnnViewer!.glyphs(layer), layer);

/** Loads a model by URL as the panel's Load button does; resolves once it has loaded or failed. */
async function loadByUrl(url: string): Promise<boolean> {
  return page.evaluate((url) => window.__gemcnnViewer!.loadClassifierUrl(url), url);
}

async function open(mesh: string): Promise<void> {
  if ((await state()).mesh !== mesh) await page.selectOption("#mesh-select", mesh);
}

/** The prediction for the open mesh once computed in `gaugeVersion` (throws on a prediction error). */
async function prediction(gaugeVersion = 0): Promise<NonNullable<PerVertexSnapshot["prediction"]>> {
  const mesh = (await state()).mesh;
  await expect
    .poll(async () => {
      const snapshot = await perVertex();
      if (snapshot.predictionError) throw new Error(snapshot.predictionError);
      return snapshot.prediction?.mesh === mesh && snapshot.prediction.gaugeVersion === gaugeVersion;
    }, POLL)
    .toBe(true);
  return (await perVertex()).prediction!;
}

const fractionEqual = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return a.filter((x, i) => x === b[i]).length / a.length;
};
const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

describe("a segmentation model saved in Node", () => {
  test("predicts the open meshes' parts as Node does and colours them by part, with a legend", async () => {
    await loadByUrl(models.segmenterUrl);
    const loaded = await perVertex();
    expect(loaded.status).toBe("ready");
    expect(loaded.task).toBe("segmentation");
    expect(loaded.classes).toEqual(models.parts);
    expect(loaded.backend).toMatch(/^wasm/);
    expect((await state()).error).toBeNull();
    for (const mesh of Object.keys(models.segmented)) {
      await open(mesh);
      const predicted = await prediction();
      const expected = models.segmented[mesh];
      expect(fractionEqual(predicted.labels, expected.labels)).toBeGreaterThan(0.99);
      const same = predicted.labels.map((l, v) => l === expected.labels[v]);
      expect(
        maxDifference(
          predicted.probability.filter((_, v) => same[v]),
          expected.probability.filter((_, v) => same[v]),
        ),
      ).toBeLessThan(PROBABILITY_TOLERANCE);
      expect(new Set(predicted.labels).size).toBeGreaterThan(1);
      expect(maxDifference(await colors(), labelColors(predicted.labels))).toBeLessThan(COLOR_TOLERANCE);
    }
    const legend = await page.$$eval("#pervertex-legend .part", (parts) =>
      parts.map((p) => p.getAttribute("data-part")),
    );
    expect(legend).toEqual([...models.parts, "unlabelled"]);
  });

  test("with a .vseg file it shows the true parts, the wrong vertices and the per-vertex accuracy", async () => {
    await loadByUrl(models.segmenterUrl);
    await open("torus");
    const predicted = await prediction();
    await dropFile(page, "torus.vseg", formatLabels(models.torusParts.vertex));
    await expect.poll(async () => (await perVertex()).truth?.length, POLL).toBe(512);
    const snapshot = await perVertex();
    expect(snapshot.truth).toEqual(models.torusParts.vertex);
    const expected = fractionEqual(models.segmented.torus.labels, models.torusParts.vertex);
    expect(Math.abs(snapshot.accuracy! - expected)).toBeLessThanOrEqual(1 / 512 + 1e-12);
    expect(snapshot.statusText).toContain(`per-vertex accuracy ${(100 * snapshot.accuracy!).toFixed(2)}%`);
    expect(snapshot.statusText).toContain("torus.vseg");

    await page.selectOption("#pervertex-view", "true");
    expect(maxDifference(await colors(), labelColors(models.torusParts.vertex))).toBeLessThan(
      COLOR_TOLERANCE,
    );
    // The error view: wrong and right vertices at the two ends of the map.
    await page.selectOption("#pervertex-view", "error");
    const drawn = await colors();
    const wrong = predicted.labels.findIndex((l, v) => l !== models.torusParts.vertex[v]);
    const right = predicted.labels.findIndex((l, v) => l === models.torusParts.vertex[v]);
    expect(wrong).toBeGreaterThanOrEqual(0);
    expect(
      maxDifference(drawn.slice(3 * wrong, 3 * wrong + 3), drawn.slice(3 * right, 3 * right + 3)),
    ).toBeGreaterThan(0.3);
  });

  test("a .seg file (per face) becomes per-vertex labels by area majority", async () => {
    await loadByUrl(models.segmenterUrl);
    await open("torus");
    await dropFile(page, "torus.seg", formatLabels(models.torusParts.face));
    await expect.poll(async () => (await perVertex()).truth, POLL).toEqual(models.torusParts.faceToVertex);
    expect((await perVertex()).statusText).toContain("per face, per vertex by area majority");
  });

  test("the labels stay the same after a gauge change; features left in the old gauge change them", async () => {
    await loadByUrl(models.segmenterUrl);
    await open("bumpy sphere");
    const reference = await prediction();
    await page.click("#scramble-gauge");
    const turned = await prediction(1);
    expect(fractionEqual(turned.labels, reference.labels)).toBeGreaterThan(0.99);
    expect(maxDifference(turned.probability, reference.probability)).toBeLessThan(PROBABILITY_TOLERANCE);
    await page.evaluate(() => window.__gemcnnViewer!.scrambleGauge({ seed: 9, transformFields: false }));
    const broken = await prediction(2);
    expect(maxDifference(broken.probability, reference.probability)).toBeGreaterThan(1e-3);
  });

  test("a label file of the wrong count names the file and the counts, and the labels before stay", async () => {
    await loadByUrl(models.segmenterUrl);
    await open("torus");
    await dropFile(page, "torus.vseg", formatLabels(models.torusParts.vertex));
    await expect.poll(async () => (await perVertex()).truth?.length, POLL).toBe(512);
    await dropFile(page, "short.vseg", formatLabels(models.torusParts.vertex.slice(0, 100)));
    await expect
      .poll(async () => (await state()).error, POLL)
      .toMatch(/^short\.vseg: 100 labels for a mesh of 512 vertices/);
    expect((await perVertex()).truth).toEqual(models.torusParts.vertex);
    // Labels beyond the model's parts are shown, with a note.
    await dropFile(page, "many.vseg", formatLabels(models.torusParts.vertex.map((l) => l + 5)));
    await expect
      .poll(async () => (await perVertex()).statusText, POLL)
      .toContain("note: many.vseg has labels up to 7, but the model knows parts 0 to 2");
    expect((await perVertex()).accuracy).toBe(0);
    await dropFile(page, "bad.seg", "0\n1\nleg\n");
    await expect.poll(async () => (await state()).error, POLL).toMatch(/^bad\.seg, line 3: /);
  });

  test("a mesh dropped with its label file opens with them", async () => {
    await loadByUrl(models.segmenterUrl);
    const obj = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n";
    await dropFiles(page, [
      { name: "tetra.obj", contents: obj },
      { name: "tetra.vseg", contents: "0\n1\n2\n1\n" },
    ]);
    await expect.poll(async () => (await state()).mesh, POLL).toBe("tetra.obj");
    await expect.poll(async () => (await perVertex()).truth, POLL).toEqual([0, 1, 2, 1]);
  });
});

describe("a correspondence model saved in Node", () => {
  test("colours the mesh by the predicted template point, beside the true one, with the error", async () => {
    await loadByUrl(models.correspondenceUrl);
    const loaded = await perVertex();
    expect(loaded.task).toBe("correspondence");
    expect(loaded.templateVertices).toBe(models.templateVertices);
    await open("torus");
    const predicted = await prediction();
    const expected = models.corresponded.torus;
    expect(fractionEqual(predicted.labels, expected.labels)).toBeGreaterThan(0.99);
    const template = templateColors(TORUS.positions);
    expect(maxDifference(await colors(), carryColors(template, predicted.labels))).toBeLessThan(
      COLOR_TOLERANCE,
    );
    // A registration of the template: vertex i is template vertex i.
    const snapshot = await perVertex();
    expect(snapshot.truth).toEqual(Array.from({ length: 512 }, (_, v) => v));
    expect(snapshot.accuracy).toBeCloseTo(fractionEqual(predicted.labels, snapshot.truth!), 12);
    expect(snapshot.statusText).toContain("Euclidean on the template");
    await page.selectOption("#pervertex-view", "true");
    expect(maxDifference(await colors(), template)).toBeLessThan(COLOR_TOLERANCE);
    await page.selectOption("#pervertex-view", "error");
    const legend = await page.textContent("#legend");
    expect(legend).toContain("error (Euclidean on the template / √area)");
  });

  test("on a mesh of another vertex count it predicts, and says there is no true correspondence", async () => {
    await loadByUrl(models.correspondenceUrl);
    await open("bumpy sphere");
    const predicted = await prediction();
    expect(fractionEqual(predicted.labels, models.corresponded["bumpy sphere"].labels)).toBeGreaterThan(0.99);
    const snapshot = await perVertex();
    expect(snapshot.truth).toBeNull();
    expect(snapshot.statusText).toContain(
      "no true correspondence: the mesh has 642 vertices, the template 512",
    );
  });
});

describe("model errors", () => {
  test("a model of another task, of another version, mismatched or without its template is refused by name", async () => {
    const cases: [string, RegExp][] = [
      [
        models.otherTaskUrl,
        /gemcnn\.json: a "detection" model; the page runs classification, segmentation, correspondence, regression/,
      ],
      [
        models.newerVersionUrl,
        /gemcnn\.json: version 4 of the file; this page reads versions 2 and 3 \(saved by a newer gemcnn/,
      ],
      [models.mismatchedUrl, /describes a correspondence model, but model\.json holds a gemcnn segmenter/],
      [models.noTemplateUrl, /no template\.ply, the template mesh that gemcnn\.json names/],
    ];
    for (const [url, message] of cases) {
      await loadByUrl(url);
      await expect.poll(async () => (await state()).error, POLL).toMatch(message);
      expect((await perVertex()).status).toBe("none");
    }
    // A good model loads afterwards, and a bad one after it leaves it in place.
    await loadByUrl(models.segmenterUrl);
    expect((await perVertex()).status).toBe("ready");
    await loadByUrl(models.otherTaskUrl);
    await expect.poll(async () => (await state()).error, POLL).toMatch(/detection/);
    expect((await perVertex()).label).toContain("segmenter");
  });
});

/** A CSV for the torus: a scalar and its prediction, a tangent vector field and its prediction. */
function torusFieldCsv(options: { nanAt?: number } = {}): { text: string; flipped: number } {
  const p = TORUS.positions;
  const rows = ["pressure,pressure_pred,wind_x,wind_y,wind_z,wind_pred_x,wind_pred_y,wind_pred_z"];
  let flipped = 0;
  for (let v = 0; v < 512; v++) {
    const [x, y, z] = [p[3 * v], p[3 * v + 1], p[3 * v + 2]];
    // Around the axis of revolution: tangent to the torus everywhere. The prediction is right
    // where x ≤ 0 and points the other way where x > 0 (180° off).
    const sign = x > 0 ? -1 : 1;
    if (sign < 0) flipped++;
    const pressure = options.nanAt === v ? "nan" : String(z);
    rows.push([pressure, z + 0.5, -y, x, 0, -sign * y, sign * x, 0].join(","));
  }
  return { text: `${rows.join("\n")}\n`, flipped };
}

describe("a user's fields beside the mesh", () => {
  test("a CSV's scalars colour the surface and its vectors are arrows, the prediction beside the truth", async () => {
    await open("torus");
    const { text, flipped } = torusFieldCsv();
    await dropFile(page, "torus.csv", text);
    await expect.poll(async () => (await fields()).source, POLL).toBe("torus.csv");
    const snapshot = await fields();
    expect(snapshot.fields).toEqual([
      { name: "pressure", order: 0 },
      { name: "pressure_pred", order: 0 },
      { name: "wind", order: 1 },
      { name: "wind_pred", order: 1 },
    ]);
    expect(snapshot.pairs).toEqual([
      { truth: "pressure", prediction: "pressure_pred" },
      { truth: "wind", prediction: "wind_pred" },
    ]);
    expect(snapshot.choice).toEqual({ color: "pair:pressure", glyph: "pair:wind" });
    expect(await page.textContent("#legend")).toContain("pressure_pred − pressure");

    // Arrows along (−y, x, 0) at every vertex, the prediction's the other way where x > 0.
    const truth = await glyphs("order1");
    const predicted = await glyphs("prediction");
    expect(truth.visible && predicted.visible).toBe(true);
    expect(truth.segments.length).toBe(512 * 18);
    let opposite = 0;
    for (let v = 0; v < 512; v++) {
      const shaft = (s: number[]) => [0, 1, 2].map((k) => s[18 * v + 3 + k] - s[18 * v + k]);
      const [a, b] = [shaft(truth.segments), shaft(predicted.segments)];
      const [x, y] = [TORUS.positions[3 * v], TORUS.positions[3 * v + 1]];
      const along = (a[0] * -y + a[1] * x) / (Math.hypot(...a) * Math.hypot(x, y));
      expect(along).toBeGreaterThan(1 - 1e-5);
      if (a[0] * b[0] + a[1] * b[1] + a[2] * b[2] < 0) opposite++;
    }
    expect(opposite).toBe(flipped);

    // The angular error of the prediction: 180° at the flipped vertices, 0 elsewhere.
    await page.evaluate(() => window.__gemcnnViewer!.chooseFields({ color: "pair:wind" }));
    const mean = (180 * flipped) / 512;
    expect((await fields()).statusText).toContain(`angular error: mean ${mean.toFixed(2)}°`);
  });

  test("the arrows stay put when the gauge changes; coefficients left in the old gauge move them", async () => {
    await open("torus");
    await dropFile(page, "torus.csv", torusFieldCsv().text);
    await expect.poll(async () => (await fields()).source, POLL).toBe("torus.csv");
    const before = await glyphs("order1");
    await page.click("#scramble-gauge");
    expect(maxPointDifference(before.segments, (await glyphs("order1")).segments)).toBeLessThan(
      GLYPH_TOLERANCE,
    );
    await page.evaluate(() => window.__gemcnnViewer!.scrambleGauge({ seed: 4, transformFields: false }));
    expect(maxPointDifference(before.segments, (await glyphs("order1")).segments)).toBeGreaterThan(0.01);
  });

  test("a triple read as a line field is drawn as crosses", async () => {
    await open("torus");
    await dropFile(page, "torus.csv", torusFieldCsv().text);
    await expect.poll(async () => (await fields()).source, POLL).toBe("torus.csv");
    await page.selectOption('select[data-triple="wind"]', "line");
    const snapshot = await fields();
    expect(snapshot.fields.find((f) => f.name === "wind")?.order).toBe(2);
    // The pair no longer matches (wind_pred is still a vector), so wind is drawn alone.
    await page.evaluate(() => window.__gemcnnViewer!.chooseFields({ glyph: "field:wind" }));
    expect((await glyphs("order2")).visible).toBe(true);
    expect((await glyphs("order2")).segments.length).toBeGreaterThan(0);
  });

  test("a PLY mesh's own vertex properties are its fields", async () => {
    const mesh = {
      positions: Float64Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1),
      triangles: Uint32Array.of(0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2),
    };
    const ply = writePlyWithVertexProperties(mesh, new Map([["heat", [1, 2, 3, 4]]]), "ascii");
    await dropFile(page, "tetra.ply", new TextDecoder().decode(ply));
    await expect.poll(async () => (await fields()).source, POLL).toBe("tetra.ply");
    expect((await fields()).fields).toEqual([{ name: "heat", order: 0 }]);
    expect((await fields()).choice.color).toBe("field:heat");
    expect(await page.textContent("#legend")).toContain("heat");
  });

  test("field files with a NaN, a missing value or the wrong row count show the reader's message", async () => {
    await open("torus");
    await dropFile(page, "nan.csv", torusFieldCsv({ nanAt: 7 }).text);
    await expect
      .poll(async () => (await state()).error, POLL)
      .toMatch(/^nan\.csv, line 9, column "pressure", vertex 7: the value is NaN, not a finite number/);
    expect((await fields()).source).toBeNull();
    const short = torusFieldCsv().text.split("\n");
    short[3] = short[3].split(",").slice(0, 5).join(",");
    await dropFile(page, "short.csv", short.join("\n"));
    await expect.poll(async () => (await state()).error, POLL).toMatch(/^short\.csv, line 4/);
    await dropFile(page, "few.fields.json", JSON.stringify({ columns: { pressure: [1, 2, 3] } }));
    await expect
      .poll(async () => (await state()).error, POLL)
      .toMatch(/^few\.fields\.json: 3 values per column for a mesh of 512 vertices/);
  });
});
