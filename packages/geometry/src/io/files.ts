import { constants as bufferConstants } from "node:buffer";
import { randomBytes } from "node:crypto";
import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { type FileHandle, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { meshFormatOf, parseMesh, serializeMesh } from "./formats.js";
import { MeshParseError } from "./mesh-parse-error.js";
import type { WriteObjOptions } from "./obj.js";
import { describeValue } from "./printable.js";
import { DEFAULT_SOURCE } from "./text.js";

// Node-only: exported from `@gemcnn/geometry/node`, so that the main entry stays browser-safe.

/**
 * Largest mesh file read unless `maxBytes` says otherwise: 2 GiB. The meshes this library is
 * for have thousands to hundreds of thousands of vertices (1 to 50 MB as OBJ); the largest
 * well-known scans (Stanford's Lucy, 14 M vertices) are about 0.5 GB as binary PLY. 2 GiB is
 * also where Node's own `readFile` stops, so no file it could read is refused; what the limit
 * stops is a wrong path (a disk image, a sparse file, a growing log) being read into memory before
 * anything is said. Text formats meet V8's string limit (about 512 MiB) first, with its own error.
 */
export const DEFAULT_MAX_MESH_FILE_BYTES = 2 * 1024 ** 3;

export interface ReadMeshOptions {
  /**
   * Largest file accepted, in bytes: a positive integer, default `DEFAULT_MAX_MESH_FILE_BYTES`
   * (2 GiB), at most `buffer.constants.MAX_LENGTH` (4 GiB on 64-bit Node 20). A larger file is
   * a `MeshFileTooLargeError`, found from its size before anything is read.
   */
  readonly maxBytes?: number;
}

/** A mesh file larger than the `maxBytes` limit of `readMesh`/`readMeshSync`. */
export class MeshFileTooLargeError extends MeshParseError {
  /** The file's size, or for a file that grew while it was read, the bytes read before stopping. */
  readonly bytes: number;
  /** The limit it is over. */
  readonly maxBytes: number;
  /** Whether the file held more than its size said (it grew, or it is a file like those in /proc). */
  readonly grew: boolean;

  constructor(file: string, bytes: number, maxBytes: number, grew: boolean, role = "mesh file") {
    const size = grew
      ? `it holds more than ${formatByteSize(maxBytes)} (it grew while being read)`
      : `the file is ${formatByteSize(bytes)}`;
    super(
      file,
      {},
      `${size}, more than the limit of ${formatByteSize(maxBytes)} for a ${role} (the maxBytes option raises it)`,
    );
    this.name = "MeshFileTooLargeError";
    this.bytes = bytes;
    this.maxBytes = maxBytes;
    this.grew = grew;
  }
}

/** A size in bytes for messages: `1.5 GiB (1610612736 bytes)`, `812 bytes`. */
export function formatByteSize(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (n < 1024) return `${n} bytes`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]} (${n} bytes)`;
}

// Opening a FIFO for reading waits for a writer, and a device may never end: both are refused
// from `stat` before the file is opened. O_NONBLOCK makes even a FIFO put there in the meantime
// open at once, and O_NOCTTY keeps a terminal from becoming the process's; `fstat` on the
// opened file then checks again. (Windows has neither flag and no FIFOs of this kind.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function maxBytesOf(path: unknown, options: unknown): number {
  if (typeof path !== "string" || path === "") {
    throw new MeshParseError(
      DEFAULT_SOURCE,
      {},
      `expected a file path (a non-empty string), got ${describeValue(path)}`,
    );
  }
  if (options === undefined) return DEFAULT_MAX_MESH_FILE_BYTES;
  if (options === null || typeof options !== "object") {
    throw new MeshParseError(path, {}, `the options must be an object, got ${describeValue(options)}`);
  }
  const { maxBytes } = options as ReadMeshOptions;
  if (maxBytes === undefined) return DEFAULT_MAX_MESH_FILE_BYTES;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 1 && maxBytes <= bufferConstants.MAX_LENGTH)) {
    throw new MeshParseError(
      path,
      {},
      `maxBytes must be an integer from 1 to ${bufferConstants.MAX_LENGTH} (the largest buffer Node can make), got ${describeValue(maxBytes)}`,
    );
  }
  return maxBytes;
}

// The synchronous calls below ask for bigint stats and the native realpath. A plain `statSync`,
// `lstatSync` or `fstatSync` writes its result into a buffer that Node shares with
// `fs.realpathSync`, which reads the file type from it (Node 20): after one of them saw a FIFO or a
// socket, the module loader's next realpath stops early and returns a path with its symbolic links
// unresolved, so a package reached through pnpm's links can be loaded twice (measured: tfjs-node's
// fallback then loaded a second tfjs and printed 343 "kernel already registered" warnings).
const BIGINT = { bigint: true } as const;

function kindOf(stats: Stats | BigIntStats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** The path a symbolic link finally leads to, or undefined when `path` is not a link. */
function linkTarget(path: string): { target: string; resolved: boolean } | undefined {
  try {
    if (!lstatSync(path, BIGINT).isSymbolicLink()) return undefined;
  } catch {
    return undefined;
  }
  try {
    return { target: realpathSync.native(path), resolved: true };
  } catch {
    try {
      return { target: readlinkSync(path), resolved: false };
    } catch {
      return { target: "?", resolved: false };
    }
  }
}

// The error paths below look at the link with synchronous calls, also for `readMesh`: they run
// once, when the read has already failed, and take microseconds.

function notRegularFile(path: string, stats: Stats | BigIntStats, role: string): MeshParseError {
  const link = linkTarget(path);
  const what = link ? `it is a symbolic link to ${link.target}, ${kindOf(stats)}` : `it is ${kindOf(stats)}`;
  return new MeshParseError(path, {}, `cannot read the ${role}: ${what}, not a regular file`);
}

function unreadable(path: string, error: unknown, role: string): MeshParseError {
  const code = (error as NodeJS.ErrnoException).code;
  let why: string;
  if (code === "ENOENT") {
    const link = linkTarget(path);
    why = link ? `it is a broken symbolic link: its target ${link.target} does not exist` : "no such file";
  } else if (code === "ELOOP") {
    why = "its symbolic links form a loop";
  } else if (code === "EISDIR") {
    why = "it is a directory, not a file";
  } else if (code === "EACCES" || code === "EPERM") {
    why = "permission denied";
  } else if (code === "ENOTDIR") {
    why = "a part of the path is not a directory";
  } else {
    why = (error as Error).message;
  }
  return new MeshParseError(path, {}, `cannot read the ${role}: ${why}`, { cause: error });
}

/** One read the loop below asks for: into `buffer` from `offset`, at most `length` bytes. */
interface ReadRequest {
  readonly buffer: Uint8Array;
  readonly offset: number;
  readonly length: number;
}

/**
 * The reads of a whole file of `size` bytes (as `fstat` said) with at most `maxBytes` accepted,
 * as a generator that is sent the number of bytes each read returned, so that the synchronous and
 * the asynchronous reader share it. A file can hold more than its size says (it grows; files in
 * /proc say 0): reading goes on, in growing steps, to the end or to `maxBytes`.
 */
function* readWholeFile(
  path: string,
  size: number,
  maxBytes: number,
  role: string,
): Generator<ReadRequest, Uint8Array, number> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  const probe = new Uint8Array(64 * 1024);
  for (;;) {
    if (filled < buffer.length) {
      const n = yield { buffer, offset: filled, length: buffer.length - filled };
      if (n === 0) break;
      filled += n;
      continue;
    }
    // Full: one more read shows whether the file ends here, without growing the buffer first.
    const n = yield { buffer: probe, offset: 0, length: Math.min(probe.length, maxBytes - filled + 1) };
    if (n === 0) break;
    if (filled + n > maxBytes) throw new MeshFileTooLargeError(path, filled + n, maxBytes, true, role);
    const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * buffer.length, filled + n, probe.length)));
    grown.set(buffer.subarray(0, filled));
    grown.set(probe.subarray(0, n), filled);
    buffer = grown;
    filled += n;
  }
  return filled === buffer.length ? buffer : buffer.subarray(0, filled);
}

/**
 * The bytes of the mesh file at `path`, read safely: a path that is not a regular file (a
 * directory, a FIFO, a device, a socket, also through a symbolic link) is refused before it is
 * opened, a file over `options.maxBytes` (default 2 GiB) before it is read, and a file that grows
 * past the limit while it is read is stopped there. Every failure is a `MeshParseError` naming
 * `path` (`MeshFileTooLargeError` for the size).
 */
export function readMeshFileBytes(path: string, options: ReadMeshOptions = {}): Promise<Uint8Array> {
  return readRegularFileBytes(path, "mesh file", options);
}

/**
 * `readMeshFileBytes` for any input file (a label file, a split file, a model's description):
 * the same refusals and limit, and messages that call it by its `role` ("cannot read the label
 * file: it is a FIFO (named pipe), not a regular file" for the role "label file").
 */
export async function readRegularFileBytes(
  path: string,
  role: string,
  options: ReadMeshOptions = {},
): Promise<Uint8Array> {
  const maxBytes = maxBytesOf(path, options);
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw unreadable(path, error, role);
  }
  if (!stats.isFile()) throw notRegularFile(path, stats, role);
  if (stats.size > maxBytes) throw new MeshFileTooLargeError(path, stats.size, maxBytes, false, role);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(path, error, role);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegularFile(path, opened, role);
    if (opened.size > maxBytes) throw new MeshFileTooLargeError(path, opened.size, maxBytes, false, role);
    const reads = readWholeFile(path, opened.size, maxBytes, role);
    let step = reads.next();
    while (!step.done) {
      const { buffer, offset, length } = step.value;
      step = reads.next((await handle.read(buffer, offset, length, null)).bytesRead);
    }
    return step.value;
  } catch (error) {
    throw error instanceof MeshParseError ? error : unreadable(path, error, role);
  } finally {
    await handle.close();
  }
}

/** `readMeshFileBytes`, synchronously. */
export function readMeshFileBytesSync(path: string, options: ReadMeshOptions = {}): Uint8Array {
  const maxBytes = maxBytesOf(path, options);
  let stats: BigIntStats;
  try {
    stats = statSync(path, BIGINT);
  } catch (error) {
    throw unreadable(path, error, "mesh file");
  }
  if (!stats.isFile()) throw notRegularFile(path, stats, "mesh file");
  const size = Number(stats.size);
  if (size > maxBytes) throw new MeshFileTooLargeError(path, size, maxBytes, false);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(path, error, "mesh file");
  }
  try {
    const opened = fstatSync(fd, BIGINT);
    if (!opened.isFile()) throw notRegularFile(path, opened, "mesh file");
    const openedSize = Number(opened.size);
    if (openedSize > maxBytes) throw new MeshFileTooLargeError(path, openedSize, maxBytes, false);
    const reads = readWholeFile(path, openedSize, maxBytes, "mesh file");
    let step = reads.next();
    while (!step.done) {
      const { buffer, offset, length } = step.value;
      step = reads.next(readSync(fd, buffer, offset, length, null));
    }
    return step.value;
  } catch (error) {
    throw error instanceof MeshParseError ? error : unreadable(path, error, "mesh file");
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads an OBJ, OFF or PLY file, chosen by the extension of `path` (case-insensitive), through
 * `readMeshFileBytes` (regular files only, at most `options.maxBytes`, default 2 GiB). The mesh is
 * returned as read, not validated (see `validateMesh`). Every failure, a missing file included,
 * is a `MeshParseError` naming `path`.
 */
export async function readMesh(path: string, options: ReadMeshOptions = {}): Promise<TriangleMeshData> {
  const format = meshFormatOf(path);
  return parseMesh(await readMeshFileBytes(path, options), format, path);
}

/** `readMesh`, synchronously. */
export function readMeshSync(path: string, options: ReadMeshOptions = {}): TriangleMeshData {
  const format = meshFormatOf(path);
  return parseMesh(readMeshFileBytesSync(path, options), format, path);
}

/**
 * Writes `data` to `path` in the format its extension names (.obj, .off, .ply), atomically: the
 * bytes go to a temporary file beside it, which is then renamed over `path`, so a reader never
 * sees a half-written file. `options` apply to OBJ.
 */
export async function writeMeshFile(
  path: string,
  data: TriangleMeshData,
  options: WriteObjOptions = {},
): Promise<void> {
  const bytes = serializeMesh(data, meshFormatOf(path), options);
  await writeFileAtomic(path, bytes);
}

/**
 * Writes `bytes` to `path` so that readers see either the old or the new content, never a torn
 * one: missing parent directories are created, the bytes go to a temporary file beside `path`
 * (`siblingTemporaryPath`), which is then renamed over it; on failure the temporary file is removed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = siblingTemporaryPath(path);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A fresh, unique temporary name beside `path` (not created), for files and directories made atomically. */
export function siblingTemporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}
