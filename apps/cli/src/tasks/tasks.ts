import type { GemModelConfig } from "@gemcnn/nn";
import type { LayersModel } from "@tensorflow/tfjs";

/** The nn package, imported by the caller when it builds a model (it loads tfjs). */
export type NnModule = typeof import("@gemcnn/nn");

import { DEFAULT_GEM_ARCHITECTURE, type GemArchitecture } from "../classifiers/architecture.js";
import { choiceOption, type OptionSpec, type ParsedArgs } from "../cli/command.js";

// The one place that says, per task, which network is built, how it is trained (the loss) and
// which figures judge it. tfjs is imported only when a model is built, so that commands that
// parse options or read files start without it.

/**
 * What a model predicts: one class per mesh, a part per vertex, a template vertex per vertex, or
 * typed fields per vertex (regression: scalars, tangent vectors, direction fields).
 */
export type TaskKind = "classification" | "segmentation" | "correspondence" | "regression";
export const TASK_KINDS: readonly TaskKind[] = [
  "classification",
  "segmentation",
  "correspondence",
  "regression",
];

/** The tasks with one class per vertex (a softmax over parts or template vertices). */
export type PerVertexTask = Exclude<TaskKind, "classification" | "regression">;

/** Which figures `train` and `eval` report for a per-vertex task (see `per-vertex/metrics.ts`). */
export type PerVertexMetrics = "parts" | "correspondence";

/** How a per-vertex task is built, trained and judged. */
export interface PerVertexTaskDefinition {
  readonly task: PerVertexTask;
  /** For help texts: what a label is. */
  readonly labelText: string;
  /** The network: nn's builder for this task (synchronous, so that seeded initialisers cover it). */
  build(nn: NnModule, config: GemModelConfig): LayersModel;
  /** The kind nn records in the model's metadata (`gemModelInfo(model).kind`). */
  readonly networkKind: "segmenter" | "correspondence";
  /**
   * Classes drawn per training step for the softmax (nn's `perVertexTrainStep` `sampledClasses`),
   * or undefined for the full softmax.
   */
  sampledClasses(classes: number): number | undefined;
  readonly metrics: PerVertexMetrics;
  /** Training defaults of `gemcnn train --task <task>` (and of `experiment`). */
  readonly defaults: {
    readonly epochs: number;
    readonly lr: number;
    readonly batchSize: number;
    readonly architecture: GemArchitecture;
  };
}

/** The per-vertex networks: a segmenter-shaped encoder-decoder (U-Net) over two poolings. */
const PER_VERTEX_ARCHITECTURE: GemArchitecture = {
  ...DEFAULT_GEM_ARCHITECTURE,
  blocks: [
    { fieldType: "16x0+8x1+8x2" },
    { fieldType: "16x0+8x1+8x2", pool: true },
    { fieldType: "32x0+16x1+16x2", pool: true },
  ],
  // The head and its dropout belong to the classifier; the per-vertex models have none.
  head: [],
  dropout: 0,
  fieldDropout: 0,
};

/**
 * Classes per step of the correspondence softmax: all of them up to 1,024 (the synthetic default),
 * else 1,024 drawn uniformly (nn corrects the sampled denominator), which keeps a FAUST step's
 * logits at 6,890 × 1,024 instead of 6,890².
 */
export const CORRESPONDENCE_SAMPLED_CLASSES = 1024;

export const PER_VERTEX_TASKS: Readonly<Record<PerVertexTask, PerVertexTaskDefinition>> = {
  segmentation: {
    task: "segmentation",
    labelText: "a part per vertex, from <name>.vseg (per vertex) or <name>.seg (per face) beside each mesh",
    build: (nn, config) => nn.buildGemSegmenter(config),
    networkKind: "segmenter",
    sampledClasses: () => undefined,
    metrics: "parts",
    defaults: { epochs: 60, lr: 0.005, batchSize: 4, architecture: PER_VERTEX_ARCHITECTURE },
  },
  correspondence: {
    task: "correspondence",
    labelText: "the template vertex of every vertex (registrations: vertex i is template vertex i)",
    build: (nn, config) => nn.buildGemCorrespondence(config),
    networkKind: "correspondence",
    sampledClasses: (classes) =>
      classes > CORRESPONDENCE_SAMPLED_CLASSES ? CORRESPONDENCE_SAMPLED_CLASSES : undefined,
    metrics: "correspondence",
    defaults: {
      epochs: 60,
      lr: 0.005,
      batchSize: 4,
      architecture: { ...PER_VERTEX_ARCHITECTURE, embedding: 64 },
    },
  },
};

/**
 * The regressor's shape: two residual blocks on the input mesh without pooling, as nn's wind
 * example (a smooth field's direction depends on its neighbourhood, which a coarser level would
 * blur), with order-1 and order-2 features to carry vectors and line fields.
 */
const REGRESSION_ARCHITECTURE: GemArchitecture = {
  ...DEFAULT_GEM_ARCHITECTURE,
  blocks: [{ fieldType: "16x0+8x1+8x2" }, { fieldType: "16x0+8x1+8x2" }],
  head: [],
  dropout: 0,
  fieldDropout: 0,
};

/** Training defaults of `gemcnn train --task regression` (and of `experiment`). */
export const REGRESSION_DEFAULTS = {
  epochs: 60,
  lr: 0.005,
  batchSize: 4,
  architecture: REGRESSION_ARCHITECTURE,
} as const satisfies PerVertexTaskDefinition["defaults"];

/** `--task`: which task `train` (and `experiment`) trains for. */
export const TASK_OPTION: OptionSpec = {
  type: "string",
  valueName: "<task>",
  description:
    "classification (a class per mesh, from its folder), segmentation (a part per vertex, from label files), correspondence (a template vertex per vertex, registrations) or regression (fields per vertex, from field files: --input-fields, --target-fields)",
  defaultText: "classification",
};

/** The `--task` value (default "classification"). */
export function taskFromArgs(args: ParsedArgs): TaskKind {
  return choiceOption(args, "task", TASK_KINDS, "classification");
}

/** Whether `task` predicts a class per vertex (segmentation, correspondence). */
export function isPerVertexTask(task: TaskKind): task is PerVertexTask {
  return task === "segmentation" || task === "correspondence";
}
