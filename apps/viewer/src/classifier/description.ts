import {
  FEATURE_KINDS,
  type FeatureKind,
  type FieldDeclaration,
  type InputNormalization,
  namedFieldTypeOf,
  type PreprocessOptions,
  parseFieldDeclarations,
  parseTargetScaling,
  type TargetScaling,
} from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import { type ModelFileSource, ModelFilesError, readJsonFile } from "./model-files.js";

/** The command line's description of a saved classifier, beside its `model.json`. */
export const DESCRIPTION_JSON = "gemcnn.json";
/** The `format` field of that file. */
export const DESCRIPTION_FORMAT = "gemcnn-classifier";
/**
 * The newest `version` of that file the page reads (the command line's `SPEC_VERSION`): 3 adds
 * `task` and the per-vertex tasks; version 2 files are read too and mean task "classification".
 */
export const DESCRIPTION_VERSION = 3;
/** The versions the page reads. */
export const DESCRIPTION_VERSIONS: readonly number[] = [2, 3];

/**
 * What a saved model does: one class per mesh, one part label per vertex, one template vertex per
 * vertex, or a user's fields per vertex.
 */
export type ModelTask = "classification" | "segmentation" | "correspondence" | "regression";
export const MODEL_TASKS: readonly ModelTask[] = [
  "classification",
  "segmentation",
  "correspondence",
  "regression",
];

/**
 * What the page takes from the command line's `gemcnn.json`: the class names (logit `k` is
 * `classes[k]`), how a mesh is preprocessed into features, and how the features are normalised
 * into the network's input.
 */
export interface ClassifierDescription {
  readonly classes: readonly string[];
  readonly preprocess: PreprocessOptions;
  readonly input: InputNormalization;
}

/**
 * A per-vertex model's description (version 3): a segmenter's part names (logit `k` of a vertex
 * is `classes[k]`) and where its training labels came from, or a correspondence model's template
 * (logit `k` of a vertex is template vertex `k`; `classes` is empty); preprocessing and input
 * normalisation as for a classifier.
 */
export type PerVertexDescription =
  | (ClassifierDescription & {
      readonly task: "segmentation";
      /** Whether the training labels were per face (`.seg`, converted by area majority) or per vertex (`.vseg`). */
      readonly labelsFrom: "face" | "vertex";
    })
  | (ClassifierDescription & {
      readonly task: "correspondence";
      /** The template mesh beside model.json (vertex `k` is class `k`) and its vertex count. */
      readonly template: { readonly file: string; readonly vertexCount: number };
    });

/**
 * A regression model's description (version 3, model-format.md "Regression models"): the user's
 * input fields it reads (possibly none) and the target fields it predicts, as features'
 * declarations (the columns of a field file), and the scaling its targets were trained in.
 * `preprocess.features.kinds` may be empty (no geometric features; then `fields.input` is not);
 * the network's input is `networkInput(features, input fields)` normalised by `input`.
 */
export interface RegressionDescription extends ClassifierDescription {
  readonly task: "regression";
  readonly fields: {
    readonly input: readonly FieldDeclaration[];
    readonly target: readonly FieldDeclaration[];
  };
  readonly target: TargetScaling;
}

/** Any description the page reads, by task. */
export type ModelDescription =
  | (ClassifierDescription & { readonly task: "classification" })
  | PerVertexDescription
  | RegressionDescription;

/** Reads and checks `gemcnn.json` of `source`, any task (see `parseModelDescription`). */
export async function readModelDescription(source: ModelFileSource): Promise<ModelDescription> {
  const json = await readJsonFile(source, DESCRIPTION_JSON);
  if (json === null) {
    throw new ModelFilesError(
      `${source.label}: no ${DESCRIPTION_JSON} (the classes and preprocessing that \`gemcnn train\` saves beside model.json)`,
    );
  }
  return parseModelDescription(json, source.describe(DESCRIPTION_JSON));
}

/** Reads and checks `gemcnn.json` of `source`, which must describe a classifier. */
export async function readClassifierDescription(source: ModelFileSource): Promise<ClassifierDescription> {
  const description = await readModelDescription(source);
  if (description.task !== "classification") {
    throw new ModelFilesError(
      `${source.describe(DESCRIPTION_JSON)}: a ${description.task} model, not a classifier`,
    );
  }
  return description;
}

const isNumberList = (value: unknown, length: number) =>
  Array.isArray(value) &&
  value.length === length &&
  value.every((x) => typeof x === "number" && Number.isFinite(x));

/** Checks a parsed `gemcnn.json` that must describe a classifier (see `parseModelDescription`). */
export function parseClassifierDescription(json: unknown, where: string): ClassifierDescription {
  const description = parseModelDescription(json, where);
  if (description.task !== "classification") {
    throw new ModelFilesError(`${where}: a ${description.task} model, not a classifier`);
  }
  return description;
}

/**
 * Checks a parsed `gemcnn.json`: a GEM-CNN model's description of a version the page reads, its
 * task (version 3; version 2 means classification), class names (a classifier's and a
 * segmenter's; none for correspondence, whose template is named instead), preprocessing options
 * the page can reproduce (feature kinds it knows, the heat kernel's eigenpairs and number of
 * times), and an input normalisation with one number per channel and its clip. `where` names the
 * file in messages.
 */
export function parseModelDescription(json: unknown, where: string): ModelDescription {
  const fail = (problem: string): never => {
    throw new ModelFilesError(`${where}: ${problem}`);
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("not a JSON object");
  const { format, version, kind, task, classes, preprocess, input, labels, template } = json as Record<
    string,
    unknown
  >;
  if (format !== DESCRIPTION_FORMAT) {
    fail(
      `"format" is ${JSON.stringify(format)}, not "${DESCRIPTION_FORMAT}": not a classifier saved by gemcnn`,
    );
  }
  if (version === 1) {
    fail(
      "a classifier saved by an earlier gemcnn (description version 1), whose heat-kernel features and input normalisation this page no longer computes; train it again",
    );
  }
  if (!DESCRIPTION_VERSIONS.includes(version as number)) {
    fail(
      `version ${JSON.stringify(version)} of the file; this page reads versions ${DESCRIPTION_VERSIONS.join(" and ")}` +
        (typeof version === "number" && version > DESCRIPTION_VERSION
          ? " (saved by a newer gemcnn: update the viewer)"
          : ""),
    );
  }
  // Version 2 knew one task; in version 3 an absent task means it too.
  const theTask = version === 2 || task === undefined ? "classification" : task;
  if (version === 2 && task !== undefined && task !== "classification") {
    fail(`a version 2 description with "task" ${JSON.stringify(task)}; per-vertex tasks came with version 3`);
  }
  if (!MODEL_TASKS.includes(theTask as ModelTask)) {
    fail(`a ${JSON.stringify(theTask)} model; the page runs ${MODEL_TASKS.join(", ")} models`);
  }
  // A classifier names its kind (the linear probe has no network for the page to run).
  if ((theTask === "classification" || kind !== undefined) && kind !== "gemcnn") {
    fail(`a ${JSON.stringify(kind)} model; the page runs GEM-CNN models (gemcnn train --model gemcnn)`);
  }
  if (theTask === "correspondence" || theTask === "regression") {
    if (!Array.isArray(classes) || classes.length !== 0) {
      fail(
        theTask === "correspondence"
          ? `"classes" must be empty for a correspondence model (its classes are the template's vertices)`
          : `"classes" must be empty for a regression model (it predicts fields, not classes)`,
      );
    }
  } else if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === "string")) {
    fail(`"classes" must be a list of at least two class names, got ${JSON.stringify(classes)}`);
  }
  // A classifier, segmenter or correspondence model trained with `--input-fields` reads a user's
  // fields beside the mesh; the page builds those inputs for regression models only so far, so it
  // says which fields the model needs instead of predicting from something else.
  const declared = (json as { fields?: { input?: unknown } }).fields?.input;
  if (theTask !== "regression" && Array.isArray(declared) && declared.length > 0) {
    let names: string;
    try {
      names = parseFieldDeclarations(declared, `"fields.input"`)
        .map((d) => `${d.name} (${d.kind === "direction" ? `direction of order ${d.order ?? 2}` : d.kind})`)
        .join(", ");
    } catch (error) {
      fail((error as Error).message);
    }
    fail(
      `a ${theTask} model that reads the input fields ${names!} from a field file beside each mesh; this page runs such models for regression only so far: use gemcnn predict on the command line`,
    );
  }
  if (preprocess === null || typeof preprocess !== "object") fail(`no "preprocess" options`);
  const { features, repair, largestComponentOnly } = preprocess as Record<string, unknown>;
  if (typeof repair !== "boolean" || typeof largestComponentOnly !== "boolean") {
    fail(`"preprocess.repair" and "preprocess.largestComponentOnly" must be true or false`);
  }
  if (features === null || typeof features !== "object") fail(`no "preprocess.features" options`);
  const { kinds, hksEigenpairs, hksTimeCount } = features as Record<string, unknown>;
  // A regression model may read the user's fields alone (checked with its fields below).
  if (!Array.isArray(kinds) || (kinds.length === 0 && theTask !== "regression"))
    fail(`"preprocess.features.kinds" must be a non-empty list`);
  const unknown = (kinds as unknown[]).filter((k) => !FEATURE_KINDS.includes(k as FeatureKind));
  if (unknown.length > 0) {
    fail(
      `feature kind(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")} cannot be computed by this page ` +
        `(it knows ${FEATURE_KINDS.join(", ")})`,
    );
  }
  if (!Number.isSafeInteger(hksEigenpairs) || (hksEigenpairs as number) < 1) {
    fail(
      `"preprocess.features.hksEigenpairs" must be a positive integer, got ${JSON.stringify(hksEigenpairs)}`,
    );
  }
  if (!Number.isSafeInteger(hksTimeCount) || (hksTimeCount as number) < 1 || (hksTimeCount as number) > 64) {
    fail(
      `"preprocess.features.hksTimeCount" must be an integer from 1 to 64, got ${JSON.stringify(hksTimeCount)}`,
    );
  }
  if (input === null || typeof input !== "object") fail(`no "input" normalisation`);
  const { fieldType, channels, scalarCenter, scalarScale, copyScale, clip } = input as Record<
    string,
    unknown
  >;
  let type: FieldType | undefined;
  try {
    type = FieldType.parse(String(fieldType));
  } catch (error) {
    fail(`"input.fieldType": ${(error as Error).message}`);
  }
  const nScalars = type!.multiplicityOf(0);
  const nPairs = type!.copies().length - nScalars;
  if (!Array.isArray(channels) || channels.length !== type!.dim) {
    fail(`"input.channels" must name the ${type!.dim} columns of ${type}`);
  }
  if (!isNumberList(scalarCenter, nScalars) || !isNumberList(scalarScale, nScalars)) {
    fail(
      `"input.scalarCenter" and "input.scalarScale" must hold ${nScalars} numbers each (the scalars of ${type})`,
    );
  }
  if (!isNumberList(copyScale, nPairs)) {
    fail(`"input.copyScale" must hold ${nPairs} numbers (the order-1 and order-2 copies of ${type})`);
  }
  if (typeof clip !== "number" || !(clip > 0))
    fail(`"input.clip" must be a positive number, got ${JSON.stringify(clip)}`);
  const common = {
    classes: classes as string[],
    preprocess: {
      features: {
        kinds: kinds as FeatureKind[],
        hksEigenpairs: hksEigenpairs as number,
        hksTimeCount: hksTimeCount as number,
      },
      repair: repair as boolean,
      largestComponentOnly: largestComponentOnly as boolean,
    },
    input: input as InputNormalization,
  };
  if (theTask === "segmentation") {
    const from = (labels as { from?: unknown } | undefined)?.from;
    if (from !== "face" && from !== "vertex") {
      fail(`"labels.from" must be "face" or "vertex" for a segmentation model, got ${JSON.stringify(from)}`);
    }
    return { ...common, task: "segmentation", labelsFrom: from as "face" | "vertex" };
  }
  if (theTask === "correspondence") {
    const { file, vertexCount } = (template ?? {}) as { file?: unknown; vertexCount?: unknown };
    if (typeof file !== "string" || file === "" || file.includes("/") || file.includes("\\")) {
      fail(
        `"template.file" must name the template mesh beside model.json (such as "template.ply"), got ${JSON.stringify(file)}`,
      );
    }
    if (!Number.isSafeInteger(vertexCount) || (vertexCount as number) < 2) {
      fail(`"template.vertexCount" must be a whole number ≥ 2, got ${JSON.stringify(vertexCount)}`);
    }
    return {
      ...common,
      task: "correspondence",
      template: { file: file as string, vertexCount: vertexCount as number },
    };
  }
  if (theTask === "regression")
    return { ...common, ...parseRegressionParts(json as Record<string, unknown>, fail) };
  return { ...common, task: "classification" };
}

/** The `fields` and `target` of a regression model's description, checked against each other. */
function parseRegressionParts(
  json: Record<string, unknown>,
  fail: (problem: string) => never,
): Pick<RegressionDescription, "task" | "fields" | "target"> {
  const { fields, target, preprocess } = json;
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
    fail(`no "fields" ({ "input": [...], "target": [...] }, the field declarations of a regression model)`);
  }
  const { input, target: targetFields } = fields as Record<string, unknown>;
  const declarations = (value: unknown, key: string, mayBeEmpty: boolean): FieldDeclaration[] => {
    if (mayBeEmpty && Array.isArray(value) && value.length === 0) return [];
    try {
      return parseFieldDeclarations(value, `"fields.${key}"`);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const inputFields = declarations(input, "input", true);
  const targetDeclarations = declarations(targetFields, "target", false);
  const kinds = (preprocess as { features: { kinds: unknown[] } }).features.kinds;
  if (kinds.length === 0 && inputFields.length === 0) {
    fail(`"preprocess.features.kinds" and "fields.input" are both empty: the model would read nothing`);
  }
  let scaling: TargetScaling;
  try {
    scaling = parseTargetScaling(target, `"target"`);
  } catch (error) {
    return fail((error as Error).message);
  }
  const declared = namedFieldTypeOf(targetDeclarations).type;
  if (scaling.fieldType !== declared.toString()) {
    fail(`"target.fieldType" is ${scaling.fieldType}, but "fields.target" declares ${declared}`);
  }
  return { task: "regression", fields: { input: inputFields, target: targetDeclarations }, target: scaling };
}
