import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PreprocessOptions } from "@gemcnn/features";
import { DEFAULT_FEATURE_OPTIONS } from "@gemcnn/features";
import { mulberry32 } from "@gemcnn/geometry";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { radialSurface, randomSphereTriangulation } from "../synthetic/shapes.js";
import { PreprocessCache } from "./cache.js";
import { InlineRunner } from "./pool.js";
import { decodeRecord, encodeRecord } from "./record.js";
import {
  type MeshSource,
  memorySources,
  type PreprocessTask,
  preprocessAll,
  rotatedSources,
  runPreprocessTask,
} from "./run.js";

const options: PreprocessOptions = {
  features: { ...DEFAULT_FEATURE_OPTIONS, hksTimeCount: 1 },
  repair: true,
  largestComponentOnly: true,
};

function sources(count: number): MeshSource[] {
  return memorySources(
    Array.from({ length: count }, (_, i) => ({
      name: `mesh-${i}`,
      mesh: radialSurface(randomSphereTriangulation(60 + 10 * i, 0.3, mulberry32(i)), (x) => 1 + 0.3 * x * x),
    })),
  );
}

/** An inline runner that counts the meshes it really computes. */
function countingRunner() {
  const counter = { calls: 0 };
  const runner = new InlineRunner((task: PreprocessTask) => {
    counter.calls++;
    return runPreprocessTask(task, () => {
      throw new Error("no files in this test");
    });
  });
  return { counter, runner };
}

describe("preprocessAll", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-pre-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("does no geometry work on a second run with the same cache, and returns identical results", async () => {
    const cache = new PreprocessCache(dir);
    const first = countingRunner();
    const a = await preprocessAll(sources(3), { options, cache, runner: first.runner });
    expect(first.counter.calls).toBe(3);
    expect([a.computed, a.cached]).toEqual([3, 0]);
    const second = countingRunner();
    const b = await preprocessAll(sources(3), { options, cache, runner: second.runner });
    expect(second.counter.calls).toBe(0);
    expect([b.computed, b.cached]).toEqual([0, 3]);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(b.meshes[i]!.features)).toEqual(Array.from(a.meshes[i]!.features));
      expect(b.meshes[i]!.fieldType).toBe("6x0+2x1+1x2");
    }
    // Different options miss the cache.
    const third = countingRunner();
    await preprocessAll(sources(3), {
      options: { ...options, features: { ...options.features, hksTimeCount: 2 } },
      cache,
      runner: third.runner,
    });
    expect(third.counter.calls).toBe(3);
  });

  it("computes again, instead of serving, a cache entry whose features are not finite", async () => {
    // An entry from before features were checked where they are computed, or changed on disk.
    const cache = new PreprocessCache(dir);
    const a = await preprocessAll(sources(3), { options, cache, runner: countingRunner().runner });
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".bin"));
    expect(files).toHaveLength(3);
    const poisoned = join(dir, files[1]);
    const record = decodeRecord(await readFile(poisoned));
    const features = (record.arrays.features as Float64Array).slice();
    features[7] = Number.NaN;
    await writeFile(poisoned, encodeRecord({ meta: record.meta, arrays: { ...record.arrays, features } }));
    const second = countingRunner();
    const b = await preprocessAll(sources(3), { options, cache, runner: second.runner });
    expect(second.counter.calls).toBe(1);
    expect([b.computed, b.cached]).toEqual([1, 2]);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(b.meshes[i]!.features)).toEqual(Array.from(a.meshes[i]!.features));
    }
    // The entry was written again with the computed features: the next run reads it.
    const third = countingRunner();
    expect((await preprocessAll(sources(3), { options, cache, runner: third.runner })).cached).toBe(3);
    expect(third.counter.calls).toBe(0);
  });

  it("treats rotated inputs as new cache entries whose features equal the originals'", async () => {
    const cache = new PreprocessCache(dir);
    const plain = await preprocessAll(sources(2), { options, cache, runner: countingRunner().runner });
    const counted = countingRunner();
    const rotated = await preprocessAll(rotatedSources(sources(2), 4), {
      options,
      cache,
      runner: counted.runner,
    });
    expect(counted.counter.calls).toBe(2);
    for (let i = 0; i < 2; i++) {
      const [a, b] = [plain.meshes[i]!.features, rotated.meshes[i]!.features];
      let max = 0;
      for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
      expect(max).toBeLessThan(1e-9);
      // The positions really were turned (centred and scaled alike, so compare directly).
      expect(rotated.meshes[i]!.positions[0]).not.toBeCloseTo(plain.meshes[i]!.positions[0], 3);
    }
  });

  it("skips a bad mesh with its reason and carries on", async () => {
    const good = sources(2);
    const broken: MeshSource = {
      name: "broken",
      read: async () => ({
        kind: "mesh",
        positions: new Float64Array(9),
        triangles: Uint32Array.from([0, 1, 1]),
      }),
    };
    const unreadable: MeshSource = {
      name: "unreadable",
      read: async () => {
        throw new Error("unreadable: permission denied");
      },
    };
    const { runner } = countingRunner();
    const events: string[] = [];
    const run = await preprocessAll([good[0], broken, unreadable, good[1]], {
      options,
      runner,
      onItem: (e) => events.push(`${e.name}:${e.status}`),
    });
    expect(run.meshes.map((m) => m !== undefined)).toEqual([true, false, false, true]);
    expect(run.skipped.map((s) => s.name)).toEqual(["broken", "unreadable"]);
    expect(run.skipped[0].reason).toMatch(/broken: face 0 repeats a vertex/);
    expect(events).toHaveLength(4);
  });

  it("keeps the largest component of a mesh with several, with a note", async () => {
    const a = randomSphereTriangulation(40, 0.3, mulberry32(1));
    const b = randomSphereTriangulation(20, 0.3, mulberry32(2));
    const positions = new Float64Array(a.positions.length + b.positions.length);
    positions.set(a.positions);
    positions.set(
      b.positions.map((x) => x + 5),
      a.positions.length,
    );
    const triangles = Uint32Array.from([...a.triangles, ...Array.from(b.triangles, (v) => v + 40)]);
    const { runner } = countingRunner();
    const run = await preprocessAll(memorySources([{ name: "two", mesh: { positions, triangles } }]), {
      options,
      runner,
    });
    expect(run.meshes[0]!.nVertices).toBe(40);
    expect(run.meshes[0]!.notes[0]).toMatch(/largest of 2 connected components/);
  });
});
