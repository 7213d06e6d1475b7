import {
  type FieldDeclaration,
  largestComponent,
  largestComponentVertices,
  type NetworkInput,
  NetworkInputError,
  networkInput,
  type PreprocessedMesh,
  type PreprocessOptions,
  type VertexFields,
} from "@gemcnn/features";
import type { TriangleMeshData, VertexColumns } from "@gemcnn/geometry";
import type { ModelSpec } from "../classifiers/classifier.js";
import { type CliIO, type OptionSpec, type ParsedArgs, stringOption } from "../cli/command.js";
import { CliError, UsageError } from "../cli/errors.js";
import { DatasetError } from "../data/dataset.js";
import type { LoadedMesh } from "../data/load.js";
import { meshAsRead } from "../data/mesh-file.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { type MeshSource, rotatedSources, sourceRotation } from "../preprocess/run.js";
import {
  fieldDeclarationsFromOption,
  fieldFileHint,
  fieldFileOf,
  formatDeclarations,
  meshFields,
  readDeclaredColumns,
  reorderedColumns,
  rotateDeclaredColumns,
} from "./field-files.js";

// A user's own input fields for every task (classification, segmentation, correspondence and
// regression): `--input-fields` declarations, the columns read from the field file beside each
// mesh before preprocessing, and the network input they make with the geometric features after
// it. The preprocessing cache holds the geometry's features only; the fields are read from their
// files on every run, so a changed field file is never served stale.

/** One mesh of a dataset with, when the task reads input fields, its field file's declared columns (file vertex order). */
export interface FieldedItem {
  readonly source: MeshSource;
  /** The input-field columns, checked (present, one row per vertex as read, finite); absent without input fields. */
  readonly fields?: VertexColumns;
}

/** `--input-fields` (optional): the declarations, or [] without the option. */
export async function inputFieldsFromArgs(args: ParsedArgs, io: CliIO): Promise<FieldDeclaration[]> {
  const value = stringOption(args, "input-fields");
  return value === undefined ? [] : fieldDeclarationsFromOption("input-fields", value, io.cwd);
}

/** `--input-fields` of `eval`, `predict` and `check`: the model says which; given, it must agree. */
export const INPUT_FIELDS_OF_MODEL: OptionSpec = {
  type: "string",
  valueName: "<decl>",
  description:
    "the input fields, as at training (optional: the model's own declarations are read from beside each mesh; given, they must be the same)",
  defaultText: "the model's",
};

/** A network needs some input: geometric features, input fields, or both (the one message of every task). */
export function checkNetworkInput(
  preprocess: PreprocessOptions,
  inputFields: readonly FieldDeclaration[],
): void {
  if (preprocess.features.kinds.length === 0 && inputFields.length === 0)
    throw new UsageError("--features none needs --input-fields: the network needs some input");
}

/**
 * The input fields a saved model reads (`gemcnn.json`'s `fields.input`; [] for a model without
 * them). `eval`, `predict` and `check` read them beside each mesh as the model says; an
 * `--input-fields` given as well must say the same, else a `UsageError` shows both.
 */
export async function modelInputFields(
  spec: Pick<ModelSpec, "fields">,
  modelDir: string,
  args: ParsedArgs,
  io: CliIO,
): Promise<FieldDeclaration[]> {
  const declared = [...(spec.fields?.input ?? [])];
  if (stringOption(args, "input-fields") === undefined) return declared;
  const given = await inputFieldsFromArgs(args, io);
  const same =
    given.length === declared.length &&
    given.every((d, k) => JSON.stringify(d) === JSON.stringify(declared[k]));
  if (!same)
    throw new UsageError(
      `--input-fields ${formatDeclarations(given) || "(none)"} differs from what the model ${modelDir} reads: ${
        declared.length > 0 ? formatDeclarations(declared) : "no input fields"
      } (leave the option out: the model's own declarations are used)`,
    );
  return declared;
}

/**
 * The declared input columns of the mesh file `meshPath`, from its field file (`fieldFileOf`),
 * checked against the mesh's vertex count as read (`vertexCount`, or the file parsed here). A
 * mesh without a field file, a missing column, a wrong row count or a value that is not a finite
 * number is a one-line `CliError` naming the file.
 */
export async function inputColumnsOf(
  meshPath: string,
  declarations: readonly FieldDeclaration[],
  maxBytes: number,
  vertexCount?: number,
): Promise<VertexColumns> {
  const file = await fieldFileOf(meshPath);
  if (file === undefined)
    throw new DatasetError(
      meshPath,
      `no field file beside the mesh (${fieldFileHint(meshPath)}), which the input fields ${formatDeclarations(declarations)} are read from`,
    );
  const count = vertexCount ?? (await meshAsRead(meshPath, maxBytes)).positions.length / 3;
  try {
    return await readDeclaredColumns(file, declarations, count, maxBytes);
  } catch (error) {
    // A PLY mesh is its own field file only when there is no other: say so when a column is missing.
    if (file === meshPath && error instanceof CliError && error.message.includes("no such column"))
      throw new CliError(
        `${error.message} (no ${fieldFileHint(meshPath).replace(", or vertex properties in the PLY file", "")})`,
      );
    throw error;
  }
}

/**
 * Reads the input columns of every item's mesh file (`paths[k]` is item k's), in order, before
 * any preprocessing, so that a bad file stops the run at once and names itself; without
 * declarations the items are returned as they are.
 */
export async function withInputColumns<Item extends { readonly source: MeshSource }>(
  items: readonly Item[],
  paths: readonly string[],
  declarations: readonly FieldDeclaration[],
  maxBytes: number,
  vertexCounts?: readonly number[],
): Promise<(Item & FieldedItem)[]> {
  if (declarations.length === 0) return [...items];
  const out: (Item & FieldedItem)[] = [];
  for (const [k, item] of items.entries())
    out.push({
      ...item,
      fields: await inputColumnsOf(paths[k], declarations, maxBytes, vertexCounts?.[k]),
    });
  return out;
}

/**
 * `rotatedSources` for items with fields: each mesh turned by its own random rotation
 * (`sourceRotation(seed, k)`), and its vector and direction columns turned with it.
 */
export function rotatedItems<Item extends FieldedItem>(
  items: readonly Item[],
  declarations: readonly FieldDeclaration[],
  seed: number,
): Item[] {
  const sources = rotatedSources(
    items.map((item) => item.source),
    seed,
  );
  return items.map((item, k) => ({
    ...item,
    source: sources[k],
    ...(item.fields
      ? { fields: rotateDeclaredColumns(item.fields, declarations, sourceRotation(seed, k)) }
      : {}),
  }));
}

/**
 * The preprocessing actually run for `options`. Without geometric features (`kinds` empty:
 * `--features none`) the meshes are still prepared (frames, repair), and the one feature that
 * costs nothing, the constant `ones`, is computed and then not used: the preprocessing's record
 * always has features, and the network's input is then the input fields alone.
 */
export function computedPreprocess(options: PreprocessOptions): PreprocessOptions {
  return options.features.kinds.length > 0
    ? options
    : { ...options, features: { ...options.features, kinds: ["ones"] } };
}

/**
 * The network's packed input of a preprocessed mesh: its geometric features (none when
 * `preprocess.features.kinds` is empty) and the input fields, combined by features'
 * `networkInput` (the one function the viewer uses too), as the mesh's `features`.
 */
export function withNetworkInput<M extends PreprocessedMesh>(
  mesh: M,
  preprocess: PreprocessOptions,
  input: VertexFields | undefined,
): M {
  let combined: NetworkInput;
  try {
    combined = networkInput(
      preprocess.features.kinds.length > 0
        ? { fieldType: mesh.fieldType, channels: mesh.channels, values: mesh.features }
        : undefined,
      input,
      mesh.name,
    );
  } catch (error) {
    if (error instanceof NetworkInputError) throw new CliError(error.message, undefined, { cause: error });
    throw error;
  }
  return { ...mesh, features: combined.values, fieldType: combined.fieldType, channels: combined.channels };
}

/**
 * A preprocessed mesh with its network input: unchanged when the model reads geometric features
 * only; else the declared columns (file vertex order) carried to its vertices and frames
 * (`meshFields`: through repair and the component selection) and combined with its features.
 */
export function withInputFields(
  mesh: SourcedMesh,
  columns: VertexColumns | undefined,
  declarations: readonly FieldDeclaration[],
  preprocess: PreprocessOptions,
): SourcedMesh {
  if (declarations.length === 0 && preprocess.features.kinds.length > 0) return mesh;
  if (declarations.length > 0 && columns === undefined)
    throw new Error(`${mesh.name}: the input fields were not read before preprocessing`);
  const input =
    declarations.length > 0 ? meshFields(columns as VertexColumns, declarations, mesh) : undefined;
  return withNetworkInput(mesh, preprocess, input);
}

/**
 * The mesh that `gemcnn check` varies and its input columns, vertex for vertex: `loaded` (the
 * file repaired as the model's preprocessing says) reduced to its largest component first where
 * the model keeps only that, so that every variant has the same vertices, and the field file's
 * declared columns carried to those vertices. `options` is the preprocessing of each variant
 * (the component selection already done).
 */
export async function checkedMeshFields(
  loaded: LoadedMesh,
  meshPath: string,
  preprocess: PreprocessOptions,
  declarations: readonly FieldDeclaration[],
  maxBytes: number,
): Promise<{ data: TriangleMeshData; columns: VertexColumns; options: PreprocessOptions }> {
  const inputCount = loaded.positions.length / 3;
  const kept = preprocess.largestComponentOnly ? largestComponentVertices(loaded, meshPath) : null;
  const keptVertices = kept ?? Uint32Array.from({ length: inputCount }, (_, v) => v);
  const fileVertex = Int32Array.from(keptVertices, (u) => loaded.sourceVertex?.[u] ?? u);
  // `largestComponent`'s vertex k is the loaded mesh's vertex kept[k].
  const data: TriangleMeshData = kept === null ? loaded : largestComponent(loaded, meshPath, []);
  let columns: VertexColumns = { source: meshPath, nVertices: fileVertex.length, columns: new Map() };
  if (declarations.length > 0) {
    const read = await inputColumnsOf(meshPath, declarations, maxBytes, loaded.fileVertexCount ?? inputCount);
    columns = reorderedColumns(read, fileVertex);
  }
  return { data, columns, options: computedPreprocess({ ...preprocess, largestComponentOnly: false }) };
}

/**
 * A variant of the checked mesh (preprocessed from `checkedMeshFields`' data, moved or relabelled)
 * with its network input: `columns` are the variant's own (turned with it, reordered with it), one
 * row per vertex of the variant's mesh, which is numbered as its input (no repair renumbering).
 */
export function checkedVariantInput(
  mesh: PreprocessedMesh,
  columns: VertexColumns,
  declarations: readonly FieldDeclaration[],
  preprocess: PreprocessOptions,
): PreprocessedMesh {
  if (declarations.length === 0 && preprocess.features.kinds.length > 0) return mesh;
  const identity = Int32Array.from({ length: mesh.nVertices }, (_, i) => i);
  const input =
    declarations.length > 0
      ? meshFields(columns, declarations, { ...mesh, sourceVertex: identity })
      : undefined;
  return withNetworkInput(mesh, preprocess, input);
}
