import * as tf from "@tensorflow/tfjs";
import { MODEL_JSON, WEIGHTS_BIN } from "./file-names.js";

/** A model directory or URL that cannot be written or read; the message names the path. */
export class ModelIOError extends Error {
  override name = "ModelIOError";
}

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;

/** Node's modules, imported on demand so that browser bundles of this package never need them. */
async function nodeModules() {
  const [fs, path, crypto] = await Promise.all([
    import("node:fs/promises"),
    import("node:path"),
    import("node:crypto"),
  ]);
  return { fs, path, crypto };
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * Saves a tfjs layers model (any, gemcnn's included) to the directory `dir` in Node, without
 * tfjs-node: `model.json` in the tfjs layers-model format (topology, weights manifest, the gemcnn
 * metadata) and `weights.bin`, so `tf.loadLayersModel("<url>/model.json")` in a browser (after
 * importing @gemcnn/nn, which registers the layers) and `loadModel(dir)` read it back. Written
 * into a temporary sibling directory, then renamed over `dir`; an existing `dir` must be an empty
 * directory or a saved model, which is replaced.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  if (!isNode)
    throw new ModelIOError("saveModel writes files and runs in Node only; in a browser use model.save()");
  if (typeof dir !== "string" || dir === "")
    throw new ModelIOError("saveModel: dir must be a non-empty path");
  const { fs, path, crypto } = await nodeModules();
  const target = path.resolve(dir);
  const existing = await fs.readdir(target).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return null;
    throw new ModelIOError(`saveModel: cannot write to ${target}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  if (existing !== null && existing.length > 0 && !existing.includes(MODEL_JSON)) {
    throw new ModelIOError(
      `saveModel: ${target} exists and is not a saved model (no ${MODEL_JSON}); refusing to replace it`,
    );
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  const { modelTopology, weightSpecs, weightData, userDefinedMetadata, format, generatedBy, convertedBy } =
    artifacts!;
  const modelJson: tf.io.ModelJSON = {
    modelTopology: modelTopology as object,
    format,
    generatedBy,
    convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: weightSpecs ?? [] }],
  };
  if (userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = userDefinedMetadata;
  const weights = Array.isArray(weightData)
    ? tf.io.concatenateArrayBuffers(weightData)
    : (weightData ?? new ArrayBuffer(0));

  const suffix = `${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
  const temporary = `${target}.tmp.${suffix}`;
  const old = `${target}.old.${suffix}`;
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.mkdir(temporary);
    await fs.writeFile(path.join(temporary, MODEL_JSON), JSON.stringify(modelJson));
    await fs.writeFile(path.join(temporary, WEIGHTS_BIN), new Uint8Array(weights));
    if (existing !== null) await fs.rename(target, old);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw new ModelIOError(`saveModel: cannot write ${target}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await fs.rm(old, { recursive: true, force: true });
}

function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * Loads a model saved by `saveModel`: from a directory in Node, or from a URL anywhere (the
 * directory's URL or its `model.json`, e.g. in the viewer). Errors name the path: a missing
 * directory or file, a `model.json` that is not a tfjs layers model, weights of the wrong size, a
 * layer class that is not registered.
 */
export async function loadModel(source: string): Promise<tf.LayersModel> {
  if (typeof source !== "string" || source === "")
    throw new ModelIOError("loadModel: source must be a path or URL");
  if (!isNode || isUrl(source)) {
    const url = source.endsWith(".json") ? source : `${source.replace(/\/?$/, "/")}${MODEL_JSON}`;
    try {
      return await tf.loadLayersModel(url);
    } catch (error) {
      throw new ModelIOError(`loadModel: cannot load ${url}: ${(error as Error).message}`);
    }
  }
  const { fs, path } = await nodeModules();
  const dir = path.resolve(source);
  const jsonPath = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await fs.readFile(jsonPath, "utf8");
  } catch (error) {
    const missing = errorCode(error) === "ENOENT";
    const dirExists = missing
      ? await fs.stat(dir).then(
          () => true,
          () => false,
        )
      : true;
    throw new ModelIOError(
      missing
        ? dirExists
          ? `loadModel: ${dir} has no ${MODEL_JSON}: not a saved model`
          : `loadModel: ${dir} does not exist`
        : `loadModel: cannot read ${jsonPath}: ${(error as Error).message}`,
    );
  }
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(text);
  } catch (error) {
    throw new ModelIOError(`loadModel: ${jsonPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (
    modelJson === null ||
    typeof modelJson !== "object" ||
    typeof modelJson.modelTopology !== "object" ||
    !Array.isArray(modelJson.weightsManifest)
  ) {
    throw new ModelIOError(
      `loadModel: ${jsonPath} is not a tfjs layers model (no modelTopology or weightsManifest)`,
    );
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const file of group.paths) {
        const filePath = path.join(dir, file);
        try {
          const bytes = await fs.readFile(filePath);
          buffers.push(
            bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          );
        } catch (error) {
          throw new ModelIOError(`loadModel: cannot read ${filePath}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    const expected = specs.reduce((n, spec) => n + specBytes(spec), 0);
    if (data.byteLength !== expected) {
      throw new ModelIOError(
        `loadModel: ${manifest
          .flatMap((group) => group.paths)
          .map((file) => path.join(dir, file))
          .join(
            ", ",
          )} hold${manifest.flatMap((group) => group.paths).length === 1 ? "s" : ""} ${data.byteLength} bytes, but ${MODEL_JSON} describes ${expected} (truncated or from another model)`,
      );
    }
    return [specs, data];
  });
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ModelIOError(`loadModel: cannot build the model of ${jsonPath}: ${(error as Error).message}`);
  }
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return size * (DTYPE_BYTES[dtype] ?? 4);
}
