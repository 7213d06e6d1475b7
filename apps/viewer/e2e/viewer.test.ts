import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject, test } from "vitest";
import { launchChromium, openViewer } from "./browser.js";
import { canvasPixelStats } from "./pixels.js";

const BACKGROUND: [number, number, number] = [0x15, 0x17, 0x1c];

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  page = await openViewer(browser, inject("viewerUrl"));
});
afterEach(async () => {
  await page?.close();
});

test("the page loads and draws the mesh on a non-blank canvas", async () => {
  const stats = await canvasPixelStats(page, BACKGROUND);
  expect(stats.width).toBeGreaterThan(300);
  // The mesh fills a good part of the view, and shading gives it many tones, not one flat colour.
  expect(stats.foregroundFraction).toBeGreaterThan(0.05);
  expect(stats.distinctColors).toBeGreaterThan(20);
});
