import { DEFAULT_MAX_MESH_FILE_BYTES } from "@gemcnn/geometry/node";
import type { MeshSource } from "../preprocess/run.js";
import type { DatasetSample } from "./dataset.js";
import { readMeshFile } from "./mesh-file.js";

/**
 * Sources that read dataset files (regular files only, at most `maxBytes` each); a file that
 * cannot be read is skipped with the reason, which names it.
 */
export function fileSources(
  samples: readonly DatasetSample[],
  maxBytes: number = DEFAULT_MAX_MESH_FILE_BYTES,
): MeshSource[] {
  return samples.map((sample) => ({
    name: sample.name,
    async read() {
      return {
        kind: "file" as const,
        fileName: sample.path,
        bytes: await readMeshFile(sample.path, maxBytes),
      };
    },
  }));
}
