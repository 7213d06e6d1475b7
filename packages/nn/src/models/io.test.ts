import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { meshFeatures } from "@gemcnn/features";
import { relativeError } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { buildGemClassifier, gemModelInfo } from "./builders.js";
import { MODEL_JSON, WEIGHTS_BIN } from "./file-names.js";
import { loadModel, ModelIOError, saveModel } from "./io.js";
import { applyToMeshes, batchForModel } from "./run.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
let root: string;

function classifier() {
  const model = buildGemClassifier({
    inputType: "2x0",
    blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "4x0+2x1+2x2", pool: true }],
    classes: 4,
    fieldDropout: 0.1,
  });
  // Non-default values everywhere, the normalisation's moving statistics included.
  model.setWeights(
    model.weights.map((w, i) =>
      tf.add(w.read(), tf.randomUniform(w.shape as number[], 0.1, 0.5, "float32", i)),
    ),
  );
  return model;
}

function logits(model: tf.LayersModel): Float32Array {
  return applyToMeshes(model, batchForModel(model, [geometry]), [
    meshFeatures(geometry, { kinds: ["ones", "angle-defect"] }).values,
  ]).dataSync() as Float32Array;
}

describe("saveModel and loadModel", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    root = await mkdtemp(join(tmpdir(), "gemcnn-io-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("round-trips a classifier through model.json and weights.bin: same logits, config and metadata", async () => {
    const model = classifier();
    const dir = join(root, "nested", "classifier");
    await saveModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest).toEqual([{ paths: [WEIGHTS_BIN], weights: expect.any(Array) }]);
    expect(json.userDefinedMetadata.gemcnn.kind).toBe("classifier");
    const loaded = await loadModel(dir);
    expect(JSON.parse(loaded.toJSON() as string)).toEqual(JSON.parse(model.toJSON() as string));
    expect(gemModelInfo(loaded)).toEqual(gemModelInfo(model));
    expect(relativeError(logits(loaded), logits(model))).toBe(0);
  });

  it("replaces a saved model in place, leaving no temporary directories", async () => {
    const dir = join(root, "replaced");
    await saveModel(classifier(), dir);
    const second = classifier();
    await saveModel(second, dir);
    expect((await readdir(root)).filter((name) => name.startsWith("replaced"))).toEqual(["replaced"]);
    expect(relativeError(logits(await loadModel(dir)), logits(second))).toBe(0);
  });

  it("serves over HTTP as a browser loads it: tf.loadLayersModel from the directory's URL", async () => {
    const model = classifier();
    const dir = join(root, "served");
    await saveModel(model, dir);
    const server: Server = createServer(async (request, response) => {
      try {
        response.end(await readFile(join(dir, new URL(request.url!, "http://x").pathname.slice(1))));
      } catch {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const loaded = await loadModel(`http://127.0.0.1:${port}/`);
      expect(relativeError(logits(loaded), logits(model))).toBe(0);
      await expect(loadModel(`http://127.0.0.1:${port}/missing/model.json`)).rejects.toThrow(
        /cannot load http:\/\/127.0.0.1:\d+\/missing\/model.json/,
      );
    } finally {
      server.close();
    }
  });

  it("names the path when a directory is missing, not a model, or corrupt", async () => {
    await expect(loadModel(join(root, "absent"))).rejects.toThrow(/absent does not exist/);
    const empty = join(root, "empty");
    await mkdir(empty);
    await expect(loadModel(empty)).rejects.toThrow(/empty has no model.json: not a saved model/);
    const corrupt = join(root, "corrupt");
    await mkdir(corrupt);
    await writeFile(join(corrupt, MODEL_JSON), "{ not json");
    await expect(loadModel(corrupt)).rejects.toThrow(/corrupt\/model.json is not valid JSON/);
    await writeFile(join(corrupt, MODEL_JSON), JSON.stringify({ hello: 1 }));
    await expect(loadModel(corrupt)).rejects.toThrow(/not a tfjs layers model/);
    const truncated = join(root, "truncated");
    await saveModel(classifier(), truncated);
    const bytes = await readFile(join(truncated, WEIGHTS_BIN));
    await writeFile(join(truncated, WEIGHTS_BIN), bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(truncated)).rejects.toThrow(ModelIOError);
    await expect(loadModel(truncated)).rejects.toThrow(
      /weights\.bin holds \d+ bytes, but model.json describes \d+/,
    );
    await rm(join(truncated, WEIGHTS_BIN));
    await expect(loadModel(truncated)).rejects.toThrow(/cannot read .*truncated\/weights.bin/);
    const unknown = join(root, "unknown-layer");
    await saveModel(classifier(), unknown);
    const text = await readFile(join(unknown, MODEL_JSON), "utf8");
    await writeFile(join(unknown, MODEL_JSON), text.replace('"ResidualBlock"', '"NoSuchLayer"'));
    await expect(loadModel(unknown)).rejects.toThrow(
      /cannot build the model of .*unknown-layer\/model.json.*NoSuchLayer/,
    );
  });

  it("refuses to replace a directory that is not a saved model", async () => {
    const other = join(root, "other");
    await mkdir(other);
    await writeFile(join(other, "notes.txt"), "keep me");
    await expect(saveModel(classifier(), other)).rejects.toThrow(/exists and is not a saved model/);
    expect(await readFile(join(other, "notes.txt"), "utf8")).toBe("keep me");
  });
});
