import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatVertexFieldsJson,
  MeshGeometry,
  parseMesh,
  parseVertexFieldsJson,
  sphericalWindSample,
  writeObj,
} from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_GEM_ARCHITECTURE } from "../classifiers/architecture.js";
import { createClassifier, SPEC_FORMAT, SPEC_VERSION, specForTraining } from "../classifiers/classifier.js";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";
import { writeSegmentationBodies } from "../per-vertex/bodies.fixture.js";
import { windSampleColumns, writeWindClassificationDataset } from "../synthetic/wind.js";
import { invarianceVariants } from "./check.js";

/** A GEM-CNN of a few thousand weights: seconds per run on 162-vertex spheres. */
const TINY = ["--blocks", "4x0+2x1,pool:8x0+4x1", "--head", "8", "--workers", "0", "--threads", "1"];

describe("gemcnn train, eval, predict and check with --input-fields (classification)", () => {
  let dir: string;
  let data: string;
  let common: string[];
  const model = () => join(dir, "wind-run", "model");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-fieldcls-"));
    data = join(dir, "wind");
    await writeWindClassificationDataset(data, { trainPerClass: 1, testPerClass: 1, level: 2 });
    common = [...TINY, "--cache", join(dir, "cache")];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("generate --dataset wind writes the MeshCNN layout with a field file beside every sphere", async () => {
    const io = captureIO(dir);
    expect(
      await runCli(["generate", join(dir, "gen"), "--dataset", "wind", "--train", "1", "--test", "0"], io),
    ).toBe(0);
    expect(io.out()).toMatch(/wrote 6 spheres with field files \(6 wind classes\)/);
    const text = await readFile(
      join(dir, "gen", "anticyclone", "train", "anticyclone-0.fields.json"),
      "utf8",
    );
    const columns = parseVertexFieldsJson(text, { source: "anticyclone-0.fields.json" });
    expect([...columns.columns.keys()]).toEqual(["wind_x", "wind_y", "wind_z", "speed", "pressure"]);
    expect(columns.nVertices).toBe(642);
    // A mirrored pair: the anticyclone is the cyclone of its seed negated, so their speeds agree exactly.
    const cyclone = parseVertexFieldsJson(
      await readFile(join(dir, "gen", "cyclone", "train", "cyclone-0.fields.json"), "utf8"),
      { source: "cyclone-0.fields.json" },
    );
    expect(columns.columns.get("speed")).toEqual(cyclone.columns.get("speed"));
    expect(columns.columns.get("wind_x")).toEqual(cyclone.columns.get("wind_x")?.map((x) => -x));
  });

  it("trains on the wind alone (--features none); gemcnn.json and model.json declare the field", {
    timeout: 120_000,
  }, async () => {
    const io = captureIO(dir);
    const args = ["train", "--data", data, "--input-fields", "wind:vector", "--features", "none"];
    expect(await runCli([...args, ...common, "--epochs", "2", "--run-dir", join(dir, "wind-run")], io)).toBe(
      0,
    );
    expect(io.err()).toMatch(/6 classes; input fields wind:vector only/);
    expect(io.err()).toMatch(/input "1x1"/);
    expect(io.out()).toMatch(/test accuracy [\d.]+% \(\d+\/6\)/);
    const spec = JSON.parse(await readFile(join(model(), "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      task: "classification",
      fields: { input: [{ name: "wind", kind: "vector" }], target: [] },
      preprocess: { features: { kinds: [] } },
      input: { fieldType: "1x1", channels: ["wind.cos", "wind.sin"] },
    });
    const modelJson = JSON.parse(await readFile(join(model(), "model.json"), "utf8"));
    expect(modelJson.userDefinedMetadata.gemcnn).toMatchObject({
      kind: "classifier",
      config: { inputType: "1x1", inputFields: { type: "1x1", names: ["wind"] } },
    });
    const config = JSON.parse(await readFile(join(dir, "wind-run", "config.json"), "utf8"));
    expect(JSON.stringify(config)).toContain('"inputFields":[{"name":"wind","kind":"vector"}]');
  });

  it("eval, predict and check read the model's fields beside each mesh; --rotate turns them with the meshes", {
    timeout: 120_000,
  }, async () => {
    const base = [
      "eval",
      model(),
      "--data",
      data,
      "--workers",
      "0",
      "--threads",
      "1",
      "--cache",
      join(dir, "cache"),
      "--json",
    ];
    const plain = captureIO(dir);
    expect(await runCli(base, plain)).toBe(0);
    const rotated = captureIO(dir);
    expect(await runCli([...base, "--rotate"], rotated)).toBe(0);
    expect(JSON.parse(plain.out()).count).toBe(6);
    expect(JSON.parse(rotated.out()).confusion).toEqual(JSON.parse(plain.out()).confusion);

    const mesh = join(data, "cyclone", "test", "cyclone-100000.ply");
    const predicted = captureIO(dir);
    expect(
      await runCli(
        ["predict", model(), mesh, "--workers", "0", "--threads", "1", "--no-cache", "--json"],
        predicted,
      ),
    ).toBe(0);
    expect(JSON.parse(predicted.out()).predictions[0].classes).toHaveLength(3);

    const checked = captureIO(dir);
    expect(
      await runCli(["check", model(), mesh, "--gauges", "2", "--rotations", "1", "--no-layers"], checked),
    ).toBe(0);
    expect(checked.out()).toMatch(/random gauge 2 +relative change of the logits/);
    expect(checked.out()).toMatch(/^invariant: largest change/m);

    // Saying the same fields again is accepted; different ones are refused with both shown.
    expect(
      await runCli(
        [
          "predict",
          model(),
          mesh,
          "--input-fields",
          "wind:vector",
          "--no-cache",
          "--workers",
          "0",
          "--threads",
          "1",
        ],
        captureIO(dir),
      ),
    ).toBe(0);
    const differs = captureIO(dir);
    expect(await runCli(["check", model(), mesh, "--input-fields", "speed:scalar"], differs)).toBe(2);
    expect(differs.err()).toMatch(
      /--input-fields speed:scalar differs from what the model .* reads: wind:vector/,
    );
  });

  it("a changed field file is read again, not served from the preprocessing cache", {
    timeout: 60_000,
  }, async () => {
    const copy = join(dir, "changed");
    await mkdir(copy, { recursive: true });
    const mesh = join(copy, "storm.ply");
    await copyFile(join(data, "cyclone", "test", "cyclone-100000.ply"), mesh);
    const sample = sphericalWindSample("cyclone", 100_000, { level: 2, noise: 0.1 });
    const columns = windSampleColumns(sample);
    const probabilities = async () => {
      const io = captureIO(dir);
      expect(
        await runCli(
          [
            "predict",
            model(),
            mesh,
            "--workers",
            "0",
            "--threads",
            "1",
            "--cache",
            join(dir, "cache"),
            "--json",
            "--top",
            "6",
          ],
          io,
        ),
      ).toBe(0);
      const [p] = JSON.parse(io.out()).predictions;
      return Object.fromEntries(
        p.classes.map((c: { name: string; probability: number }) => [c.name, c.probability]),
      );
    };
    await writeFile(join(copy, "storm.fields.json"), formatVertexFieldsJson(columns));
    const before = await probabilities();
    for (const axis of ["wind_x", "wind_y", "wind_z"])
      columns.set(
        axis,
        (columns.get(axis) as Float64Array).map((x) => -x),
      );
    await writeFile(join(copy, "storm.fields.json"), formatVertexFieldsJson(columns));
    const after = await probabilities();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const change = Math.max(...Object.keys(before).map((k) => Math.abs(before[k] - after[k])));
    expect(change).toBeGreaterThan(1e-4);
  });

  it("refuses, in one line naming the file: no field file, a missing column, a wrong count, NaN; and bad options", {
    timeout: 60_000,
  }, async () => {
    const broken = join(dir, "broken");
    const train = join(broken, "a", "train");
    const test = join(broken, "a", "test");
    await mkdir(train, { recursive: true });
    await mkdir(test, { recursive: true });
    const sample = sphericalWindSample("jet", 3, { level: 2 });
    // OBJ files: a PLY would be its own field file (its vertex properties) when there is no other.
    const obj = writeObj(sample.mesh);
    await writeFile(join(train, "s.obj"), obj);
    await writeFile(join(test, "t.obj"), obj);
    const columns = windSampleColumns(sample);
    await writeFile(join(test, "t.fields.json"), formatVertexFieldsJson(columns));
    const train1 = async (extra: string[] = []) => {
      const io = captureIO(dir);
      const code = await runCli(
        [
          "train",
          "--data",
          broken,
          "--input-fields",
          "wind:vector",
          "--features",
          "none",
          ...common,
          "--epochs",
          "1",
          "--run-dir",
          join(dir, "broken-run"),
          ...extra,
        ],
        io,
      );
      return { code, err: io.err() };
    };
    const missingFile = await train1();
    expect(missingFile.code).toBe(1);
    expect(missingFile.err).toMatch(
      /s\.obj: no field file beside the mesh \(s\.fields\.json or s\.csv beside the mesh\), which the input fields wind:vector are read from/,
    );
    expect(missingFile.err.trim().split("\n")).toHaveLength(1);

    const noY = new Map(columns);
    noY.delete("wind_y");
    await writeFile(join(train, "s.fields.json"), formatVertexFieldsJson(noY));
    const missingColumn = await train1();
    expect(missingColumn.code).toBe(1);
    expect(missingColumn.err).toMatch(
      /s\.fields\.json.*wind_y.*no such column, which field "wind" \(vector\) reads/,
    );

    const short = new Map([...columns].map(([k, v]) => [k, v.subarray(1)]));
    await writeFile(join(train, "s.fields.json"), formatVertexFieldsJson(short));
    const wrongCount = await train1();
    expect(wrongCount.code).toBe(1);
    expect(wrongCount.err).toMatch(/s\.fields\.json.*161.*162/);

    await writeFile(
      join(train, "s.csv"),
      `wind_x,wind_y,wind_z\n${Array.from({ length: 162 }, (_, v) => (v === 7 ? "NaN,0,0" : "0,0,0")).join("\n")}\n`,
    );
    await rm(join(train, "s.fields.json"));
    const nan = await train1();
    expect(nan.code).toBe(1);
    expect(nan.err).toMatch(/s\.csv.*wind_x.*vertex 7.*not a finite number/);

    const none = captureIO(dir);
    expect(await runCli(["train", "--data", data, "--features", "none", ...common], none)).toBe(2);
    expect(none.err()).toMatch(/--features none needs --input-fields: the network needs some input/);
    const target = captureIO(dir);
    expect(await runCli(["train", "--data", data, "--target-fields", "wind:vector", ...common], target)).toBe(
      2,
    );
    expect(target.err()).toMatch(/--target-fields is for --task regression/);
    const synthetic = captureIO(dir);
    expect(
      await runCli(["train", "--synthetic", "--input-fields", "wind:vector", ...common], synthetic),
    ).toBe(2);
    expect(synthetic.err()).toMatch(/input fields need a dataset on disk/);

    // A model that reads fields the dataset lacks: eval on spheres without field files.
    const lack = join(dir, "lack", "jet", "test");
    await mkdir(lack, { recursive: true });
    await writeFile(join(lack, "bare.obj"), obj);
    const lacking = captureIO(dir);
    expect(
      await runCli(
        ["eval", model(), "--data", join(dir, "lack"), "--workers", "0", "--threads", "1", "--no-cache"],
        lacking,
      ),
    ).toBe(1);
    expect(lacking.err()).toMatch(/bare\.obj: no field file beside the mesh .*wind:vector/);
  });
});

describe("gemcnn check with input fields: the negative control", () => {
  it("a vector field's coefficients read as two scalars change the logits under gauge changes; read as a vector they do not", {
    timeout: 60_000,
  }, async () => {
    const sample = sphericalWindSample("cyclone", 5, { level: 2 });
    const declarations = [{ name: "wind", kind: "vector" as const }];
    const preprocess = {
      features: { kinds: [], hksEigenpairs: 16, hksTimeCount: 4 },
      repair: true,
      largestComponentOnly: false,
    };
    const computed = { ...preprocess, features: { ...preprocess.features, kinds: ["ones" as const] } };
    const columns = { source: "storm.fields.json", nVertices: 162, columns: windSampleColumns(sample) };
    const variants = invarianceVariants(
      sample.mesh,
      "storm.ply",
      computed,
      { gauges: 3, rotations: 1, seed: 9 },
      {
        declarations,
        columns,
        preprocess,
      },
    );
    expect(variants.map((v) => v.mesh.fieldType)).toEqual(variants.map(() => "1x1"));
    const logitChange = async (fieldType: string) => {
      const meshes = variants.map((v) => ({ ...v.mesh, fieldType }));
      const spec = specForTraining(
        {
          format: SPEC_FORMAT,
          version: SPEC_VERSION,
          kind: "gemcnn",
          task: "classification",
          classes: ["a", "b", "c"],
          preprocess,
          weightDecay: 0,
          seed: 3,
          architecture: {
            ...DEFAULT_GEM_ARCHITECTURE,
            blocks: [{ fieldType: "4x0+2x1" }],
            head: [8],
            dropout: 0,
            fieldDropout: 0,
          },
        },
        meshes,
        [0],
      );
      const classifier = await createClassifier(spec, meshes, [0, 0, 0, 0, 0], [0]);
      const { GemCnnClassifier } = await import("../classifiers/gem-classifier.js");
      const { relativeChange } = await import("../classifiers/gem-check.js");
      expect(classifier).toBeInstanceOf(GemCnnClassifier);
      const logits = (classifier as unknown as { logits(i: number[]): Float32Array[] }).logits(
        variants.map((_, i) => i),
      );
      const changes = logits.slice(1).map((l) => relativeChange(l, logits[0]));
      await classifier.close?.();
      return { gauges: Math.max(...changes.slice(0, 3)), motion: changes[3] };
    };
    const vector = await logitChange("1x1");
    const scalars = await logitChange("2x0");
    // float32 rounding through a few layers (the check's tolerance is 1e-4).
    expect(vector.gauges).toBeLessThan(1e-5);
    expect(scalars.gauges).toBeGreaterThan(1e-2);
    // The gauge changed the inputs, not the mesh: the same frames after a rigid motion give the same inputs.
    expect(vector.motion).toBeLessThan(1e-5);
    expect(variants.every((v) => v.mesh.nVertices === 162)).toBe(true);
  });
});

describe("gemcnn train --task segmentation with --input-fields", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-fieldseg-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("trains, predicts and checks a segmenter on geometric features plus a scalar and a tangent field", {
    timeout: 120_000,
  }, async () => {
    const data = join(dir, "bodies");
    await writeSegmentationBodies(data);
    for (const [part, names] of [
      ["train", ["body0", "body1", "body2"]],
      ["test", ["body3"]],
    ] as const) {
      for (const name of names) {
        const mesh = parseMesh(await readFile(join(data, part, `${name}.obj`)), "obj", name);
        const geometry = MeshGeometry.fromData(mesh);
        const n = geometry.vertexNormals;
        const V = mesh.positions.length / 3;
        // A tangent field: the normal crossed with the vertical (the "around the body" direction).
        const flow = [0, 1, 2].map((k) =>
          Float64Array.from({ length: V }, (_, v) => [n[3 * v + 1], -n[3 * v], 0][k]),
        );
        const height = Float64Array.from({ length: V }, (_, v) => mesh.positions[3 * v + 1]);
        await writeFile(
          join(data, part, `${name}.fields.json`),
          formatVertexFieldsJson(
            new Map([
              ["height", height],
              ["flow_x", flow[0]],
              ["flow_y", flow[1]],
              ["flow_z", flow[2]],
            ]),
          ),
        );
      }
    }
    const run = join(dir, "seg-run");
    const io = captureIO(dir);
    const args = [
      "train",
      "--task",
      "segmentation",
      "--data",
      data,
      "--input-fields",
      "height:scalar,flow:vector",
    ];
    expect(
      await runCli(
        [
          ...args,
          "--features",
          "moments",
          ...TINY.filter((a) => a !== "--head" && a !== "8"),
          "--no-cache",
          "--epochs",
          "1",
          "--run-dir",
          run,
        ],
        io,
      ),
    ).toBe(0);
    expect(io.err()).toMatch(/input fields height:scalar,flow:vector and features moments/);
    const spec = JSON.parse(await readFile(join(run, "model", "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      task: "segmentation",
      fields: {
        input: [
          { name: "height", kind: "scalar" },
          { name: "flow", kind: "vector" },
        ],
        target: [],
      },
    });
    // Moments' copies first within each order, then the user's.
    expect(spec.input.channels).toContain("height");
    expect(spec.input.channels).toContain("flow.cos");
    const modelJson = JSON.parse(await readFile(join(run, "model", "model.json"), "utf8"));
    expect(modelJson.userDefinedMetadata.gemcnn.config.inputFields.names).toEqual(
      expect.arrayContaining(["height", "flow"]),
    );
    const mesh = join(data, "test", "body3.obj");
    const predicted = captureIO(dir);
    expect(
      await runCli(
        ["predict", join(run, "model"), mesh, "--out", join(dir, "out"), "--no-cache", "--workers", "0"],
        predicted,
      ),
    ).toBe(0);
    const labels = (await readFile(join(dir, "out", "body3.labels.txt"), "utf8")).trim().split("\n");
    expect(labels.length).toBe(parseMesh(await readFile(mesh), "obj", mesh).positions.length / 3);
    const checked = captureIO(dir);
    expect(
      await runCli(
        [
          "check",
          join(run, "model"),
          mesh,
          "--gauges",
          "1",
          "--rotations",
          "1",
          "--relabellings",
          "1",
          "--no-layers",
        ],
        checked,
      ),
    ).toBe(0);
    expect(checked.out()).toMatch(/random relabelling 1 +relative change of the per-vertex logits/);
    // Without the field file the model's fields are missing: a one-line error naming the mesh.
    await rm(join(data, "test", "body3.fields.json"));
    const missing = captureIO(dir);
    expect(
      await runCli(["predict", join(run, "model"), mesh, "--out", join(dir, "out"), "--no-cache"], missing),
    ).toBe(1);
    expect(missing.err()).toMatch(/body3\.obj: no field file beside the mesh/);
  });
});
