import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { articulatedBodies, writeObj, writePly } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";
import { writeRegistrations, writeSegmentationBodies } from "../per-vertex/bodies.fixture.js";

/** A per-vertex GEM-CNN of a few thousand weights on 410-vertex bodies: seconds per run. */
const TINY = [
  "--blocks",
  "4x0+2x1+2x2,pool:4x0+2x1+2x2",
  "--features",
  "moments,curvature",
  "--workers",
  "0",
];

describe("gemcnn train, eval, predict and check for per-vertex tasks", () => {
  let dir: string;
  let common: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-pervertex-"));
    await writeSegmentationBodies(join(dir, "seg"));
    await writeRegistrations(join(dir, "faust"));
    common = [...TINY, "--cache", join(dir, "cache")];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("segmentation: trains with validation and resumes; eval prints accuracy, IoU, mIoU, the confusion, also rotated", {
    timeout: 240_000,
  }, async () => {
    const run = join(dir, "seg-run");
    const args = [
      "--task",
      "segmentation",
      "--data",
      join(dir, "seg"),
      ...common,
      "--run-dir",
      run,
      "--batch-size",
      "2",
    ];
    const io = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "2", "--val-fraction", "0.34"], io)).toBe(0);
    expect(io.out()).toMatch(/test per-vertex accuracy \d+\.\d\d% \(\d+\/\d+ vertices\), mIoU \d+\.\d\d%/);
    expect(io.out()).toContain("confusion matrix (vertices):");
    expect(io.err()).toContain("validation: 1 meshes");
    const spec = JSON.parse(await readFile(join(run, "model", "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      format: "gemcnn-classifier",
      version: 3,
      task: "segmentation",
      labels: { from: "face" },
    });
    expect(spec.classes).toHaveLength(6);
    expect(await readdir(run)).toEqual(
      expect.arrayContaining(["model", "model-best", "checkpoints", "report.json"]),
    );

    const more = captureIO(dir);
    expect(
      await runCli(["train", ...args, "--epochs", "3", "--val-fraction", "0.34", "--resume"], more),
      more.err(),
    ).toBe(0);
    const metrics = JSON.parse(await readFile(join(run, "metrics.json"), "utf8"));
    expect(metrics.epochs.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2, 3]);

    const evaluated = captureIO(dir);
    expect(
      await runCli(["eval", join(run, "model"), "--data", join(dir, "seg"), ...common.slice(-4)], evaluated),
    ).toBe(0);
    const text = evaluated.out();
    expect(text).toMatch(/^test per-vertex accuracy (\d+\.\d\d)% \((\d+)\/\d+ vertices\), mIoU/);
    for (const part of ["IoU per class:", "confusion matrix (vertices):"]) expect(text).toContain(part);
    const rotated = captureIO(dir);
    expect(
      await runCli(
        ["eval", join(run, "model"), "--data", join(dir, "seg"), "--rotate", ...common.slice(-4)],
        rotated,
      ),
    ).toBe(0);
    const correct = (out: string) => Number(/\((\d+)\/\d+ vertices\)/.exec(out)?.[1]);
    // Intrinsic inputs: a rotated mesh gets the same labels (a vertex whose two best logits tie
    // within float32 rounding may flip).
    expect(Math.abs(correct(rotated.out()) - correct(text))).toBeLessThanOrEqual(1);
    expect(rotated.out()).toContain("(randomly rotated meshes)");
  });

  it("segmentation: predict writes labels per file vertex and a coloured PLY; check passes; bad input is refused", {
    timeout: 240_000,
  }, async () => {
    const model = join(dir, "seg-run", "model");
    const mesh = join(dir, "seg", "test", "body3.obj");
    const io = captureIO(dir);
    expect(await runCli(["predict", model, mesh, "--out", join(dir, "pred"), ...common.slice(-4)], io)).toBe(
      0,
    );
    const labels = (await readFile(join(dir, "pred", "body3.labels.txt"), "utf8")).trim().split("\n");
    const vertices = (await readFile(mesh, "utf8")).split("\n").filter((l) => l.startsWith("v ")).length;
    expect(labels).toHaveLength(vertices);
    expect(labels.every((l) => /^[0-5]$/.test(l))).toBe(true);
    const ply = await readFile(join(dir, "pred", "body3.ply"));
    const header = ply.subarray(0, ply.indexOf("end_header")).toString();
    expect(header).toContain(`element vertex ${vertices}`);
    expect(header).toContain("property uchar red");

    const check = captureIO(dir);
    expect(
      await runCli(["check", model, mesh, "--gauges", "1", "--rotations", "1", "--relabellings", "1"], check),
    ).toBe(0);
    expect(check.out()).toMatch(/random relabelling 1 +relative change of the per-vertex logits/);
    expect(check.out()).toMatch(/^invariant: largest change/m);
    expect(check.out()).toMatch(/unpool0 +level 0/);

    // A classification dataset (classes from folders, no label files) given to a segmentation model.
    const classes = join(dir, "classes");
    const body = articulatedBodies({ shapes: 1, poses: 1, vertices: 410 })[0];
    await cp(join(dir, "seg", "train"), join(classes, "cat", "train"), { recursive: true });
    await writeFile(join(classes, "cat", "train", "extra.obj"), writeObj(body.data));
    const wrong = captureIO(dir);
    expect(await runCli(["eval", model, "--data", classes], wrong)).toBe(1);
    expect(wrong.err()).toMatch(
      /extra\.obj: no label file beside the mesh .*is this a classification dataset\?/,
    );
    const threads = captureIO(dir);
    expect(await runCli(["train", "--task", "segmentation", "--synthetic", "--threads", "2"], threads)).toBe(
      2,
    );
    expect(threads.err()).toContain("--threads 2: per-vertex tasks train on one thread");
    const top = captureIO(dir);
    expect(await runCli(["predict", model, mesh, "--top", "2"], top)).toBe(2);
  });

  it("correspondence: FAUST-like registrations train, eval writes the curve (JSON, SVG), predict labels vertices", {
    timeout: 240_000,
  }, async () => {
    const run = join(dir, "corr-run");
    const args = ["--task", "correspondence", "--data", join(dir, "faust"), ...common, "--run-dir", run];
    const io = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "2", "--embedding", "8"], io)).toBe(0);
    expect(io.out()).toMatch(/test accuracy at geodesic error 0: \d+\.\d\d% \(\d+\/410 vertices\)/);
    expect(io.out()).toMatch(/0\.250 +\d+\.\d\d%/);
    const spec = JSON.parse(await readFile(join(run, "model", "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      version: 3,
      task: "correspondence",
      classes: [],
      template: { file: "template.ply", vertexCount: 410 },
    });
    const template = await readFile(join(run, "model", "template.ply"));
    expect(template.subarray(0, 200).toString()).toContain("element vertex 410\nproperty float x");

    const evaluated = captureIO(dir);
    const out = join(dir, "eval-out");
    expect(
      await runCli(
        ["eval", run, "--data", join(dir, "faust"), "--rotate", "--out", out, ...common.slice(-4)],
        evaluated,
      ),
    ).toBe(0);
    expect(evaluated.out()).toMatch(/^test \(randomly rotated meshes\) accuracy at geodesic error 0/);
    const json = JSON.parse(await readFile(join(out, "correspondence-eval.json"), "utf8"));
    expect(json.correspondence.fraction).toHaveLength(101);
    for (let i = 1; i < 101; i++)
      expect(json.correspondence.fraction[i]).toBeGreaterThanOrEqual(json.correspondence.fraction[i - 1]);
    expect(await readFile(join(out, "geodesic-error.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n?$/);

    const predicted = captureIO(dir);
    const mesh = join(dir, "faust", "tr_reg_004.ply");
    expect(
      await runCli(["predict", run, mesh, "--out", join(dir, "corr-pred"), ...common.slice(-4)], predicted),
    ).toBe(0);
    const labels = (await readFile(join(dir, "corr-pred", "tr_reg_004.labels.txt"), "utf8"))
      .trim()
      .split("\n");
    expect(labels).toHaveLength(410);
    expect(labels.every((l) => Number(l) >= 0 && Number(l) < 410)).toBe(true);
  });

  it("correspondence: refuses a folder whose meshes differ in vertex count, naming the mesh", {
    timeout: 120_000,
  }, async () => {
    const root = join(dir, "mixed");
    await writeRegistrations(root, 3);
    const other = articulatedBodies({ shapes: 1, poses: 1, vertices: 500 })[0];
    await writeFile(join(root, "tr_reg_003.ply"), writePly(other.data));
    const io = captureIO(dir);
    const code = await runCli(
      [
        "train",
        "--task",
        "correspondence",
        "--data",
        root,
        ...common,
        "--run-dir",
        join(dir, "mixed-run"),
        "--epochs",
        "1",
      ],
      io,
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(
      /tr_reg_003\.ply: \d+ vertices, but the template has 410: a correspondence dataset is registrations/,
    );
  });

  it("experiment --task runs the synthetic per-vertex default and its help shows the task defaults", {
    timeout: 240_000,
  }, async () => {
    const help = captureIO(dir);
    expect(await runCli(["experiment", "--help"], help)).toBe(0);
    expect(help.out()).toContain("--task segmentation 60; --task correspondence 10");
    expect(help.out()).toContain("per-vertex tasks moments,curvature,hks");
    const io = captureIO(dir);
    const code = await runCli(
      [
        "experiment",
        "--task",
        "segmentation",
        "--synthetic-train",
        "1",
        "--synthetic-test",
        "1",
        "--epochs",
        "1",
        ...common,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(io.err()).toContain(join(dir, "runs", "experiment-segmentation"));
    expect(io.out()).toMatch(/test per-vertex accuracy \d+\.\d\d% \(\d+\/\d+ vertices\)/);
  });
});
