/** Thrown when a chosen model directory cannot be used; the message names the file and problem. */
export class ModelDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelDirectoryError";
  }
}

/** What a model directory holds, as read from its `model.json` (the tfjs layers-model format). */
export interface ModelDirectorySummary {
  /** The `model.json` file's path as the browser reports it. */
  readonly modelPath: string;
  /** The weight files that `model.json` refers to, all of which are present. */
  readonly weightFiles: readonly string[];
  /** `modelTopology.config.name` or the class name, when present. */
  readonly modelName: string | undefined;
}

function baseName(file: File): string {
  return file.name.split("/").pop() ?? file.name;
}

/**
 * Reads `model.json` among `files` and checks that every weight file its `weightsManifest` names
 * was chosen too. Throws `ModelDirectoryError` naming the file and the problem.
 */
export async function inspectModelDirectory(files: readonly File[]): Promise<ModelDirectorySummary> {
  const modelFile = files.find((file) => baseName(file) === "model.json");
  if (!modelFile) {
    throw new ModelDirectoryError(
      `no model.json among the ${files.length} chosen file(s): choose the directory the command line saved`,
    );
  }
  const modelPath = modelFile.webkitRelativePath || modelFile.name;
  let json: unknown;
  try {
    json = JSON.parse(await modelFile.text());
  } catch (error) {
    throw new ModelDirectoryError(`${modelPath}: not valid JSON (${(error as Error).message})`);
  }
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new ModelDirectoryError(`${modelPath}: no "weightsManifest" array, so not a saved tfjs model`);
  }
  const weightFiles = manifest.flatMap((group: { paths?: unknown }) =>
    Array.isArray(group.paths) ? group.paths.map(String) : [],
  );
  const present = new Set(files.map(baseName));
  const missing = weightFiles.filter((path) => !present.has(path.split("/").pop() ?? path));
  if (missing.length > 0) {
    throw new ModelDirectoryError(
      `${modelPath}: weight file(s) missing from the chosen directory: ${missing.join(", ")}`,
    );
  }
  const topology = (json as { modelTopology?: { config?: { name?: unknown }; class_name?: unknown } })
    .modelTopology;
  const name = topology?.config?.name ?? topology?.class_name;
  return { modelPath, weightFiles, modelName: typeof name === "string" ? name : undefined };
}
