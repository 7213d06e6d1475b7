import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { serializeMesh } from "@gemcnn/geometry";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { booleanOption, type Command, choiceOption, integerOption } from "../cli/command.js";
import { CliError, EXIT } from "../cli/errors.js";
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticDataset,
  SYNTHETIC_CLASSES,
} from "../synthetic/dataset.js";

/** `gemcnn generate <dir>`: writes the synthetic dataset in MeshCNN's layout. */
export const generateCommand: Command = {
  name: "generate",
  summary: "write the synthetic dataset to disk in MeshCNN's layout",
  description:
    `Writes <dir>/<class>/{train,test}/<class>-<i>.<format> for the ${SYNTHETIC_CLASSES.length} synthetic classes\n` +
    `(${SYNTHETIC_CLASSES.map((c) => c.name).join(", ")}), the same meshes\n` +
    "that train, experiment and the other commands generate in memory for the same seed and counts.",
  positionals: [{ name: "dir", description: "output directory (must be empty or absent)", required: true }],
  options: {
    seed: { type: "string", valueName: "<n>", description: "seed of the dataset", defaultText: "0" },
    train: {
      type: "string",
      valueName: "<n>",
      description: "training meshes per class",
      defaultText: String(DEFAULT_SYNTHETIC_OPTIONS.trainPerClass),
    },
    test: {
      type: "string",
      valueName: "<n>",
      description: "test meshes per class",
      defaultText: String(DEFAULT_SYNTHETIC_OPTIONS.testPerClass),
    },
    format: {
      type: "string",
      valueName: "<fmt>",
      description: "file format: obj, off or ply",
      defaultText: "obj",
    },
    force: { type: "boolean", description: "write into a non-empty directory" },
  },
  examples: [
    { command: "gemcnn generate data/synthetic", description: "the default synthetic dataset as OBJ files" },
    {
      command: "gemcnn generate /tmp/synth --train 5 --test 2 --format ply",
      description: "a small PLY version",
    },
  ],
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals.dir as string);
    const existing = await readdir(dir).catch(() => [] as string[]);
    if (existing.length > 0 && !booleanOption(args, "force")) {
      throw new CliError(`${dir} is not empty: choose another directory or add --force`);
    }
    const format = choiceOption(args, "format", ["obj", "off", "ply"] as const, "obj");
    const dataset = generateSyntheticDataset({
      ...DEFAULT_SYNTHETIC_OPTIONS,
      seed: integerOption(args, "seed", 0, { min: 0 }),
      trainPerClass: integerOption(args, "train", DEFAULT_SYNTHETIC_OPTIONS.trainPerClass, { min: 0 }),
      testPerClass: integerOption(args, "test", DEFAULT_SYNTHETIC_OPTIONS.testPerClass, { min: 0 }),
    });
    const samples = [...dataset.train, ...dataset.test];
    for (const sample of samples) {
      await writeFileAtomic(join(dir, `${sample.name}.${format}`), serializeMesh(sample.mesh, format));
    }
    io.stdout.write(`wrote ${samples.length} meshes (${dataset.classes.length} classes) to ${dir}\n`);
    return EXIT.success;
  },
};
