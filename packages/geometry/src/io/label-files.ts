import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { type ReadMeshOptions, readRegularFileBytes, writeFileAtomic } from "./files.js";
import {
  faceLabelsToVertexLabels,
  formatLabels,
  type LabelElement,
  LabelFileError,
  labelElementOf,
  parseLabels,
} from "./labels.js";
import type { MeshParseError } from "./mesh-parse-error.js";

// Node-only: exported from `@gemcnn/geometry/node`.

/**
 * Reads a label file for `data`, its kind from the extension (`.seg`: one label per face,
 * `.vseg`: one per vertex) and its count checked against the mesh. It is read as mesh files are
 * (`readRegularFileBytes`: regular files only, at most `options.maxBytes`, default 2 GiB). Every
 * failure, a missing file included, is a `LabelFileError` naming `path`.
 */
export async function readLabelFile(
  path: string,
  data: TriangleMeshData,
  options: ReadMeshOptions = {},
): Promise<{ element: LabelElement; labels: Int32Array }> {
  const element = labelElementOf(path);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFileBytes(path, "label file", options);
  } catch (error) {
    throw new LabelFileError(path, undefined, (error as MeshParseError).detail, { cause: error });
  }
  const count = element === "face" ? data.triangles.length / 3 : data.positions.length / 3;
  return { element, labels: parseLabels(bytes, { source: path, count, element }) };
}

/**
 * One label per vertex of `data` from a `.vseg` file, or from a `.seg` file by the majority of
 * incident face area (`faceLabelsToVertexLabels`; −1 for a vertex no face uses).
 */
export async function readVertexLabels(
  path: string,
  data: TriangleMeshData,
  options: ReadMeshOptions = {},
): Promise<Int32Array> {
  const { element, labels } = await readLabelFile(path, data, options);
  return element === "vertex" ? labels : faceLabelsToVertexLabels(data, labels);
}

/** Writes labels as a label file (one per line), atomically (a temporary file, then a rename). */
export async function writeLabelFile(path: string, labels: ArrayLike<number>): Promise<void> {
  labelElementOf(path);
  await writeFileAtomic(path, formatLabels(labels));
}
