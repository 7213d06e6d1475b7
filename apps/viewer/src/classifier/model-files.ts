/**
 * Reading a trained classifier's files into the page: the tfjs `model.json` (topology, weights
 * manifest, nn's gemcnn record), its weight files and the command line's description of the
 * classifier (classes and preprocessing), from chosen or dropped files or from a URL. Everything
 * is checked here, before tfjs sees it, so that each problem has a message naming the file.
 * No tfjs in this module: it runs before tfjs is loaded.
 */
import { MODEL_JSON } from "@gemcnn/nn/file-names";

/** A model directory or URL that cannot be used; the message names the file and the problem. */
export class ModelFilesError extends Error {
  override name = "ModelFilesError";
}

/** One entry of a tfjs weights manifest: a named tensor stored in the weight files. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string };
}

/** A tfjs layers model held in memory, ready for `tf.io.fromMemory`. */
export interface ModelArtifacts {
  readonly modelTopology: object;
  readonly weightSpecs: WeightSpec[];
  /** The weight files concatenated in manifest order. */
  readonly weightData: ArrayBuffer;
  readonly userDefinedMetadata?: Record<string, unknown>;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
}

/** Where a model's files come from: a name for messages, and a reader of each file by name. */
export interface ModelFileSource {
  /** The directory's name or URL, for messages. */
  readonly label: string;
  /** The file's bytes, or `null` when the source has no file of that name. */
  read(name: string): Promise<ArrayBuffer | null>;
  /** A description of `name` for messages (its path or URL). */
  describe(name: string): string;
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

/**
 * The files of a model directory chosen in a file input (with `webkitdirectory`, each file's
 * `webkitRelativePath` starts with the directory) or dropped together, matched by base name.
 * Files from several directories are refused: which `model.json` was meant would be a guess.
 */
export function fileListSource(files: readonly File[]): ModelFileSource {
  const models = files.filter((file) => baseName(file.name) === MODEL_JSON);
  if (models.length > 1) {
    // Typically a whole run directory, whose checkpoints hold models of their own.
    const paths = models.map((file) => file.webkitRelativePath || file.name);
    throw new ModelFilesError(
      `the chosen files hold ${models.length} ${MODEL_JSON} files (${paths.join(", ")}): ` +
        "choose one model directory, such as runs/<name>/model",
    );
  }
  const byName = new Map(files.map((file) => [baseName(file.name), file]));
  const first = files.find((file) => file.webkitRelativePath);
  const directory = first ? first.webkitRelativePath.split("/")[0] : undefined;
  const label = directory ?? `${files.length} chosen file(s)`;
  return {
    label,
    async read(name) {
      const file = byName.get(baseName(name));
      return file ? file.arrayBuffer() : null;
    },
    describe(name) {
      return directory ? `${directory}/${name}` : name;
    },
  };
}

/**
 * A model served over HTTP: `url` is the directory (ending in `/` or not) or its `model.json`;
 * files are fetched relative to the directory. A missing file (HTTP 404, or an HTML page in its
 * place) reads as absent, other failures throw naming the URL.
 */
export function urlSource(url: string, fetchFile: typeof fetch = fetch): ModelFileSource {
  const trimmed = url.trim();
  if (trimmed === "") throw new ModelFilesError("no model URL given");
  let directory: URL;
  try {
    const absolute = new URL(trimmed, globalThis.location?.href);
    directory = absolute.pathname.endsWith(".json")
      ? new URL(".", absolute)
      : new URL(absolute.pathname.endsWith("/") ? absolute.href : `${absolute.href}/`);
  } catch {
    throw new ModelFilesError(`${trimmed}: not a URL`);
  }
  const fileUrl = (name: string) => new URL(name, directory).href;
  // A model served beside the page is named by its path, anything else by its whole address.
  const sameOrigin = globalThis.location !== undefined && directory.origin === globalThis.location.origin;
  return {
    label: sameOrigin ? directory.pathname : directory.href,
    async read(name) {
      const target = fileUrl(name);
      let response: Response;
      try {
        response = await fetchFile(target);
      } catch (error) {
        throw new ModelFilesError(`${target}: could not fetch it (${(error as Error).message})`);
      }
      // Single-page servers (Vite's among them) answer a missing file with the page itself.
      const html = response.headers.get("content-type")?.startsWith("text/html") && !name.endsWith(".html");
      if (response.status === 404 || (response.ok && html)) return null;
      if (!response.ok) throw new ModelFilesError(`${target}: could not fetch it (HTTP ${response.status})`);
      return response.arrayBuffer();
    },
    describe: fileUrl,
  };
}

/** Reads a JSON file of `source`; `null` when absent, a `ModelFilesError` when it is not JSON. */
export async function readJsonFile(source: ModelFileSource, name: string): Promise<unknown | null> {
  const bytes = await source.read(name);
  if (bytes === null) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelFilesError(`${source.describe(name)}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads and checks the tfjs model of `source`: `model.json` must be a layers model (topology and
 * weights manifest), every weight file it names must be there, and together they must hold
 * exactly the bytes the manifest describes.
 */
export async function readModelArtifacts(source: ModelFileSource): Promise<ModelArtifacts> {
  const json = await readJsonFile(source, MODEL_JSON);
  const where = source.describe(MODEL_JSON);
  if (json === null) {
    throw new ModelFilesError(
      `${source.label}: no ${MODEL_JSON}; choose the model directory the command line saved`,
    );
  }
  const model = json as {
    modelTopology?: unknown;
    weightsManifest?: unknown;
    userDefinedMetadata?: unknown;
    format?: unknown;
    generatedBy?: unknown;
    convertedBy?: unknown;
  };
  if (model === null || typeof model !== "object" || typeof model.modelTopology !== "object") {
    throw new ModelFilesError(`${where}: no "modelTopology", so not a saved tfjs layers model`);
  }
  if (!Array.isArray(model.weightsManifest)) {
    throw new ModelFilesError(`${where}: no "weightsManifest" array, so not a saved tfjs layers model`);
  }
  const paths: string[] = [];
  const weightSpecs: WeightSpec[] = [];
  for (const group of model.weightsManifest as { paths?: unknown; weights?: unknown }[]) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
      throw new ModelFilesError(`${where}: a weightsManifest entry lacks its "paths" or "weights"`);
    }
    paths.push(...group.paths.map(String));
    weightSpecs.push(...(group.weights as WeightSpec[]));
  }
  const buffers: ArrayBuffer[] = [];
  const missing: string[] = [];
  for (const path of paths) {
    const bytes = await source.read(path);
    if (bytes === null) missing.push(path);
    else buffers.push(bytes);
  }
  if (missing.length > 0) {
    throw new ModelFilesError(
      `${where} names weight file(s) that are missing: ${missing.map((m) => source.describe(m)).join(", ")}`,
    );
  }
  let expected = 0;
  for (const spec of weightSpecs) {
    if (!Array.isArray(spec?.shape) || typeof spec.dtype !== "string") {
      throw new ModelFilesError(`${where}: weight ${JSON.stringify(spec?.name)} has no shape or dtype`);
    }
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const size = BYTES_PER_ELEMENT[dtype];
    if (size === undefined) {
      throw new ModelFilesError(`${where}: weight ${JSON.stringify(spec.name)} has unknown dtype ${dtype}`);
    }
    expected += size * spec.shape.reduce((a, b) => a * b, 1);
  }
  const weightData = concatenate(buffers);
  if (weightData.byteLength !== expected) {
    throw new ModelFilesError(
      `${paths.map((p) => source.describe(p)).join(", ")}: ${weightData.byteLength} bytes, ` +
        `but ${where} describes ${expected} bytes of weights (a truncated or mismatched file)`,
    );
  }
  return {
    modelTopology: model.modelTopology as object,
    weightSpecs,
    weightData,
    userDefinedMetadata:
      model.userDefinedMetadata && typeof model.userDefinedMetadata === "object"
        ? (model.userDefinedMetadata as Record<string, unknown>)
        : undefined,
    format: typeof model.format === "string" ? model.format : undefined,
    generatedBy: typeof model.generatedBy === "string" ? model.generatedBy : undefined,
    convertedBy: typeof model.convertedBy === "string" ? model.convertedBy : null,
  };
}

function concatenate(buffers: readonly ArrayBuffer[]): ArrayBuffer {
  if (buffers.length === 1) return buffers[0];
  const total = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out.buffer;
}
