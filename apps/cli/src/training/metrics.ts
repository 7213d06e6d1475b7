import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { outputFailure } from "../cli/fs-errors.js";
import { CorruptCheckpointError, parseJson } from "./checkpoints.js";

/** Figures of one epoch; `epoch` counts from 1, accuracies are fractions in [0, 1], times seconds. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly [name: string]: number;
}

export const METRICS_JSON = "metrics.json";
export const METRICS_CSV = "metrics.csv";

/**
 * The per-epoch metrics of a run, rewritten in full (atomically) as JSON and CSV after every
 * epoch, so that a crash or Ctrl-C never leaves a half-written file.
 */
export class MetricsLog {
  private readonly dir: string;
  private rows: EpochMetrics[];

  private constructor(dir: string, rows: EpochMetrics[]) {
    this.dir = dir;
    this.rows = rows;
  }

  static create(dir: string): MetricsLog {
    return new MetricsLog(dir, []);
  }

  /**
   * The log saved in `dir`, keeping epochs up to `lastEpoch` (those of the checkpoint a resumed
   * run starts from); empty when there is none yet.
   */
  static async load(dir: string, lastEpoch = Number.POSITIVE_INFINITY): Promise<MetricsLog> {
    let text: string;
    try {
      text = await readFile(join(dir, METRICS_JSON), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new MetricsLog(dir, []);
      throw error;
    }
    const path = join(dir, METRICS_JSON);
    const parsed = parseJson(path, text) as { epochs?: EpochMetrics[] } | null;
    if (!Array.isArray(parsed?.epochs) || !parsed.epochs.every((row) => Number.isSafeInteger(row?.epoch)))
      throw new CorruptCheckpointError(path, 'not a metrics log {"epochs": [{"epoch": 1, …}, …]}');
    return new MetricsLog(
      dir,
      parsed.epochs.filter((row) => row.epoch <= lastEpoch),
    );
  }

  get epochs(): readonly EpochMetrics[] {
    return this.rows;
  }

  /** Adds (or replaces) an epoch's figures and rewrites both files. */
  async record(row: EpochMetrics): Promise<void> {
    this.rows = [...this.rows.filter((r) => r.epoch !== row.epoch), row].sort((a, b) => a.epoch - b.epoch);
    await this.write();
  }

  async write(): Promise<void> {
    const files: [string, string][] = [
      [METRICS_JSON, `${JSON.stringify({ epochs: this.rows }, null, 1)}\n`],
      [METRICS_CSV, metricsToCsv(this.rows)],
    ];
    for (const [name, text] of files) {
      const path = join(this.dir, name);
      try {
        await writeFileAtomic(path, text);
      } catch (error) {
        throw outputFailure(error, "write", "the metrics", path);
      }
    }
  }
}

/** CSV with a header of every column seen, `epoch` first; missing figures are empty cells. */
export function metricsToCsv(rows: readonly EpochMetrics[]): string {
  const columns = ["epoch"];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.join(",")];
  for (const row of rows) {
    lines.push(columns.map((c) => (row[c] === undefined ? "" : formatCsvNumber(row[c]))).join(","));
  }
  return `${lines.join("\n")}\n`;
}

function formatCsvNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8)));
}
