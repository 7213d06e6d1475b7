import type { Dirent } from "node:fs";
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { extname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import type { MeshParseError } from "@gemcnn/geometry";
import { readRegularFileBytes } from "@gemcnn/geometry/node";
import { CliError, EXIT } from "../cli/errors.js";

/** Mesh file extensions a dataset may hold (matched case-insensitively). */
export const MESH_EXTENSIONS: readonly string[] = [".obj", ".off", ".ply"];

/** A dataset's layout or split file is unusable; the message names the file or directory. */
export class DatasetError extends CliError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`, EXIT.failure);
    this.name = "DatasetError";
    this.path = path;
  }
}

export interface DatasetSample {
  /** Absolute path of the mesh file. */
  readonly path: string;
  /** Path relative to the dataset root, for reports. */
  readonly name: string;
  readonly className: string;
  /** Index of the class in `Dataset.classes`. */
  readonly label: number;
}

/** A classification dataset split into training, validation (possibly none) and test meshes. */
export interface Dataset {
  /** Absolute path of the root holding `<class>/…` directories. */
  readonly root: string;
  /** Class names, sorted; a sample's label is its class's index here. */
  readonly classes: readonly string[];
  readonly train: readonly DatasetSample[];
  /** Meshes of `<class>/val/` or of a split file's `val` lists (empty when there are none). */
  readonly val: readonly DatasetSample[];
  readonly test: readonly DatasetSample[];
  /** Where the split came from: "layout" (the train/test folders) or the split file's path. */
  readonly split: string;
}

/** The parts of a dataset, in the order they are read. */
export const DATASET_PARTS = ["train", "val", "test"] as const;
export type DatasetPart = (typeof DATASET_PARTS)[number];

/**
 * Reads MeshCNN's layout, `<root>/<class>/{train,test}/*.{obj,off,ply}`: every non-hidden
 * directory of the root is a class, and each class needs a `train` or a `test` directory. An
 * optional `<class>/val/` holds validation meshes. Files sort by name with numbers compared
 * numerically (T2 before T10). Symbolic links are followed, to class and part directories and to
 * mesh files; a broken link or a loop of links at the class or part level is a `DatasetError`
 * naming it; a broken link, a FIFO or a device with a mesh file's name is kept as a sample
 * (reading it then fails with the reason, and only that mesh is skipped). Two classes that are
 * one directory, a class that leads back to the root, and a mesh file reached twice (say from
 * train and test) are refused, since they would label or count meshes twice.
 */
export async function readMeshCnnLayout(rootPath: string): Promise<Dataset> {
  const root = resolve(rootPath);
  const classes = await classDirectories(root);
  const parts: Record<DatasetPart, DatasetSample[]> = { train: [], val: [], test: [] };
  const seen = new Map<string, string>();
  for (const [label, className] of classes.entries()) {
    const found = { train: false, val: false, test: false };
    for (const part of DATASET_PARTS) {
      const dir = join(root, className, part);
      const files = await meshFilesIn(dir);
      if (files === undefined) continue;
      found[part] = true;
      const target = parts[part];
      for (const file of files) {
        const path = join(dir, file);
        const name = relative(root, path);
        const real = await realpath(path).catch(() => path);
        const earlier = seen.get(real);
        if (earlier !== undefined) {
          throw new DatasetError(
            path,
            `the mesh file is the same file as ${earlier} (through a symbolic link): a mesh may appear only once in a dataset`,
          );
        }
        seen.set(real, name);
        target.push({ path, name, className, label });
      }
    }
    if (!found.train && !found.test) {
      throw new DatasetError(
        join(root, className),
        "a class directory needs a 'train' or 'test' subdirectory (MeshCNN layout <root>/<class>/{train,test}/*.obj)",
      );
    }
  }
  if (parts.train.length + parts.test.length === 0) {
    throw new DatasetError(
      root,
      `no mesh files (${MESH_EXTENSIONS.join(", ")}) in any <class>/{train,test}/`,
    );
  }
  return { root, classes, ...parts, split: "layout" };
}

/**
 * Reads a split file, JSON `{ "<class>": { "train": [paths…], "test": [paths…] } }` with paths
 * relative to `<root>/<class>/` (as in `shrec_16_split10/`), and checks that every file exists.
 * A class may also list `"val": [paths…]`, validation meshes held out of training.
 */
export async function readSplitFile(rootPath: string, splitPath: string): Promise<Dataset> {
  const root = resolve(rootPath);
  const splitFile = resolve(splitPath);
  await requireDirectory(root, "dataset root");
  let text: string;
  try {
    // Through the mesh files' safe reader: a FIFO named as the split file would block readFile.
    text = new TextDecoder().decode(await readRegularFileBytes(splitFile, "split file"));
  } catch (error) {
    const cause = (error as Error).cause;
    if ((cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT" && !(await isLink(splitFile))) {
      throw new DatasetError(splitFile, describeFsError(cause, "split file"));
    }
    throw new DatasetError(splitFile, (error as MeshParseError).detail);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(splitFile, `not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(json)) {
    throw new DatasetError(splitFile, 'expected an object {"<class>": {"train": [...], "test": [...]}}');
  }
  const classes = Object.keys(json).sort();
  if (classes.length === 0) throw new DatasetError(splitFile, "the split lists no classes");
  const parts: Record<DatasetPart, DatasetSample[]> = { train: [], val: [], test: [] };
  const missing: string[] = [];
  for (const [label, className] of classes.entries()) {
    const entry = json[className];
    if (!isPlainObject(entry)) {
      throw new DatasetError(splitFile, `class "${className}": expected {"train": [...], "test": [...]}`);
    }
    const unknownKeys = Object.keys(entry).filter((k) => !(DATASET_PARTS as readonly string[]).includes(k));
    if (unknownKeys.length > 0) {
      throw new DatasetError(splitFile, `class "${className}": unexpected key "${unknownKeys[0]}"`);
    }
    const classDir = join(root, className);
    await requireDirectory(classDir, `directory of class "${className}" (from ${splitFile})`);
    const seen = new Map<string, string>();
    for (const part of DATASET_PARTS) {
      const list = entry[part] ?? [];
      if (!Array.isArray(list) || list.some((p) => typeof p !== "string")) {
        throw new DatasetError(splitFile, `class "${className}": "${part}" must be an array of paths`);
      }
      for (const file of list as string[]) {
        if (isAbsolute(file) || normalize(file).split(sep).includes("..")) {
          throw new DatasetError(
            splitFile,
            `class "${className}": path "${file}" must stay inside the class directory`,
          );
        }
        const earlier = seen.get(file);
        if (earlier !== undefined) {
          throw new DatasetError(
            splitFile,
            `class "${className}": "${file}" is listed twice (${earlier}, ${part})`,
          );
        }
        seen.set(file, part);
        if (!isMeshFile(file)) {
          throw new DatasetError(
            splitFile,
            `class "${className}": "${file}" is not a mesh file (${MESH_EXTENSIONS.join(", ")})`,
          );
        }
        const path = join(classDir, file);
        if (!(await isFile(path))) missing.push(await describeMissing(path));
        parts[part].push({ path, name: relative(root, path), className, label });
      }
    }
  }
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : "";
    throw new DatasetError(splitFile, `lists files that do not exist: ${missing[0]}${more}`);
  }
  return { root, classes, ...parts, split: splitFile };
}

/** The dataset of `--data <root>` with an optional `--split <file>`. */
export function openDataset(root: string, splitFile?: string): Promise<Dataset> {
  return splitFile ? readSplitFile(root, splitFile) : readMeshCnnLayout(root);
}

/** Counts per class and part, for `gemcnn data` and training reports. */
export function datasetSummary(
  dataset: Dataset,
): { className: string; train: number; val: number; test: number }[] {
  return dataset.classes.map((className, label) => ({
    className,
    train: dataset.train.filter((s) => s.label === label).length,
    val: dataset.val.filter((s) => s.label === label).length,
    test: dataset.test.filter((s) => s.label === label).length,
  }));
}

export function isMeshFile(name: string): boolean {
  return MESH_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Orders names with embedded numbers numerically: T2 < T10. */
export function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * What `entry` of `dir` is, following a symbolic link: "directory", "file" or "other", or for a
 * link that leads nowhere the reason ("a broken symbolic link: …", "a loop of symbolic links").
 */
async function followEntry(
  dir: string,
  entry: Dirent,
): Promise<{ kind: "directory" | "file" | "other" } | { broken: string }> {
  const kindOf = (s: { isDirectory(): boolean; isFile(): boolean }) =>
    s.isDirectory() ? ("directory" as const) : s.isFile() ? ("file" as const) : ("other" as const);
  if (!entry.isSymbolicLink()) return { kind: kindOf(entry) };
  const path = join(dir, entry.name);
  try {
    return { kind: kindOf(await stat(path)) };
  } catch (error) {
    return { broken: await describeBrokenLink(path, error) };
  }
}

/** Why the link at `path` cannot be followed (`error` from `stat`). */
async function describeBrokenLink(path: string, error: unknown): Promise<string> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP") return "a loop of symbolic links";
  const target = await readlink(path).catch(() => "?");
  if (code === "ENOENT" || code === "ENOTDIR")
    return `a broken symbolic link: its target ${target} does not exist`;
  return `a symbolic link to ${target}, which cannot be read (${(error as Error).message})`;
}

async function classDirectories(root: string): Promise<string[]> {
  await requireDirectory(root, "dataset root");
  const entries = await readdir(root, { withFileTypes: true });
  const rootReal = await realpath(root);
  const classes: string[] = [];
  const byRealPath = new Map<string, string>();
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const followed = await followEntry(root, entry);
    const path = join(root, entry.name);
    if ("broken" in followed) throw new DatasetError(path, `the class directory is ${followed.broken}`);
    if (followed.kind !== "directory") continue;
    if (entry.isSymbolicLink()) {
      const real = await realpath(path);
      if (real === rootReal || rootReal.startsWith(`${real}${sep}`)) {
        throw new DatasetError(
          path,
          `the class directory is a symbolic link to ${real}, which holds the dataset root: a class cannot contain its own dataset`,
        );
      }
    }
    const real = await realpath(path);
    const other = byRealPath.get(real);
    if (other !== undefined) {
      throw new DatasetError(
        path,
        `the class directory is the same directory as class '${other}' (through a symbolic link): each class needs its own`,
      );
    }
    byRealPath.set(real, entry.name);
    classes.push(entry.name);
  }
  classes.sort();
  if (classes.length === 0) {
    throw new DatasetError(
      root,
      "no class directories (expected MeshCNN layout <root>/<class>/{train,test}/*.obj)",
    );
  }
  return classes;
}

export async function meshFilesIn(dir: string): Promise<string[] | undefined> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const isLink = await lstat(dir).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (isLink && (code === "ENOENT" || code === "ELOOP" || code === "ENOTDIR")) {
      throw new DatasetError(dir, `the directory is ${await describeBrokenLink(dir, error)}`);
    }
    if (code === "ENOENT") return undefined;
    throw new DatasetError(dir, describeFsError(error, "directory"));
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".") || !isMeshFile(entry.name)) continue;
    // Anything with a mesh name but a directory is listed: a link to a file, and also a broken
    // link, a FIFO or a device, so that reading it says what it is and only that mesh is skipped.
    const followed = await followEntry(dir, entry);
    if ("broken" in followed || followed.kind !== "directory") files.push(entry.name);
  }
  return files.sort(compareNatural);
}

async function requireDirectory(path: string, what: string): Promise<void> {
  let info: import("node:fs").Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new DatasetError(path, describeFsError(error, what));
  }
  if (!info.isDirectory()) throw new DatasetError(path, `the ${what} is not a directory`);
}

async function isLink(path: string): Promise<boolean> {
  return lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
}

/** `path`, and why when it is a symbolic link that leads nowhere. */
async function describeMissing(path: string): Promise<string> {
  const isLink = await lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (!isLink) return path;
  const error = await stat(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  return error === undefined ? `${path} (not a file)` : `${path} (${await describeBrokenLink(path, error)})`;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** "no such file" and friends in words, for messages that name the path. */
export function describeFsError(error: unknown, what: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${what} does not exist`;
  if (code === "EACCES" || code === "EPERM") return `${what} is not readable (permission denied)`;
  if (code === "EISDIR") return `${what} is a directory, expected a file`;
  if (code === "ENOTDIR") return `${what}: a part of the path is not a directory`;
  return `${what} cannot be read (${(error as Error).message})`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
