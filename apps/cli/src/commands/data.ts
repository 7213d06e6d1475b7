import { resolve } from "node:path";
import { booleanOption, type Command, stringOption } from "../cli/command.js";
import { EXIT } from "../cli/errors.js";
import { datasetSummary, openDataset } from "../data/dataset.js";

/** `gemcnn data <root>`: the classes and train/test counts of a dataset or split file. */
export const dataCommand: Command = {
  name: "data",
  summary: "list a dataset's classes and train/test counts",
  description:
    "Reads MeshCNN's layout <root>/<class>/{train,test}/*.{obj,off,ply} (and <class>/val/ when present),\n" +
    'or the split given by --split (JSON {"<class>": {"train": [...], "val": [...], "test": [...]}}\n' +
    'with paths relative to <root>/<class>/, "val" optional), checks that every listed file exists,\n' +
    "and prints the counts per class. Meshes are not parsed.",
  positionals: [{ name: "root", description: "dataset root directory", required: true }],
  options: {
    split: {
      type: "string",
      valueName: "<file>",
      description: "split file instead of the train/test folders",
    },
    json: { type: "boolean", description: "print the summary as JSON" },
  },
  examples: [
    { command: "gemcnn data ../shared/datasets/shrec_16", description: "SHREC-11, split 16 (folders)" },
    {
      command:
        "gemcnn data ../shared/datasets/shrec_16 --split ../shared/datasets/shrec_16_split10/split10_seed0.json",
      description: "the same meshes, split 10 of seed 0",
    },
  ],
  async run(args, io) {
    const split = stringOption(args, "split");
    const dataset = await openDataset(
      resolve(io.cwd, args.positionals.root as string),
      split === undefined ? undefined : resolve(io.cwd, split),
    );
    const rows = datasetSummary(dataset);
    if (booleanOption(args, "json")) {
      io.stdout.write(
        `${JSON.stringify({ root: dataset.root, split: dataset.split, classes: rows }, null, 1)}\n`,
      );
      return EXIT.success;
    }
    const width = Math.max(5, ...rows.map((r) => r.className.length));
    const withVal = dataset.val.length > 0;
    const lines = [
      `root:  ${dataset.root}`,
      `split: ${dataset.split}`,
      `${dataset.classes.length} classes, ${dataset.train.length} train${withVal ? `, ${dataset.val.length} validation` : ""} and ${dataset.test.length} test meshes`,
      "",
      `${"class".padEnd(width)}  train${withVal ? "  val" : ""}  test`,
      ...rows.map(
        (r) =>
          `${r.className.padEnd(width)}  ${String(r.train).padStart(5)}${withVal ? `  ${String(r.val).padStart(3)}` : ""}  ${String(r.test).padStart(4)}`,
      ),
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
    return EXIT.success;
  },
};
