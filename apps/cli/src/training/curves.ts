import { join } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { outputFailure } from "../cli/fs-errors.js";
import type { EpochMetrics } from "./metrics.js";

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Fixed y range (e.g. accuracy in percent); otherwise fitted to the data. */
  readonly yRange?: readonly [number, number];
  /** Plot y on a log10 scale (losses); non-positive values are dropped. */
  readonly logY?: boolean;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 72, right: 150, top: 36, bottom: 48 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

/**
 * A line chart as a standalone SVG document. Written by hand because SVG is text: no image
 * library is needed, the files open in any browser and diff cleanly in git.
 */
export function renderLineChartSvg(chart: LineChart): string {
  const transform = chart.logY ? (y: number) => (y > 0 ? Math.log10(y) : Number.NaN) : (y: number) => y;
  const series = chart.series.map((s) => ({
    name: s.name,
    points: s.points
      .map(([x, y]) => [x, transform(y)] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = paddedRange(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1);
  const [y0, y1] = chart.yRange
    ? [transform(chart.yRange[0]), transform(chart.yRange[1])]
    : paddedRange(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    // Screen readers and linters (biome's noSvgWithoutTitle) read the chart's name from <title>.
    `<title>${escapeXml(chart.title || "chart")}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(chart.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1, 8)) {
    const x = fmt(sx(t));
    parts.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of chart.logY ? logTicks(y0, y1) : niceTicks(y0, y1, 6)) {
    const y = fmt(sy(t));
    const label = chart.logY ? formatTick(10 ** t) : formatTick(t);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(
      chart.logY ? `${chart.yLabel} (log scale)` : chart.yLabel,
    )}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    if (s.points.length > 0) {
      const d = s.points.map(([x, y], k) => `${k === 0 ? "M" : "L"}${fmt(sx(x))} ${fmt(sy(y))}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      if (s.points.length === 1) {
        const [[x, y]] = s.points;
        parts.push(`<circle cx="${fmt(sx(x))}" cy="${fmt(sy(y))}" r="3" fill="${colour}"/>`);
      }
    }
    const ly = MARGIN.top + 12 + 20 * i;
    const lx = MARGIN.left + plotW + 12;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Tick values at 1, 2 or 5 times a power of ten, about `count` of them, inside `[lo, hi]`. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) {
    ticks.push(Math.abs(t) < 1e-12 * step ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Ticks of a log10 axis (given as exponents): 1, 2, 5 times powers of ten, or powers alone when many. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const mantissas = hi - lo > 3 ? [1] : [1, 2, 5];
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
    for (const m of mantissas) {
      const t = Math.log10(m) + k;
      if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
    }
  }
  return ticks;
}

/** How `writeTrainingCurves` labels a run's charts. */
export interface CurveOptions {
  /** The loss's name on the loss chart's axis (default "cross-entropy"). */
  readonly lossLabel?: string;
}

/**
 * Draws the loss and accuracy curves of a run into `dir` (`loss.svg`, `accuracy.svg`) from the
 * metrics columns `trainLoss`, `valLoss`, `testLoss`, `trainAccuracy`, `valAccuracy`,
 * `testAccuracy` (validation only where the run had a validation set); returns the paths written.
 * A run that measures no accuracy (regression) gets no `accuracy.svg`; `lossLabel` names its loss
 * on the loss chart's axis (default: cross-entropy, the classifiers' loss).
 */
export async function writeTrainingCurves(
  dir: string,
  epochs: readonly EpochMetrics[],
  options: CurveOptions = {},
): Promise<string[]> {
  const column = (name: string): [number, number][] =>
    epochs.filter((r) => r[name] !== undefined).map((r) => [r.epoch, r[name]]);
  const percent = (name: string): [number, number][] => column(name).map(([e, a]) => [e, 100 * a]);
  const parts = [
    ["train", "train"],
    ["validation", "val"],
    ["test", "test"],
  ] as const;
  const series = (suffix: "Loss" | "Accuracy", values: (name: string) => [number, number][]) =>
    parts
      .map(([label, prefix]) => ({ name: label, points: values(`${prefix}${suffix}`) }))
      .filter((s) => s.name !== "validation" || s.points.length > 0);
  const loss = renderLineChartSvg({
    title: "Loss",
    xLabel: "epoch",
    yLabel: options.lossLabel ?? "cross-entropy",
    logY: true,
    series: series("Loss", column),
  });
  const accuracy = renderLineChartSvg({
    title: "Accuracy",
    xLabel: "epoch",
    yLabel: "accuracy (%)",
    yRange: [0, 100],
    series: series("Accuracy", percent),
  });
  const measuresAccuracy = epochs.some((r) =>
    parts.some(([, prefix]) => r[`${prefix}Accuracy`] !== undefined),
  );
  const charts: [string, string][] = [[join(dir, "loss.svg"), loss]];
  if (measuresAccuracy) charts.push([join(dir, "accuracy.svg"), accuracy]);
  const paths = charts.map(([path]) => path);
  for (const [path, svg] of charts) {
    try {
      await writeFileAtomic(path, svg);
    } catch (error) {
      throw outputFailure(error, "write", "the training curves", path);
    }
  }
  return paths;
}

function paddedRange(lo: number, hi: number): [number, number] {
  if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

function formatTick(t: number): string {
  return String(Number(t.toPrecision(6)));
}

function fmt(x: number): string {
  return x.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
