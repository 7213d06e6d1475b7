import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bumpySphere, icosphere, torus, writeObj, writeOff, writePly } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "./cli/capture-io.js";
import { runCli } from "./main.js";
import { decodeRecord, encodeRecord } from "./preprocess/record.js";

// What a user meets who points the command line at files that are not what they seem: each
// case ends in one line on stderr naming the file, exit status 1, and never a hang.

const OBJ = writeObj(torus({ majorSegments: 12, minorSegments: 6 }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gemcnn-input-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `gemcnn <args>` in this process: exit status, stdout and stderr. */
async function gemcnn(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = captureIO(dir);
  const status = await runCli(args, io);
  return { status, out: io.out(), err: io.err() };
}

/** Whether `text` is exactly one line with no control character in it. */
const isOneLine = (text: string) =>
  text.endsWith("\n") &&
  Array.from(text.slice(0, -1)).every((c) => c >= " " && !(c >= "\u007f" && c <= "\u009f"));

describe("gemcnn info on files that are not meshes", () => {
  const cases: [string, () => Promise<string>, string | (() => string)][] = [
    [
      "a FIFO",
      async () => {
        const path = join(dir, "pipe.obj");
        // The platform precondition: mkfifo (POSIX); without it this test fails, it is not skipped.
        execFileSync("mkfifo", [path]);
        return path;
      },
      "cannot read the mesh file: it is a FIFO (named pipe), not a regular file",
    ],
    [
      "a link to /dev/zero",
      async () => {
        const path = join(dir, "zero.ply");
        await symlink("/dev/zero", path);
        return path;
      },
      "cannot read the mesh file: it is a symbolic link to /dev/zero, a character device, not a regular file",
    ],
    [
      "a broken link",
      async () => {
        const path = join(dir, "dangling.off");
        await symlink(join(dir, "nowhere.off"), path);
        return path;
      },
      () =>
        `cannot read the mesh file: it is a broken symbolic link: its target ${join(dir, "nowhere.off")} does not exist`,
    ],
    [
      "a gzipped OBJ",
      async () => {
        const path = join(dir, "mesh.obj");
        await writeFile(path, gzipSync(OBJ));
        return path;
      },
      "not an OBJ file: looks like gzip-compressed data (decompress it first, e.g. with gunzip)",
    ],
    [
      "a UTF-16 OBJ",
      async () => {
        const path = join(dir, "utf16.obj");
        await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(OBJ, "utf16le")]));
        return path;
      },
      "not an OBJ file: looks like UTF-16 text (save it as UTF-8 or ASCII)",
    ],
    [
      "a PLY named .off",
      async () => {
        const path = join(dir, "really-ply.off");
        await writeFile(path, writePly(icosphere(1), "ascii"));
        return path;
      },
      "not an OFF file: looks like a PLY file (its first line is 'ply'); name it .ply",
    ],
  ];
  for (const [what, make, detail] of cases) {
    it(`refuses ${what} at once with one line naming the file`, async () => {
      const path = await make();
      const { status, out, err } = await gemcnn("info", path);
      expect(status).toBe(1);
      expect(out).toBe("");
      expect(err).toBe(`gemcnn info: error: ${path}: ${typeof detail === "string" ? detail : detail()}\n`);
      expect(isOneLine(err)).toBe(true);
    });
  }

  it("refuses a FIFO as the split file or as a model's description at once", async () => {
    const root = join(dir, "split-root");
    await mkdir(join(root, "round", "train"), { recursive: true });
    const split = join(dir, "split.json");
    execFileSync("mkfifo", [split]);
    const data = await gemcnn("data", root, "--split", split);
    expect([data.status, data.err]).toEqual([
      1,
      `gemcnn data: error: ${split}: cannot read the split file: it is a FIFO (named pipe), not a regular file\n`,
    ]);
    const model = join(dir, "fifo-model");
    await mkdir(model);
    execFileSync("mkfifo", [join(model, "gemcnn.json")]);
    const predict = await gemcnn("predict", model, join(dir, "any.obj"));
    expect([predict.status, predict.err]).toEqual([
      1,
      `gemcnn predict: error: ${model}/gemcnn.json: cannot read the model description: it is a FIFO (named pipe), not a regular file\n`,
    ]);
  });

  it("escapes control characters from the file's content and from its name", async () => {
    const path = join(dir, "bad\u001b[31mname.obj");
    await writeFile(path, "v 0 0 \u001b[2Jred\nf 1 2 3\n");
    const { status, err } = await gemcnn("info", path);
    expect(status).toBe(1);
    expect(err).toBe(
      `gemcnn info: error: ${dir}/bad\\x1b[31mname.obj, line 1: '\\x1b[2Jred' is not a number\n`,
    );
    expect(isOneLine(err)).toBe(true);
  });

  it("reads an OBJ with carriage returns only", async () => {
    const path = join(dir, "mac.obj");
    await writeFile(path, OBJ.replaceAll("\n", "\r"));
    const { status, out } = await gemcnn("info", path);
    expect(status).toBe(0);
    expect(out).toMatch(/counts +72 vertices, 144 faces/);
  });

  it("limits the file size with --max-mesh-size, naming the option", async () => {
    const path = join(dir, "sized.obj");
    await writeFile(path, OBJ);
    const size = Buffer.byteLength(OBJ);
    const refused = await gemcnn("info", path, "--max-mesh-size", "1kB");
    expect(refused.status).toBe(1);
    expect(refused.err).toBe(
      `gemcnn info: error: ${path}: the file is ${(size / 1024).toFixed(1)} KiB (${size} bytes), more than the limit of 1000 bytes for a mesh file (--max-mesh-size raises it)\n`,
    );
    expect((await gemcnn("info", path, "--max-mesh-size", String(size))).status).toBe(0);
    expect((await gemcnn("info", path, "--max-mesh-size", "1MiB")).status).toBe(0);
    // A sparse 3 GiB file is refused under the default limit, from its size alone.
    const huge = join(dir, "huge.obj");
    await writeFile(huge, "");
    await truncate(huge, 3 * 2 ** 30);
    expect((await gemcnn("info", huge)).err).toBe(
      `gemcnn info: error: ${huge}: the file is 3 GiB (3221225472 bytes), more than the limit of 2 GiB (2147483648 bytes) for a mesh file (--max-mesh-size raises it)\n`,
    );
    for (const [value, message] of [
      ["big", /expects a size such as 4GiB, 500MB or 1000000 \(bytes\), got 'big'/],
      ["0", /must be from 1 byte to 4294967296 bytes, got '0'/],
      ["5GiB", /must be from 1 byte to 4294967296 bytes, got '5GiB' \(5368709120 bytes\)/],
    ] as const) {
      const bad = await gemcnn("info", path, "--max-mesh-size", value);
      expect(bad.status).toBe(2);
      expect(bad.err).toMatch(message);
    }
    expect((await gemcnn("info", "--help")).out).toMatch(/--max-mesh-size <size> +largest mesh file read/);
  });
});

describe("gemcnn with a dataset of symbolic links and bad files", () => {
  it("escapes control characters in a dataset folder's name too", async () => {
    const root = join(dir, "set\u001b[2Jname");
    await mkdir(root);
    const { status, err } = await gemcnn("data", root);
    expect(status).toBe(1);
    expect(err).toMatch(/^gemcnn data: error: [^\n]*\/set\\x1b\[2Jname: no class directories/);
    expect(isOneLine(err)).toBe(true);
  });

  it("trains from linked class folders and linked meshes, skipping each bad file with one line", async () => {
    // The meshes live elsewhere; the dataset is links to them, as users build one from a collection.
    const store = join(dir, "store");
    await mkdir(join(store, "round", "train"), { recursive: true });
    await mkdir(join(store, "round", "test"), { recursive: true });
    await mkdir(join(store, "bumpy"), { recursive: true });
    const sphere = (seed: number) => writeObj(bumpySphere({ level: 1, seed, amplitude: 0.02 }));
    const bumpy = (seed: number) => writeObj(bumpySphere({ level: 1, seed, amplitude: 0.3, frequency: 5 }));
    for (let i = 0; i < 3; i++) await writeFile(join(store, "round", "train", `r${i}.obj`), sphere(i));
    await writeFile(join(store, "round", "test", "r9.obj"), sphere(9));
    for (let i = 0; i < 4; i++) await writeFile(join(store, "bumpy", `b${i}.obj`), bumpy(i));
    const root = join(dir, "linked");
    await mkdir(join(root, "bumpy", "train"), { recursive: true });
    await mkdir(join(root, "bumpy", "test"), { recursive: true });
    await symlink(join(store, "round"), join(root, "round")); // a linked class folder
    for (let i = 0; i < 3; i++)
      await symlink(join(store, "bumpy", `b${i}.obj`), join(root, "bumpy", "train", `b${i}.obj`));
    await symlink(join(store, "bumpy", "b3.obj"), join(root, "bumpy", "test", "b3.obj"));
    // Bad files among them: a broken link, a gzipped mesh, a FIFO, OFF with a wrong vertex count.
    await symlink(join(store, "gone.obj"), join(root, "bumpy", "train", "gone.obj"));
    await writeFile(join(root, "bumpy", "train", "packed.obj"), gzipSync(bumpy(7)));
    execFileSync("mkfifo", [join(root, "bumpy", "train", "pipe.obj")]);
    const off = writeOff(icosphere(1)).replace(/^OFF\n42 /, "OFF\n43 ");
    await writeFile(join(root, "bumpy", "train", "counts.off"), off);

    const listed = await gemcnn("data", root);
    expect(listed.status).toBe(0);
    expect(listed.out).toMatch(/2 classes, 10 train and 2 test meshes/);

    const launcher = fileURLToPath(new URL("../bin/gemcnn.js", import.meta.url));
    const args = [
      launcher,
      "train",
      "--data",
      root,
      "--epochs",
      "1",
      "--workers",
      "0",
      "--no-cache",
      "--features",
      "curvature",
      "--blocks",
      "4x0+2x1,pool:4x0+2x1",
      "--head",
      "4",
      "--run-dir",
      join(dir, "run"),
    ];
    const child = spawn(process.execPath, args, { cwd: dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const status = await new Promise<number | null>((done) => child.on("close", done));
    expect(status, stderr).toBe(0);
    const skipped = stderr.split("\n").filter((line) => line.startsWith("skipped "));
    expect(skipped.sort()).toEqual(
      [
        `skipped bumpy/train/counts.off: ${root}/bumpy/train/counts.off, line 2: the header declares 43 vertices, but the body has 42 vertex lines before its 80 face lines: the counts line should start '42 80'`,
        `skipped bumpy/train/gone.obj: ${root}/bumpy/train/gone.obj: cannot read the mesh file: it is a broken symbolic link: its target ${store}/gone.obj does not exist`,
        `skipped bumpy/train/packed.obj: ${root}/bumpy/train/packed.obj: not an OBJ file: looks like gzip-compressed data (decompress it first, e.g. with gunzip)`,
        `skipped bumpy/train/pipe.obj: ${root}/bumpy/train/pipe.obj: cannot read the mesh file: it is a FIFO (named pipe), not a regular file`,
      ].sort(),
    );
    expect(stderr).toMatch(/4 skipped/);
    expect(stdout).toMatch(/test accuracy/);
    // No line of tfjs's minified wasm glue (what an uncaught error after initBackend prints).
    for (const line of stderr.split("\n")) expect(line.length).toBeLessThan(400);
  }, 120_000);
});

describe("gemcnn preprocess with a cache entry that is not finite", () => {
  it("computes the mesh again instead of passing a NaN feature on to training", async () => {
    const root = join(dir, "cached");
    for (const [i, part] of [
      [0, "train"],
      [1, "test"],
    ] as const) {
      await mkdir(join(root, "round", part), { recursive: true });
      await writeFile(join(root, "round", part, `r${i}.obj`), writeObj(bumpySphere({ level: 1, seed: i })));
    }
    const cache = join(dir, "cache");
    const args = [
      "preprocess",
      "--data",
      root,
      "--cache",
      cache,
      "--workers",
      "0",
      "--features",
      "curvature",
    ];
    expect((await gemcnn(...args)).err).toMatch(/0 from the cache, 2 computed/);
    // An entry written before features were checked where they are computed (or damaged since).
    const files = (await readdir(cache, { recursive: true })).filter((f) => f.endsWith(".bin"));
    const record = decodeRecord(await readFile(join(cache, files[0])));
    const features = (record.arrays.features as Float64Array).slice();
    features[3] = Number.NaN;
    await writeFile(
      join(cache, files[0]),
      encodeRecord({ meta: record.meta, arrays: { ...record.arrays, features } }),
    );
    const again = await gemcnn(...args);
    expect(again.status).toBe(0);
    expect(again.err).toMatch(/1 from the cache, 1 computed/);
    expect((await gemcnn(...args)).err).toMatch(/2 from the cache, 0 computed/);
  });
});

describe("gemcnn train with absurd layer sizes", () => {
  it("refuses them with one line: a field type at parse time, a layer too large when it is built", async () => {
    const common = [
      "train",
      "--synthetic",
      "--synthetic-train",
      "1",
      "--synthetic-test",
      "0",
      "--workers",
      "0",
    ];
    const typo = await gemcnn(...common, "--blocks", "99999999999x0", "--run-dir", join(dir, "typo"));
    expect(typo.status).toBe(2);
    expect(typo.err.split("\n")[0]).toBe(
      'gemcnn train: option --blocks: invalid field type "99999999999x0": the field type\'s dimension reaches 99999999999 here, above the largest 65536 numbers per vertex (at column 1)',
    );
    const wide = await gemcnn(
      ...common,
      ...["--features", "curvature", "--no-cache", "--blocks", "20000x0", "--run-dir", join(dir, "wide")],
    );
    expect(wide.status).toBe(1);
    const lines = wide.err.trim().split("\n");
    expect(lines.at(-1)).toBe(
      'gemcnn train: error: the architecture cannot be built: GemConv "20000x0" → "20000x0": its kernel matrices (5 × 20000 × 20000) would hold 2000000000 numbers, above the limit of 67108864 per layer (MAX_LAYER_SIZE)',
    );
    expect(wide.err).not.toMatch(/unexpected error|\n\s+at /);
  }, 60_000);
});
