import { parsePly, type TriangleMeshData } from "@gemcnn/geometry";
import type { PerVertexDescription } from "../classifier/description.js";
import { type ModelFileSource, ModelFilesError } from "../classifier/model-files.js";

/**
 * A correspondence model's template mesh (`template.ply` beside model.json): vertex `k` is class
 * `k`. Read with the geometry package's PLY reader and checked against the description's vertex
 * count, so that a template that does not belong to the model is named before anything runs. It
 * is not validated as a surface: the page uses only its vertex positions and face areas.
 */
export async function readTemplate(
  source: ModelFileSource,
  description: Extract<PerVertexDescription, { task: "correspondence" }>,
): Promise<TriangleMeshData> {
  const { file, vertexCount } = description.template;
  const where = source.describe(file);
  const bytes = await source.read(file);
  if (bytes === null) {
    throw new ModelFilesError(
      `${source.label}: no ${file}, the template mesh that gemcnn.json names (its vertex k is class k)`,
    );
  }
  let data: TriangleMeshData;
  try {
    data = parsePly(new Uint8Array(bytes), where);
  } catch (error) {
    const message = (error as Error).message;
    throw new ModelFilesError(message.includes(where) ? message : `${where}: ${message}`);
  }
  const count = data.positions.length / 3;
  if (count !== vertexCount) {
    throw new ModelFilesError(
      `${where}: ${count} vertices, but gemcnn.json says the template has ${vertexCount} (one class per template vertex)`,
    );
  }
  return data;
}
