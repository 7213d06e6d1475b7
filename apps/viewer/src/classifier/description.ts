import {
  FEATURE_KINDS,
  type FeatureKind,
  type InputNormalization,
  type PreprocessOptions,
} from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import { type ModelFileSource, ModelFilesError, readJsonFile } from "./model-files.js";

/** The command line's description of a saved classifier, beside its `model.json`. */
export const DESCRIPTION_JSON = "gemcnn.json";
/** The `format` field of that file. */
export const DESCRIPTION_FORMAT = "gemcnn-classifier";

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

/** Reads and checks `gemcnn.json` of `source` (see `parseClassifierDescription`). */
export async function readClassifierDescription(source: ModelFileSource): Promise<ClassifierDescription> {
  const json = await readJsonFile(source, DESCRIPTION_JSON);
  if (json === null) {
    throw new ModelFilesError(
      `${source.label}: no ${DESCRIPTION_JSON} (the classes and preprocessing that \`gemcnn train\` saves beside model.json)`,
    );
  }
  return parseClassifierDescription(json, source.describe(DESCRIPTION_JSON));
}

const isNumberList = (value: unknown, length: number) =>
  Array.isArray(value) &&
  value.length === length &&
  value.every((x) => typeof x === "number" && Number.isFinite(x));

/**
 * Checks a parsed `gemcnn.json`: a GEM-CNN classifier's description, class names, preprocessing
 * options the page can reproduce (feature kinds it knows, heat-kernel times and limit), and an
 * input normalisation with one number per channel. `where` names the file in messages.
 */
export function parseClassifierDescription(json: unknown, where: string): ClassifierDescription {
  const fail = (problem: string): never => {
    throw new ModelFilesError(`${where}: ${problem}`);
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("not a JSON object");
  const { format, version, kind, classes, preprocess, input } = json as Record<string, unknown>;
  if (format !== DESCRIPTION_FORMAT) {
    fail(
      `"format" is ${JSON.stringify(format)}, not "${DESCRIPTION_FORMAT}": not a classifier saved by gemcnn`,
    );
  }
  if (version !== 1) fail(`version ${JSON.stringify(version)} of the file; this page reads version 1`);
  if (kind !== "gemcnn") {
    fail(`a ${JSON.stringify(kind)} model; the page runs GEM-CNN classifiers (gemcnn train --model gemcnn)`);
  }
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === "string")) {
    fail(`"classes" must be a list of at least two class names, got ${JSON.stringify(classes)}`);
  }
  if (preprocess === null || typeof preprocess !== "object") fail(`no "preprocess" options`);
  const { features, repair, largestComponentOnly } = preprocess as Record<string, unknown>;
  if (typeof repair !== "boolean" || typeof largestComponentOnly !== "boolean") {
    fail(`"preprocess.repair" and "preprocess.largestComponentOnly" must be true or false`);
  }
  if (features === null || typeof features !== "object") fail(`no "preprocess.features" options`);
  const { kinds, hksTimes, hksMaxVertices } = features as Record<string, unknown>;
  if (!Array.isArray(kinds) || kinds.length === 0)
    fail(`"preprocess.features.kinds" must be a non-empty list`);
  const unknown = (kinds as unknown[]).filter((k) => !FEATURE_KINDS.includes(k as FeatureKind));
  if (unknown.length > 0) {
    fail(
      `feature kind(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")} cannot be computed by this page ` +
        `(it knows ${FEATURE_KINDS.join(", ")})`,
    );
  }
  if (
    !Array.isArray(hksTimes) ||
    !hksTimes.every((t) => typeof t === "number" && t > 0 && Number.isFinite(t))
  ) {
    fail(
      `"preprocess.features.hksTimes" must be a list of positive numbers, got ${JSON.stringify(hksTimes)}`,
    );
  }
  if (!Number.isSafeInteger(hksMaxVertices) || (hksMaxVertices as number) < 1) {
    fail(
      `"preprocess.features.hksMaxVertices" must be a positive integer, got ${JSON.stringify(hksMaxVertices)}`,
    );
  }
  if (input === null || typeof input !== "object") fail(`no "input" normalisation`);
  const { fieldType, channels, scalarMean, scalarStd, copyScale } = input as Record<string, unknown>;
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
  if (!isNumberList(scalarMean, nScalars) || !isNumberList(scalarStd, nScalars)) {
    fail(
      `"input.scalarMean" and "input.scalarStd" must hold ${nScalars} numbers each (the scalars of ${type})`,
    );
  }
  if (!isNumberList(copyScale, nPairs)) {
    fail(`"input.copyScale" must hold ${nPairs} numbers (the order-1 and order-2 copies of ${type})`);
  }
  return {
    classes: classes as string[],
    preprocess: {
      features: {
        kinds: kinds as FeatureKind[],
        hksTimes: hksTimes as number[],
        hksMaxVertices: hksMaxVertices as number,
      },
      repair: repair as boolean,
      largestComponentOnly: largestComponentOnly as boolean,
    },
    input: input as InputNormalization,
  };
}
