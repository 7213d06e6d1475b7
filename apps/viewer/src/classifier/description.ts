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
/** The `version` of that file the page reads (the command line's `SPEC_VERSION`). */
export const DESCRIPTION_VERSION = 2;

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
 * options the page can reproduce (feature kinds it knows, the heat kernel's eigenpairs and number
 * of times), and an input normalisation with one number per channel and its clip. `where` names
 * the file in messages.
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
  if (version === 1) {
    fail(
      "a classifier saved by an earlier gemcnn (description version 1), whose heat-kernel features and input normalisation this page no longer computes; train it again",
    );
  }
  if (version !== DESCRIPTION_VERSION) {
    fail(`version ${JSON.stringify(version)} of the file; this page reads version ${DESCRIPTION_VERSION}`);
  }
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
  const { kinds, hksEigenpairs, hksTimeCount } = features as Record<string, unknown>;
  if (!Array.isArray(kinds) || kinds.length === 0)
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
  return {
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
}
