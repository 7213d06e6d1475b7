import type { FeatureKind } from "@gemcnn/features";
import type { CliIO, Command, ParsedArgs } from "../cli/command.js";
import {
  dataOptionSpecs,
  datasetFromArgs,
  type PreprocessDefaults,
  preprocessingFromArgs,
  preprocessOptionSpecs,
} from "./shared.js";
import {
  type TrainingDefaults,
  trainClassifier,
  trainingOptionSpecs,
  trainSettingsFromArgs,
} from "./train.js";

/**
 * Feature groups of the embedded default: the heat-kernel signature is left out because its
 * dense eigen-decomposition costs about 0.5 s per 300-vertex mesh, over 20 times the rest.
 */
export const EXPERIMENT_FEATURES: readonly FeatureKind[] = ["moments", "curvature"];

/**
 * Epochs of the embedded default: the GEM-CNN reaches 100% test accuracy on the synthetic set by
 * epoch 7-11 (docs/experiments.md), and 20 epochs take about 3.5 minutes on 2 shared cores.
 */
export const EXPERIMENT_EPOCHS = { gemcnn: 20, "linear-probe": 60 } as const;

/** What `experiment` does without options: what it runs and what its help shows, from one place. */
export const EXPERIMENT_DEFAULTS: PreprocessDefaults & TrainingDefaults & { readonly name: string } = {
  featureKinds: EXPERIMENT_FEATURES,
  epochs: EXPERIMENT_EPOCHS,
  name: "experiment",
  nameText: "experiment",
  replaces: true,
};

/** The preprocessing and training `experiment` runs for `args` (its defaults where an option is not given). */
export function experimentSettings(args: ParsedArgs, io: CliIO) {
  const setup = preprocessingFromArgs(args, io, EXPERIMENT_DEFAULTS);
  const settings = trainSettingsFromArgs(args, io, {
    name: EXPERIMENT_DEFAULTS.name,
    training: EXPERIMENT_DEFAULTS,
  });
  return { setup, settings };
}

/** `gemcnn experiment` (`pnpm experiment`): the embedded default, synthetic data end to end. */
export const experimentCommand: Command = {
  name: "experiment",
  summary: "the embedded default: generate the synthetic dataset, train, evaluate, report",
  description:
    "Generates the synthetic dataset (8 classes of shapes that differ in intrinsic geometry, two of\n" +
    "them only in the arrangement of equal bumps; random triangulations, noise, scaling and rigid\n" +
    `motions), preprocesses it in worker threads, trains the GEM-CNN classifier (${EXPERIMENT_EPOCHS.gemcnn} epochs) and\n` +
    "reports test accuracy, the confusion matrix and where the model and curves were written\n" +
    "(runs/experiment/, replaced on every run unless --resume). Every option of 'gemcnn train'\n" +
    "applies, with the defaults below; --model linear-probe runs the baseline.",
  positionals: [],
  options: {
    ...dataOptionSpecs("synthetic"),
    ...preprocessOptionSpecs(EXPERIMENT_DEFAULTS),
    ...trainingOptionSpecs(EXPERIMENT_DEFAULTS),
  },
  examples: [
    { command: "pnpm experiment", description: "the default run, a few minutes on 2 cores" },
    { command: "gemcnn experiment --epochs 10 --synthetic-train 10", description: "a quicker, smaller run" },
    { command: "gemcnn experiment --resume", description: "continue after Ctrl-C" },
  ],
  async run(args, io) {
    const sources = await datasetFromArgs(args, io, "synthetic");
    const { setup, settings } = experimentSettings(args, io);
    return trainClassifier(sources, setup, settings, io);
  },
};
