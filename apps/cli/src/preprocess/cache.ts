import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { describeSystemError, makeDirectory, systemErrorOf } from "../cli/fs-errors.js";
import { type BinaryRecord, decodeRecord, encodeRecord, RecordFormatError } from "./record.js";

/** Default cache location, relative to the project (working) directory. */
export const DEFAULT_CACHE_DIR = ".cache/gemcnn";

/**
 * Version of what the preprocessing computes; part of every key, so that changing the feature
 * code (bump it then) never serves stale results. 2: the heat-kernel signature from k
 * eigenpairs at spectrum-relative times, logged; geometry's cotangent Laplacian for curvature.
 */
export const PREPROCESS_VERSION = 2;

/**
 * Preprocessed meshes on disk, one binary record per (file content, options) pair. The key is
 * the SHA-256 of the version, the options as canonical JSON and the file's bytes, so renaming or
 * copying a file still hits, while editing it or changing any option misses.
 */
export class PreprocessCache {
  readonly dir: string;
  private readonly onWarning: (message: string) => void;
  private unusable: string | undefined;

  /**
   * `onWarning` hears, once, that the cache cannot be read or written (a read-only or full disk,
   * a permission, a file in the way): the cache is then left alone and every mesh is computed,
   * because a cache is an optimisation and never a reason to stop a run.
   */
  constructor(dir: string, options: { onWarning?: (message: string) => void } = {}) {
    this.dir = dir;
    this.onWarning = options.onWarning ?? (() => {});
  }

  /** Why the cache is no longer used in this session, if it is not. */
  get disabledReason(): string | undefined {
    return this.unusable;
  }

  private disable(verb: string, error: unknown): void {
    const system = systemErrorOf(error);
    if (!system) throw error;
    if (this.unusable !== undefined) return;
    const where = system.path && system.path !== this.dir ? ` (${system.path})` : "";
    this.unusable = `cannot ${verb} the preprocessing cache ${this.dir}${where}: ${describeSystemError(system)}`;
    this.onWarning(`${this.unusable}; going on without caching`);
  }

  /** The key of a file's bytes under `options`. */
  static key(content: Uint8Array, options: unknown): string {
    const hash = createHash("sha256");
    hash.update(`gemcnn-preprocess-v${PREPROCESS_VERSION}\n`);
    hash.update(canonicalJson(options));
    hash.update("\n");
    hash.update(content);
    return hash.digest("hex");
  }

  /** Path of a key's file: two-level fan-out keeps directories small. */
  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }

  /** The cached record, or `undefined` on a miss; a corrupt entry is removed and counts as a miss. */
  async get(key: string): Promise<BinaryRecord | undefined> {
    if (this.unusable !== undefined) return undefined;
    const path = this.pathOf(key);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      this.disable("read", error);
      return undefined;
    }
    try {
      return decodeRecord(bytes);
    } catch (error) {
      if (!(error instanceof RecordFormatError)) throw error;
      await rm(path, { force: true }).catch(() => {});
      return undefined;
    }
  }

  /** Stores a record; a cache that cannot be written is reported once (see the constructor) and skipped. */
  async put(key: string, record: BinaryRecord): Promise<void> {
    if (this.unusable !== undefined) return;
    const path = this.pathOf(key);
    try {
      // First on its own: Node's recursive mkdir would report a read-only disk as ENOENT.
      await makeDirectory(dirname(path));
      await writeFileAtomic(path, encodeRecord(record));
    } catch (error) {
      this.disable("write", error);
    }
  }
}

/** JSON with object keys sorted at every level, so equal options always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
