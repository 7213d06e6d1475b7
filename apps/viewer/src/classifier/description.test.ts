import { describe, expect, test } from "vitest";
import { parseClassifierDescription, parseModelDescription } from "./description.js";
import { ModelFilesError } from "./model-files.js";

const COMMON = {
  format: "gemcnn-classifier",
  kind: "gemcnn",
  preprocess: {
    features: { kinds: ["moments", "curvature"], hksEigenpairs: 128, hksTimeCount: 2 },
    repair: false,
    largestComponentOnly: true,
  },
  input: {
    fieldType: "2x0+1x1",
    channels: ["a", "b", "c", "d"],
    scalarCenter: [0, 1],
    scalarScale: [1, 2],
    copyScale: [3],
    clip: 5,
  },
};
const WHERE = "model/gemcnn.json";
const parse = (json: object) => parseModelDescription(json, WHERE);
const fails = (json: object) => {
  try {
    parse(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFilesError);
    expect((error as Error).message.startsWith(`${WHERE}: `)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("parsed");
};

describe("gemcnn.json versions 2 and 3", () => {
  test("version 2 is a classifier; version 3 without a task too", () => {
    const v2 = parse({ ...COMMON, version: 2, classes: ["a", "b"] });
    expect(v2.task).toBe("classification");
    expect(v2.classes).toEqual(["a", "b"]);
    expect(parse({ ...COMMON, version: 3, classes: ["a", "b"] }).task).toBe("classification");
    expect(
      parseClassifierDescription(
        { ...COMMON, version: 3, task: "classification", classes: ["x", "y"] },
        WHERE,
      ).classes,
    ).toEqual(["x", "y"]);
  });

  test("a segmentation model: its parts and where its labels came from", () => {
    const d = parse({
      ...COMMON,
      version: 3,
      task: "segmentation",
      classes: ["arm", "leg"],
      labels: { from: "face" },
    });
    expect(d).toMatchObject({ task: "segmentation", classes: ["arm", "leg"], labelsFrom: "face" });
    expect(fails({ ...COMMON, version: 3, task: "segmentation", classes: ["arm", "leg"] })).toContain(
      '"labels.from"',
    );
  });

  test("a correspondence model: no classes, a template beside model.json", () => {
    const d = parse({
      ...COMMON,
      version: 3,
      task: "correspondence",
      classes: [],
      template: { file: "template.ply", vertexCount: 6890 },
    });
    expect(d).toMatchObject({
      task: "correspondence",
      template: { file: "template.ply", vertexCount: 6890 },
    });
    const base = { ...COMMON, version: 3, task: "correspondence", classes: [] };
    expect(fails({ ...base, classes: ["a", "b"], template: { file: "t.ply", vertexCount: 3 } })).toContain(
      "must be empty",
    );
    expect(fails({ ...base, template: { file: "../t.ply", vertexCount: 3 } })).toContain('"template.file"');
    expect(fails({ ...base, template: { file: "t.ply" } })).toContain('"template.vertexCount"');
  });

  test("other versions, tasks and kinds are refused with what the page reads", () => {
    expect(fails({ ...COMMON, version: 1, classes: ["a", "b"] })).toContain("description version 1");
    expect(fails({ ...COMMON, version: 4, classes: ["a", "b"] })).toContain(
      "version 4 of the file; this page reads versions 2 and 3 (saved by a newer gemcnn",
    );
    expect(fails({ ...COMMON, version: 3, task: "regression", classes: [] })).toContain(
      'a "regression" model; the page runs classification, segmentation, correspondence',
    );
    expect(fails({ ...COMMON, version: 2, task: "segmentation", classes: ["a", "b"] })).toContain(
      "version 3",
    );
    expect(fails({ ...COMMON, version: 2, kind: "linear-probe", classes: ["a", "b"] })).toContain(
      '"linear-probe"',
    );
    expect(fails({ ...COMMON, format: "other", version: 3, classes: [] })).toContain('"format"');
  });

  test("a classifier reader refuses a per-vertex description by its task", () => {
    expect(() =>
      parseClassifierDescription(
        { ...COMMON, version: 3, task: "segmentation", classes: ["a", "b"], labels: { from: "vertex" } },
        WHERE,
      ),
    ).toThrow(`${WHERE}: a segmentation model, not a classifier`);
  });
});
