import { cpus, loadavg } from "node:os";
import { computeFeatures, type FeatureKind, prepareMesh } from "@gemcnn/features";
import { type Command, integerOption, stringOption } from "../cli/command.js";
import { EXIT, UsageError } from "../cli/errors.js";
import { loadMeshFile } from "../data/load.js";
import { preprocessAll } from "../preprocess/run.js";
import { preprocessRunner } from "../preprocess/runner.js";
import { DATA_OPTIONS, datasetFromArgs, PREPROCESS_OPTIONS, preprocessingFromArgs } from "./shared.js";

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `gemcnn bench`: preprocessing cost per mesh and stage, and the speed-up of the worker pool. */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure preprocessing per mesh and stage, and the worker-pool speed-up",
  description:
    "Times, on this thread, each preprocessing stage per mesh (parse and repair, normalisation and\n" +
    "frames, moments, curvature, heat kernel; median over meshes and repeats), then the whole\n" +
    "pipeline over the same meshes with 0 (this thread), 1, 2… workers and no cache, and prints\n" +
    "the speed-ups measured side by side. Prints the date, machine and load for the record.",
  positionals: [],
  options: {
    ...DATA_OPTIONS,
    ...PREPROCESS_OPTIONS,
    limit: {
      type: "string",
      valueName: "<n>",
      description: "meshes to use (spread over the dataset)",
      defaultText: "60",
    },
    repeats: {
      type: "string",
      valueName: "<n>",
      description: "repeats of each measurement (the median is reported)",
      defaultText: "3",
    },
    "worker-counts": {
      type: "string",
      valueName: "<list>",
      description: "worker counts to compare",
      defaultText: "0,1,2",
    },
  },
  examples: [
    {
      command: "gemcnn bench --data ../shared/datasets/shrec_16",
      description: "SHREC meshes (about 250 vertices)",
    },
    {
      command: "gemcnn bench --synthetic --limit 40 --features moments,curvature",
      description: "synthetic meshes, no heat kernel",
    },
  ],
  async run(args, io) {
    const sources = await datasetFromArgs(args, io);
    const setup = preprocessingFromArgs(args, io);
    const limit = integerOption(args, "limit", 60, { min: 1 });
    const repeats = integerOption(args, "repeats", 3, { min: 1 });
    const workerCounts = (stringOption(args, "worker-counts") ?? "0,1,2")
      .split(",")
      .map((w) => Number(w.trim()));
    if (workerCounts.some((w) => !Number.isInteger(w) || w < 0)) {
      throw new UsageError("option --worker-counts expects non-negative integers, e.g. 0,1,2");
    }
    const all = [...sources.train, ...sources.val, ...sources.test];
    const step = Math.max(1, Math.floor(all.length / limit));
    const chosen = all
      .filter((_, i) => i % step === 0)
      .slice(0, limit)
      .map((s) => s.source);
    const inputs = await Promise.all(chosen.map((s) => s.read()));
    const out = (line: string) => io.stdout.write(`${line}\n`);
    const cpu = cpus();
    out(
      `date ${new Date().toISOString()}; node ${process.version}; ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    out(
      `dataset ${sources.description}; ${chosen.length} meshes; features ${setup.options.features.kinds.join(",")}; ${repeats} repeats`,
    );

    const stages: Record<string, number[]> = { "parse+repair": [], "normalise+frames": [] };
    for (const k of setup.options.features.kinds) stages[k] = [];
    let vertices = 0;
    for (let r = 0; r < repeats; r++) {
      for (const [i, input] of inputs.entries()) {
        let t = performance.now();
        const data =
          input.kind === "file"
            ? loadMeshFile(input.bytes, input.fileName, setup.options, [])
            : { positions: input.positions, triangles: input.triangles };
        stages["parse+repair"].push(performance.now() - t);
        t = performance.now();
        const prepared = prepareMesh(data, chosen[i].name);
        stages["normalise+frames"].push(performance.now() - t);
        if (r === 0) vertices += prepared.geometry.nVertices;
        for (const k of setup.options.features.kinds) {
          t = performance.now();
          computeFeatures(prepared, { ...setup.options.features, kinds: [k as FeatureKind] });
          stages[k].push(performance.now() - t);
        }
      }
    }
    out(`mean vertex count ${(vertices / inputs.length).toFixed(0)}`);
    out("stage (this thread)    median ms per mesh");
    let total = 0;
    for (const [name, times] of Object.entries(stages)) {
      total += median(times);
      out(`  ${name.padEnd(20)} ${median(times).toFixed(2)}`);
    }
    out(`  ${"sum".padEnd(20)} ${total.toFixed(2)}`);

    out("whole pipeline, no cache   median s   ms/mesh   speed-up vs 0 workers");
    let reference: number | undefined;
    for (const workers of workerCounts) {
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const runner = preprocessRunner(workers);
        try {
          // Every runner warms up first (worker start, module loading, JIT) on a few meshes, as it
          // would early in a real run of hundreds; the timed pass is the steady state.
          await preprocessAll(chosen.slice(0, Math.max(4, 4 * workers)), { options: setup.options, runner });
          const t = performance.now();
          await preprocessAll(chosen, { options: setup.options, runner });
          times.push((performance.now() - t) / 1000);
        } finally {
          await runner.close();
        }
      }
      const m = median(times);
      reference ??= m;
      out(
        `  ${String(workers).padStart(2)} worker(s)             ${m.toFixed(2).padStart(8)}   ${((1000 * m) / chosen.length).toFixed(1).padStart(7)}   ${(reference / m).toFixed(2)}×`,
      );
    }
    return EXIT.success;
  },
};
