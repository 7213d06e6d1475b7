import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";

const DATA = ["--synthetic", "--synthetic-train", "3", "--synthetic-test", "1", "--workers", "0"];
const VAL = ["--val-fraction", "0.34", "--val-seed", "2"];
const TINY = ["--features", "moments,curvature", "--blocks", "4x0+2x1+2x2", "--head", "8"];

describe("gemcnn train with a validation set, eval --checkpoint, predict's warnings", () => {
  let dir: string;
  let runDir: string;
  let cache: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-val-"));
    runDir = join(dir, "run");
    cache = join(dir, "cache");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds a third of each class out, reports validation every epoch and keeps the best epoch's model", async () => {
    const io = captureIO(dir);
    const args = ["train", ...DATA, ...VAL, ...TINY, "--epochs", "4", "--cache", cache, "--run-dir", runDir];
    expect(await runCli(args, io)).toBe(0);
    expect(io.err()).toContain("validation: 8 meshes, 0.34 of every class's training meshes (seed 2)");
    const rows = JSON.parse(await readFile(join(runDir, "metrics.json"), "utf8")).epochs;
    expect(rows).toHaveLength(4);
    for (const row of rows)
      expect(Object.keys(row)).toEqual(expect.arrayContaining(["valLoss", "valAccuracy"]));
    const report = JSON.parse(await readFile(join(runDir, "report.json"), "utf8"));
    const bestRow = rows.reduce((a: (typeof rows)[0], b: (typeof rows)[0]) =>
      b.valAccuracy > a.valAccuracy || (b.valAccuracy === a.valAccuracy && b.valLoss < a.valLoss) ? b : a,
    );
    expect(report).toMatchObject({ selected: "best", best: { epoch: bestRow.epoch }, last: { epoch: 4 } });
    expect(report.testAccuracy).toBe(report.best.testAccuracy);
    expect(io.out()).toContain(`— epoch ${bestRow.epoch}, chosen by validation accuracy`);
    const bestSpec = JSON.parse(await readFile(join(runDir, "model-best", "gemcnn.json"), "utf8"));
    expect(bestSpec.selection).toEqual({
      by: "validation",
      epoch: bestRow.epoch,
      valAccuracy: bestRow.valAccuracy,
      valLoss: bestRow.valLoss,
    });
    expect(await readFile(join(runDir, "curves", "accuracy.svg"), "utf8")).toContain(">validation</text>");

    // The best model, evaluated on the same held-out meshes, gives the figure that chose it.
    const evaluated = captureIO(dir);
    expect(
      await runCli(["eval", runDir, ...DATA, ...VAL, "--part", "val", "--cache", cache, "--json"], evaluated),
    ).toBe(0);
    expect(evaluated.err()).toContain(
      `model: ${join("run", "model-best")} (epoch ${bestRow.epoch}, the best by validation`,
    );
    expect(JSON.parse(evaluated.out()).accuracy).toBe(bestRow.valAccuracy);
  }, 60_000);

  it("eval --checkpoint chooses the last or the best model of a run", async () => {
    const last = captureIO(dir);
    expect(
      await runCli(["eval", runDir, "--checkpoint", "last", ...DATA, "--cache", cache, "--json"], last),
    ).toBe(0);
    expect(last.err()).toContain(`model: ${join("run", "model")} (the last epoch, 4;`);
    const report = JSON.parse(await readFile(join(runDir, "report.json"), "utf8"));
    expect(JSON.parse(last.out()).accuracy).toBe(report.last.testAccuracy);
    const best = captureIO(dir);
    expect(
      await runCli(
        ["eval", join(runDir, "model"), "--checkpoint", "best", ...DATA, "--cache", cache, "--json"],
        best,
      ),
    ).toBe(0);
    expect(JSON.parse(best.out()).model).toBe(join(runDir, "model-best"));
    expect(JSON.parse(best.out()).accuracy).toBe(report.best.testAccuracy);
  }, 30_000);

  it("refuses a second validation set, and --patience without one", async () => {
    const io = captureIO(dir);
    expect(await runCli(["train", ...DATA, "--patience", "2", "--run-dir", join(dir, "p")], io)).toBe(2);
    expect(io.err()).toContain("--patience needs a validation set");
    const root = join(dir, "layout");
    await runCli(["generate", root, "--train", "2", "--test", "1"], captureIO(dir));
    const split = join(dir, "split.json");
    await writeFile(
      split,
      JSON.stringify({ sphere: { train: ["train/sphere-0.obj"], val: ["train/sphere-1.obj"] } }),
    );
    const both = captureIO(dir);
    expect(
      await runCli(["train", "--data", root, "--split", split, ...VAL, "--run-dir", join(dir, "q")], both),
    ).toBe(2);
    expect(both.err()).toContain(
      `--val-fraction: the dataset already has validation meshes (the split file's "val" lists)`,
    );
  }, 30_000);

  it("predict warns about a mesh far outside the training data, and exits 3 when a mesh was skipped", async () => {
    const grid = fileURLToPath(new URL("../../../../meshes/grid.obj", import.meta.url));
    const inside = join(dir, "layout", "torus", "test", "torus-2.obj");
    const missing = join(dir, "missing.obj");
    const io = captureIO(dir);
    expect(await runCli(["predict", runDir, grid, inside, missing, "--cache", cache, "--json"], io)).toBe(3);
    const { predictions, skipped, trainingSet } = JSON.parse(io.out());
    expect(skipped.map((s: { name: string }) => s.name)).toEqual([missing]);
    const [far, near] = predictions;
    expect(far.mesh).toBe(grid);
    expect(far.outsideTrainingData).toBe(true);
    expect(far.distance).toBeGreaterThan(trainingSet.maxDistance);
    expect(near.outsideTrainingData).toBe(false);
    expect(near.entropy).toBeGreaterThanOrEqual(0);
    expect(io.err()).toContain(`warning: ${grid}: far outside the training data`);
    expect(io.err()).not.toContain(`warning: ${inside}`);
    const none = captureIO(dir);
    expect(await runCli(["predict", runDir, missing, "--cache", cache], none)).toBe(1);
    expect(await readdir(runDir)).toContain("model-best");
  }, 30_000);
});
