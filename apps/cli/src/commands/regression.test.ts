import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatVertexFieldsCsv,
  formatVertexFieldsJson,
  mulberry32,
  parseMesh,
  parsePlyVertexProperties,
  writeObj,
  writePlyWithVertexProperties,
} from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { fieldDeclarationsFromOption } from "../fields/field-files.js";
import { runCli } from "../main.js";
import { writeSyntheticWindDataset } from "../regression/synthetic.js";

/** A regressor of a few hundred weights on 162-vertex spheres: seconds per run. */
const TINY = ["--blocks", "4x0+2x1", "--workers", "0"];

/** A flat, jittered grid (zero angle defect inside) with a smooth pressure and wind beside it. */
async function writeFlatGrid(dir: string): Promise<string> {
  const n = 10;
  const random = mulberry32(5);
  const positions: number[] = [];
  const triangles: number[] = [];
  const pressure: number[] = [];
  const wind: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = (i + 0.3 * (random() - 0.5)) / n;
      const y = (j + 0.3 * (random() - 0.5)) / n;
      positions.push(x, y, 0);
      pressure.push(Math.sin(3 * x) + Math.cos(5 * y));
      wind[0].push(Math.sin(5 * y));
      wind[1].push(Math.cos(3 * x));
      wind[2].push(0);
    }
  }
  for (let i = 0; i < n - 1; i++) {
    for (let j = 0; j < n - 1; j++) {
      const a = i * n + j;
      triangles.push(a, a + n, a + 1, a + 1, a + n, a + n + 1);
    }
  }
  const path = join(dir, "flat.ply");
  const mesh = { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
  await writeFile(path, writePlyWithVertexProperties(mesh, new Map()));
  await writeFile(
    join(dir, "flat.fields.json"),
    formatVertexFieldsJson(
      new Map([
        ["pressure", Float64Array.from(pressure)],
        ["wind_x", Float64Array.from(wind[0])],
        ["wind_y", Float64Array.from(wind[1])],
        ["wind_z", Float64Array.from(wind[2])],
      ]),
    ),
  );
  return path;
}

describe("gemcnn train, eval, predict and check for --task regression", () => {
  let dir: string;
  let data: string;
  let common: string[];
  const run = () => join(dir, "wind-run");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-regression-"));
    data = join(dir, "wind");
    await writeSyntheticWindDataset(data, { trainPerClass: 1, testPerClass: 1 });
    common = [...TINY, "--cache", join(dir, "cache")];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("trains with validation and resumes; rows show RMSE and angular error; gemcnn.json is the contract's", {
    timeout: 120_000,
  }, async () => {
    const args = [
      "--task",
      "regression",
      "--data",
      data,
      "--input-fields",
      "pressure:scalar",
      "--target-fields",
      "wind:vector",
      "--features",
      "none",
      ...common,
      "--run-dir",
      run(),
      "--batch-size",
      "3",
    ];
    const io = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "1", "--val-fraction", "0.34"], io)).toBe(0);
    expect(io.err()).toMatch(
      /epoch 1\/1 train loss \d+\.\d+ \| val loss \d+\.\d+ rmse wind [\d.]+ angle wind [\d.]+° \(best\)/,
    );
    expect(io.out()).toMatch(
      /wind \(order 1\): RMSE [\d.]+ \(field RMS [\d.]+\); angular error median [\d.]+°/,
    );
    const spec = JSON.parse(await readFile(join(run(), "model-best", "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      format: "gemcnn-classifier",
      version: 3,
      task: "regression",
      classes: [],
      fields: { input: [{ name: "pressure", kind: "scalar" }], target: [{ name: "wind", kind: "vector" }] },
      target: { fieldType: "1x1", scalarCenter: [], scalarScale: [] },
      preprocess: { features: { kinds: [] } },
      input: { fieldType: "1x0", channels: ["pressure"] },
      selection: { by: "validation", epoch: 1 },
    });
    expect(spec.target.copyScale).toHaveLength(1);
    expect(spec.target.copyScale[0]).toBeGreaterThan(0);
    expect(spec.selection.valAccuracy).toBeUndefined();
    const modelJson = JSON.parse(await readFile(join(run(), "model", "model.json"), "utf8"));
    expect(modelJson.userDefinedMetadata.gemcnn).toMatchObject({
      kind: "regressor",
      config: {
        outputType: "1x1",
        inputFields: { type: "1x0", names: ["pressure"] },
        outputFields: { type: "1x1", names: ["wind"] },
      },
    });
    const resumed = captureIO(dir);
    expect(
      await runCli(["train", ...args, "--epochs", "2", "--val-fraction", "0.34", "--resume"], resumed),
    ).toBe(0);
    const metrics = JSON.parse(await readFile(join(run(), "metrics.json"), "utf8"));
    expect(metrics.epochs).toHaveLength(2);
    expect(metrics.epochs[1]["testRmse.wind"]).toBeGreaterThan(0);
    expect(metrics.epochs[1]["valAngleMedian.wind"]).toBeGreaterThan(0);
    expect(metrics.epochs[1].valAccuracy).toBeUndefined();
  });

  it("eval reports RMSE and angular errors, the same for rotated meshes and fields, and writes JSON", {
    timeout: 120_000,
  }, async () => {
    const model = join(run(), "model");
    const base = ["eval", model, "--data", data, "--workers", "0", "--cache", join(dir, "cache"), "--json"];
    const plain = captureIO(dir);
    expect(await runCli(base, plain)).toBe(0);
    const rotated = captureIO(dir);
    expect(await runCli([...base, "--rotate", "--out", join(dir, "eval")], rotated)).toBe(0);
    const a = JSON.parse(plain.out());
    const b = JSON.parse(rotated.out());
    expect(a).toMatchObject({ task: "regression", part: "test", meshes: 6, vertices: 972 });
    expect(b.rotated).toBe(true);
    const [fa, fb] = [a.fields[0], b.fields[0]];
    expect(fa.name).toBe("wind");
    // float32 network, float64 frames: a rotation changes the output by rounding only (relative 1e-6 or so).
    expect(Math.abs(fa.rmse - fb.rmse)).toBeLessThan(1e-5 * fa.rmse);
    expect(Math.abs(fa.angularError.median - fb.angularError.median)).toBeLessThan(1e-3);
    expect(Math.abs(fa.angularError.mean - fb.angularError.mean)).toBeLessThan(1e-3);
    const written = JSON.parse(await readFile(join(dir, "eval", "regression-eval.json"), "utf8"));
    expect(written.fields[0].rmse).toBe(fb.rmse);
  });

  it("predict writes <name>.fields.json and <name>.ply with wind_pred_x/_y/_z beside the truth, tangent to the sphere", {
    timeout: 60_000,
  }, async () => {
    const mesh = join(data, "test", "cyclone-1000.ply");
    const out = join(dir, "pred");
    const io = captureIO(dir);
    expect(await runCli(["predict", run(), mesh, "--out", out, "--workers", "0", "--no-cache"], io)).toBe(0);
    expect(io.out()).toMatch(/wind RMSE [\d.]+, angular error median [\d.]+°/);
    const fields = JSON.parse(await readFile(join(out, "cyclone-1000.fields.json"), "utf8"));
    expect(Object.keys(fields.columns)).toEqual([
      "pressure",
      "wind_x",
      "wind_y",
      "wind_z",
      "wind_pred_x",
      "wind_pred_y",
      "wind_pred_z",
    ]);
    const sphere = parseMesh(await readFile(mesh), "ply", mesh);
    const n = sphere.positions.length / 3;
    expect(fields.vertices).toBe(n);
    let normal = 0;
    let length = 0;
    for (let v = 0; v < n; v++) {
      const w = [fields.columns.wind_pred_x[v], fields.columns.wind_pred_y[v], fields.columns.wind_pred_z[v]];
      const p = sphere.positions.subarray(3 * v, 3 * v + 3);
      normal = Math.max(normal, Math.abs(w[0] * p[0] + w[1] * p[1] + w[2] * p[2]));
      length = Math.max(length, Math.hypot(w[0], w[1], w[2]));
    }
    expect(length).toBeGreaterThan(0);
    // The unit sphere's vertex normals are its positions to O(edge²): the prediction is tangent.
    expect(normal).toBeLessThan(0.05 * length);
    const ply = parsePlyVertexProperties(await readFile(join(out, "cyclone-1000.ply")), "out.ply");
    expect([...ply.columns.columns.keys()]).toContain("wind_pred_z");
    expect(ply.columns.nVertices).toBe(n);
  });

  it("check: unchanged under gauges, rigid motions and renumberings on a flat mesh and on a curved one", {
    timeout: 60_000,
  }, async () => {
    const flat = await writeFlatGrid(dir);
    const io = captureIO(dir);
    expect(await runCli(["check", join(run(), "model"), flat, "--gauges", "2", "--rotations", "2"], io)).toBe(
      0,
    );
    expect(io.out()).toMatch(/random gauge 2 +relative change of the predicted fields/);
    expect(io.out()).toMatch(/random rigid motion 2 +relative change/);
    expect(io.out()).toMatch(/random relabelling 2 +relative change/);
    expect(io.out()).toMatch(/^equivariant: largest change/m);
    expect(io.out()).toMatch(/field_output +level 0 +1x1 /);
    // On a curved mesh too: a renumbering is a pure gauge change (geometry identifies the tangent
    // planes by all edges of a vertex, not by the one the numbering puts first).
    const sphere = captureIO(dir);
    const mesh = join(data, "test", "jet-1000.ply");
    expect(
      await runCli(
        ["check", join(run(), "model"), mesh, "--gauges", "1", "--rotations", "1", "--no-layers"],
        sphere,
      ),
    ).toBe(0);
    expect(sphere.out()).toMatch(/^equivariant: largest change/m);
  });

  it("experiment --task regression writes the wind to a temporary folder, trains, reports and removes the folder", {
    timeout: 60_000,
  }, async () => {
    const io = captureIO(dir);
    const args = ["experiment", "--task", "regression", "--epochs", "1", "--synthetic-train", "1"];
    expect(
      await runCli([...args, "--synthetic-test", "1", ...common, "--run-dir", join(dir, "exp")], io),
    ).toBe(0);
    expect(io.out()).toMatch(/test: 6 meshes, 972 vertices/);
    expect(io.out()).toMatch(/wind \(order 1\): RMSE [\d.]+ .*angular error median [\d.]+°/);
    const folder = /written to (\S+) \(removed at the end\)/.exec(io.err())?.[1];
    expect(folder).toBeDefined();
    await expect(readdir(folder as string)).rejects.toThrow(/ENOENT/);
    const spec = JSON.parse(await readFile(join(dir, "exp", "model", "gemcnn.json"), "utf8"));
    expect(spec.fields).toEqual({
      input: [{ name: "pressure", kind: "scalar" }],
      target: [{ name: "wind", kind: "vector" }],
    });
  });

  it("refuses bad inputs with one line naming the file", { timeout: 60_000 }, async () => {
    const bad = join(dir, "bad");
    const train = [
      "train",
      "--task",
      "regression",
      "--data",
      bad,
      "--target-fields",
      "wind:vector",
      ...common,
    ];
    const fails = async (args: string[], pattern: RegExp, code = 1) => {
      const io = captureIO(dir);
      expect(await runCli(args, io)).toBe(code);
      // The error is the last line, before a usage error's "Run 'gemcnn … --help'" hint.
      const lines = io
        .err()
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("Run 'gemcnn"));
      expect(lines.at(-1)).toMatch(pattern);
      expect(io.err()).not.toMatch(/\n\s+at /);
    };
    const fresh = async () => {
      await rm(bad, { recursive: true, force: true });
      await cp(data, bad, { recursive: true });
    };
    const file = join(bad, "train", "jet-0.fields.json");

    await fresh();
    await rm(file);
    await fails(
      train,
      /jet-0\.ply, column "wind_x": no such column.* \(no jet-0\.fields\.json or jet-0\.csv beside the mesh\)/,
    );
    const obj = parseMesh(await readFile(join(bad, "train", "jet-0.ply")), "ply", "jet-0.ply");
    await rm(join(bad, "train", "jet-0.ply"));
    await writeFile(join(bad, "train", "jet-0.obj"), writeObj(obj));
    await fails(
      train,
      /jet-0\.obj: no field file beside the mesh \(jet-0\.fields\.json or jet-0\.csv beside the mesh\)/,
    );

    await fresh();
    await fails(
      [...train.slice(0, 6), "gust:vector", ...common],
      /\.fields\.json, column "gust_x": no such column/,
    );

    await fresh();
    const json = JSON.parse(await readFile(file, "utf8"));
    for (const key of Object.keys(json.columns)) json.columns[key] = json.columns[key].slice(1);
    await writeFile(file, JSON.stringify({ ...json, vertices: 161 }));
    await fails(train, /jet-0\.fields\.json: 161 values per column for a mesh of 162 vertices/);

    await fresh();
    const columns = new Map<string, Float64Array>(
      Object.entries(
        JSON.parse(await readFile(join(data, "train", "jet-0.fields.json"), "utf8")).columns,
      ).map(([k, v]) => [k, Float64Array.from(v as number[])]),
    );
    (columns.get("wind_y") as Float64Array)[7] = Number.NaN;
    await rm(file);
    await writeFile(join(bad, "train", "jet-0.csv"), formatVertexFieldsCsv(columns));
    await fails(
      train,
      /jet-0\.csv, line 9, column "wind_y", vertex 7: the value is NaN, not a finite number/,
    );

    await fresh();
    const sphere = parseMesh(await readFile(join(data, "train", "jet-0.ply")), "ply", "jet-0.ply");
    const radial = new Map(columns);
    for (const [k, axis] of [
      ["wind_x", 0],
      ["wind_y", 1],
      ["wind_z", 2],
    ] as const)
      radial.set(
        k,
        Float64Array.from({ length: sphere.positions.length / 3 }, (_, v) => sphere.positions[3 * v + axis]),
      );
    await writeFile(file, formatVertexFieldsJson(radial));
    await fails(train, /jet-0\.fields\.json.*vertex \d+: .*tangent/);

    await fails(
      [...train.slice(0, 6), "wind:arrow"],
      /--target-fields, entry 0 \("wind"\): "kind" must be one of scalar, vector, direction, got "arrow"/,
      2,
    );
    await fails([...train.slice(0, 6), "wind:vector:2"], /a vector has no order/, 2);
    await fails([...train, "--features", "none"], /--features none needs --input-fields/, 2);
    await fails(
      ["train", "--task", "segmentation", "--synthetic", "--target-fields", "wind:vector"],
      /--target-fields is for --task regression/,
      2,
    );
    await fails(["train", "--synthetic", "--features", "none"], /--features none needs --input-fields/, 2);
    await fails(
      ["preprocess", "--synthetic", "--features", "none"],
      /--features none: only a model that reads input fields/,
      2,
    );
  });

  it("a regression model given as another task's is refused naming the directory", {
    timeout: 60_000,
  }, async () => {
    for (const task of ["segmentation", "classification"]) {
      const copy = join(dir, `as-${task}`);
      await cp(join(run(), "model"), copy, { recursive: true });
      const spec = JSON.parse(await readFile(join(copy, "gemcnn.json"), "utf8"));
      const preprocess = { ...spec.preprocess, features: { ...spec.preprocess.features, kinds: ["ones"] } };
      await writeFile(
        join(copy, "gemcnn.json"),
        JSON.stringify({ ...spec, task, classes: ["a", "b"], preprocess }),
      );
      const io = captureIO(dir);
      const code = await runCli(
        ["predict", copy, join(data, "test", "jet-1000.ply"), "--workers", "0", "--no-cache"],
        io,
      );
      expect(code).toBe(1);
      expect(io.err()).toMatch(
        new RegExp(`${copy.replaceAll("/", "\\/")}: the network is a regressor, not a`),
      );
    }
    // Without geometric features and without input fields it is refused before anything is read.
    const copy = join(dir, "as-segmentation");
    const spec = JSON.parse(await readFile(join(copy, "gemcnn.json"), "utf8"));
    const preprocess = { ...spec.preprocess, features: { ...spec.preprocess.features, kinds: [] } };
    await writeFile(join(copy, "gemcnn.json"), JSON.stringify({ ...spec, preprocess, fields: undefined }));
    const io = captureIO(dir);
    expect(await runCli(["eval", copy, "--data", data], io)).toBe(1);
    expect(io.err()).toMatch(
      /gemcnn\.json: a segmentation model without geometric features \(preprocess\.features\.kinds is empty\) and without input fields/,
    );
  });
});

describe("field declarations on the command line", () => {
  it("parses inline lists and JSON files, and names what does not parse", async () => {
    expect(
      await fieldDeclarationsFromOption(
        "target-fields",
        "pressure:scalar, wind:vector,lines:direction:2",
        "/",
      ),
    ).toEqual([
      { name: "pressure", kind: "scalar" },
      { name: "wind", kind: "vector" },
      { name: "lines", kind: "direction", order: 2 },
    ]);
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-decl-"));
    try {
      await mkdir(join(dir, "d"));
      await writeFile(
        join(dir, "d", "f.json"),
        JSON.stringify([{ name: "w", kind: "vector", columns: ["u", "v", "w"] }]),
      );
      expect(await fieldDeclarationsFromOption("input-fields", "d/f.json", dir)).toEqual([
        { name: "w", kind: "vector", columns: ["u", "v", "w"] },
      ]);
      await writeFile(join(dir, "d", "g.json"), "[{");
      await expect(fieldDeclarationsFromOption("input-fields", "d/g.json", dir)).rejects.toThrow(
        /g\.json: not valid JSON/,
      );
      await expect(fieldDeclarationsFromOption("input-fields", "d/none.json", dir)).rejects.toThrow(
        /none\.json/,
      );
      expect(await readdir(join(dir, "d"))).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(fieldDeclarationsFromOption("input-fields", "a:scalar,a:vector", "/")).rejects.toThrow(
      /twice/,
    );
    await expect(fieldDeclarationsFromOption("input-fields", "a", "/")).rejects.toThrow(/"a": no kind/);
    await expect(fieldDeclarationsFromOption("input-fields", "a:direction:x", "/")).rejects.toThrow(
      /whole number/,
    );
  });
});
