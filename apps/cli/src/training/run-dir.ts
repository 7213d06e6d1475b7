import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { CliError, UsageError } from "../cli/errors.js";
import { makeDirectory, outputFailure } from "../cli/fs-errors.js";
import { canonicalJson } from "../preprocess/cache.js";
import { type Checkpoint, CheckpointStore } from "./checkpoints.js";
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
 * - `curves/loss.svg`, `curves/accuracy.svg` (not for regression, which measures no accuracy); `checkpoints/` (see `CheckpointStore`);
 * - `model/` the model after the last epoch, `model-best/` the best by validation (when there is a
 *   validation set); `report.json` the final evaluation.
 */
export class RunDirectory {
  readonly path: string;
  readonly config: RunConfig;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MetricsLog;
  /** Whether this session continues an earlier one. */
  readonly resumed: boolean;
  /** The checkpoint a resumed run starts from (none for a new run or before the first save). */
  readonly latest: Checkpoint | undefined;

  private constructor(
    path: string,
    config: RunConfig,
    metrics: MetricsLog,
    resumed: boolean,
    latest?: Checkpoint,
  ) {
    this.path = path;
    this.config = config;
    this.checkpoints = new CheckpointStore(join(path, "checkpoints"));
    this.metrics = metrics;
    this.resumed = resumed;
    this.latest = latest;
  }

  get curvesDir(): string {
    return join(this.path, "curves");
  }

  get modelDir(): string {
    return join(this.path, "model");
  }

  /** The model of the best epoch by validation. */
  get bestModelDir(): string {
    return join(this.path, BEST_MODEL_DIR);
  }

  get reportPath(): string {
    return join(this.path, "report.json");
  }

  /**
   * Opens the directory for a new run (it must not exist or be empty, unless `overwrite`) or, with
   * `resume`, an existing run whose identity settings equal `config`'s (a `UsageError` lists the
   * differences otherwise). Metrics of epochs after the newest checkpoint are dropped on resume.
   * A resumed run that has already trained more than `mode.epochs` epochs is refused. A new run's
   * `config.json` is written at once; a resumed run's by `saveConfig`, after its checkpoint has
   * loaded. A directory that cannot be written is an `OutputFileError` naming it.
   */
  static async open(
    path: string,
    config: RunConfig,
    mode: { resume: boolean; overwrite: boolean; epochs?: number },
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
      if (mode.epochs !== undefined && latest && latest.state.epoch > mode.epochs) {
        throw new CliError(
          `--resume --epochs ${mode.epochs}: ${path} has already trained ${latest.state.epoch} epochs, more than ${mode.epochs}; nothing was changed (give --epochs ${latest.state.epoch} or more to continue it; its model is ${join(path, "model")})`,
        );
      }
      const metrics = await MetricsLog.load(path, latest?.state.epoch ?? 0);
      // config.json is rewritten (with the new adjustable settings) by `saveConfig`, once the
      // checkpoint has been loaded: a run that cannot continue is left exactly as it was.
      return new RunDirectory(path, config, metrics, true, latest);
    }
    let entries: string[] = [];
    try {
      entries = await readdir(path);
    } catch (error) {
      // Missing, or a file in the way (ENOTDIR): making the directory below says which.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR")
        throw outputFailure(error, "use", "the run directory", path);
    }
    if (entries.length > 0) {
      if (!mode.overwrite) {
        throw new CliError(
          `${path} already holds a run: add --resume to continue it, --force to start it again, or choose another --name`,
        );
      }
      try {
        await rm(path, { recursive: true, force: true });
      } catch (error) {
        throw outputFailure(error, "replace", "the run directory", path);
      }
    }
    try {
      await makeDirectory(path);
    } catch (error) {
      throw outputFailure(error, "create", "the run directory", path);
    }
    const run = new RunDirectory(path, config, MetricsLog.create(path), false);
    await run.saveConfig();
    return run;
  }

  /** Writes `config.json` (a resumed run's adjustable settings may have changed). */
  async saveConfig(): Promise<void> {
    const configPath = join(this.path, "config.json");
    try {
      await writeFileAtomic(configPath, `${JSON.stringify(this.config, null, 1)}\n`);
    } catch (error) {
      throw outputFailure(error, "write", "the run configuration", configPath);
    }
  }
}

/** Name of the best-by-validation model's directory inside a run directory. */
export const BEST_MODEL_DIR = "model-best";

function differingKeys(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}
