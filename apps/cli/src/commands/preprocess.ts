import { booleanOption, type Command } from "../cli/command.js";
import { EXIT } from "../cli/errors.js";
import {
  DATA_OPTIONS,
  datasetFromArgs,
  PREPROCESS_OPTIONS,
  preprocessDataset,
  preprocessingFromArgs,
} from "./shared.js";

/** `gemcnn preprocess`: computes (or checks) the cached features of a whole dataset. */
export const preprocessCommand: Command = {
  name: "preprocess",
  summary: "compute and cache the input features of a dataset",
  description:
    "Reads every mesh of the dataset, repairs it or skips it with the reason, and computes its\n" +
    "frames and rigid-motion-invariant input features in worker threads. Results are cached by\n" +
    "file content and options, so a second run (or training later) does no geometry work.",
  positionals: [],
  options: {
    ...DATA_OPTIONS,
    ...PREPROCESS_OPTIONS,
    verbose: { type: "boolean", short: "v", description: "list every repair and note per mesh" },
  },
  examples: [
    {
      command: "gemcnn preprocess --data ../shared/datasets/shrec_16",
      description: "SHREC-11 with the default features",
    },
    {
      command: "gemcnn preprocess --synthetic --workers 0 --no-cache",
      description: "the synthetic dataset on one thread, uncached",
    },
    {
      command: "gemcnn preprocess --data meshes/mine --features moments,curvature -v",
      description: "no heat kernel; list repairs",
    },
  ],
  async run(args, io) {
    const sources = await datasetFromArgs(args, io);
    const setup = preprocessingFromArgs(args, io);
    io.stderr.write(`dataset: ${sources.description}, ${sources.classes.length} classes\n`);
    const result = await preprocessDataset(sources, setup, io, booleanOption(args, "verbose"));
    const computedPerMesh = result.computed > 0 ? (1000 * result.seconds) / result.computed : Number.NaN;
    io.stdout.write(
      `${result.train.length} train${result.val.length > 0 ? `, ${result.val.length} validation` : ""} and ${result.test.length} test meshes ready (${result.skipped.length} skipped)` +
        (result.computed > 0 ? `; ${computedPerMesh.toFixed(0)} ms wall time per computed mesh` : "") +
        `\n`,
    );
    return EXIT.success;
  },
};
