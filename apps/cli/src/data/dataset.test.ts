import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compareNatural, DatasetError, datasetSummary, readMeshCnnLayout, readSplitFile } from "./dataset.js";

const TETRA = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n";

async function makeLayout(root: string, layout: Record<string, Record<string, string[]>>): Promise<void> {
  for (const [cls, parts] of Object.entries(layout)) {
    for (const [part, files] of Object.entries(parts)) {
      await mkdir(join(root, cls, part), { recursive: true });
      for (const f of files) await writeFile(join(root, cls, part, f), TETRA);
    }
  }
}

describe("datasets", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "gemcnn-data-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reads MeshCNN's layout with sorted classes, natural file order and all three formats", async () => {
    await makeLayout(root, {
      cat: { train: ["T10.obj", "T2.obj", "notes.txt"], val: ["V1.obj"], test: ["T3.OFF"] },
      ant: { train: ["a.ply"], test: ["b.obj", ".hidden.obj"] },
    });
    const data = await readMeshCnnLayout(root);
    expect(data.classes).toEqual(["ant", "cat"]);
    expect(data.train.map((s) => s.name)).toEqual([
      "ant/train/a.ply",
      "cat/train/T2.obj",
      "cat/train/T10.obj",
    ]);
    expect(data.test.map((s) => [s.name, s.label])).toEqual([
      ["ant/test/b.obj", 0],
      ["cat/test/T3.OFF", 1],
    ]);
    expect(data.val.map((s) => [s.name, s.label])).toEqual([["cat/val/V1.obj", 1]]);
    expect(datasetSummary(data)).toEqual([
      { className: "ant", train: 1, val: 0, test: 1 },
      { className: "cat", train: 2, val: 1, test: 1 },
    ]);
  });

  it("names the directory that breaks the layout", async () => {
    await expect(readMeshCnnLayout(join(root, "missing"))).rejects.toThrow(
      /missing: dataset root does not exist/,
    );
    await expect(readMeshCnnLayout(root)).rejects.toThrow(/no class directories/);
    await mkdir(join(root, "cat", "meshes"), { recursive: true });
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      new RegExp(`${join(root, "cat")}: a class directory needs a 'train' or 'test'`),
    );
    await mkdir(join(root, "cat", "train"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(/no mesh files/);
  });

  it("reads a split file with paths relative to the class directory", async () => {
    await makeLayout(root, {
      cat: { train: ["T1.obj", "T2.obj"], test: ["T3.obj"] },
      dog: { train: ["T4.obj"] },
    });
    const split = join(root, "split.json");
    await writeFile(
      split,
      JSON.stringify({
        dog: { train: ["train/T4.obj"], test: [] },
        cat: { train: ["test/T3.obj"], test: ["train/T1.obj", "train/T2.obj"] },
      }),
    );
    const data = await readSplitFile(root, split);
    expect(data.classes).toEqual(["cat", "dog"]);
    expect(data.split).toBe(split);
    expect(data.train.map((s) => [s.name, s.label])).toEqual([
      ["cat/test/T3.obj", 0],
      ["dog/train/T4.obj", 1],
    ]);
    expect(data.test.map((s) => s.path)).toEqual([
      join(root, "cat/train/T1.obj"),
      join(root, "cat/train/T2.obj"),
    ]);
  });

  it("rejects bad split files with the file and the problem", async () => {
    await makeLayout(root, { cat: { train: ["T1.obj"] } });
    const split = join(root, "split.json");
    const expectProblem = async (content: string, pattern: RegExp) => {
      await writeFile(split, content);
      const error = await readSplitFile(root, split).catch((e) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect(error.message).toContain(split);
      expect(error.message).toMatch(pattern);
    };
    await expectProblem("{", /not valid JSON/);
    await expectProblem("[]", /expected an object/);
    await expectProblem("{}", /lists no classes/);
    await expectProblem('{"cat": {"train": "T1.obj"}}', /"train" must be an array/);
    await expectProblem('{"cat": {"valid": []}}', /unexpected key "valid"/);
    await expectProblem('{"cat": {"train": ["train/T1.obj"], "val": ["train/T1.obj"]}}', /listed twice/);
    await expectProblem('{"dog": {"train": []}}', /directory of class "dog"/);
    await expectProblem('{"cat": {"train": ["../cat/train/T1.obj"]}}', /inside the class directory/);
    await expectProblem('{"cat": {"train": ["train/T1.obj"], "test": ["train/T1.obj"]}}', /listed twice/);
    await expectProblem('{"cat": {"train": ["train/T9.obj", "train/T8.obj"]}}', /T9\.obj \(and 1 more\)/);
    await expect(readSplitFile(root, join(root, "none.json"))).rejects.toThrow(
      /none\.json: split file does not exist/,
    );
  });

  it("reads a split file's validation lists", async () => {
    await makeLayout(root, { cat: { train: ["T1.obj", "T2.obj", "T3.obj"] } });
    const split = join(root, "split.json");
    await writeFile(
      split,
      JSON.stringify({ cat: { train: ["train/T1.obj"], val: ["train/T3.obj"], test: ["train/T2.obj"] } }),
    );
    const data = await readSplitFile(root, split);
    expect(data.train.map((s) => s.name)).toEqual(["cat/train/T1.obj"]);
    expect(data.val.map((s) => s.name)).toEqual(["cat/train/T3.obj"]);
    expect(data.test.map((s) => s.name)).toEqual(["cat/train/T2.obj"]);
  });

  it("orders numbered names numerically", () => {
    expect(["T10", "T9", "T100", "T1"].sort(compareNatural)).toEqual(["T1", "T9", "T10", "T100"]);
  });
});
