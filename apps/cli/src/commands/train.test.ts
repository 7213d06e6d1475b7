import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";

const DATA = ["--synthetic", "--synthetic-train", "3", "--synthetic-test", "1", "--workers", "0"];
/** A GEM-CNN of a few hundred weights, so that a run takes seconds. */
const TINY_MODEL = ["--blocks", "4x0+2x1+2x2,pool:4x0+2x1+2x2", "--head", "8"];
const SMALL = [...DATA, "--features", "moments,curvature", ...TINY_MODEL];

describe("gemcnn train, eval and the run directory", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-train-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("trains, writes every artefact, refuses to clobber the run, resumes to more epochs and evaluates", async () => {
    const args = [
      ...SMALL,
      "--cache",
      join(dir, "cache"),
      "--run-dir",
      join(dir, "run"),
      "--batch-size",
      "4",
    ];
    const io = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "3"], io)).toBe(0);
    expect(io.out()).toMatch(/test accuracy \d+\.\d\d% \(\d+\/8\)/);
    expect(io.out()).toContain("confusion matrix:");
    const files = await readdir(join(dir, "run"));
    for (const f of [
      "config.json",
      "metrics.json",
      "metrics.csv",
      "curves",
      "checkpoints",
      "model",
      "report.json",
      "confusion.csv",
    ]) {
      expect(files).toContain(f);
    }
    expect((await readdir(join(dir, "run", "curves"))).sort()).toEqual(["accuracy.svg", "loss.svg"]);
    expect((await readFile(join(dir, "run", "metrics.csv"), "utf8")).trim().split("\n")).toHaveLength(4);

    const again = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "3"], again)).toBe(1);
    expect(again.err()).toContain("already holds a run");

    const more = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "5", "--resume"], more)).toBe(0);
    const metrics = JSON.parse(await readFile(join(dir, "run", "metrics.json"), "utf8"));
    expect(metrics.epochs.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2, 3, 4, 5]);

    const changed = captureIO(dir);
    expect(await runCli(["train", ...args, "--epochs", "6", "--resume", "--seed", "9"], changed)).toBe(2);
    expect(changed.err()).toContain("seed: 0 then, 9 now");

    const evaluated = captureIO(dir);
    expect(
      await runCli(
        ["eval", join(dir, "run", "model"), ...DATA, "--cache", join(dir, "cache"), "--rotate"],
        evaluated,
      ),
    ).toBe(0);
    expect(evaluated.out()).toMatch(/test accuracy .*randomly rotated meshes/);

    const spec = JSON.parse(await readFile(join(dir, "run", "model", "gemcnn.json"), "utf8"));
    expect(spec).toMatchObject({
      format: "gemcnn-classifier",
      version: 3,
      task: "classification",
      kind: "gemcnn",
    });
    expect(spec.input.fieldType).toBe("5x0+2x1+1x2");
    expect((await readdir(join(dir, "run", "model"))).sort()).toEqual([
      "gemcnn.json",
      "model.json",
      "weights.bin",
    ]);

    const torus = fileURLToPath(new URL("../../../../meshes/torus.obj", import.meta.url));
    const checked = captureIO(dir);
    expect(
      await runCli(["check", join(dir, "run", "model"), torus, "--gauges", "2", "--rotations", "2"], checked),
    ).toBe(0);
    expect(checked.out()).toMatch(/random gauge 2 +relative change of the logits \d\.\d\de[+-]\d/);
    expect(checked.out()).toContain("invariant: largest change");
    expect(checked.out()).toMatch(/block1 +level 1 +4x0\+2x1\+2x2 +relative error/);
    expect(checked.out()).toContain("equivariant (layer tolerance 1e-5");

    const predicted = captureIO(dir);
    expect(await runCli(["predict", join(dir, "run", "model"), torus, "--top", "2"], predicted)).toBe(0);
    expect(predicted.out()).toMatch(/torus\.obj: [\w-]+ \d+\.\d%, [\w-]+ \d+\.\d%/);
  }, 60_000);

  it("repeats a run exactly with the same seed", async () => {
    const metricsOf = async (name: string) => {
      const args = [...SMALL, "--cache", join(dir, "cache"), "--run-dir", join(dir, name), "--epochs", "2"];
      expect(await runCli(["train", ...args, "--seed", "5"], captureIO(dir))).toBe(0);
      const rows = JSON.parse(await readFile(join(dir, name, "metrics.json"), "utf8")).epochs;
      return rows.map(({ seconds: _s, ...rest }: Record<string, number>) => rest);
    };
    expect(await metricsOf("seeded-b")).toEqual(await metricsOf("seeded-a"));
  }, 60_000);

  it("trains and evaluates the linear-probe baseline", async () => {
    const args = [...DATA, "--features", "moments,curvature", "--cache", join(dir, "cache")];
    const io = captureIO(dir);
    const run = ["--model", "linear-probe", "--run-dir", join(dir, "probe"), "--epochs", "3"];
    expect(await runCli(["train", ...args, ...run], io)).toBe(0);
    expect(io.out()).toMatch(/test accuracy \d+\.\d\d% \(\d+\/8\) — linear-probe/);
    const evaluated = captureIO(dir);
    expect(
      await runCli(["eval", join(dir, "probe", "model"), ...DATA, "--cache", join(dir, "cache")], evaluated),
    ).toBe(0);
    expect(evaluated.out()).toMatch(/test accuracy/);
  });
});
