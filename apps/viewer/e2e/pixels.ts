import type { Page } from "playwright-core";

export interface PixelStats {
  width: number;
  height: number;
  /** Fraction of pixels that differ from the background colour by more than 24 in some channel. */
  foregroundFraction: number;
  /** Number of distinct colours, quantised to 4 bits per channel. */
  distinctColors: number;
}

/**
 * Statistics of the canvas as the browser composited it: a real screenshot of the element (PNG),
 * decoded by the page itself into RGBA, compared with the scene's background colour.
 */
export async function canvasPixelStats(
  page: Page,
  background: readonly [number, number, number],
): Promise<PixelStats> {
  const png = await page.locator("#viewer-canvas").screenshot({ type: "png" });
  const dataUrl = `data:image/png;base64,${png.toString("base64")}`;
  return page.evaluate(
    async ({ dataUrl, background }) => {
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let foreground = 0;
      const colors = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i];
        const g = data[i + 1];
        const b = data[i + 2];
        const dr = Math.abs(r - background[0]);
        const dg = Math.abs(g - background[1]);
        const db = Math.abs(b - background[2]);
        if (Math.max(dr, dg, db) > 24) foreground++;
        colors.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      }
      return {
        width: canvas.width,
        height: canvas.height,
        foregroundFraction: foreground / (canvas.width * canvas.height),
        distinctColors: colors.size,
      };
    },
    { dataUrl, background },
  );
}

/** Number of pixels in a page region (CSS pixels) of a real screenshot that satisfy `predicate`. */
export async function countPixels(
  page: Page,
  clip: { x: number; y: number; width: number; height: number },
  predicate: (r: number, g: number, b: number) => boolean,
): Promise<number> {
  const png = await page.screenshot({ type: "png", clip });
  const dataUrl = `data:image/png;base64,${png.toString("base64")}`;
  return page.evaluate(
    async ({ dataUrl, source }) => {
      const test = new Function(`return (${source})`)() as (r: number, g: number, b: number) => boolean;
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (test(data[i], data[i + 1], data[i + 2])) count++;
      return count;
    },
    { dataUrl, source: predicate.toString() },
  );
}
