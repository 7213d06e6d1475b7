import { largestComponentVertices, type PreprocessOptions, preprocessMeshData } from "@gemcnn/features";
import { mulberry32, type TriangleMeshData } from "@gemcnn/geometry";
import type { LoadedMesh } from "../data/load.js";
import { randomRotation } from "../synthetic/shapes.js";
import { PreprocessCache } from "./cache.js";
import { fromRecord, type SourcedMesh, toRecord } from "./mesh-record.js";
import type { TaskRunner } from "./pool.js";
import { type BinaryRecord, decodeRecord, encodeRecord } from "./record.js";

/**
 * What a `MeshSource` reads: a file's bytes (format from its name) or mesh arrays in memory.
 * (Not the geometry package's `MeshInput`, the text or bytes one parser reads.)
 */
export type MeshSourceData = (
  | { readonly kind: "file"; readonly fileName: string; readonly bytes: Uint8Array }
  | { readonly kind: "mesh"; readonly positions: Float64Array; readonly triangles: Uint32Array }
) & {
  /** A rotation (row-major 3×3) applied to the mesh before anything else, for invariance checks. */
  readonly rotation?: readonly number[];
};

/** One mesh to preprocess: a display name and how to get its input. */
export interface MeshSource {
  readonly name: string;
  read(): Promise<MeshSourceData>;
}

/** What a worker is sent. */
export interface PreprocessTask {
  readonly name: string;
  readonly input: MeshSourceData;
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
) => LoadedMesh;

/**
 * Preprocesses one mesh (in a worker or inline). Failures of the input (unreadable file, broken
 * mesh, too large) come back as `{ ok: false, reason }` so that one bad file never stops a run.
 */
export function runPreprocessTask(task: PreprocessTask, loadFile: MeshFileLoader): PreprocessTaskResult {
  try {
    const notes: string[] = [];
    const loaded =
      task.input.kind === "file"
        ? loadFile(task.input.bytes, task.input.fileName, task.options, notes)
        : { positions: task.input.positions, triangles: task.input.triangles };
    const data = task.input.rotation ? rotateMesh(loaded, task.input.rotation) : loaded;
    const mesh = preprocessMeshData(data, task.name, task.options, notes);
    const source = sourceVerticesOf(loaded, task.options, task.name, mesh.nVertices);
    return { ok: true, record: encodeRecord(toRecord({ ...mesh, ...source })) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const message = e.message;
    // Anything but the expected input errors is a bug; say so, but still only skip the mesh.
    const expected = [
      "MeshError",
      "MeshParseError",
      "FeatureError",
      "NonFiniteFeatureError",
      "GeometryError",
      "SparseSolverError",
      "MeshFileError",
    ];
    return {
      ok: false,
      reason: expected.includes(e.name) ? message : `internal error (${e.name}): ${message}`,
    };
  }
}

/**
 * The input vertex of every vertex of the preprocessed mesh: repair's renumbering (when the file
 * was repaired) composed with the largest-component selection (when others were dropped), so that
 * per-vertex labels of the file follow the mesh. Preprocessing keeps the order of what is left.
 */
export function sourceVerticesOf(
  loaded: LoadedMesh,
  options: PreprocessOptions,
  name: string,
  nVertices: number,
): Pick<SourcedMesh, "sourceVertex" | "sourceVertexCount"> {
  const inputCount = loaded.positions.length / 3;
  const kept = options.largestComponentOnly ? largestComponentVertices(loaded, name) : null;
  const sourceVertex = Int32Array.from({ length: kept?.length ?? inputCount }, (_, v) => {
    const u = kept === null ? v : kept[v];
    return loaded.sourceVertex === undefined ? u : loaded.sourceVertex[u];
  });
  if (sourceVertex.length !== nVertices) {
    throw new Error(`${name}: ${sourceVertex.length} source vertices for ${nVertices} preprocessed vertices`);
  }
  return { sourceVertex, sourceVertexCount: loaded.fileVertexCount ?? inputCount };
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
  readonly meshes: readonly (SourcedMesh | undefined)[];
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
  const meshes: (SourcedMesh | undefined)[] = new Array(sources.length).fill(undefined);
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
      let input: MeshSourceData;
      try {
        input = await source.read();
      } catch (error) {
        skipped.push({ name: source.name, reason: (error as Error).message });
        report(source.name, "skipped");
        continue;
      }
      const key = run.cache
        ? PreprocessCache.key(inputBytes(input), {
            input: input.kind,
            rotation: input.rotation ?? null,
            ...run.options,
          })
        : "";
      const hit = run.cache ? await run.cache.get(key) : undefined;
      // An entry written before records carried their source vertices is computed again, like a miss.
      if (hit && hasFiniteFeatures(hit) && hit.arrays.sourceVertex !== undefined) {
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

/**
 * Whether a cached record's features are all finite. Features are checked where they are
 * computed, but an entry written before that check existed (or changed on disk since) may hold a
 * NaN, which would spread over the whole network: such an entry is computed again, like a miss,
 * and the computation then gives finite features or skips the mesh with the reason.
 */
function hasFiniteFeatures(record: BinaryRecord): boolean {
  const features = record.arrays.features;
  if (features === undefined) return false;
  for (let i = 0; i < features.length; i++) {
    const x = features[i];
    // x − x is 0 for every finite x and NaN for NaN and ±∞.
    if (x - x !== 0) return false;
  }
  return true;
}

/** The bytes that identify an input for the cache key. */
function inputBytes(input: MeshSourceData): Uint8Array {
  if (input.kind === "file") return input.bytes;
  const out = new Uint8Array(input.positions.byteLength + input.triangles.byteLength);
  out.set(new Uint8Array(input.positions.buffer, input.positions.byteOffset, input.positions.byteLength), 0);
  out.set(
    new Uint8Array(input.triangles.buffer, input.triangles.byteOffset, input.triangles.byteLength),
    input.positions.byteLength,
  );
  return out;
}

/** The mesh turned by a row-major 3×3 rotation. */
export function rotateMesh(mesh: TriangleMeshData, rotation: readonly number[]): TriangleMeshData {
  const p = mesh.positions;
  const r = rotation;
  const positions = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    positions[i] = r[0] * p[i] + r[1] * p[i + 1] + r[2] * p[i + 2];
    positions[i + 1] = r[3] * p[i] + r[4] * p[i + 1] + r[5] * p[i + 2];
    positions[i + 2] = r[6] * p[i] + r[7] * p[i + 1] + r[8] * p[i + 2];
  }
  return { positions, triangles: mesh.triangles };
}

/** Sources that give each input of `sources` turned by its own seeded random rotation (`sourceRotation`). */
export function rotatedSources(sources: readonly MeshSource[], seed: number): MeshSource[] {
  return sources.map((source, i) => ({
    name: source.name,
    read: async () => ({
      ...(await source.read()),
      rotation: sourceRotation(seed, i),
    }),
  }));
}

/** The rotation `rotatedSources(…, seed)` gives its source `index` (row-major 3×3), for data that turns with the mesh. */
export function sourceRotation(seed: number, index: number): number[] {
  return randomRotationMatrix(mulberry32(seed * 7919 + index));
}

/** A uniformly random rotation as a row-major 3×3 array. */
export function randomRotationMatrix(random: () => number): number[] {
  // three's Matrix3 stores column-major; transpose into row-major.
  const e = randomRotation(random).elements;
  return [e[0], e[3], e[6], e[1], e[4], e[7], e[2], e[5], e[8]];
}

/** Sources for meshes held in memory (the synthetic dataset). */
export function memorySources(items: readonly { name: string; mesh: TriangleMeshData }[]): MeshSource[] {
  return items.map(({ name, mesh }) => ({
    name,
    read: async () => ({ kind: "mesh" as const, positions: mesh.positions, triangles: mesh.triangles }),
  }));
}
