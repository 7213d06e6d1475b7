import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { FeatureOptions, FieldDeclaration, PreprocessedMesh, PreprocessOptions } from "@gemcnn/features";
import { DEFAULT_FEATURE_OPTIONS, FEATURE_KINDS, type FeatureKind } from "@gemcnn/features";
import { escapeControlCharacters } from "@gemcnn/geometry";
import {
  booleanOption,
  type CliIO,
  integerOption,
  numberOption,
  type OptionSpec,
  optionalValueOption,
  type ParsedArgs,
  stringOption,
} from "../cli/command.js";
import { UsageError } from "../cli/errors.js";
import { type Dataset, openDataset } from "../data/dataset.js";
import { MAX_MESH_SIZE_OPTION, maxMeshBytes } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import { stratifiedHoldOut } from "../data/validation.js";
import {
  computedPreprocess,
  type FieldedItem,
  withInputColumns,
  withInputFields,
} from "../fields/input-fields.js";
import { SYNTHETIC_PER_VERTEX } from "../per-vertex/data.js";
import { DEFAULT_CACHE_DIR, PreprocessCache } from "../preprocess/cache.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { memorySources, preprocessAll } from "../preprocess/run.js";
import { preprocessRunner } from "../preprocess/runner.js";
import { DEFAULT_SYNTHETIC_OPTIONS, generateSyntheticDataset } from "../synthetic/dataset.js";

/**
 * Options that choose the dataset: `--data` and `--split`, or `--synthetic`; `fallback` is the
 * dataset of a command run without either (as `datasetFromArgs` takes it), shown in its help.
 */
export function dataOptionSpecs(fallback?: "synthetic"): Record<string, OptionSpec> {
  return {
    data: {
      type: "string",
      valueName: "<dir>",
      description:
        "dataset root in MeshCNN layout <dir>/<class>/{train,test}/*.obj (segmentation: label files beside the meshes, class folders optional; correspondence: a folder of registrations)",
    },
    split: {
      type: "string",
      valueName: "<file>",
      description:
        'split file {"<class>": {"train": [...], "test": [...]}} (paths relative to <dir>/<class>/; correspondence: {"train": [...], "test": [...]} of file names)',
    },
    synthetic: {
      type: "boolean",
      description: "use the generated synthetic dataset instead of --data",
      ...(fallback === "synthetic" ? { defaultText: "when --data is not given" } : {}),
    },
    "max-mesh-size": MAX_MESH_SIZE_OPTION,
    "synthetic-seed": {
      type: "string",
      valueName: "<n>",
      description: "seed of the synthetic dataset",
      defaultText: "0",
    },
    "synthetic-train": {
      type: "string",
      valueName: "<n>",
      description: `synthetic training meshes per class (per-vertex tasks: body shapes, ${SYNTHETIC_PER_VERTEX.poses} poses each)`,
      defaultText: `${DEFAULT_SYNTHETIC_OPTIONS.trainPerClass}; segmentation ${SYNTHETIC_PER_VERTEX.trainShapes.segmentation}, correspondence ${SYNTHETIC_PER_VERTEX.trainShapes.correspondence} body shapes`,
    },
    "synthetic-test": {
      type: "string",
      valueName: "<n>",
      description: "synthetic test meshes per class (per-vertex tasks: body shapes not trained on)",
      defaultText: `${DEFAULT_SYNTHETIC_OPTIONS.testPerClass}; per-vertex tasks ${SYNTHETIC_PER_VERTEX.testShapes}`,
    },
    "val-fraction": {
      type: "string",
      valueName: "<x>",
      description:
        "hold this fraction of every class's training meshes out for validation (seeded; not with a dataset's own val lists)",
      defaultText: '0: none, unless the dataset has <class>/val/ or a split file\'s "val" lists',
    },
    "val-seed": {
      type: "string",
      valueName: "<n>",
      description: "seed of the --val-fraction choice",
      defaultText: "0",
    },
  };
}

/** `--threads`: threads of GEM-CNN training and inference (this one and data-parallel worker replicas of the model). */
export const THREADS_OPTION: OptionSpec = {
  type: "string",
  valueName: "<n>",
  description: "GEM-CNN training and inference threads, one model replica each (1: this thread)",
  defaultText: "number of cores",
};

/** The `--threads` value: every core by default. */
export function threadsFromArgs(args: ParsedArgs): number {
  return integerOption(args, "threads", availableParallelism(), { min: 1, max: 64 });
}

/** `dataOptionSpecs()`: a command that needs `--data` or `--synthetic`. */
export const DATA_OPTIONS = dataOptionSpecs();

/** What a command's preprocessing does when its options are not given (its help shows the same). */
export interface PreprocessDefaults {
  /** Feature groups without `--features`. */
  readonly featureKinds: readonly FeatureKind[];
  /** Heat-kernel times without `--hks-time-count` (default the features package's). */
  readonly hksTimeCount?: number;
  /** What the help says of `--hks-time-count`'s default, when it is not one number. */
  readonly hksTimeCountText?: string;
}

/** The command line's usual preprocessing defaults: the features package's default groups. */
export const PREPROCESS_DEFAULTS: PreprocessDefaults = { featureKinds: DEFAULT_FEATURE_OPTIONS.kinds };

/**
 * Options that choose the input features (`--features`, the heat kernel's eigenpairs and times),
 * their help showing `defaults`; with `listOptional`, `--features` may be given without a list
 * (then it means the default groups), as `gemcnn info` takes it.
 */
export function featureOptionSpecs(
  defaults: PreprocessDefaults = PREPROCESS_DEFAULTS,
  listOptional = false,
): Record<string, OptionSpec> {
  return {
    features: {
      type: "string",
      valueName: "<list>",
      description: `comma-separated feature groups: ${FEATURE_KINDS.join(", ")} (none: no geometric features, for a model that reads input fields)`,
      defaultText: defaults.featureKinds.join(","),
      ...(listOptional ? { optionalValue: true } : {}),
    },
    "hks-eigenpairs": {
      type: "string",
      valueName: "<k>",
      description: "eigenpairs of the Laplacian behind the heat-kernel signature",
      defaultText: String(DEFAULT_FEATURE_OPTIONS.hksEigenpairs),
    },
    "hks-time-count": {
      type: "string",
      valueName: "<n>",
      description: "heat-kernel times, log-spaced from 4 ln 10 / λ_k to 4 ln 10 / λ_1",
      defaultText:
        defaults.hksTimeCountText ?? String(defaults.hksTimeCount ?? DEFAULT_FEATURE_OPTIONS.hksTimeCount),
    },
  };
}

/** Options of the preprocessing (features, repair, workers, cache), their help showing `defaults`. */
export function preprocessOptionSpecs(
  defaults: PreprocessDefaults = PREPROCESS_DEFAULTS,
): Record<string, OptionSpec> {
  return {
    ...featureOptionSpecs(defaults),
    "no-repair": { type: "boolean", description: "skip broken meshes instead of repairing them" },
    "all-components": {
      type: "boolean",
      description: "keep every connected component (default: the largest only)",
    },
    workers: {
      type: "string",
      valueName: "<n>",
      description: "preprocessing worker threads (0: this thread)",
      defaultText: "number of cores",
    },
    cache: {
      type: "string",
      valueName: "<dir>",
      description: "preprocessing cache directory",
      defaultText: DEFAULT_CACHE_DIR,
    },
    "no-cache": { type: "boolean", description: "recompute everything and write no cache" },
  };
}

/** `preprocessOptionSpecs()` with the usual defaults. */
export const PREPROCESS_OPTIONS = preprocessOptionSpecs();

/** One mesh of a dataset: its source, its label, and its input-field columns when the task reads any. */
export interface DatasetItem extends FieldedItem {
  readonly label: number;
}

/** One dataset ready for preprocessing: its classes and a source per mesh, with labels. */
export interface DatasetSources {
  readonly description: string;
  readonly classes: readonly string[];
  readonly train: readonly DatasetItem[];
  /** Validation meshes, held out of training (empty when there is no validation set). */
  readonly val: readonly DatasetItem[];
  readonly test: readonly DatasetItem[];
  /**
   * The input fields that join the geometric features (`--input-fields`); every item then has
   * their columns (`fields`). Absent or empty: geometric features only.
   */
  readonly inputFields?: readonly FieldDeclaration[];
  /** Where the validation set comes from, for reports and the run's identity; none without one. */
  readonly validation?: string;
  /** The files' dataset, when it came from disk. */
  readonly dataset?: Dataset;
}

/**
 * The dataset chosen by `--data/--split` or `--synthetic` (or `fallback` when neither is given);
 * with `inputFields`, every mesh's field file is read and checked now (`withInputColumns`).
 */
export async function datasetFromArgs(
  args: ParsedArgs,
  io: CliIO,
  fallback?: "synthetic",
  inputFields: readonly FieldDeclaration[] = [],
): Promise<DatasetSources> {
  return withValidationFromArgs(await readDatasetFromArgs(args, io, fallback, inputFields), args);
}

async function readDatasetFromArgs(
  args: ParsedArgs,
  io: CliIO,
  fallback?: "synthetic",
  inputFields: readonly FieldDeclaration[] = [],
): Promise<DatasetSources> {
  const data = stringOption(args, "data");
  const split = stringOption(args, "split");
  const synthetic = booleanOption(args, "synthetic") || (data === undefined && fallback === "synthetic");
  if (data !== undefined && booleanOption(args, "synthetic"))
    throw new UsageError("give either --data or --synthetic, not both");
  if (split !== undefined && data === undefined)
    throw new UsageError("--split needs --data <dir> (the root its paths refer to)");
  if (synthetic && inputFields.length > 0)
    throw new UsageError(
      "input fields need a dataset on disk: the synthetic dataset has no field files (the generate command writes the spherical wind classes with theirs)",
    );
  if (synthetic) {
    const options = {
      ...DEFAULT_SYNTHETIC_OPTIONS,
      seed: integerOption(args, "synthetic-seed", DEFAULT_SYNTHETIC_OPTIONS.seed, { min: 0 }),
      trainPerClass: integerOption(args, "synthetic-train", DEFAULT_SYNTHETIC_OPTIONS.trainPerClass, {
        min: 1,
      }),
      testPerClass: integerOption(args, "synthetic-test", DEFAULT_SYNTHETIC_OPTIONS.testPerClass, { min: 0 }),
    };
    const generated = generateSyntheticDataset(options);
    const wrap = (items: typeof generated.train) =>
      memorySources(items).map((source, i) => ({ source, label: items[i].label }));
    return {
      description: `synthetic (seed ${options.seed}, ${options.trainPerClass}+${options.testPerClass} per class, ${options.minVertices}-${options.maxVertices} vertices)`,
      classes: generated.classes,
      train: wrap(generated.train),
      val: [],
      test: wrap(generated.test),
    };
  }
  if (data === undefined)
    throw new UsageError("say which dataset: --data <dir> [--split <file>], or --synthetic");
  const dataset = await openDataset(
    resolve(io.cwd, data),
    split === undefined ? undefined : resolve(io.cwd, split),
  );
  const maxBytes = maxMeshBytes(args);
  const wrap = (samples: Dataset["train"]) =>
    withInputColumns(
      fileSources(samples, maxBytes).map((source, i) => ({ source, label: samples[i].label })),
      samples.map((sample) => sample.path),
      inputFields,
      maxBytes,
    );
  return {
    description: `${dataset.root} (${dataset.split === "layout" ? "train/test folders" : `split ${dataset.split}`}${inputFields.length > 0 ? ", field files" : ""})`,
    classes: dataset.classes,
    train: await wrap(dataset.train),
    val: await wrap(dataset.val),
    test: await wrap(dataset.test),
    ...(inputFields.length > 0 ? { inputFields } : {}),
    ...(dataset.val.length > 0
      ? { validation: dataset.split === "layout" ? "<class>/val/ folders" : `the split file's "val" lists` }
      : {}),
    dataset,
  };
}

/**
 * `sources` with `--val-fraction` of every class's training meshes moved to validation
 * (stratified, seeded by `--val-seed`); unchanged without the option. A dataset with its own
 * validation meshes and `--val-fraction` is a usage error: one validation set at a time.
 */
export function withValidationFromArgs(sources: DatasetSources, args: ParsedArgs): DatasetSources {
  const fraction = numberOption(args, "val-fraction", 0, { min: 0, max: 0.9 });
  const seed = integerOption(args, "val-seed", 0, { min: 0 });
  if (fraction === 0) return sources;
  if (sources.val.length > 0)
    throw new UsageError(
      `--val-fraction: the dataset already has validation meshes (${sources.validation}); leave the option out to use them`,
    );
  const { train, val } = stratifiedHoldOut(
    sources.train.map((s) => s.label),
    fraction,
    seed,
  );
  if (val.length === 0)
    throw new UsageError(
      `--val-fraction ${fraction}: no class has two or more training meshes to hold one out`,
    );
  return {
    ...sources,
    train: train.map((i) => sources.train[i]),
    val: val.map((i) => sources.train[i]),
    validation: `${fraction} of every class's training meshes (seed ${seed})`,
  };
}

/**
 * The feature options of `featureOptionSpecs` from the command line; `--features` without a list
 * (where the command allows it) means `defaults`' groups.
 */
export function featureOptionsFromArgs(
  args: ParsedArgs,
  defaults: PreprocessDefaults = PREPROCESS_DEFAULTS,
  allowNone = false,
): FeatureOptions {
  const kindsText = optionalValueOption(args, "features");
  const none = typeof kindsText === "string" && kindsText.trim() === "none";
  if (none && !allowNone)
    throw new UsageError(
      "option --features none: only a model that reads input fields runs without geometric features",
    );
  const kinds: string[] = none
    ? []
    : typeof kindsText === "string"
      ? kindsText.split(",").map((s) => s.trim())
      : [...defaults.featureKinds];
  for (const k of kinds) {
    if (!FEATURE_KINDS.includes(k as FeatureKind)) {
      throw new UsageError(
        `option --features: unknown feature group '${k}' (choose from ${FEATURE_KINDS.join(", ")})`,
      );
    }
  }
  if (kinds.length === 0 && !allowNone)
    throw new UsageError("option --features: name at least one feature group");
  return {
    // Canonical order, so that the cache key does not depend on how the list was written.
    kinds: FEATURE_KINDS.filter((k) => kinds.includes(k)),
    hksEigenpairs: integerOption(args, "hks-eigenpairs", DEFAULT_FEATURE_OPTIONS.hksEigenpairs, {
      min: 1,
      max: 4096,
    }),
    hksTimeCount: integerOption(
      args,
      "hks-time-count",
      defaults.hksTimeCount ?? DEFAULT_FEATURE_OPTIONS.hksTimeCount,
      {
        min: 1,
        max: 64,
      },
    ),
  };
}

/** Preprocessing options, worker count and cache from the command line; `defaults` as in the command's help. */
export function preprocessingFromArgs(
  args: ParsedArgs,
  io: CliIO,
  defaults: PreprocessDefaults = PREPROCESS_DEFAULTS,
  /** Whether `--features none` is accepted (a model with input fields; `checkNetworkInput` then checks there are some). */
  allowNoFeatures = false,
): { options: PreprocessOptions; workers: number; cache: PreprocessCache | undefined } {
  const options: PreprocessOptions = {
    features: featureOptionsFromArgs(args, defaults, allowNoFeatures),
    repair: !booleanOption(args, "no-repair"),
    largestComponentOnly: !booleanOption(args, "all-components"),
  };
  const workers = integerOption(args, "workers", availableParallelism(), { min: 0, max: 64 });
  return { options, workers, cache: cacheFromArgs(args, io) };
}

/**
 * The cache of `--cache <dir>` (or the default), none with `--no-cache`; one that cannot be
 * written (read-only, full) is announced once on stderr and the run goes on without it.
 */
export function cacheFromArgs(args: ParsedArgs, io: CliIO): PreprocessCache | undefined {
  if (booleanOption(args, "no-cache")) return undefined;
  const dir = resolve(io.cwd, stringOption(args, "cache") ?? DEFAULT_CACHE_DIR);
  return new PreprocessCache(dir, {
    // On a terminal the preprocessing line is being redrawn: clear it first.
    onWarning: (message) => io.stderr.write(`${io.stderr.isTTY ? "\r\x1b[K" : ""}warning: ${message}\n`),
  });
}

export interface PreprocessedDataset {
  readonly classes: readonly string[];
  readonly train: readonly { mesh: PreprocessedMesh; label: number }[];
  readonly val: readonly { mesh: PreprocessedMesh; label: number }[];
  readonly test: readonly { mesh: PreprocessedMesh; label: number }[];
  readonly skipped: readonly { name: string; reason: string }[];
  readonly cached: number;
  readonly computed: number;
  readonly seconds: number;
}

/**
 * Preprocesses a dataset's meshes (cache, then workers), printing progress on `io.stderr` and
 * one line per skipped mesh with its reason; repairs are listed with `verbose`. With input fields
 * (`sources.inputFields`) or no geometric features, each mesh's `features` become the network's
 * packed input (`withInputFields`); the cache holds the geometric features only.
 */
export async function preprocessDataset(
  sources: DatasetSources,
  setup: ReturnType<typeof preprocessingFromArgs>,
  io: CliIO,
  verbose = false,
): Promise<PreprocessedDataset> {
  const all = [...sources.train, ...sources.val, ...sources.test];
  const runner = preprocessRunner(setup.workers);
  const stream = io.stderr;
  let lastDraw = 0;
  try {
    const run = await preprocessAll(
      all.map((s) => s.source),
      {
        options: computedPreprocess(setup.options),
        cache: setup.cache,
        runner,
        onItem: ({ done, total, name, status }) => {
          if (status === "skipped") return;
          const now = performance.now();
          if (stream.isTTY && (now - lastDraw > 100 || done === total)) {
            lastDraw = now;
            stream.write(`\rpreprocessing ${done}/${total} ${name}\x1b[K`);
          }
        },
      },
    );
    if (stream.isTTY) stream.write("\r\x1b[K");
    for (const s of run.skipped)
      stream.write(`skipped ${escapeControlCharacters(`${s.name}: ${s.reason}`)}\n`);
    run.meshes.forEach((mesh) => {
      if (mesh && mesh.notes.length > 0 && verbose)
        for (const note of mesh.notes) stream.write(`${mesh.name}: ${note}\n`);
    });
    const repaired = run.meshes.filter((m) => m?.notes.some((n) => n.startsWith("repaired:"))).length;
    stream.write(
      `preprocessed ${all.length} meshes in ${run.seconds.toFixed(1)} s: ${run.cached} from the cache, ${run.computed} computed (${setup.workers} worker${setup.workers === 1 ? "" : "s"}), ${run.skipped.length} skipped${repaired ? `, ${repaired} repaired` : ""}\n`,
    );
    const declarations = sources.inputFields ?? [];
    const pick = (part: typeof sources.train, offset: number) =>
      part.flatMap((s, i) => {
        const mesh = run.meshes[offset + i];
        if (!mesh) return [];
        const input = withInputFields(mesh as SourcedMesh, s.fields, declarations, setup.options);
        return [{ mesh: input as PreprocessedMesh, label: s.label }];
      });
    return {
      classes: sources.classes,
      train: pick(sources.train, 0),
      val: pick(sources.val, sources.train.length),
      test: pick(sources.test, sources.train.length + sources.val.length),
      skipped: run.skipped,
      cached: run.cached,
      computed: run.computed,
      seconds: run.seconds,
    };
  } finally {
    await runner.close();
  }
}
