import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { articulatedBodies, serializeMesh, writePly } from "@gemcnn/geometry";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import { booleanOption, type Command, choiceOption, integerOption, stringOption } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import {
  DEFAULT_SYNTHETIC_OPTIONS,
  generateSyntheticDataset,
  SYNTHETIC_CLASSES,
} from "../synthetic/dataset.js";
import { WIND_CLASSIFICATION, writeWindClassificationDataset } from "../synthetic/wind.js";

/**
 * `--dataset faust-like`: registrations of geometry's articulated bodies at FAUST's size, named
 * and split as FAUST's training registrations (shape-major, so that the loader's default split,
 * the first 80 of 100 by name, trains on shapes 0-7 and tests on 8-9: unseen bodies, as FAUST's
 * 80-99 are its last two subjects).
 */
export const FAUST_LIKE = { shapes: 10, poses: 10, vertices: 6890 } as const;

/** `gemcnn generate <dir>`: writes the synthetic dataset in MeshCNN's layout. */
export const generateCommand: Command = {
  name: "generate",
  summary:
    "write a synthetic dataset (shapes, or the spherical wind classes with field files) in MeshCNN's layout",
  description:
    `Writes <dir>/<class>/{train,test}/<class>-<i>.<format> for the ${SYNTHETIC_CLASSES.length} synthetic classes\n` +
    `(${SYNTHETIC_CLASSES.map((c) => c.name).join(", ")}), the same meshes\n` +
    "that train, experiment and the other commands generate in memory for the same seed and counts.\n" +
    "--dataset wind writes the six spherical wind classes instead (cyclone, anticyclone, cyclone-pair,\n" +
    "anticyclone-pair, dipole, jet; icosphere level 3, 642 vertices, each sample's weather at its own\n" +
    "random rotation, tangent noise 0.1): <class>/{train,test}/<class>-<seed>.ply with\n" +
    "<class>-<seed>.fields.json beside each (columns wind_x, wind_y, wind_z, speed = |wind|, pressure):\n" +
    "a classifier that reads the wind vector tells every class apart; one that reads the speed alone\n" +
    "cannot tell a cyclone from an anticyclone (their speeds are equal). See the README, Input fields.\n" +
    `--dataset faust-like writes ${FAUST_LIKE.shapes * FAUST_LIKE.poses} registrations of ${FAUST_LIKE.vertices} vertices (${FAUST_LIKE.shapes} body shapes × ${FAUST_LIKE.poses} poses of\n` +
    "geometry's articulatedBodies, one connectivity) as binary PLY <dir>/tr_reg_000.ply … tr_reg_099.ply,\n" +
    "named and ordered as FAUST's training registrations: a correspondence training on the folder\n" +
    "trains on the first 80 (shapes 0-7) and tests on the last 20 (shapes 8-9, never trained on).",
  positionals: [{ name: "dir", description: "output directory (must be empty or absent)", required: true }],
  options: {
    dataset: {
      type: "string",
      valueName: "<kind>",
      description:
        "shapes (meshes only), wind (spheres with wind field files) or faust-like (registrations as FAUST's)",
      defaultText: "shapes",
    },
    seed: { type: "string", valueName: "<n>", description: "seed of the dataset", defaultText: "0" },
    train: {
      type: "string",
      valueName: "<n>",
      description: "training meshes per class",
      defaultText: `${DEFAULT_SYNTHETIC_OPTIONS.trainPerClass}; wind ${WIND_CLASSIFICATION.trainPerClass}`,
    },
    test: {
      type: "string",
      valueName: "<n>",
      description: "test meshes per class",
      defaultText: `${DEFAULT_SYNTHETIC_OPTIONS.testPerClass}; wind ${WIND_CLASSIFICATION.testPerClass}`,
    },
    format: {
      type: "string",
      valueName: "<fmt>",
      description: "file format: obj, off or ply (wind: ply)",
      defaultText: "obj; wind ply",
    },
    force: { type: "boolean", description: "write into a non-empty directory" },
  },
  examples: [
    { command: "gemcnn generate data/synthetic", description: "the default synthetic dataset as OBJ files" },
    {
      command: "gemcnn generate /tmp/synth --train 5 --test 2 --format ply",
      description: "a small PLY version",
    },
    {
      command: "gemcnn generate data/wind --dataset wind",
      description: "the spherical wind classes, 48 + 32 spheres per class with their field files",
    },
    {
      command: "gemcnn generate data/faust-like --dataset faust-like",
      description: "100 registrations of 6,890 vertices, tr_reg_000.ply … tr_reg_099.ply",
    },
  ],
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals.dir as string);
    const existing = await readdir(dir).catch(() => [] as string[]);
    if (existing.length > 0 && !booleanOption(args, "force")) {
      throw new CliError(`${dir} is not empty: choose another directory or add --force`);
    }
    const kind = choiceOption(args, "dataset", ["shapes", "wind", "faust-like"] as const, "shapes");
    if (kind === "faust-like") {
      for (const name of ["train", "test"] as const) {
        if (stringOption(args, name) !== undefined)
          throw new UsageError(
            `--${name}: the faust-like set has FAUST's 100 registrations; its split is the loader's (first 80 train)`,
          );
      }
      const format = stringOption(args, "format");
      if (format !== undefined && format !== "ply")
        throw new UsageError(`--format ${format}: the faust-like set is written as binary PLY, as FAUST's`);
      const bodies = articulatedBodies({ ...FAUST_LIKE, seed: integerOption(args, "seed", 0, { min: 0 }) });
      for (const [i, body] of bodies.entries()) {
        await writeFileAtomic(join(dir, `tr_reg_${String(i).padStart(3, "0")}.ply`), writePly(body.data));
      }
      io.stdout.write(
        `wrote ${bodies.length} registrations of ${bodies[0].data.positions.length / 3} vertices (${FAUST_LIKE.shapes} body shapes × ${FAUST_LIKE.poses} poses; train on the first 80, test on the last 20) to ${dir}\n`,
      );
      return EXIT.success;
    }
    if (kind === "wind") {
      const format = stringOption(args, "format");
      if (format !== undefined && format !== "ply")
        throw new UsageError(
          `--format ${format}: the wind dataset is written as PLY (with .fields.json beside)`,
        );
      const count = await writeWindClassificationDataset(dir, {
        seed: integerOption(args, "seed", 0, { min: 0, max: 1_000_000 }),
        trainPerClass: integerOption(args, "train", WIND_CLASSIFICATION.trainPerClass, { min: 0 }),
        testPerClass: integerOption(args, "test", WIND_CLASSIFICATION.testPerClass, { min: 0 }),
      });
      io.stdout.write(`wrote ${count} spheres with field files (6 wind classes) to ${dir}\n`);
      return EXIT.success;
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
