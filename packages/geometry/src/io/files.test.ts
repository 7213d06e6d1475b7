import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { torus } from "../generate/torus.js";
import { MeshError } from "../mesh/errors.js";
import { meshFormatOf, readMesh, readMeshSync, writeFileAtomic, writeMeshFile } from "./files.js";
import { MeshParseError } from "./mesh-parse-error.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gemcnn-io-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("mesh files", () => {
  const mesh = torus({ majorSegments: 6, minorSegments: 4 });

  it("writes and reads back every format, chosen by a case-insensitive extension", async () => {
    for (const name of ["a.obj", "b.OFF", "c.Ply"]) {
      const path = join(dir, name);
      await writeMeshFile(path, mesh);
      expect(await readMesh(path)).toEqual(mesh);
      expect(readMeshSync(path)).toEqual(mesh);
    }
    // Nothing but the three files: the temporary files were renamed away.
    expect((await readdir(dir)).sort()).toEqual(["a.obj", "b.OFF", "c.Ply"]);
  });

  it("writes a file's new contents at once, replacing the old", async () => {
    const path = join(dir, "replace.obj");
    await writeFileAtomic(path, "old");
    await writeMeshFile(path, mesh, { comment: "new" });
    const text = await readFile(path, "utf8");
    expect(text.startsWith("# new\nv ")).toBe(true);
  });

  it("leaves no temporary file behind when writing fails", async () => {
    const sub = join(dir, "sub");
    await mkdir(sub);
    // The target is a directory: the rename fails.
    await mkdir(join(sub, "taken.obj"));
    await expect(writeMeshFile(join(sub, "taken.obj"), mesh)).rejects.toThrow();
    expect(await readdir(sub)).toEqual(["taken.obj"]);
    // Data that cannot be written is refused before any file is touched.
    const bad = { positions: Float64Array.of(0, 0, Number.NaN), triangles: Uint32Array.of(0, 0, 0) };
    await expect(writeMeshFile(join(sub, "bad.obj"), bad)).rejects.toThrow(MeshError);
    expect(await readdir(sub)).toEqual(["taken.obj"]);
  });

  it("names the path when the file is missing, a directory, or of an unknown kind", async () => {
    const missing = join(dir, "missing.obj");
    await expect(readMesh(missing)).rejects.toThrow(MeshParseError);
    await expect(readMesh(missing)).rejects.toThrow(`${missing}: cannot read the mesh file: no such file`);
    expect(() => readMeshSync(missing)).toThrow(`${missing}: cannot read the mesh file: no such file`);
    const folder = join(dir, "folder.ply");
    await mkdir(folder);
    await expect(readMesh(folder)).rejects.toThrow(
      /folder\.ply: cannot read the mesh file: it is a directory/,
    );
    expect(() => meshFormatOf("mesh.stl")).toThrow(/^mesh\.stl: unsupported mesh file extension '\.stl'/);
    expect(() => meshFormatOf("mesh")).toThrow(/'\(none\)'/);
  });

  it("names the path and line of a parse error", async () => {
    const path = join(dir, "broken.off");
    await writeFile(path, "OFF\n3 1\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n");
    await expect(readMesh(path)).rejects.toThrow(`${path}, line 6: face corner '7'`);
  });
});
