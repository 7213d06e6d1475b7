import { resolve } from "node:path";
import type { FieldDeclaration, VertexFields } from "@gemcnn/features";
import type { VertexColumns } from "@gemcnn/geometry";
import { type CliIO, type ParsedArgs, stringOption } from "../cli/command.js";
import { CliError, UsageError } from "../cli/errors.js";
import { preprocessDataset, type preprocessingFromArgs } from "../commands/shared.js";
import { DATASET_PARTS, DatasetError, type DatasetPart, type DatasetSample } from "../data/dataset.js";
import { maxMeshBytes, meshAsRead } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import {
  fieldFileHint,
  fieldFileOf,
  meshFields,
  readDeclaredColumns,
  rotateDeclaredColumns,
} from "../fields/field-files.js";
import { computedPreprocess, withNetworkInput } from "../fields/input-fields.js";
import { meshesOnDisk, withValidation } from "../per-vertex/data.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import type { MeshSource } from "../preprocess/run.js";

/** The declared fields of a regression task: the network's extra input (may be empty) and its target. */
export interface RegressionFields {
  readonly input: readonly FieldDeclaration[];
  readonly target: readonly FieldDeclaration[];
}

/** One mesh of a regression dataset: its source, and its field file's declared columns (file vertex order). */
export interface RegressionItem {
  readonly source: MeshSource;
  /** The mesh file. */
  readonly path: string;
  /** The input and target columns, checked (present, one row per vertex, finite); absent target columns: `hasTarget` false. */
  readonly columns: VertexColumns;
  readonly hasTarget: boolean;
}

/** A regression dataset ready for preprocessing. */
export interface RegressionSources {
  readonly description: string;
  readonly train: readonly RegressionItem[];
  readonly val: readonly RegressionItem[];
  readonly test: readonly RegressionItem[];
  readonly validation?: string;
  readonly root: string;
  readonly split?: string;
}

/**
 * The regression dataset of `--data` (`--split`): the per-vertex layouts (`<root>/{train,val,test}/`,
 * the MeshCNN layout, or a split file), each mesh with a field file beside it (`fieldFileOf`)
 * holding the columns of `fields`, read and checked here, before any preprocessing, so that a bad
 * file stops the run at once and names itself. `parts` limits which parts are read (eval reads one);
 * `targets` "optional" accepts a file without the target columns (predict).
 */
export async function regressionDatasetFromArgs(
  args: ParsedArgs,
  io: CliIO,
  fields: RegressionFields,
  options: { parts?: readonly DatasetPart[]; root?: string } = {},
): Promise<RegressionSources> {
  const data = options.root ?? stringOption(args, "data");
  const split = stringOption(args, "split");
  if (args.options.synthetic === true)
    throw new UsageError(
      "a regression has no synthetic dataset here: the experiment command generates one (the wind from the pressure on spheres)",
    );
  if (split !== undefined && data === undefined)
    throw new UsageError("--split needs --data <dir> (the root its paths refer to)");
  if (data === undefined)
    throw new UsageError(
      "say which dataset: --data <dir> [--split <file>] (meshes with a <name>.fields.json or <name>.csv beside each)",
    );
  const root = resolve(io.cwd, data);
  const splitPath = split === undefined ? undefined : resolve(io.cwd, split);
  const maxBytes = maxMeshBytes(args);
  const onDisk = await meshesOnDisk(root, splitPath);
  const parts = options.parts ?? DATASET_PARTS;
  const items: Record<DatasetPart, RegressionItem[]> = { train: [], val: [], test: [] };
  for (const part of parts) {
    items[part] = await regressionItems(onDisk[part], fields, maxBytes, "required");
  }
  const sources: RegressionSources = {
    description: `${root} (${splitPath === undefined ? "train/test folders" : `split ${splitPath}`}, field files)`,
    ...items,
    ...(items.val.length > 0
      ? { validation: splitPath === undefined ? "val/ folders" : `the split file's "val" lists` }
      : {}),
    root,
    ...(splitPath !== undefined ? { split: splitPath } : {}),
  };
  return withValidation(sources, args);
}

/**
 * The items of mesh files: each one's field file found and its declared columns read and checked
 * against the mesh's vertex count as read. With `targets` "optional", a file that lacks a target
 * column is accepted (`hasTarget` false); input columns are always required.
 */
export async function regressionItems(
  samples: readonly DatasetSample[],
  fields: RegressionFields,
  maxBytes: number,
  targets: "required" | "optional",
): Promise<RegressionItem[]> {
  const sources = fileSources(samples, maxBytes);
  const items: RegressionItem[] = [];
  for (const [k, sample] of samples.entries()) {
    const file = await fieldFileOf(sample.path);
    if (file === undefined && targets === "optional" && fields.input.length === 0) {
      // Nothing to read: the model's input is the geometry alone, and the truth is not known.
      const columns = { source: sample.path, nVertices: 0, columns: new Map<string, Float64Array>() };
      items.push({ source: sources[k], path: sample.path, columns, hasTarget: false });
      continue;
    }
    if (file === undefined)
      throw new DatasetError(
        sample.path,
        `no field file beside the mesh (${fieldFileHint(sample.path)}): a regression dataset needs the declared fields of every mesh`,
      );
    const mesh = await meshAsRead(sample.path, maxBytes);
    const vertexCount = mesh.positions.length / 3;
    let columns: VertexColumns;
    let hasTarget = true;
    // A PLY mesh is its own field file only when there is no other: say so when a column is missing.
    const hint = (error: unknown): never => {
      if (file === sample.path && error instanceof CliError && error.message.includes("no such column"))
        throw new CliError(
          `${error.message} (no ${fieldFileHint(sample.path).replace(", or vertex properties in the PLY file", "")})`,
        );
      throw error;
    };
    try {
      columns = await readDeclaredColumns(file, [...fields.input, ...fields.target], vertexCount, maxBytes);
    } catch (error) {
      if (targets === "required") hint(error);
      columns = await readDeclaredColumns(file, fields.input, vertexCount, maxBytes).catch(hint);
      hasTarget = false;
    }
    items.push({ source: sources[k], path: sample.path, columns, hasTarget });
  }
  return items;
}

/** A preprocessed regression dataset: meshes, the network's packed input per mesh, and targets. */
export interface PreprocessedRegression {
  /** The preprocessed meshes, their features replaced by the network's packed input (`networkInput`). */
  readonly meshes: SourcedMesh[];
  /** The packed target fields in each mesh's frames (undefined where the file has none: predict). */
  readonly targets: (VertexFields | undefined)[];
  /** The packed input fields (undefined without input declarations). */
  readonly inputs: (VertexFields | undefined)[];
  /** Which item each mesh came from (meshes that could not be preprocessed are skipped). */
  readonly items: RegressionItem[];
  readonly train: number[];
  readonly val: number[];
  readonly test: number[];
  readonly skipped: readonly { name: string; reason: string }[];
  readonly seconds: number;
}

/**
 * Preprocesses the meshes of `sources` (cache and workers, with `computedPreprocess`), then
 * builds each one's fields in its frames (`meshFields`: carried through repair and the component
 * selection) and its network input. `rotations[i]`, where given, turns item i's vector columns as
 * its mesh was turned.
 */
export async function preprocessRegression(
  sources: Pick<RegressionSources, "description" | "train" | "val" | "test">,
  fields: RegressionFields,
  setup: ReturnType<typeof preprocessingFromArgs>,
  io: CliIO,
  rotations?: readonly (readonly number[] | undefined)[],
): Promise<PreprocessedRegression> {
  const all: RegressionItem[] = [...sources.train, ...sources.val, ...sources.test];
  let next = 0;
  const wrap = (part: readonly RegressionItem[]) =>
    part.map((item) => ({ source: item.source, label: next++ }));
  const data = await preprocessDataset(
    {
      description: sources.description,
      classes: [],
      train: wrap(sources.train),
      val: wrap(sources.val),
      test: wrap(sources.test),
    },
    { ...setup, options: computedPreprocess(setup.options) },
    io,
  );
  const picked = [...data.train, ...data.val, ...data.test];
  const meshes: SourcedMesh[] = [];
  const targets: (VertexFields | undefined)[] = [];
  const inputs: (VertexFields | undefined)[] = [];
  const items: RegressionItem[] = [];
  for (const { mesh, label } of picked) {
    const item = all[label];
    const sourced = mesh as SourcedMesh;
    const rotation = rotations?.[label];
    const columns =
      rotation === undefined
        ? item.columns
        : rotateDeclaredColumns(item.columns, [...fields.input, ...fields.target], rotation);
    const input = fields.input.length > 0 ? meshFields(columns, fields.input, sourced) : undefined;
    const target = item.hasTarget ? meshFields(columns, fields.target, sourced) : undefined;
    meshes.push(withNetworkInput(sourced, setup.options, input));
    targets.push(target);
    inputs.push(input);
    items.push(item);
  }
  const index = (offset: number, n: number) => Array.from({ length: n }, (_, i) => offset + i);
  return {
    meshes,
    targets,
    inputs,
    items,
    train: index(0, data.train.length),
    val: index(data.train.length, data.val.length),
    test: index(data.train.length + data.val.length, data.test.length),
    skipped: data.skipped,
    seconds: data.seconds,
  };
}
