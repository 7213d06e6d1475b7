import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
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

  it("follows symbolic links to class folders, part folders and mesh files", async () => {
    const store = join(root, "store");
    await makeLayout(store, {
      cat: { train: ["T1.obj", "T2.obj"], test: ["T3.obj"] },
      dog: { all: ["D1.obj"], held: ["D2.obj"] },
    });
    const data = join(root, "data");
    await mkdir(join(data, "dog", "train"), { recursive: true });
    await symlink(join(store, "cat"), join(data, "cat")); // a class folder
    await symlink(join(store, "dog", "all", "D1.obj"), join(data, "dog", "train", "D1.obj")); // a file
    await symlink(join(store, "dog", "held"), join(data, "dog", "test")); // a part folder
    await symlink(join(store, "cat"), join(data, "dog", "train", "folder.obj")); // a folder is no mesh
    const layout = await readMeshCnnLayout(data);
    expect(layout.classes).toEqual(["cat", "dog"]);
    expect(layout.train.map((s) => [s.name, s.label])).toEqual([
      ["cat/train/T1.obj", 0],
      ["cat/train/T2.obj", 0],
      ["dog/train/D1.obj", 1],
    ]);
    expect(layout.test.map((s) => [s.name, s.label])).toEqual([
      ["cat/test/T3.obj", 0],
      ["dog/test/D2.obj", 1],
    ]);
    // The samples keep the paths through the links (the names users gave them).
    expect(layout.train[2].path).toBe(join(data, "dog", "train", "D1.obj"));
  });

  it("refuses links that would count meshes twice or lead back to the root, naming them", async () => {
    await makeLayout(root, { cat: { train: ["T1.obj"], test: ["T2.obj"] } });
    await symlink(join(root, "cat", "train", "T1.obj"), join(root, "cat", "test", "T1-again.obj"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "cat", "test", "T1-again.obj")}: the mesh file is the same file as cat/train/T1.obj (through a symbolic link): a mesh may appear only once in a dataset`,
    );
    await rm(join(root, "cat", "test", "T1-again.obj"));
    await symlink(join(root, "cat"), join(root, "kitten"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "kitten")}: the class directory is the same directory as class 'cat' (through a symbolic link): each class needs its own`,
    );
    await rm(join(root, "kitten"));
    await symlink(root, join(root, "all"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "all")}: the class directory is a symbolic link to ${root}, which holds the dataset root: a class cannot contain its own dataset`,
    );
  });

  it("names a broken link or a loop of links to a class or part folder, and keeps broken mesh links as samples", async () => {
    await makeLayout(root, { cat: { train: ["T1.obj"] } });
    await symlink(join(root, "gone"), join(root, "dog"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "dog")}: the class directory is a broken symbolic link: its target ${join(root, "gone")} does not exist`,
    );
    await rm(join(root, "dog"));
    await symlink(join(root, "loop"), join(root, "loop"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "loop")}: the class directory is a loop of symbolic links`,
    );
    await rm(join(root, "loop"));
    await symlink(join(root, "nothing"), join(root, "cat", "test"));
    await expect(readMeshCnnLayout(root)).rejects.toThrow(
      `${join(root, "cat", "test")}: the directory is a broken symbolic link: its target ${join(root, "nothing")} does not exist`,
    );
    await rm(join(root, "cat", "test"));
    // A broken link and a FIFO with mesh names are samples: reading them says what they are.
    await symlink(join(root, "missing.obj"), join(root, "cat", "train", "T2.obj"));
    execFileSync("mkfifo", [join(root, "cat", "train", "T3.obj")]);
    const data = await readMeshCnnLayout(root);
    expect(data.train.map((s) => s.name)).toEqual([
      "cat/train/T1.obj",
      "cat/train/T2.obj",
      "cat/train/T3.obj",
    ]);
    // In a split file, a broken link is named as such among the missing files.
    const split = join(root, "split.json");
    await writeFile(split, JSON.stringify({ cat: { train: ["train/T1.obj", "train/T2.obj"] } }));
    await expect(readSplitFile(root, split)).rejects.toThrow(
      `lists files that do not exist: ${join(root, "cat", "train", "T2.obj")} (a broken symbolic link: its target ${join(root, "missing.obj")} does not exist)`,
    );
  });
});
