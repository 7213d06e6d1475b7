import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NamedFieldType } from "@gemcnn/gauge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import {
  buildGemClassifier,
  buildGemSegmenter,
  type GemModelConfig,
  ModelConfigError,
  namedFieldTypesOf,
} from "./builders.js";
import { buildGemCorrespondence } from "./correspondence.js";
import { MODEL_JSON } from "./file-names.js";
import { loadModel, saveModel } from "./io.js";

const config: GemModelConfig = {
  inputType: "1x0+1x1",
  blocks: [{ fieldType: "2x0+1x1" }],
  classes: 2,
  head: [4],
  inputFields: { type: "1x1+1x0", names: ["wind", "pressure"] },
  outputFields: { type: "2x0", names: ["cyclone", "anticyclone"] },
};

describe("named input and output field types in a model's metadata", () => {
  let root: string;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    root = await mkdtemp(join(tmpdir(), "gemcnn-named-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("are carried by every builder and survive saving and loading", async () => {
    const input = NamedFieldType.parse("pressure:0+wind:1");
    const output = NamedFieldType.of("2x0", ["cyclone", "anticyclone"]);
    for (const build of [buildGemClassifier, buildGemSegmenter, buildGemCorrespondence]) {
      const model = build(config);
      const named = namedFieldTypesOf(model);
      expect(named.input?.equals(input), build.name).toBe(true);
      expect(named.output?.equals(output), build.name).toBe(true);
      const dir = join(root, build.name);
      await saveModel(model, dir);
      const loaded = namedFieldTypesOf(await loadModel(dir));
      expect(loaded.input?.toString()).toBe("pressure:0+wind:1");
      expect(loaded.output?.toString()).toBe("cyclone:0+anticyclone:0");
    }
  });

  it("are absent from models built without them, and models saved without them still load", async () => {
    const { inputFields: _, outputFields: __, ...plain } = config;
    expect(namedFieldTypesOf(buildGemClassifier(plain))).toEqual({ input: undefined, output: undefined });
    // A model saved before the keys existed: the same model.json without them.
    const dir = join(root, "old");
    await saveModel(buildGemClassifier(config), dir);
    const path = join(dir, MODEL_JSON);
    const json = JSON.parse(await readFile(path, "utf8"));
    delete json.userDefinedMetadata.gemcnn.config.inputFields;
    delete json.userDefinedMetadata.gemcnn.config.outputFields;
    await writeFile(path, JSON.stringify(json));
    const old = await loadModel(dir);
    expect(namedFieldTypesOf(old)).toEqual({ input: undefined, output: undefined });
    expect(old.outputs[0].shape).toEqual([null, 2]);
  });

  it("must match the model's input type and output, or the builder says which", () => {
    const cases: [Partial<GemModelConfig>, RegExp][] = [
      [
        { inputFields: { type: "2x0", names: ["a", "b"] } },
        /inputFields names the field type "2x0", but the model's input is "1x0\+1x1"/,
      ],
      [
        { outputFields: { type: "3x0", names: ["a", "b", "c"] } },
        /outputFields names the field type "3x0", but the model's output is "2x0"/,
      ],
      [
        { inputFields: { type: "1x0+1x1", names: ["a"] } },
        /inputFields: names: the field type "1x0\+1x1" has 2 irrep copies, but 1 name was given/,
      ],
      [
        { outputFields: { type: "2x0", names: ["a", "a"] } as never },
        /outputFields: .*the name "a" is used twice/,
      ],
    ];
    for (const [change, message] of cases) {
      expect(() => buildGemClassifier({ ...config, ...change })).toThrowError(ModelConfigError);
      expect(() => buildGemClassifier({ ...config, ...change })).toThrowError(message);
    }
  });
});
