import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { siblingTemporaryPath, writeFileAtomic } from "@gemcnn/geometry/node";

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
    await mkdir(this.dir, { recursive: true });
    const name = checkpointName(state.epoch, state.batchInEpoch);
    const finalDir = join(this.dir, name);
    const temporary = siblingTemporaryPath(finalDir);
    const full: CheckpointState = { ...state, savedAt: new Date().toISOString() };
    await mkdir(temporary, { recursive: true });
    try {
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
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    }
    await writeFileAtomic(join(this.dir, LATEST), `${JSON.stringify({ checkpoint: name }, null, 1)}\n`);
    await this.prune(name);
    return { dir: finalDir, state: full };
  }

  /** The newest complete checkpoint, or `undefined` when none was saved. */
  async latest(): Promise<Checkpoint | undefined> {
    let pointer: { checkpoint?: unknown };
    try {
      pointer = JSON.parse(await readFile(join(this.dir, LATEST), "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new Error(
        `${join(this.dir, LATEST)}: unreadable checkpoint pointer (${(error as Error).message})`,
      );
    }
    if (typeof pointer.checkpoint !== "string" || pointer.checkpoint.includes("/")) {
      throw new Error(`${join(this.dir, LATEST)}: malformed checkpoint pointer`);
    }
    const dir = join(this.dir, pointer.checkpoint);
    const state = JSON.parse(await readFile(join(dir, STATE), "utf8")) as CheckpointState;
    return { dir, state };
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
