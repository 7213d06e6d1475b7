import { MODEL_JSON } from "@gemcnn/nn/file-names";
import { describe, expect, test } from "vitest";
import { fileListSource, ModelFilesError, readModelArtifacts, urlSource } from "./model-files.js";

/** A model.json with two float32 weights of 3 and 2 numbers in one file (20 bytes). */
const MODEL = {
  format: "layers-model",
  modelTopology: { class_name: "Model", config: { name: "gem_classifier" } },
  weightsManifest: [
    {
      paths: ["weights.bin"],
      weights: [
        { name: "a", shape: [3], dtype: "float32" },
        { name: "b", shape: [1, 2], dtype: "float32" },
      ],
    },
  ],
  userDefinedMetadata: { gemcnn: { format: 1 } },
};
const WEIGHTS = Float32Array.of(1, 2, 3, 4, 5);

function files(entries: Record<string, BlobPart>, directory = "model"): File[] {
  return Object.entries(entries).map(([name, contents]) => {
    const file = new File([contents], name);
    // What a directory input sets; the constructor cannot.
    Object.defineProperty(file, "webkitRelativePath", { value: `${directory}/${name}` });
    return file;
  });
}

describe("readModelArtifacts from chosen files", () => {
  test("reads model.json and its weights, in manifest order", async () => {
    const source = fileListSource(files({ [MODEL_JSON]: JSON.stringify(MODEL), "weights.bin": WEIGHTS }));
    expect(source.label).toBe("model");
    const artifacts = await readModelArtifacts(source);
    expect(artifacts.weightSpecs.map((spec) => spec.name)).toEqual(["a", "b"]);
    expect(Array.from(new Float32Array(artifacts.weightData))).toEqual([1, 2, 3, 4, 5]);
    expect(artifacts.userDefinedMetadata).toEqual({ gemcnn: { format: 1 } });
  });

  test("names what is missing or malformed", async () => {
    const read = (entries: Record<string, BlobPart>) => readModelArtifacts(fileListSource(files(entries)));
    await expect(read({ "weights.bin": WEIGHTS })).rejects.toThrow(/^model: no model\.json/);
    await expect(read({ [MODEL_JSON]: "{" })).rejects.toThrow(/model\/model\.json: not valid JSON/);
    await expect(read({ [MODEL_JSON]: "{}" })).rejects.toThrow(/model\/model\.json: no "modelTopology"/);
    await expect(read({ [MODEL_JSON]: JSON.stringify({ modelTopology: {} }) })).rejects.toThrow(
      /no "weightsManifest"/,
    );
    await expect(read({ [MODEL_JSON]: JSON.stringify(MODEL) })).rejects.toThrow(
      new ModelFilesError("model/model.json names weight file(s) that are missing: model/weights.bin"),
    );
    await expect(
      read({ [MODEL_JSON]: JSON.stringify(MODEL), "weights.bin": WEIGHTS.subarray(1) }),
    ).rejects.toThrow(/model\/weights\.bin: 16 bytes, but model\/model\.json describes 20 bytes/);
  });

  test("refuses two model.json files at once", () => {
    const both = [...files({ [MODEL_JSON]: "{}" }, "one"), ...files({ [MODEL_JSON]: "{}" }, "two")];
    expect(() => fileListSource(both)).toThrow(
      "the chosen files hold 2 model.json files (one/model.json, two/model.json): choose one model directory",
    );
  });
});

describe("readModelArtifacts from a URL", () => {
  /** A fetch that serves `entries` under http://host/models/tiny/ and 404 elsewhere. */
  function server(entries: Record<string, BlobPart>, status = 200): typeof fetch {
    return (async (input: RequestInfo | URL) => {
      const url = new URL(String(input));
      const name = url.pathname.replace("/models/tiny/", "");
      if (!url.pathname.startsWith("/models/tiny/") || !(name in entries))
        return new Response(null, { status: 404 });
      return new Response(new Blob([entries[name]]), { status });
    }) as typeof fetch;
  }
  const entries = { [MODEL_JSON]: JSON.stringify(MODEL), "weights.bin": WEIGHTS };

  test("takes the directory, with or without its slash, or its model.json", async () => {
    for (const url of [
      "http://host/models/tiny",
      "http://host/models/tiny/",
      "http://host/models/tiny/model.json",
    ]) {
      const source = urlSource(url, server(entries));
      expect(source.label).toBe("http://host/models/tiny/");
      expect((await readModelArtifacts(source)).weightData.byteLength).toBe(20);
    }
  });

  test("names the URL of what is missing or failing", async () => {
    await expect(readModelArtifacts(urlSource("http://host/models/other/", server(entries)))).rejects.toThrow(
      "http://host/models/other/: no model.json",
    );
    await expect(
      readModelArtifacts(
        urlSource("http://host/models/tiny/", server({ [MODEL_JSON]: entries[MODEL_JSON] })),
      ),
    ).rejects.toThrow("missing: http://host/models/tiny/weights.bin");
    await expect(
      readModelArtifacts(urlSource("http://host/models/tiny/", server(entries, 500))),
    ).rejects.toThrow("http://host/models/tiny/model.json: could not fetch it (HTTP 500)");
    expect(() => urlSource("  ")).toThrow(/no model URL/);
  });

  test("takes the page that a single-page server sends for a missing file as missing", async () => {
    const spa = (async (input: RequestInfo | URL) => {
      const name = new URL(String(input)).pathname.split("/").pop()!;
      return name in entries
        ? new Response(new Blob([entries[name as keyof typeof entries]]))
        : new Response("<!doctype html>", { headers: { "content-type": "text/html" } });
    }) as typeof fetch;
    await expect(readModelArtifacts(urlSource("http://host/models/tiny/", spa))).resolves.toBeDefined();
    const withoutWeights = (async (input: RequestInfo | URL) =>
      String(input).endsWith("weights.bin")
        ? new Response("<!doctype html>", { headers: { "content-type": "text/html; charset=utf-8" } })
        : spa(input)) as typeof fetch;
    await expect(readModelArtifacts(urlSource("http://host/models/tiny/", withoutWeights))).rejects.toThrow(
      "missing: http://host/models/tiny/weights.bin",
    );
  });
});
