import { readFile } from "node:fs/promises";
import type { MeshSource } from "../preprocess/run.js";
import { type DatasetSample, describeFsError } from "./dataset.js";

/** Sources that read dataset files; a file that cannot be read is skipped with the reason. */
export function fileSources(samples: readonly DatasetSample[]): MeshSource[] {
  return samples.map((sample) => ({
    name: sample.name,
    async read() {
      try {
        return { kind: "file" as const, fileName: sample.path, bytes: await readFile(sample.path) };
      } catch (error) {
        throw new Error(`${sample.path}: ${describeFsError(error, "mesh file")}`);
      }
    },
  }));
}
