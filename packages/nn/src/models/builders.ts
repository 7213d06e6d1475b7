import { FieldType, NamedFieldType, type NamedFieldTypeJSON } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import type { ConvGraphOptions } from "../graph.js";
import type { Aggregation } from "../kernels/aggregate.js";
import { FieldLinear } from "../layers/field-linear.js";
import { GemConv } from "../layers/gem-conv.js";
import { type ActivationName, activationChoices, isActivation } from "../layers/nonlinearities.js";
import { InvariantPooling, TransportPooling, TransportUnpooling } from "../layers/pooling.js";
import { BLOCK_NONLINEARITIES, type BlockNonlinearity, ResidualBlock } from "../layers/residual-block.js";
import type { MeshHierarchyOptions } from "../multiscale/hierarchy.js";
import type { SampleOrdering } from "../multiscale/sampling.js";

/** A bad model configuration; the message names the field and the problem. */
export class ModelConfigError extends Error {
  override name = "ModelConfigError";
}

/** One residual block of a model (see `ResidualBlock`). */
export interface GemBlockConfig {
  /** The block's output field type, e.g. `"16x0+16x1+16x2"`. */
  readonly fieldType: string;
  /** Pool to the next coarser level before this block (default false; not for the first block). */
  readonly pool?: boolean;
}

/** How the meshes a model runs on are prepared (everything but the rings, which the model fixes). */
export interface GemMeshConfig {
  /** The input mesh's graph: neighbourhood, log map, transport, self-interaction (see `buildConvGraph`). */
  readonly graph?: Omit<ConvGraphOptions, "frames" | "rings">;
  /** Fraction of vertices kept by each pooling (default 0.25). */
  readonly poolRatio?: number;
  /** Neighbourhood size of the coarse levels in cell-adjacency steps (default 1). */
  readonly hops?: number;
  /** Seed of the farthest-point samples (default 0). */
  readonly seed?: number;
  /** How first samples and ties are chosen (default `"intrinsic"`; see `SampleOrdering`). */
  readonly ordering?: SampleOrdering;
}

/** What `buildGemClassifier` and `buildGemSegmenter` take; stored in the model to rebuild it. */
export interface GemModelConfig {
  /** Field type of the per-vertex input features, e.g. `"3x0"` (invariant scalars for an invariant model). */
  readonly inputType: string;
  /** The residual blocks, in order; each `pool: true` starts a coarser level. */
  readonly blocks: readonly GemBlockConfig[];
  /**
   * Number of classes (logits per mesh for a classifier, per vertex for a segmenter). A regressor
   * (`buildGemRegressor`) has no classes: its record stores here the width of its output per
   * vertex (the dimension of `outputType`), so that code reading any model's output width finds it.
   */
  readonly classes: number;
  /** Default `"gated"`. */
  readonly nonlinearity?: BlockNonlinearity;
  /** Default `"relu"`. */
  readonly activation?: ActivationName;
  /** Samples of the regular nonlinearity. */
  readonly samples?: number;
  /** Rings of every convolution (default 2). */
  readonly rings?: number;
  readonly aggregation?: Aggregation;
  readonly maxFrequency?: number;
  /** `FieldNormalization` after every convolution of the blocks (default true). */
  readonly normalization?: boolean;
  /** Rate of field dropout inside the blocks (default 0). */
  readonly fieldDropout?: number;
  /** Classifier only: widths of the hidden dense layers of the head (default `[64]`). */
  readonly head?: readonly number[];
  /** Classifier only: dropout rate before each dense layer of the head (default 0). */
  readonly dropout?: number;
  /**
   * Correspondence model only (`buildGemCorrespondence`): width of the per-vertex embedding that
   * the shared dense head maps to the class logits (default 64).
   */
  readonly embedding?: number;
  readonly mesh?: GemMeshConfig;
  /**
   * Names of the input's irrep copies, `{ type, names }` with `type` equal to `inputType`
   * (e.g. `{ type: "1x0+1x1", names: ["pressure", "wind"] }`): stored with the model so that it
   * says which of a user's fields it reads. Optional; models without it load as before.
   */
  readonly inputFields?: NamedFieldTypeJSON;
  /**
   * Names of the output's irrep copies, `{ type, names }` with `type` the model's output type
   * (`"<classes>x0"` for the classifier, segmenter and correspondence models).
   */
  readonly outputFields?: NamedFieldTypeJSON;
  /**
   * Regressor only (`buildGemRegressor`): the field type of its output per vertex, e.g.
   * `"1x0+1x1"`. Absent for the other kinds, whose output is `"<classes>x0"`.
   */
  readonly outputType?: string;
}

/**
 * What `buildGemRegressor` takes: a model configuration with an output field type instead of
 * classes (and none of the classifier's and correspondence model's head options).
 */
export interface GemRegressorConfig
  extends Omit<GemModelConfig, "classes" | "head" | "dropout" | "embedding" | "outputType"> {
  /** Field type of the output per vertex, e.g. `"1x1"` (a tangent vector) or `"1x0+1x1"`. */
  readonly outputType: string;
}

/** What a gemcnn model carries in its tfjs user-defined metadata (and so in its model.json). */
export interface GemModelInfo {
  /** Version of this record's layout. */
  readonly format: 1;
  readonly kind: "classifier" | "segmenter" | "correspondence" | "regressor";
  readonly config: GemModelConfig;
  /** Options for `buildMeshHierarchy` that give the levels the model expects. */
  readonly meshOptions: MeshHierarchyOptions;
}

const METADATA_KEY = "gemcnn";

/** The gemcnn record of a model built by `buildGemClassifier`/`buildGemSegmenter` (or loaded), or `undefined`. */
export function gemModelInfo(model: tf.LayersModel): GemModelInfo | undefined {
  const metadata = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const info = metadata?.[METADATA_KEY] as GemModelInfo | undefined;
  return info?.format === 1 ? info : undefined;
}

/** The `buildMeshHierarchy` options of a gemcnn model; throws for a model without a gemcnn record. */
export function meshOptionsOf(model: tf.LayersModel): MeshHierarchyOptions {
  const info = gemModelInfo(model);
  if (info === undefined) {
    throw new ModelConfigError(
      `model "${model.name}" has no gemcnn metadata; build it with buildGemClassifier or buildGemSegmenter`,
    );
  }
  return info.meshOptions;
}

/**
 * The field type of a gemcnn model's output: `config.outputType` for a regressor, else
 * `"<classes>x0"` (logits are invariant scalars), per vertex or, for a classifier, per mesh.
 */
export function outputTypeOf(info: GemModelInfo): FieldType {
  return info.kind === "regressor" && info.config.outputType !== undefined
    ? FieldType.parse(info.config.outputType)
    : FieldType.scalars(info.config.classes);
}

/**
 * @internal Checks `inputFields` and `outputFields` against the model's input type and its output,
 * `outputType` (default `classes` scalars, what every builder here produces).
 */
export function checkNamedFields(
  config: GemModelConfig,
  inputType: FieldType,
  builder: string,
  outputType: FieldType | undefined = Number.isSafeInteger(config.classes) && config.classes >= 1
    ? FieldType.scalars(config.classes)
    : undefined,
): void {
  for (const [key, expected] of [
    ["inputFields", inputType],
    ["outputFields", outputType],
  ] as const) {
    const value = config[key];
    if (value === undefined || expected === undefined) continue;
    let named: NamedFieldType;
    try {
      named = NamedFieldType.fromJSON(value);
    } catch (error) {
      throw new ModelConfigError(`${builder}: ${key}: ${(error as Error).message}`);
    }
    if (!named.type.equals(expected)) {
      throw new ModelConfigError(
        `${builder}: ${key} names the field type "${named.type}", but the model's ${key === "inputFields" ? "input" : "output"} is "${expected}"`,
      );
    }
  }
}

/**
 * The named field types a gemcnn model reads and produces (`GemModelConfig.inputFields` and
 * `outputFields`), each `undefined` when the model was built without it (as every model saved
 * before they existed). Throws a `ModelConfigError` for a model without a gemcnn record.
 */
export function namedFieldTypesOf(model: tf.LayersModel): {
  input: NamedFieldType | undefined;
  output: NamedFieldType | undefined;
} {
  const info = gemModelInfo(model);
  if (info === undefined) {
    throw new ModelConfigError(
      `model "${model.name}" has no gemcnn metadata; build it with a gemcnn builder`,
    );
  }
  const read = (value: NamedFieldTypeJSON | undefined) =>
    value === undefined ? undefined : NamedFieldType.fromJSON(value);
  return { input: read(info.config.inputFields), output: read(info.config.outputFields) };
}

/** @internal A configuration checked and resolved by `check`. */
export interface CheckedConfig {
  readonly inputType: FieldType;
  readonly blockTypes: FieldType[];
  readonly levelOfBlock: number[];
  readonly nLevels: number;
  readonly meshOptions: MeshHierarchyOptions;
}

/**
 * @internal Checks a configuration; errors are `ModelConfigError`s starting with `builder`.
 * `outputType` is the output a regressor declares (default `classes` scalars), which
 * `outputFields` must name.
 */
export function check(config: GemModelConfig, builder: string, outputType?: FieldType): CheckedConfig {
  const fail = (message: string): never => {
    throw new ModelConfigError(`${builder}: ${message}`);
  };
  if (config === null || typeof config !== "object") fail("expected a configuration object");
  const inputType = FieldType.parse(String(config.inputType));
  if (outputType === undefined && config.outputType !== undefined) {
    fail(
      `outputType is a regressor's (buildGemRegressor); this model's output is ${config.classes} scalar logits ("classes")`,
    );
  }
  if (outputType === undefined) checkNamedFields(config, inputType, builder);
  else checkNamedFields(config, inputType, builder, outputType);
  if (!Array.isArray(config.blocks) || config.blocks.length === 0) fail("blocks must be a non-empty array");
  if (!Number.isSafeInteger(config.classes) || config.classes < 1)
    fail(`classes must be a positive integer, got ${config.classes}`);
  const nonlinearity = config.nonlinearity ?? "gated";
  if (!BLOCK_NONLINEARITIES.includes(nonlinearity))
    fail(
      `nonlinearity must be one of ${BLOCK_NONLINEARITIES.join(", ")}, got ${JSON.stringify(nonlinearity)}`,
    );
  if (config.activation !== undefined && !isActivation(config.activation))
    fail(`activation must be ${activationChoices()}, got ${JSON.stringify(config.activation)}`);
  const rings = config.rings ?? 2;
  if (!Number.isSafeInteger(rings) || rings < 1) fail(`rings must be a positive integer, got ${rings}`);
  for (const [name, rate] of [
    ["fieldDropout", config.fieldDropout],
    ["dropout", config.dropout],
  ] as const) {
    if (rate !== undefined && !(rate >= 0 && rate < 1)) fail(`${name} must be in [0, 1), got ${rate}`);
  }
  for (const width of config.head ?? []) {
    if (!Number.isSafeInteger(width) || width < 1)
      fail(`head widths must be positive integers, got ${width}`);
  }
  const blockTypes = config.blocks.map((b, i) => {
    if (b === null || typeof b !== "object") fail(`blocks[${i}] must be an object with a fieldType`);
    if (i === 0 && b.pool) fail("blocks[0] cannot pool: the first block runs on the input mesh");
    return FieldType.parse(String(b.fieldType));
  });
  let level = 0;
  const levelOfBlock = config.blocks.map((b) => (b.pool ? ++level : level));
  const mesh = config.mesh ?? {};
  const ratio = mesh.poolRatio ?? 0.25;
  if (!(ratio > 0 && ratio < 1)) fail(`mesh.poolRatio must be in (0, 1), got ${ratio}`);
  const meshOptions: MeshHierarchyOptions = JSON.parse(
    JSON.stringify({
      graph: { ...mesh.graph, rings },
      coarsening: Array.from({ length: level }, () => ({ ratio, hops: mesh.hops ?? 1 })),
      seed: mesh.seed ?? 0,
      ordering: mesh.ordering,
    }),
  );
  return { inputType, blockTypes, levelOfBlock, nLevels: level + 1, meshOptions };
}

function blockLayer(
  config: GemModelConfig,
  inType: FieldType,
  outType: FieldType,
  level: number,
  name: string,
) {
  return new ResidualBlock({
    inType,
    outType,
    level,
    name,
    nonlinearity: config.nonlinearity,
    activation: config.activation,
    samples: config.samples,
    rings: config.rings,
    aggregation: config.aggregation,
    maxFrequency: config.maxFrequency,
    normalization: config.normalization ?? true,
    fieldDropout: config.fieldDropout,
  });
}

/** The encoder: residual blocks with pooling; returns the output of every block. */
function encoder(config: GemModelConfig, checked: CheckedConfig, input: tf.SymbolicTensor) {
  let h = input;
  let type = checked.inputType;
  const outputs: { tensor: tf.SymbolicTensor; type: FieldType; level: number }[] = [];
  config.blocks.forEach((block, i) => {
    const level = checked.levelOfBlock[i];
    if (block.pool) {
      h = new TransportPooling({ fieldType: type, level: level - 1, name: `pool${level}` }).apply(
        h,
      ) as tf.SymbolicTensor;
    }
    const outType = checked.blockTypes[i];
    h = blockLayer(config, type, outType, level, `block${i}`).apply(h) as tf.SymbolicTensor;
    type = outType;
    outputs.push({ tensor: h, type, level });
  });
  return outputs;
}

/** @internal Stores the gemcnn record in the model's user-defined metadata. */
export function withInfo(
  model: tf.LayersModel,
  kind: GemModelInfo["kind"],
  config: GemModelConfig,
  checked: CheckedConfig,
) {
  const info: GemModelInfo = {
    format: 1,
    kind,
    config: JSON.parse(JSON.stringify(config)),
    meshOptions: checked.meshOptions,
  };
  model.setUserDefinedMetadata({ [METADATA_KEY]: info } as unknown as Record<string, never>);
  return model;
}

/**
 * A mesh classifier as a tfjs `LayersModel`: residual blocks (`ResidualBlock`) with transport
 * pooling to coarser levels where a block says `pool: true`, invariant pooling of the last
 * block's field (scalars and norms, mean over each mesh), and a dense head to `classes` logits.
 * Input `[vertices of all meshes × inputType.dim]`, output `[meshes × classes]`. Run it inside
 * `withMeshBatch` on hierarchies built with `meshOptionsOf(model)` (see `applyToMeshes`).
 * Invariant to gauge changes; with invariant inputs, also to rigid motions of the meshes.
 */
export function buildGemClassifier(config: GemModelConfig): tf.LayersModel {
  const checked = check(config, "buildGemClassifier");
  const input = tf.input({ shape: [checked.inputType.dim], name: "features" });
  const blocks = encoder(config, checked, input);
  const last = blocks[blocks.length - 1];
  let h = new InvariantPooling({ fieldType: last.type, level: last.level, name: "invariant_pooling" }).apply(
    last.tensor,
  ) as tf.SymbolicTensor;
  (config.head ?? [64]).forEach((units, i) => {
    if (config.dropout)
      h = tf.layers.dropout({ rate: config.dropout, name: `head_dropout${i}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.dense({ units, activation: "relu", name: `head_dense${i}` }).apply(h) as tf.SymbolicTensor;
  });
  if (config.dropout)
    h = tf.layers.dropout({ rate: config.dropout, name: "logits_dropout" }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: config.classes, name: "logits" }).apply(h) as tf.SymbolicTensor;
  return withInfo(
    tf.model({ inputs: input, outputs: logits, name: "gem_classifier" }),
    "classifier",
    config,
    checked,
  );
}

/**
 * A per-vertex segmenter (U-Net shape) as a tfjs `LayersModel`: the classifier's encoder, then
 * back up level by level, each step a `TransportUnpooling`, a sum with the encoder's last field at
 * that level (through a `FieldLinear` when the types differ) and a residual block; finally a
 * GemConv to `classes` scalar logits per vertex. Input and output rows are the input mesh's vertices.
 */
export function buildGemSegmenter(config: GemModelConfig): tf.LayersModel {
  const checked = check(config, "buildGemSegmenter");
  const input = tf.input({ shape: [checked.inputType.dim], name: "features" });
  const { tensor, type } = encoderDecoder(config, checked, input);
  const logits = new GemConv({
    inType: type,
    outType: FieldType.scalars(config.classes),
    rings: config.rings,
    aggregation: config.aggregation,
    maxFrequency: config.maxFrequency,
    name: "logits",
  }).apply(tensor) as tf.SymbolicTensor;
  return withInfo(
    tf.model({ inputs: input, outputs: logits, name: "gem_segmenter" }),
    "segmenter",
    config,
    checked,
  );
}

/**
 * @internal The segmenter's trunk: the encoder, then back up level by level (unpooling, a sum with
 * the encoder's last field at that level, a residual block); returns the level-0 field.
 */
export function encoderDecoder(
  config: GemModelConfig,
  checked: CheckedConfig,
  input: tf.SymbolicTensor,
): { tensor: tf.SymbolicTensor; type: FieldType } {
  const blocks = encoder(config, checked, input);
  let { tensor: h, type, level } = blocks[blocks.length - 1];
  while (level > 0) {
    level--;
    const skip = [...blocks].reverse().find((b) => b.level === level)!;
    h = new TransportUnpooling({ fieldType: type, level, name: `unpool${level}` }).apply(
      h,
    ) as tf.SymbolicTensor;
    if (!type.equals(skip.type)) {
      h = new FieldLinear({ inType: type, outType: skip.type, name: `unpool${level}_linear` }).apply(
        h,
      ) as tf.SymbolicTensor;
    }
    h = tf.layers.add({ name: `unpool${level}_skip` }).apply([h, skip.tensor]) as tf.SymbolicTensor;
    type = skip.type;
    h = blockLayer(config, type, type, level, `up_block${level}`).apply(h) as tf.SymbolicTensor;
  }
  return { tensor: h, type };
}
