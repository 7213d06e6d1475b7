import { describe, expect, test } from "vitest";
import { inspectModelDirectory, ModelDirectoryError } from "./model-directory.js";

const modelJson = JSON.stringify({
  modelTopology: { class_name: "Sequential", config: { name: "classifier" } },
  weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: [] }],
});

describe("inspectModelDirectory", () => {
  test("reads model.json and finds every weight file it names", async () => {
    const summary = await inspectModelDirectory([
      new File([modelJson], "model.json"),
      new File([new Uint8Array(8)], "group1-shard1of1.bin"),
    ]);
    expect(summary.modelName).toBe("classifier");
    expect(summary.weightFiles).toEqual(["group1-shard1of1.bin"]);
  });

  test("names what is missing or malformed", async () => {
    await expect(inspectModelDirectory([new File(["x"], "weights.bin")])).rejects.toThrow(/no model\.json/);
    await expect(inspectModelDirectory([new File(["{"], "model.json")])).rejects.toThrow(
      /model\.json: not valid JSON/,
    );
    await expect(inspectModelDirectory([new File(["{}"], "model.json")])).rejects.toThrow(/weightsManifest/);
    await expect(inspectModelDirectory([new File([modelJson], "model.json")])).rejects.toThrow(
      new ModelDirectoryError(
        "model.json: weight file(s) missing from the chosen directory: group1-shard1of1.bin",
      ),
    );
  });
});
