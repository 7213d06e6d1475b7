import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";
import { sanitizeRunName } from "./train.js";

const DATA = ["--synthetic", "--synthetic-train", "3", "--synthetic-test", "1", "--workers", "0"];
/** A GEM-CNN of a few hundred weights, so that a run takes seconds. */
const TINY_MODEL = ["--blocks", "4x0+2x1+2x2,pool:4x0+2x1+2x2", "--head", "8"];
const SMALL = [...DATA, "--features", "moments,curvature", ...TINY_MODEL];
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Every file below `dir` with its size and modification time, to show that nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out[path] = `${info.size}:${info.mtimeMs}`;
  }
  return out;
}

describe("gemcnn train: faults a user meets", () => {
  let dir: string;
  let cache: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-faults-"));
    cache = join(dir, "cache");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const train = async (runDir: string, more: string[] = []) => {
    const io = captureIO(dir);
    const code = await runCli(["train", ...SMALL, "--cache", cache, "--run-dir", runDir, ...more], io);
    return { code, out: io.out(), err: io.err() };
  };

  it("names a run directory that cannot be created, in one line (a file in the way: ENOTDIR)", async () => {
    await writeFile(join(dir, "a-file"), "x");
    const runDir = join(dir, "a-file", "runs", "r");
    const { code, err } = await train(runDir, ["--epochs", "1"]);
    expect(code).toBe(1);
    expect(err).toBe(
      `gemcnn train: error: cannot create the run directory ${runDir}: a part of the path is not a directory (ENOTDIR)\n`,
    );
  });

  it("warns once about a cache that cannot be written and trains without it", async () => {
    await writeFile(join(dir, "not-a-dir"), "x");
    const io = captureIO(dir);
    const badCache = join(dir, "not-a-dir", "cache");
    const code = await runCli(
      [
        "train",
        ...DATA,
        "--features",
        "moments",
        "--model",
        "linear-probe",
        "--epochs",
        "2",
        "--cache",
        badCache,
        "--run-dir",
        join(dir, "nocache"),
      ],
      io,
    );
    expect(code).toBe(0);
    const warnings = io
      .err()
      .split("\n")
      .filter((l) => l.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^warning: cannot (read|write) the preprocessing cache ${badCache}.*\\(ENOTDIR\\); going on without caching$`,
      ),
    );
    expect(io.err()).toContain("0 from the cache, 32 computed");
    expect(io.out()).toMatch(/test accuracy/);
  }, 30_000);

  it("names a truncated checkpoint file, says --resume cannot continue, and writes nothing", async () => {
    const finished = join(dir, "finished");
    expect((await train(finished, ["--epochs", "2"])).code).toBe(0);
    const checkpoint = join("checkpoints", "epoch-0002");
    for (const [file, problem] of [
      [join("checkpoints", "latest.json"), "corrupt or truncated"],
      [join(checkpoint, "state.json"), "corrupt or truncated"],
      [join(checkpoint, "model", "weights.bin"), "holds 3640 bytes, but model.json describes 7280"],
      [join(checkpoint, "optimizer.bin"), "corrupt or truncated"],
      ["metrics.json", "corrupt or truncated"],
    ]) {
      const runDir = join(dir, "corrupt");
      await rm(runDir, { recursive: true, force: true });
      await cp(finished, runDir, { recursive: true });
      const path = join(runDir, file);
      await truncate(path, Math.floor((await stat(path)).size / 2));
      const before = await snapshot(runDir);
      const { code, err } = await train(runDir, ["--epochs", "3", "--resume"]);
      expect(code).toBe(1);
      const line = err.split("\n").find((l) => l.startsWith("gemcnn train: error:"));
      expect(line).toContain(path);
      expect(line).toContain(problem);
      expect(line).toContain("--resume cannot continue the run from it, and nothing was written over it");
      expect(err).not.toContain("unexpected error");
      expect(await snapshot(runDir)).toEqual(before);
    }
  }, 60_000);

  it("refuses --resume --epochs below what a finished run has trained, and changes nothing", async () => {
    const runDir = join(dir, "finished");
    const before = await snapshot(runDir);
    const { code, err } = await train(runDir, ["--epochs", "1", "--resume"]);
    expect(code).toBe(1);
    expect(err).toContain(
      `--resume --epochs 1: ${runDir} has already trained 2 epochs, more than 1; nothing was changed`,
    );
    expect(await snapshot(runDir)).toEqual(before);
  });

  it("stops on a NaN loss naming the epoch, the batch and its meshes, without saving", async () => {
    const runDir = join(dir, "nan");
    const { code, err } = await train(runDir, ["--epochs", "2", "--lr", "1e38", "--schedule", "constant"]);
    expect(code).toBe(1);
    expect(err).toMatch(
      /gemcnn train: error: the training loss is NaN at epoch 1, batch \d\/3 \(meshes [\w/-]+-\d(, [\w/-]+-\d)*\); training stopped and saved nothing/,
    );
    expect(await readdir(runDir)).toEqual(["config.json"]);
  }, 60_000);

  it("derives a usable run name from a data path with spaces and other characters", async () => {
    expect(sanitizeRunName("my data (v2)")).toBe("my-data-v2");
    expect(sanitizeRunName("données-été")).toBe("donnees-ete");
    expect(sanitizeRunName("..//..")).toBe("run");
    const data = join(dir, "my data (v2)");
    expect(await runCli(["generate", data, "--train", "2", "--test", "1"], captureIO(dir))).toBe(0);
    const io = captureIO(dir);
    const code = await runCli(
      [
        "train",
        "--data",
        "my data (v2)",
        "--model",
        "linear-probe",
        "--epochs",
        "1",
        "--workers",
        "0",
        "--features",
        "moments",
        "--cache",
        cache,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(await readdir(join(dir, "runs"))).toEqual(["my-data-v2"]);
    // A name given with --name is the user's: still refused when unusable.
    expect(await runCli(["train", "--data", data, "--name", "a b"], captureIO(dir))).toBe(2);
  });

  it("stops a `pnpm gemcnn train` after the current batch on Ctrl-C to its process group, and --resume ends bit-identical", async () => {
    const args = [...SMALL, "--cache", cache, "--batch-size", "1", "--schedule", "constant"];
    const interrupted = join(dir, "sigint");
    // As in a terminal: pnpm, its shell and node form one process group, and Ctrl-C reaches all.
    const child = spawn("pnpm", ["gemcnn", "train", ...args, "--epochs", "1000", "--run-dir", interrupted], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let signalled = false;
    try {
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
        child.on("error", reject);
        child.stderr.on("data", (chunk) => {
          stderr += chunk;
          if (!signalled && /epoch +2\/1000 /.test(stderr)) {
            signalled = true;
            process.kill(-(child.pid as number), "SIGINT");
          }
        });
        child.on("exit", (code, signal) => resolve({ code, signal }));
      });
      // pnpm passes node's 130 on as its own death by SIGINT: a shell shows 130 for both.
      expect(exit.code === 130 || exit.signal === "SIGINT").toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(-(child.pid as number), "SIGKILL");
    }
    expect(stderr).toContain("Ctrl-C: stopping after this batch and saving a checkpoint");
    expect(stderr).toMatch(/interrupted: saved a checkpoint (at epoch \d+, batch \d+\/24|after epoch \d+)/);
    expect(stderr).toContain("continue with the same command and --resume");
    const pointer = JSON.parse(await readFile(join(interrupted, "checkpoints", "latest.json"), "utf8"));
    const state = JSON.parse(
      await readFile(join(interrupted, "checkpoints", pointer.checkpoint, "state.json"), "utf8"),
    );
    expect(state.epoch).toBeGreaterThanOrEqual(2);
    const epochs = String(state.epoch + 1);

    const resume = captureIO(dir);
    expect(
      await runCli(["train", ...args, "--epochs", epochs, "--run-dir", interrupted, "--resume"], resume),
    ).toBe(0);
    const straight = join(dir, "straight");
    expect(await runCli(["train", ...args, "--epochs", epochs, "--run-dir", straight], captureIO(dir))).toBe(
      0,
    );
    const weights = (runDir: string) => readFile(join(runDir, "model", "weights.bin"));
    expect(Buffer.compare(await weights(interrupted), await weights(straight))).toBe(0);
    const metrics = async (runDir: string) =>
      JSON.parse(await readFile(join(runDir, "metrics.json"), "utf8")).epochs.map(
        ({ seconds: _s, ...rest }: Record<string, number>) => rest,
      );
    expect(await metrics(interrupted)).toEqual(await metrics(straight));
  }, 90_000);
});

it("never leaves a half-made run directory for a usage error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gemcnn-faults-usage-"));
  try {
    await mkdir(join(dir, "runs"));
    const io = captureIO(dir);
    expect(await runCli(["train", ...DATA, "--patience", "3", "--run-dir", join(dir, "runs", "p")], io)).toBe(
      2,
    );
    expect(io.err()).toContain("--patience needs a validation set");
    expect(await readdir(join(dir, "runs"))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
