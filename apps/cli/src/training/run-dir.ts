import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { CliError, UsageError } from "../cli/errors.js";
import { canonicalJson } from "../preprocess/cache.js";
import { CheckpointStore } from "./checkpoints.js";
import { MetricsLog } from "./metrics.js";

/**
 * The settings of a run, saved as `config.json`. Everything in `identity` must be equal for
 * `--resume` to continue a run (data, features, model, seed…); `adjustable` may change (more
 * epochs, another batch of workers).
 */
export interface RunConfig {
  readonly identity: Readonly<Record<string, unknown>>;
  readonly adjustable: Readonly<Record<string, unknown>>;
}

/**
 * A run's directory, `runs/<name>/`:
 * - `config.json` settings; `metrics.json`, `metrics.csv` per-epoch figures;
 * - `curves/loss.svg`, `curves/accuracy.svg`; `checkpoints/` (see `CheckpointStore`);
 * - `model/` the final model; `report.json` the final evaluation.
 */
export class RunDirectory {
  readonly path: string;
  readonly config: RunConfig;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MetricsLog;
  /** Whether this session continues an earlier one. */
  readonly resumed: boolean;

  private constructor(path: string, config: RunConfig, metrics: MetricsLog, resumed: boolean) {
    this.path = path;
    this.config = config;
    this.checkpoints = new CheckpointStore(join(path, "checkpoints"));
    this.metrics = metrics;
    this.resumed = resumed;
  }

  get curvesDir(): string {
    return join(this.path, "curves");
  }

  get modelDir(): string {
    return join(this.path, "model");
  }

  get reportPath(): string {
    return join(this.path, "report.json");
  }

  /**
   * Opens the directory for a new run (it must not exist or be empty, unless `overwrite`) or, with
   * `resume`, an existing run whose identity settings equal `config`'s (a `UsageError` lists the
   * differences otherwise). Metrics of epochs after the newest checkpoint are dropped on resume.
   */
  static async open(
    path: string,
    config: RunConfig,
    mode: { resume: boolean; overwrite: boolean },
  ): Promise<RunDirectory> {
    const configPath = join(path, "config.json");
    if (mode.resume) {
      let saved: RunConfig;
      try {
        saved = JSON.parse(await readFile(configPath, "utf8"));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(
          code === "ENOENT"
            ? `${path}: nothing to resume (no config.json); start the run without --resume`
            : `${configPath}: unreadable run configuration (${(error as Error).message})`,
        );
      }
      const differences = differingKeys(saved.identity, config.identity);
      if (differences.length > 0) {
        throw new UsageError(
          `--resume: ${path} was started with different settings (${differences
            .map(
              (k) =>
                `${k}: ${JSON.stringify(saved.identity[k])} then, ${JSON.stringify(config.identity[k])} now`,
            )
            .join("; ")})`,
        );
      }
      const latest = await new CheckpointStore(join(path, "checkpoints")).latest();
      const metrics = await MetricsLog.load(path, latest?.state.epoch ?? 0);
      await writeFileAtomic(configPath, `${JSON.stringify(config, null, 1)}\n`);
      return new RunDirectory(path, config, metrics, true);
    }
    let entries: string[] = [];
    try {
      entries = await readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (entries.length > 0) {
      if (!mode.overwrite) {
        throw new CliError(
          `${path} already holds a run: add --resume to continue it, --force to start it again, or choose another --name`,
        );
      }
      await rm(path, { recursive: true, force: true });
    }
    await mkdir(path, { recursive: true });
    await writeFileAtomic(configPath, `${JSON.stringify(config, null, 1)}\n`);
    return new RunDirectory(path, config, MetricsLog.create(path), false);
  }
}

function differingKeys(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}
