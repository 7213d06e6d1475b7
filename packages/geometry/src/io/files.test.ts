import { constants as bufferConstants } from "node:buffer";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { torus } from "../generate/torus.js";
import { MeshError } from "../mesh/errors.js";
import {
  DEFAULT_MAX_MESH_FILE_BYTES,
  MeshFileTooLargeError,
  readMesh,
  readMeshFileBytes,
  readMeshFileBytesSync,
  readMeshSync,
  writeFileAtomic,
  writeMeshFile,
} from "./files.js";
import { meshFormatOf } from "./formats.js";
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

/** The error a read throws (sync) or rejects with (async); both must be MeshParseErrors. */
async function readError(read: () => unknown): Promise<MeshParseError> {
  try {
    await read();
  } catch (error) {
    expect(error).toBeInstanceOf(MeshParseError);
    return error as MeshParseError;
  }
  throw new Error("expected the read to fail");
}

describe("reading only what is a mesh file", () => {
  const mesh = torus({ majorSegments: 6, minorSegments: 4 });
  const readers = [
    ["readMesh", (path: string, options?: { maxBytes?: number }) => readMesh(path, options)],
    ["readMeshSync", (path: string, options?: { maxBytes?: number }) => readMeshSync(path, options)],
  ] as const;

  it("refuses a FIFO at once instead of waiting for a writer forever", async () => {
    // The platform precondition for making the case: a mkfifo command (POSIX systems).
    const fifo = join(dir, "pipe.obj");
    execFileSync("mkfifo", [fifo]);
    // bigint stats: a plain statSync of a FIFO would disturb the module loader (next test).
    expect(statSync(fifo, { bigint: true }).isFIFO()).toBe(true);
    for (const [name, read] of readers) {
      const error = await readError(() => read(fifo));
      expect(error.message, name).toBe(
        `${fifo}: cannot read the mesh file: it is a FIFO (named pipe), not a regular file`,
      );
    }
    const link = join(dir, "to-pipe.obj");
    await symlink(fifo, link);
    expect((await readError(() => readMesh(link))).message).toBe(
      `${link}: cannot read the mesh file: it is a symbolic link to ${fifo}, a FIFO (named pipe), not a regular file`,
    );
  });

  it("leaves Node's module loader alone after refusing a FIFO (no package loaded twice)", async () => {
    // A plain statSync of a FIFO writes into a buffer fs.realpathSync reads as well; the module
    // loader's next realpath then stops early, and a package reached through two symbolic links
    // (pnpm's layout) is loaded as two modules.
    const root = join(dir, "loader");
    await mkdir(join(root, "store", "pkg"), { recursive: true });
    await writeFile(join(root, "store", "pkg", "index.js"), "module.exports = { id: Math.random() };\n");
    let users = 0;
    /** The package as a new importer (its own node_modules link) gets it. */
    const load = async () => {
      const user = join(root, `user${users++}`);
      await mkdir(join(user, "node_modules"), { recursive: true });
      await symlink(join(root, "store", "pkg"), join(user, "node_modules", "pkg"));
      return createRequire(join(user, "x.js"))("pkg");
    };
    // A resolution first, so that nothing an earlier test did to the shared buffer reaches `first`.
    await load();
    const first = await load();
    const fifo = join(root, "pipe.obj");
    execFileSync("mkfifo", [fifo]);
    const link = join(root, "to-pipe.obj");
    await symlink(fifo, link);
    const reads = [...readers.map(([, read]) => read), readMeshFileBytesSync, readMeshFileBytes];
    for (const path of [fifo, link]) {
      for (const read of reads) {
        await readError(() => read(path));
        expect(await load(), `${read.name} ${path}`).toBe(first);
      }
    }
    // The control: a plain statSync of the FIFO does break the next resolution.
    statSync(fifo);
    expect(await load()).not.toBe(first);
  });

  it("refuses a link to /dev/zero instead of reading without end", async () => {
    expect(statSync("/dev/zero").isCharacterDevice()).toBe(true);
    const link = join(dir, "zero.ply");
    await symlink("/dev/zero", link);
    for (const [name, read] of readers) {
      expect((await readError(() => read(link))).message, name).toBe(
        `${link}: cannot read the mesh file: it is a symbolic link to /dev/zero, a character device, not a regular file`,
      );
    }
    expect((await readError(() => readMeshFileBytes("/dev/zero"))).message).toBe(
      "/dev/zero: cannot read the mesh file: it is a character device, not a regular file",
    );
  });

  it("follows links to files and names a broken link, a loop of links and a directory", async () => {
    const real = join(dir, "real.obj");
    await writeMeshFile(real, mesh);
    const link = join(dir, "link.obj");
    await symlink(real, link);
    expect(await readMesh(link)).toEqual(mesh);
    expect(readMeshSync(link)).toEqual(mesh);
    const dangling = join(dir, "dangling.obj");
    await symlink(join(dir, "gone.obj"), dangling);
    const loop = join(dir, "loop.obj");
    await symlink(loop, loop);
    for (const [name, read] of readers) {
      expect((await readError(() => read(dangling))).message, name).toBe(
        `${dangling}: cannot read the mesh file: it is a broken symbolic link: its target ${join(dir, "gone.obj")} does not exist`,
      );
      expect((await readError(() => read(loop))).message, name).toBe(
        `${loop}: cannot read the mesh file: its symbolic links form a loop`,
      );
      expect((await readError(() => read(`${dir}/`))).message, name).toMatch(
        /unsupported mesh file extension/,
      );
    }
    const folder = join(dir, "folder.off");
    await mkdir(folder);
    expect((await readError(() => readMeshSync(folder))).message).toBe(
      `${folder}: cannot read the mesh file: it is a directory, not a regular file`,
    );
  });

  it("refuses a file over maxBytes before reading it, with a default far above ordinary meshes", async () => {
    expect(DEFAULT_MAX_MESH_FILE_BYTES).toBe(2 ** 31);
    const path = join(dir, "limit.obj");
    await writeMeshFile(path, mesh);
    const size = statSync(path).size;
    for (const [name, read] of readers) {
      expect(await read(path, { maxBytes: size }), name).toEqual(mesh);
      const error = await readError(() => read(path, { maxBytes: size - 1 }));
      expect(error, name).toBeInstanceOf(MeshFileTooLargeError);
      expect([(error as MeshFileTooLargeError).bytes, (error as MeshFileTooLargeError).maxBytes]).toEqual([
        size,
        size - 1,
      ]);
      expect(error.message).toBe(
        `${path}: the file is ${(size / 1024).toFixed(1)} KiB (${size} bytes), more than the limit of ${((size - 1) / 1024).toFixed(1)} KiB (${size - 1} bytes) for a mesh file (the maxBytes option raises it)`,
      );
    }
    // A sparse file of 3 GiB (no disk used) is refused from its size, under the default limit.
    const huge = join(dir, "huge.ply");
    await writeFile(huge, "");
    await truncate(huge, 3 * 2 ** 30);
    for (const [name, read] of readers) {
      const error = await readError(() => read(huge));
      expect(error.message, name).toBe(
        `${huge}: the file is 3 GiB (3221225472 bytes), more than the limit of 2 GiB (2147483648 bytes) for a mesh file (the maxBytes option raises it)`,
      );
    }
  });

  it("stops a file that holds more than its size says at the limit (files in /proc say 0)", async () => {
    const proc = "/proc/self/status";
    expect(statSync(proc).size).toBe(0);
    const text = new TextDecoder().decode(await readMeshFileBytes(proc));
    expect(text).toMatch(/^Name:\t/);
    expect(new TextDecoder().decode(readMeshFileBytesSync(proc))).toMatch(/^Name:\t/);
    for (const read of [readMeshFileBytes, readMeshFileBytesSync]) {
      const error = await readError(() => read(proc, { maxBytes: 10 }));
      expect(error).toBeInstanceOf(MeshFileTooLargeError);
      expect(error.message).toBe(
        `${proc}: it holds more than 10 bytes (it grew while being read), more than the limit of 10 bytes for a mesh file (the maxBytes option raises it)`,
      );
    }
    // An ordinary file is read into a buffer of exactly its size.
    const path = join(dir, "exact.off");
    await writeMeshFile(path, mesh);
    const read = readMeshFileBytesSync(path);
    expect(read.byteLength).toBe(statSync(path).size);
    expect(read.buffer.byteLength).toBe(statSync(path).size);
    expect(Buffer.from(read).equals(readFileSync(path))).toBe(true);
  });

  it("gives the library's own error for a path or options of the wrong type", async () => {
    for (const [name, read] of readers) {
      for (const [path, got] of [
        [undefined, "undefined"],
        [42, "a number (42)"],
        ["", "a string ('')"],
      ] as const) {
        expect((await readError(() => read(path as unknown as string))).message, name).toBe(
          `<input>: expected a file path (a non-empty string), got ${got}`,
        );
      }
      const path = join(dir, "a.obj");
      for (const maxBytes of [
        0,
        -1,
        1.5,
        Number.NaN,
        bufferConstants.MAX_LENGTH + 1,
        "1" as unknown as number,
      ]) {
        expect((await readError(() => read(path, { maxBytes }))).message, `${name} ${maxBytes}`).toMatch(
          new RegExp(
            `^${path.replaceAll(".", "\\.")}: maxBytes must be an integer from 1 to ${bufferConstants.MAX_LENGTH}`,
          ),
        );
      }
    }
    expect((await readError(() => readMeshFileBytes(join(dir, "a.obj"), "big" as never))).message).toMatch(
      /the options must be an object, got a string \('big'\)/,
    );
  });
});
