import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ambientToFrameCoefficients,
  applyRigidMotion,
  MeshGeometry,
  moveMesh,
  randomGauge,
  randomRigidMotion,
  rotateFrames,
  sphericalWindSample,
  type TangentFrames,
  tangentFrames,
  WIND_CLASSES,
} from "@gemcnn/geometry";
import type * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseSphericalExperimentArgs,
  runSphericalExperiment,
  type SphericalExperimentRun,
  sphericalExperimentMain,
} from "../examples/spherical-experiment.js";
import { meshOptionsOf } from "./models/builders.js";
import { applyToMeshes } from "./models/run.js";
import { batchMeshes } from "./multiscale/batch.js";
import { buildMeshHierarchy } from "./multiscale/hierarchy.js";

// A tiny run: level-2 spheres (162 vertices), 8 training and 4 test samples per class, 12 epochs
// of each model; about 10 s on a loaded 2-core machine.
const TINY = { seed: 3, level: 2, samples: 8, testSamples: 4, epochs: 12, batchSize: 8, learningRate: 0.01 };

describe("the spherical wind experiment, tiny", { timeout: 120_000 }, () => {
  let run: SphericalExperimentRun;
  beforeAll(async () => {
    run = await runSphericalExperiment(TINY);
  }, 120_000);
  afterAll(() => {
    for (const m of run?.models ?? []) m.model.dispose();
  });

  it("the wind model tells the sense of rotation; the speed-only control cannot", () => {
    const [wind, speed] = run.result.results;
    expect([wind.input, speed.input]).toEqual(["wind", "speed"]);
    expect(run.result.testSamples).toBe(4 * WIND_CLASSES.length);
    // A cyclone and the anticyclone of the same seed have equal speeds at every vertex, so the
    // control's logits, hence its predictions, are equal for the two: its two rows of each
    // mirrored pair are the same, whatever its weights, and it is right on at most half.
    for (const pair of speed.test.sensePairs) {
      expect(pair.counts[1]).toEqual(pair.counts[0]);
      if (!Number.isNaN(pair.senseAccuracy)) expect(pair.senseAccuracy).toBe(0.5);
    }
    // The equivariant model, after the same short training, gets the sense right on both pairs.
    const [single, double] = wind.test.sensePairs;
    // (After 12 short epochs it still puts some of them in other classes; at least half of each
    // pair's 8 test samples are inside the pair with the right sense.)
    for (const pair of [single, double]) {
      expect(pair.senseAccuracy).toBeGreaterThanOrEqual(0.75);
      expect(pair.counts[0][0] + pair.counts[1][1]).toBeGreaterThanOrEqual(4);
    }
    expect(wind.test.accuracy).toBeGreaterThan(speed.test.accuracy);
    expect(wind.losses.at(-1)!).toBeLessThan(0.5 * wind.losses[0]);
  });

  it("accuracy on spheres rotated again equals the test accuracy; the measured invariance is float32 rounding", () => {
    for (const r of run.result.results) {
      expect(r.rotatedTest.confusion).toEqual(r.test.confusion);
      expect(r.invariance.gauge).toBeLessThan(1e-5);
      expect(r.invariance.rotation).toBeLessThan(1e-5);
    }
  });

  // The trained wind model on a new sample: re-expressing the wind in turned frames (with the graph
  // of those frames), or rotating the whole sphere with its wind, leaves the logits unchanged; the
  // same changes applied to the mesh but not to the input (the negative controls) change them.
  it("the trained wind model is gauge invariant and rotation invariant; inputs not transformed are caught", () => {
    const model = run.models[0].model;
    const sample = sphericalWindSample("cyclone-pair", 12345, { level: 2 });
    const geometry = MeshGeometry.fromData(sample.mesh);
    const frames = tangentFrames(geometry);
    const logits = (g: MeshGeometry, f: TangentFrames, wind: Float64Array, m: tf.LayersModel = model) => {
      const batch = batchMeshes([buildMeshHierarchy(g, { ...meshOptionsOf(m), frames: f })]);
      const x = ambientToFrameCoefficients(f, wind).coefficients;
      const out = applyToMeshes(m, batch, [x]);
      const row = Array.from(out.dataSync());
      out.dispose();
      return row;
    };
    const before = logits(geometry, frames, sample.wind);
    const scale = Math.max(...before.map(Math.abs));
    const change = (after: number[]) => Math.max(...after.map((x, i) => Math.abs(x - before[i]))) / scale;

    const turned = rotateFrames(frames, randomGauge(geometry.nVertices, 7));
    expect(change(logits(geometry, turned, sample.wind))).toBeLessThan(1e-5);
    // Negative control: the coefficients of the old frames read as if they were in the turned ones.
    const stale = ambientToFrameCoefficients(frames, sample.wind).coefficients;
    const batch = batchMeshes([buildMeshHierarchy(geometry, { ...meshOptionsOf(model), frames: turned })]);
    const wrong = Array.from(applyToMeshes(model, batch, [stale]).dataSync());
    expect(change(wrong)).toBeGreaterThan(1e-2);

    const motion = { rotation: randomRigidMotion(11).rotation, translation: new Float64Array(3) };
    const moved = moveMesh(geometry, motion);
    const movedFrames = tangentFrames(moved);
    expect(change(logits(moved, movedFrames, applyRigidMotion(sample.wind, motion)))).toBeLessThan(1e-5);
    // Negative control: the sphere rotated but its wind left as it was.
    expect(change(logits(moved, movedFrames, sample.wind))).toBeGreaterThan(1e-2);
  });
});

describe("the experiment:spherical command", () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { log: (l: string) => out.push(l), error: (l: string) => err.push(l) } };
  };

  it("writes the same JSON for the same seed, and prints the table", { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "spherical-"));
    try {
      const args = ["--level", "1", "--samples", "1", "--test-samples", "1", "--epochs", "1", "--seed", "5"];
      const texts: string[] = [];
      for (const name of ["a.json", "b.json"]) {
        const c = capture();
        expect(await sphericalExperimentMain([...args, "--out", join(dir, name)], c.io)).toBe(0);
        expect(c.err).toEqual([]);
        expect(c.out.join("\n")).toMatch(/^\| wind \(1x1\) +\| \d+ +\| \d+\.\d\d% \(\d+\/6\)/m);
        texts.push(await readFile(join(dir, name), "utf8"));
      }
      // Everything but the timings is equal, bit for bit.
      const strip = (text: string) =>
        JSON.stringify(JSON.parse(text), (key, value) =>
          key.endsWith("Seconds") || key === "seconds" ? undefined : value,
        );
      expect(strip(texts[1])).toBe(strip(texts[0]));
      const result = JSON.parse(texts[0]);
      expect(result.options).toMatchObject({ level: 1, samples: 1, testSamples: 1, epochs: 1, seed: 5 });
      expect(result.vertices).toBe(42);
      expect(result.results[0].losses).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses bad options in one line naming the option, before any training", async () => {
    for (const [args, message] of [
      [["--level", "9"], "--level must be a whole number from 1 to 6, got 9"],
      [["--epochs", "two"], '--epochs must be a number, got "two"'],
      [["--samples", "0"], "--samples must be a whole number from 1 to 100000, got 0"],
      [["--learning-rate=-1"], "--learning-rate must be a number in (0, 1], got -1"],
      [["--noise", "-1"], "Option '--noise' argument is ambiguous. Did you forget"],
      [["--bogus"], "Unknown option '--bogus'"],
      [["--out", ""], "--out needs a file path"],
    ] as const) {
      const c = capture();
      expect(await sphericalExperimentMain(args, c.io)).toBe(2);
      expect(c.err).toHaveLength(1);
      expect(c.err[0]).toContain(message);
      expect(c.err[0]).not.toContain("\n");
      expect(c.out).toEqual([]);
    }
    expect(parseSphericalExperimentArgs(["--", "--seed", "2"]).options.seed).toBe(2);
  });

  it("a result file that cannot be written is one line naming it, before any training", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spherical-"));
    try {
      const c = capture();
      // A path under a regular file: the directory cannot be made.
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(dir, "file"), "x");
      const out = join(dir, "file", "result.json");
      const args = ["--level", "1", "--samples", "1", "--test-samples", "1", "--epochs", "1", "--out", out];
      expect(await sphericalExperimentMain(args, c.io)).toBe(1);
      expect(c.err).toHaveLength(1);
      expect(c.err[0]).toContain(`cannot write ${out}`);
      expect(c.out).toEqual([]);
      const folder = capture();
      expect(await sphericalExperimentMain([...args.slice(0, -1), dir], folder.io)).toBe(1);
      expect(folder.err).toEqual([`experiment:spherical: cannot write ${dir}: it is a folder`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
