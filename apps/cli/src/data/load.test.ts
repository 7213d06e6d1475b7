import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PreprocessOptions } from "@gemcnn/features";
import { DEFAULT_FEATURE_OPTIONS } from "@gemcnn/features";
import { icosphere, MeshError, MeshParseError, writeObj, writeOff, writePly } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreprocessCache } from "../preprocess/cache.js";
import { preprocessAll } from "../preprocess/run.js";
import { preprocessRunner } from "../preprocess/runner.js";
import { readMeshCnnLayout } from "./dataset.js";
import { loadMeshFile } from "./load.js";
import { fileSources } from "./sources.js";

const TETRA_OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n";
const encode = (text: string) => new TextEncoder().encode(text);
const options: PreprocessOptions = {
  features: { ...DEFAULT_FEATURE_OPTIONS, hksTimeCount: 1 },
  repair: true,
  largestComponentOnly: true,
};

describe("loadMeshFile", () => {
  it("returns a valid mesh unchanged and without notes", () => {
    const notes: string[] = [];
    const data = loadMeshFile(encode(TETRA_OBJ), "tetra.obj", { repair: true }, notes);
    expect(data.positions.length).toBe(12);
    expect(notes).toEqual([]);
  });

  it("repairs a flipped face, a degenerate face and an unused vertex, logging each", () => {
    const broken = `${TETRA_OBJ.replace("f 1 4 3", "f 1 3 4")}v 5 5 5\nf 1 1 2\n`;
    const notes: string[] = [];
    const data = loadMeshFile(encode(broken), "broken.obj", { repair: true }, notes);
    expect(data.triangles.length).toBe(12);
    expect(data.positions.length).toBe(12);
    expect(notes.length).toBeGreaterThanOrEqual(3);
    for (const n of notes) expect(n).toMatch(/^repaired: /);
    expect(() => loadMeshFile(encode(broken), "broken.obj", { repair: false }, [])).toThrow(MeshError);
  });

  it("rejects what cannot be repaired, naming the file", () => {
    // Three faces on edge (1, 2): non-manifold, rejected without repair; repair detaches the fin.
    const fin = `${TETRA_OBJ}v 1 1 1\nf 1 2 5\n`;
    expect(() => loadMeshFile(encode(fin), "fin.obj", { repair: false }, [])).toThrow(/fin\.obj: .*edge/);
    const finNotes: string[] = [];
    expect(loadMeshFile(encode(fin), "fin.obj", { repair: true }, finNotes).triangles.length).toBe(15);
    expect(finNotes.join("\n")).toMatch(/repaired: split 1 non-manifold edge/);
    expect(() => loadMeshFile(encode("v 0 0\nf 1 2 3\n"), "bad.obj", { repair: true }, [])).toThrow(
      MeshParseError,
    );
    expect(() => loadMeshFile(encode(TETRA_OBJ), "mesh.stl", { repair: true }, [])).toThrow(
      /unsupported mesh file extension/,
    );
  });
});

describe("preprocessing a dataset on disk with workers", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "gemcnn-load-"));
    const sphere = icosphere(1);
    const files: Record<string, string | Uint8Array> = {
      "round/train/a.obj": writeObj(sphere),
      "round/train/b.off": writeOff(icosphere(2)),
      "round/test/c.ply": writePly(sphere),
      "round/test/garbage.obj": "this is not a mesh\n",
      "tetra/train/t.obj": TETRA_OBJ,
      "tetra/test/fin.obj": `${TETRA_OBJ}v 1 1 1\nf 1 2 5\n`,
      // Nothing left once its only face (of zero area) is dropped.
      "tetra/test/flat.obj": "v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n",
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), content);
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reads all three formats, skips bad files with their reasons, and agrees with the inline runner", async () => {
    const data = await readMeshCnnLayout(root);
    const samples = [...data.train, ...data.test];
    const pool = preprocessRunner(2);
    try {
      const cache = new PreprocessCache(join(root, ".cache"));
      const run = await preprocessAll(fileSources(samples), { options, runner: pool, cache });
      expect(run.skipped.map((s) => s.name).sort()).toEqual([
        "round/test/garbage.obj",
        "tetra/test/flat.obj",
      ]);
      expect(run.skipped.find((s) => s.name.includes("garbage"))?.reason).toMatch(
        /garbage\.obj: not an OBJ file: it has no vertex \('v'\) records, and its first line starts with 'this'/,
      );
      expect(run.skipped.find((s) => s.name.includes("flat"))?.reason).toMatch(
        /flat\.obj: no face is left after repair: 1 face was dropped/,
      );
      // The non-manifold fin is repaired now, not skipped.
      expect(run.meshes.find((m) => m?.name.includes("fin"))?.notes.join("\n")).toMatch(
        /repaired: split 1 non-manifold edge/,
      );
      expect(run.computed).toBe(5);
      const inline = await preprocessAll(fileSources(samples), { options, runner: preprocessRunner(0) });
      for (let i = 0; i < samples.length; i++) {
        const [a, b] = [run.meshes[i], inline.meshes[i]];
        expect(a === undefined).toBe(b === undefined);
        if (a && b) expect(Array.from(a.features)).toEqual(Array.from(b.features));
      }
    } finally {
      await pool.close();
    }
  });
});
