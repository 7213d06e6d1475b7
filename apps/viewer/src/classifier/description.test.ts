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
    expect(fails({ ...COMMON, version: 3, task: "detection", classes: [] })).toContain(
      'a "detection" model; the page runs classification, segmentation, correspondence, regression',
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

describe("gemcnn.json of a regression model (version 3, task regression)", () => {
  const FIELDS = {
    input: [{ name: "pressure", kind: "scalar" }],
    target: [
      { name: "wind", kind: "vector", columns: ["u", "v", "w"] },
      { name: "t", kind: "scalar" },
    ],
  };
  const TARGET = { fieldType: "1x0+1x1", scalarCenter: [0.5], scalarScale: [2], copyScale: [0.25] };
  const base = { ...COMMON, version: 3, task: "regression", classes: [], fields: FIELDS, target: TARGET };

  test("reads the input and target declarations and the target scaling", () => {
    const d = parse(base);
    if (d.task !== "regression") throw new Error(`task ${d.task}`);
    expect(d.fields.input).toEqual(FIELDS.input);
    expect(d.fields.target).toEqual(FIELDS.target);
    expect(d.target).toEqual(TARGET);
    expect(d.preprocess.features.kinds).toEqual(["moments", "curvature"]);
    // Geometry alone, or the user's fields alone.
    expect(parse({ ...base, fields: { ...FIELDS, input: [] } }).task).toBe("regression");
    const fieldsOnly = { ...COMMON.preprocess, features: { ...COMMON.preprocess.features, kinds: [] } };
    expect(parse({ ...base, preprocess: fieldsOnly }).preprocess.features.kinds).toEqual([]);
  });

  test("refuses classes, missing or bad declarations, a target scaling of another type, and no input at all", () => {
    expect(fails({ ...base, classes: ["a", "b"] })).toContain(
      '"classes" must be empty for a regression model',
    );
    expect(fails({ ...base, fields: undefined })).toContain('no "fields"');
    expect(fails({ ...base, fields: { ...FIELDS, target: [] } })).toContain('"fields.target"');
    expect(fails({ ...base, fields: { ...FIELDS, input: [{ name: "p", kind: "tensor" }] } })).toContain(
      '"fields.input", entry 0 ("p"): "kind" must be one of scalar, vector, direction',
    );
    expect(fails({ ...base, target: { ...TARGET, fieldType: "1x1" } })).toContain(
      '"target": "scalarCenter" must be 0 number(s) for the field type "1x1"',
    );
    expect(
      fails({
        ...base,
        target: { ...TARGET, fieldType: "2x0+1x1", scalarCenter: [0, 0], scalarScale: [1, 1] },
      }),
    ).toContain('"target.fieldType" is 2x0+1x1, but "fields.target" declares 1x0+1x1');
    expect(fails({ ...base, target: undefined })).toContain('"target": expected an object');
    const nothing = { ...COMMON.preprocess, features: { ...COMMON.preprocess.features, kinds: [] } };
    expect(fails({ ...base, preprocess: nothing, fields: { ...FIELDS, input: [] } })).toContain(
      '"preprocess.features.kinds" and "fields.input" are both empty',
    );
    // Other tasks still need feature kinds.
    expect(fails({ ...COMMON, version: 3, classes: ["a", "b"], preprocess: nothing })).toContain(
      '"preprocess.features.kinds" must be a non-empty list',
    );
  });
});

describe("models that read input fields", () => {
  test("a classifier or segmenter with input fields is refused, naming the fields it needs", () => {
    const fields = {
      input: [
        { name: "wind", kind: "vector" },
        { name: "stripes", kind: "direction" },
      ],
      target: [],
    };
    expect(fails({ ...COMMON, version: 3, classes: ["a", "b"], fields })).toMatch(
      /a classification model that reads the input fields wind \(vector\), stripes \(direction of order 2\) from a field file beside each mesh; .*gemcnn predict/,
    );
    expect(
      fails({
        ...COMMON,
        version: 3,
        task: "segmentation",
        classes: ["a", "b"],
        labels: { from: "vertex" },
        fields,
      }),
    ).toMatch(/a segmentation model that reads the input fields wind \(vector\)/);
    // Without input fields (or with none declared) it loads as before.
    const plain = parse({ ...COMMON, version: 3, classes: ["a", "b"], fields: { input: [], target: [] } });
    expect(plain.task).toBe("classification");
  });
});
