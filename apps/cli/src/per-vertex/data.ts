import { stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { FieldDeclaration } from "@gemcnn/features";
import {
  articulatedBodies,
  BODY_PARTS,
  LabelFileError,
  type MeshParseError,
  type TriangleMeshData,
} from "@gemcnn/geometry";
import { readRegularFileBytes, readVertexLabels } from "@gemcnn/geometry/node";
import {
  booleanOption,
  type CliIO,
  integerOption,
  numberOption,
  type ParsedArgs,
  stringOption,
} from "../cli/command.js";
import { CliError, UsageError } from "../cli/errors.js";
import {
  compareNatural,
  DATASET_PARTS,
  DatasetError,
  type DatasetPart,
  type DatasetSample,
  isMeshFile,
  meshFilesIn,
  openDataset,
} from "../data/dataset.js";
import { maxMeshBytes, meshAsRead } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import { stratifiedHoldOut } from "../data/validation.js";
import { type FieldedItem, withInputColumns } from "../fields/input-fields.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { memorySources } from "../preprocess/run.js";
import type { PerVertexTask } from "../tasks/tasks.js";

/**
 * The labels of one mesh in the file's (or generated mesh's) vertex order: read from its label
 * file, generated, or, for a registration, the vertex index itself ("index").
 */
export type InputVertexLabels = Int32Array | "index";

/** One mesh of a per-vertex dataset (with its input-field columns when the task reads any). */
export interface PerVertexItem extends FieldedItem {
  readonly labels: InputVertexLabels;
}

/** A per-vertex dataset ready for preprocessing. */
export interface PerVertexSources {
  readonly task: PerVertexTask;
  readonly description: string;
  /** Segmentation: the part names (label k is `classes[k]`); correspondence: [] (the template's vertices). */
  readonly classes: readonly string[];
  /** Segmentation: where the labels came from (per face `.seg` or per vertex `.vseg`). */
  readonly labelsFrom?: "face" | "vertex";
  readonly train: readonly PerVertexItem[];
  readonly val: readonly PerVertexItem[];
  readonly test: readonly PerVertexItem[];
  /** The input fields that join the geometric features; every item then has their columns. Absent: none. */
  readonly inputFields?: readonly FieldDeclaration[];
  /** Where the validation set comes from; absent without one. */
  readonly validation?: string;
  /** Correspondence: the template (the first training registration as read); its vertex k is class k. */
  readonly template?: { readonly name: string; readonly data: TriangleMeshData };
  /** The dataset root on disk (for the run's default name), when it came from disk. */
  readonly root?: string;
  readonly split?: string;
}

/** The synthetic per-vertex datasets: `shapes × poses` articulated bodies (geometry's `articulatedBodies`). */
export const SYNTHETIC_PER_VERTEX = {
  /**
   * Body shapes for training, per task, and for testing (unseen shapes, as FAUST's last two
   * subjects). Segmentation needs many shapes to label an unseen one (docs/experiments.md: 80.7%
   * of its vertices right after training on 4 shapes, 90.5% on 8, 97.6% on 16 in 60 epochs), and
   * so does correspondence (FAUST in miniature: 36.95% at r = 0 after 4 shapes, 86.4% after 16,
   * 99.1% after 64): 32 shapes, 128 registrations, since 2026-12-08 (4 before).
   */
  trainShapes: { segmentation: 16, correspondence: 32 },
  testShapes: 1,
  poses: 4,
  vertices: 1000,
  noise: 0.02,
} as const;

/**
 * The per-vertex dataset of `--data` (`--split`) or `--synthetic` for `task`, with `--val-fraction`
 * applied, and every label file (and, with `inputFields`, every field file) read and checked
 * (before any preprocessing, so that a bad file stops the run at once and names itself).
 */
export async function perVertexDatasetFromArgs(
  task: PerVertexTask,
  args: ParsedArgs,
  io: CliIO,
  fallback?: "synthetic",
  inputFields: readonly FieldDeclaration[] = [],
): Promise<PerVertexSources> {
  const data = stringOption(args, "data");
  const split = stringOption(args, "split");
  if (data !== undefined && booleanOption(args, "synthetic"))
    throw new UsageError("give either --data or --synthetic, not both");
  if (split !== undefined && data === undefined)
    throw new UsageError("--split needs --data <dir> (the root its paths refer to)");
  const synthetic = booleanOption(args, "synthetic") || (data === undefined && fallback === "synthetic");
  let sources: PerVertexSources;
  if (synthetic && inputFields.length > 0)
    throw new UsageError("input fields need a dataset on disk: the synthetic bodies have no field files");
  if (synthetic) {
    sources = syntheticPerVertex(task, {
      seed: integerOption(args, "synthetic-seed", 0, { min: 0 }),
      trainShapes: integerOption(args, "synthetic-train", SYNTHETIC_PER_VERTEX.trainShapes[task], { min: 1 }),
      testShapes: integerOption(args, "synthetic-test", SYNTHETIC_PER_VERTEX.testShapes, { min: 0 }),
    });
  } else {
    if (data === undefined)
      throw new UsageError("say which dataset: --data <dir> [--split <file>], or --synthetic");
    const root = resolve(io.cwd, data);
    const splitPath = split === undefined ? undefined : resolve(io.cwd, split);
    sources =
      task === "segmentation"
        ? await segmentationDataset(root, splitPath, maxMeshBytes(args), inputFields)
        : await correspondenceDataset(root, splitPath, maxMeshBytes(args), inputFields);
  }
  return withValidation(sources, args);
}

/**
 * `--val-fraction` of the training meshes (seeded by `--val-seed`) held out for validation; the
 * per-vertex tasks' and regression's datasets alike.
 */
export function withValidation<
  Item,
  Sources extends {
    readonly train: readonly Item[];
    readonly val: readonly Item[];
    readonly validation?: string;
  },
>(sources: Sources, args: ParsedArgs): Sources {
  const fraction = numberOption(args, "val-fraction", 0, { min: 0, max: 0.9 });
  const seed = integerOption(args, "val-seed", 0, { min: 0 });
  if (fraction === 0) return sources;
  if (sources.val.length > 0)
    throw new UsageError(
      `--val-fraction: the dataset already has validation meshes (${sources.validation}); leave the option out to use them`,
    );
  const { train, val } = stratifiedHoldOut(
    sources.train.map(() => 0),
    fraction,
    seed,
  );
  if (val.length === 0)
    throw new UsageError(
      `--val-fraction ${fraction}: the dataset needs two or more training meshes to hold one out`,
    );
  // A correspondence template stays the first training mesh as it was listed, wherever it went.
  return {
    ...sources,
    train: train.map((i) => sources.train[i]),
    val: val.map((i) => sources.train[i]),
    validation: `${fraction} of the training meshes (seed ${seed})`,
  };
}

/**
 * The generated bodies: segmentation remeshes each body on its own (labels: the six parts);
 * correspondence shares one connectivity (label: the vertex index). Training uses the first
 * `trainShapes` body shapes in every pose, the test set the next `testShapes` shapes.
 */
export function syntheticPerVertex(
  task: PerVertexTask,
  options: { seed: number; trainShapes: number; testShapes: number },
): PerVertexSources {
  const { poses, vertices, noise } = SYNTHETIC_PER_VERTEX;
  const shapes = options.trainShapes + options.testShapes;
  const bodies = articulatedBodies({
    shapes,
    poses,
    vertices,
    noise,
    remesh: task === "segmentation",
    seed: options.seed,
  });
  const named = bodies.map((b) => ({
    name: `synthetic/shape${b.shape}-pose${b.pose}`,
    mesh: b.data,
    labels: task === "segmentation" ? b.parts : ("index" as const),
    test: b.shape >= options.trainShapes,
  }));
  const items = (test: boolean) => {
    const chosen = named.filter((b) => b.test === test);
    const sources = memorySources(chosen);
    return chosen.map((b, i) => ({ source: sources[i], labels: b.labels }));
  };
  const first = named[0];
  return {
    task,
    description: `synthetic bodies (seed ${options.seed}, ${options.trainShapes}+${options.testShapes} shapes × ${poses} poses, ${task === "segmentation" ? `each remeshed, about ${vertices}` : `shared connectivity, ${first.mesh.positions.length / 3}`} vertices)`,
    classes: task === "segmentation" ? [...BODY_PARTS] : [],
    ...(task === "segmentation" ? { labelsFrom: "vertex" as const } : {}),
    train: items(false),
    val: [],
    test: items(true),
    ...(task === "correspondence" ? { template: { name: first.name, data: first.mesh } } : {}),
  };
}

/** The label file beside a mesh: `<name>.vseg` (per vertex) if there is one, else `<name>.seg` (per face). */
async function labelFileOf(meshPath: string): Promise<string | undefined> {
  const stem = join(dirname(meshPath), basename(meshPath, extname(meshPath)));
  for (const candidate of [`${stem}.vseg`, `${stem}.seg`]) {
    const exists = await stat(candidate).then(
      () => true,
      () => false,
    );
    if (exists) return candidate;
  }
  return undefined;
}

/**
 * A segmentation dataset on disk: the MeshCNN layout `<root>/<class>/{train,val,test}/` (class
 * folders are ignored: the labels are the parts) or `<root>/{train,val,test}/` without classes,
 * or a split file as for classification; every mesh needs `<name>.vseg` or `<name>.seg` beside it.
 * Part names are the label numbers ("0", "1", …, up to the largest label of any file).
 */
export async function segmentationDataset(
  root: string,
  split: string | undefined,
  maxBytes: number,
  inputFields: readonly FieldDeclaration[] = [],
): Promise<PerVertexSources> {
  const parts = await meshesOnDisk(root, split);
  const missing: string[] = [];
  const labelFiles = new Map<DatasetSample, string>();
  for (const part of DATASET_PARTS) {
    for (const sample of parts[part]) {
      const file = await labelFileOf(sample.path);
      if (file === undefined) missing.push(sample.path);
      else labelFiles.set(sample, file);
    }
  }
  if (missing.length > 0) {
    const stem = missing[0].slice(0, missing[0].length - extname(missing[0]).length);
    throw new DatasetError(
      missing[0],
      `no label file beside the mesh (${basename(stem)}.vseg, one label per vertex, or ${basename(stem)}.seg, one per face)${missing.length > 1 ? `; ${missing.length - 1} more meshes lack one` : ""}: a segmentation needs per-vertex labels (is this a classification dataset? there a class comes from the folder, not from label files)`,
    );
  }
  const elements = new Set<"face" | "vertex">();
  let largest = -1;
  const items: Record<DatasetPart, PerVertexItem[]> = { train: [], val: [], test: [] };
  for (const part of DATASET_PARTS) {
    const sources = fileSources(parts[part], maxBytes);
    for (const [k, sample] of parts[part].entries()) {
      const labelPath = labelFiles.get(sample) as string;
      const mesh = await meshAsRead(sample.path, maxBytes);
      let labels: Int32Array;
      try {
        labels = await readVertexLabels(labelPath, mesh, { maxBytes });
      } catch (error) {
        if (error instanceof LabelFileError)
          throw new CliError(`${error.message} (labels of ${sample.path})`);
        throw error;
      }
      elements.add(labelPath.toLowerCase().endsWith(".vseg") ? "vertex" : "face");
      for (const label of labels) largest = Math.max(largest, label);
      const [item] = await withInputColumns(
        [{ source: sources[k], labels }],
        [sample.path],
        inputFields,
        maxBytes,
        [mesh.positions.length / 3],
      );
      items[part].push(item);
    }
  }
  if (largest < 0) throw new DatasetError(root, "no mesh has a labelled vertex");
  return {
    task: "segmentation",
    description: `${root} (${split === undefined ? "train/test folders" : `split ${split}`}, per-vertex labels${inputFields.length > 0 ? ", field files" : ""})`,
    classes: Array.from({ length: largest + 1 }, (_, k) => String(k)),
    labelsFrom: elements.has("face") ? "face" : "vertex",
    ...items,
    ...(inputFields.length > 0 ? { inputFields } : {}),
    ...(items.val.length > 0
      ? { validation: split === undefined ? "val/ folders" : `the split file's "val" lists` }
      : {}),
    root,
    ...(split !== undefined ? { split } : {}),
  };
}

/**
 * Meshes of a per-vertex dataset by part: `<root>/{train,val,test}/`, else the MeshCNN layout or
 * a split file (segmentation and regression).
 */
export async function meshesOnDisk(
  root: string,
  split: string | undefined,
): Promise<Record<DatasetPart, DatasetSample[]>> {
  if (split === undefined) {
    const flat: Record<DatasetPart, DatasetSample[]> = { train: [], val: [], test: [] };
    let found = false;
    for (const part of DATASET_PARTS) {
      const dir = join(root, part);
      const files = await meshFilesIn(dir);
      if (files === undefined) continue;
      found = true;
      flat[part] = files.map((file) => ({
        path: join(dir, file),
        name: relative(root, join(dir, file)),
        className: "",
        label: 0,
      }));
    }
    if (found) return flat;
  }
  const dataset = await openDataset(root, split);
  return { train: [...dataset.train], val: [...dataset.val], test: [...dataset.test] };
}

/** Share of a correspondence folder's meshes (by name order) that trains when there is no split file: FAUST's 80 of 100. */
export const CORRESPONDENCE_TRAIN_SHARE = 0.8;

/**
 * A correspondence dataset on disk: a folder of registrations (meshes with one connectivity, vertex
 * i the same point on each; FAUST's `tr_reg_000.ply` … `tr_reg_099.ply`) and an optional split
 * file `{"train": [names], "test": [names], "val": [names]}` (file names in the folder). Without
 * one, the first 80% by name (numbers compared as numbers) train and the rest test: FAUST's usual
 * 0-79 / 80-99. The template is the first training mesh; every mesh must have its vertex count
 * (checked when it is read).
 */
export async function correspondenceDataset(
  root: string,
  split: string | undefined,
  maxBytes: number,
  inputFields: readonly FieldDeclaration[] = [],
): Promise<PerVertexSources> {
  const files = await meshFilesIn(root);
  if (files === undefined) throw new DatasetError(root, "no such directory");
  const meshes = files.filter(isMeshFile).sort(compareNatural);
  if (meshes.length === 0)
    throw new DatasetError(
      root,
      "no mesh files (.obj, .off, .ply) in the folder (a correspondence dataset is a folder of registrations)",
    );
  const byPart: Record<DatasetPart, string[]> = { train: [], val: [], test: [] };
  if (split === undefined) {
    const nTrain =
      meshes.length === 1
        ? 1
        : Math.min(meshes.length - 1, Math.max(1, Math.round(CORRESPONDENCE_TRAIN_SHARE * meshes.length)));
    byPart.train = meshes.slice(0, nTrain);
    byPart.test = meshes.slice(nTrain);
  } else {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(await readRegularFileBytes(split, "split file")));
    } catch (error) {
      const detail =
        error instanceof SyntaxError
          ? `not valid JSON (${error.message})`
          : ((error as MeshParseError).detail ?? (error as Error).message);
      throw new DatasetError(split, detail);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json))
      throw new DatasetError(
        split,
        'expected {"train": [file names], "test": [file names]} (names of meshes in the folder)',
      );
    const known = new Set(meshes);
    for (const [key, list] of Object.entries(json as Record<string, unknown>)) {
      if (!(DATASET_PARTS as readonly string[]).includes(key))
        throw new DatasetError(split, `unexpected key "${key}" (expected train, val, test)`);
      if (!Array.isArray(list) || list.some((x) => typeof x !== "string"))
        throw new DatasetError(split, `"${key}" must be an array of file names`);
      for (const name of list as string[]) {
        if (!known.has(name))
          throw new DatasetError(split, `"${key}" lists ${name}, which is not a mesh file in ${root}`);
      }
      byPart[key as DatasetPart] = list as string[];
    }
    if (byPart.train.length === 0) throw new DatasetError(split, 'the "train" list is empty');
  }
  const items = (part: DatasetPart): Promise<PerVertexItem[]> => {
    const samples = byPart[part].map((name) => ({
      path: join(root, name),
      name: join(basename(root), name),
      className: "",
      label: 0,
    }));
    return withInputColumns(
      fileSources(samples, maxBytes).map((source) => ({ source, labels: "index" as const })),
      samples.map((sample) => sample.path),
      inputFields,
      maxBytes,
    );
  };
  const templatePath = join(root, byPart.train[0]);
  return {
    task: "correspondence",
    description: `${root} (registrations, ${split === undefined ? `first ${byPart.train.length} of ${meshes.length} by name train` : `split ${split}`})`,
    classes: [],
    train: await items("train"),
    val: await items("val"),
    test: await items("test"),
    ...(inputFields.length > 0 ? { inputFields } : {}),
    ...(byPart.val.length > 0 ? { validation: `the split file's "val" list` } : {}),
    template: { name: templatePath, data: await meshAsRead(templatePath, maxBytes) },
    root,
    ...(split !== undefined ? { split } : {}),
  };
}

/**
 * The labels of a preprocessed mesh, per vertex in its own order: the input's labels carried
 * through repair's renumbering and the component selection (`mesh.sourceVertex`). For a
 * registration the label is the input vertex itself, and the input must have the template's
 * vertex count. Throws a `CliError` naming the mesh when counts do not match.
 */
export function meshVertexLabels(
  mesh: SourcedMesh,
  labels: InputVertexLabels,
  templateVertices?: number,
): Int32Array {
  if (labels === "index") {
    if (templateVertices !== undefined && mesh.sourceVertexCount !== templateVertices)
      throw new CliError(
        `${mesh.name}: ${mesh.sourceVertexCount} vertices, but the template has ${templateVertices}: a correspondence dataset is registrations with one connectivity (vertex i the same point on every mesh)`,
      );
    return Int32Array.from(mesh.sourceVertex);
  }
  if (labels.length !== mesh.sourceVertexCount)
    throw new CliError(
      `${mesh.name}: ${labels.length} vertex labels for a mesh of ${mesh.sourceVertexCount} vertices`,
    );
  return Int32Array.from(mesh.sourceVertex, (u) => labels[u]);
}
