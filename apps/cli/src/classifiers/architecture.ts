import type { InputNormalization } from "@gemcnn/features";
import { FieldType, NamedFieldType } from "@gemcnn/gauge";
import type { BlockNonlinearity, GemBlockConfig, GemModelConfig } from "@gemcnn/nn";

// The GEM-CNN's shape as the command line sets it. Kept apart from gem-classifier.ts, which loads
// tfjs (about 1.5 s): commands that only parse options or read meshes start without it.

/** The network's shape, as `gemcnn train` options set it (saved in `gemcnn.json`). */
export interface GemArchitecture {
  /** Residual blocks in order; `pool: true` pools to the next coarser level first. */
  readonly blocks: readonly GemBlockConfig[];
  readonly nonlinearity: BlockNonlinearity;
  /** Widths of the hidden dense layers after the invariant pooling. */
  readonly head: readonly number[];
  /** Dropout rate before each dense layer of the head. */
  readonly dropout: number;
  /** Rate of whole-field dropout inside the residual blocks. */
  readonly fieldDropout: number;
  /** Radial rings of every convolution. */
  readonly rings: number;
  /** Fraction of the vertices that each pooling keeps. */
  readonly poolRatio: number;
  /** Correspondence models only: width of the per-vertex embedding before the shared dense head. */
  readonly embedding?: number;
}

export const DEFAULT_GEM_ARCHITECTURE: GemArchitecture = {
  blocks: [
    { fieldType: "16x0+8x1+8x2" },
    { fieldType: "16x0+8x1+8x2" },
    { fieldType: "32x0+16x1+16x2", pool: true },
  ],
  nonlinearity: "gated",
  head: [64],
  dropout: 0.2,
  fieldDropout: 0.1,
  rings: 2,
  poolRatio: 0.25,
};

/** `"16x0+8x1+8x2,pool:32x0+16x1+16x2"`: blocks separated by commas, `pool:` before a pooling block. */
export function parseBlocks(text: string): GemBlockConfig[] {
  const blocks = text.split(",").map((part, i) => {
    const trimmed = part.trim();
    const pool = trimmed.startsWith("pool:");
    const fieldType = (pool ? trimmed.slice(5) : trimmed).trim();
    if (fieldType === "") throw new RangeError(`block ${i + 1} is empty`);
    const type = FieldType.parse(fieldType);
    return pool ? { fieldType: type.toString(), pool: true } : { fieldType: type.toString() };
  });
  if (blocks[0]?.pool) throw new RangeError("the first block cannot pool (it runs on the input mesh)");
  return blocks;
}

/** Inverse of `parseBlocks`. */
export function formatBlocks(blocks: readonly GemBlockConfig[]): string {
  return blocks.map((b) => `${b.pool ? "pool:" : ""}${b.fieldType}`).join(",");
}

/** The nonlinearities of nn's residual blocks (nn's `BLOCK_NONLINEARITIES`, repeated so that this module needs no tfjs). */
export const NONLINEARITY_CHOICES: readonly BlockNonlinearity[] = ["gated", "norm", "regular"];

/**
 * The named field type of a network input from its normalisation's field type and channels: one
 * name per irrep copy, a scalar's channel name, an order ≥ 1 copy's first channel without `.cos`
 * (features' and `userFieldChannels`' convention), so that the model records what its input is.
 */
export function namedInputType(input: Pick<InputNormalization, "fieldType" | "channels">): NamedFieldType {
  const type = FieldType.parse(input.fieldType);
  return NamedFieldType.fromCopies(
    type.copies().map((copy) => ({
      name: input.channels[copy.offset].replace(/\.cos$/, ""),
      order: copy.order,
    })),
  );
}

/**
 * The nn package's model configuration for an architecture, input and class count; the input's
 * copies named (`inputFields`), so that the model says what it reads (geometric features and any
 * user fields).
 */
export function gemModelConfig(
  architecture: GemArchitecture,
  input: InputNormalization,
  classes: number,
): GemModelConfig {
  return {
    inputType: input.fieldType,
    blocks: architecture.blocks,
    classes,
    nonlinearity: architecture.nonlinearity,
    head: architecture.head,
    dropout: architecture.dropout,
    fieldDropout: architecture.fieldDropout,
    rings: architecture.rings,
    mesh: { poolRatio: architecture.poolRatio, seed: 0 },
    inputFields: namedInputType(input).toJSON(),
    ...(architecture.embedding !== undefined ? { embedding: architecture.embedding } : {}),
  };
}
