import type { TriangleMeshData } from "@gemcnn/geometry";
import { PreprocessCache } from "./cache.js";
import {
  fromRecord,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
  toRecord,
} from "./pipeline.js";
import type { TaskRunner } from "./pool.js";
import { decodeRecord, encodeRecord } from "./record.js";

/** The raw input of one mesh: a file's bytes (format from its name) or mesh arrays in memory. */
export type MeshInput =
  | { readonly kind: "file"; readonly fileName: string; readonly bytes: Uint8Array }
  | { readonly kind: "mesh"; readonly positions: Float64Array; readonly triangles: Uint32Array };

/** One mesh to preprocess: a display name and how to get its input. */
export interface MeshSource {
  readonly name: string;
  read(): Promise<MeshInput>;
}

/** What a worker is sent. */
export interface PreprocessTask {
  readonly name: string;
  readonly input: MeshInput;
  readonly options: PreprocessOptions;
}

/** What a worker answers: the encoded record, or why the mesh was skipped. */
export type PreprocessTaskResult =
  | { readonly ok: true; readonly record: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Turns a file's bytes into mesh data, repairing or rejecting it (set by `data/load.ts`). */
export type MeshFileLoader = (
  bytes: Uint8Array,
  fileName: string,
  options: PreprocessOptions,
  notes: string[],
) => TriangleMeshData;

/**
 * Preprocesses one mesh (in a worker or inline). Failures of the input (unreadable file, broken
 * mesh, too large) come back as `{ ok: false, reason }` so that one bad file never stops a run.
 */
export function runPreprocessTask(task: PreprocessTask, loadFile: MeshFileLoader): PreprocessTaskResult {
  try {
    const notes: string[] = [];
    const data =
      task.input.kind === "file"
        ? loadFile(task.input.bytes, task.input.fileName, task.options, notes)
        : { positions: task.input.positions, triangles: task.input.triangles };
    const mesh = preprocessMeshData(data, task.name, task.options, notes);
    return { ok: true, record: encodeRecord(toRecord(mesh)) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const message = e.message;
    // Anything but the expected input errors is a bug; say so, but still only skip the mesh.
    const expected = ["MeshError", "MeshParseError", "FeatureSizeError", "GeometryError", "MeshFileError"];
    return {
      ok: false,
      reason: expected.includes(e.name) ? message : `internal error (${e.name}): ${message}`,
    };
  }
}

export interface PreprocessRunOptions {
  readonly options: PreprocessOptions;
  /** Where results are kept between runs; none to recompute everything. */
  readonly cache?: PreprocessCache;
  readonly runner: TaskRunner<PreprocessTask, PreprocessTaskResult>;
  /** Called after each mesh (in completion order). */
  readonly onItem?: (event: {
    done: number;
    total: number;
    name: string;
    status: "cached" | "computed" | "skipped";
  }) => void;
}

export interface PreprocessRun {
  /** Aligned with the sources; `undefined` where a mesh was skipped. */
  readonly meshes: readonly (PreprocessedMesh | undefined)[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly cached: number;
  readonly computed: number;
  readonly seconds: number;
}

/**
 * Preprocesses many meshes: each input is read and hashed on this thread; cache hits are decoded,
 * misses go to the runner (the worker pool) and their records are written to the cache. At most
 * twice as many tasks as workers are in flight, so that inputs are not all held at once.
 */
export async function preprocessAll(
  sources: readonly MeshSource[],
  run: PreprocessRunOptions,
): Promise<PreprocessRun> {
  const start = performance.now();
  const meshes: (PreprocessedMesh | undefined)[] = new Array(sources.length).fill(undefined);
  const skipped: { name: string; reason: string }[] = [];
  let cached = 0;
  let computed = 0;
  let done = 0;
  let next = 0;
  const report = (name: string, status: "cached" | "computed" | "skipped") =>
    run.onItem?.({ done: ++done, total: sources.length, name, status });

  const work = async (): Promise<void> => {
    while (next < sources.length) {
      const index = next++;
      const source = sources[index];
      let input: MeshInput;
      try {
        input = await source.read();
      } catch (error) {
        skipped.push({ name: source.name, reason: (error as Error).message });
        report(source.name, "skipped");
        continue;
      }
      const key = run.cache
        ? PreprocessCache.key(inputBytes(input), { input: input.kind, ...run.options })
        : "";
      const hit = run.cache ? await run.cache.get(key) : undefined;
      if (hit) {
        meshes[index] = fromRecord(hit, source.name);
        cached++;
        report(source.name, "cached");
        continue;
      }
      const result = await run.runner.run({ name: source.name, input, options: run.options });
      if (!result.ok) {
        skipped.push({ name: source.name, reason: result.reason });
        report(source.name, "skipped");
        continue;
      }
      const record = decodeRecord(result.record);
      if (run.cache) await run.cache.put(key, record);
      meshes[index] = fromRecord(record, source.name);
      computed++;
      report(source.name, "computed");
    }
  };
  const lanes = Math.max(1, 2 * run.runner.size);
  await Promise.all(Array.from({ length: Math.min(lanes, sources.length) }, work));
  return { meshes, skipped, cached, computed, seconds: (performance.now() - start) / 1000 };
}

/** The bytes that identify an input for the cache key. */
function inputBytes(input: MeshInput): Uint8Array {
  if (input.kind === "file") return input.bytes;
  const out = new Uint8Array(input.positions.byteLength + input.triangles.byteLength);
  out.set(new Uint8Array(input.positions.buffer, input.positions.byteOffset, input.positions.byteLength), 0);
  out.set(
    new Uint8Array(input.triangles.buffer, input.triangles.byteOffset, input.triangles.byteLength),
    input.positions.byteLength,
  );
  return out;
}

/** Sources for meshes held in memory (the synthetic dataset). */
export function memorySources(items: readonly { name: string; mesh: TriangleMeshData }[]): MeshSource[] {
  return items.map(({ name, mesh }) => ({
    name,
    read: async () => ({ kind: "mesh" as const, positions: mesh.positions, triangles: mesh.triangles }),
  }));
}
