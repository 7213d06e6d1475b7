import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { siblingTemporaryPath, writeFileAtomic } from "@gemcnn/geometry/node";
import { CliError, EXIT } from "../cli/errors.js";
import { makeDirectory, outputFailure } from "../cli/fs-errors.js";

/** Where a run stands when a checkpoint is taken. */
export interface CheckpointState {
  /** Epochs finished (counted from 1; 0 before the first). */
  readonly epoch: number;
  /**
   * Batches of the next epoch already trained on when the run stopped mid-epoch (Ctrl-C);
   * 0 at an epoch boundary. Resuming continues that epoch's deterministic batch order there.
   */
  readonly batchInEpoch: number;
  /** ISO time of saving. */
  readonly savedAt: string;
  /** Anything else the trainer needs back (best accuracy so far, optimizer step, …). */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface Checkpoint {
  /** Directory holding the checkpoint's files (model weights, optimizer state, `state.json`). */
  readonly dir: string;
  readonly state: CheckpointState;
}

const LATEST = "latest.json";
const STATE = "state.json";

/**
 * A checkpoint file that cannot be read back (truncated, corrupt, missing): the message names the
 * file and says that `--resume` cannot continue from it. Nothing is written over it.
 */
export class CorruptCheckpointError extends CliError {
  readonly path: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(
      `${path}: ${problem}; --resume cannot continue the run from it, and nothing was written over it`,
      EXIT.failure,
      options,
    );
    this.name = "CorruptCheckpointError";
    this.path = path;
  }
}

/**
 * The checkpoints of a run: one directory per save, made complete under a temporary name and
 * then renamed into place, with `latest.json` (itself written atomically) pointing at the newest.
 * A crash at any moment therefore leaves `latest.json` naming a complete checkpoint.
 */
export class CheckpointStore {
  readonly dir: string;
  /** How many checkpoints to keep (the newest ones). */
  readonly keep: number;

  constructor(dir: string, keep = 2) {
    if (!Number.isInteger(keep) || keep < 1)
      throw new RangeError(`keep must be a positive integer, got ${keep}`);
    this.dir = dir;
    this.keep = keep;
  }

  /**
   * Saves a checkpoint: `writeFiles` fills a fresh directory (model and optimizer files), the
   * state goes beside them, then the directory is moved into place and `latest.json` updated.
   */
  async save(
    state: Omit<CheckpointState, "savedAt">,
    writeFiles: (dir: string) => Promise<void>,
  ): Promise<Checkpoint> {
    const name = checkpointName(state.epoch, state.batchInEpoch);
    const finalDir = join(this.dir, name);
    const temporary = siblingTemporaryPath(finalDir);
    const full: CheckpointState = { ...state, savedAt: new Date().toISOString() };
    try {
      await makeDirectory(this.dir);
      await mkdir(temporary);
      await writeFiles(temporary);
      await writeFile(join(temporary, STATE), `${JSON.stringify(full, null, 1)}\n`);
      if (await exists(finalDir)) {
        // Same position saved again (e.g. Ctrl-C right after an epoch's save): replace it.
        const old = siblingTemporaryPath(finalDir);
        await rename(finalDir, old);
        await rename(temporary, finalDir);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(temporary, finalDir);
      }
      await writeFileAtomic(join(this.dir, LATEST), `${JSON.stringify({ checkpoint: name }, null, 1)}\n`);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => {});
      const previous = await this.latestName();
      throw outputFailure(
        error,
        "save",
        "the checkpoint",
        finalDir,
        previous
          ? `the last complete checkpoint, ${previous}, is intact: make room, then the same command with --resume continues from it`
          : "no checkpoint had been saved before: make room, then the same command with --resume starts the run",
      );
    }
    await this.prune(name);
    return { dir: finalDir, state: full };
  }

  /**
   * The newest complete checkpoint, or `undefined` when none was saved; a `CorruptCheckpointError`
   * names `latest.json` or the checkpoint's `state.json` when either cannot be read back.
   */
  async latest(): Promise<Checkpoint | undefined> {
    const pointerPath = join(this.dir, LATEST);
    let text: string;
    try {
      text = await readFile(pointerPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new CorruptCheckpointError(pointerPath, `unreadable (${(error as Error).message})`, {
        cause: error,
      });
    }
    const pointer = parseJson(pointerPath, text) as { checkpoint?: unknown };
    if (typeof pointer?.checkpoint !== "string" || !/^epoch-\d+(-batch-\d+)?$/.test(pointer.checkpoint)) {
      throw new CorruptCheckpointError(pointerPath, 'not a checkpoint pointer {"checkpoint": "epoch-…"}');
    }
    const dir = join(this.dir, pointer.checkpoint);
    const statePath = join(dir, STATE);
    let stateText: string;
    try {
      stateText = await readFile(statePath, "utf8");
    } catch (error) {
      throw new CorruptCheckpointError(
        statePath,
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? `missing (${LATEST} names ${pointer.checkpoint})`
          : `unreadable (${(error as Error).message})`,
        { cause: error },
      );
    }
    const state = parseJson(statePath, stateText) as CheckpointState;
    if (
      !Number.isSafeInteger(state?.epoch) ||
      state.epoch < 0 ||
      !Number.isSafeInteger(state.batchInEpoch) ||
      state.batchInEpoch < 0 ||
      typeof state.extra !== "object" ||
      state.extra === null
    ) {
      throw new CorruptCheckpointError(statePath, "not a checkpoint state (epoch, batchInEpoch, extra)");
    }
    return { dir, state };
  }

  /** The name `latest.json` points at, without reading the checkpoint; `undefined` when there is none (or it is unreadable). */
  private async latestName(): Promise<string | undefined> {
    try {
      const name = JSON.parse(await readFile(join(this.dir, LATEST), "utf8")).checkpoint;
      return typeof name === "string" ? name : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes all but the `keep` newest checkpoints (never `current`) and stray temporaries. */
  private async prune(current: string): Promise<void> {
    const entries = await readdir(this.dir);
    const stale = entries.filter((e) => e.startsWith(".") && e.endsWith(".tmp"));
    const checkpoints = entries.filter((e) => /^epoch-\d+(-batch-\d+)?$/.test(e)).sort();
    const excess = checkpoints
      .filter((e) => e !== current)
      .slice(0, Math.max(0, checkpoints.length - this.keep));
    // Temporaries of another live process would also match; a run directory has one trainer.
    for (const e of [...stale, ...excess]) await rm(join(this.dir, e), { recursive: true, force: true });
  }
}

/** `epoch-0007`, or `epoch-0007-batch-0012` for a checkpoint taken inside epoch 8. */
export function checkpointName(epoch: number, batchInEpoch: number): string {
  const base = `epoch-${String(epoch).padStart(4, "0")}`;
  return batchInEpoch > 0 ? `${base}-batch-${String(batchInEpoch).padStart(4, "0")}` : base;
}

/** JSON of a checkpoint file; truncation or corruption is a `CorruptCheckpointError` naming it. */
export function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CorruptCheckpointError(
      path,
      `corrupt or truncated (${text.trim() === "" ? "empty" : (error as Error).message})`,
      { cause: error },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
