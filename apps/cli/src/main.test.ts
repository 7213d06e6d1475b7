import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bunny, torus, writeObj } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "./cli/capture-io.js";
import { commands } from "./commands/index.js";
import { runCli } from "./main.js";

describe("gemcnn command line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-cli-"));
    await writeFile(
      join(dir, "torus.obj"),
      writeObj(torus({ majorRadius: 1, minorRadius: 0.4, majorSegments: 16, minorSegments: 8 })),
    );
    // A tetrahedron with one face flipped and one repeated corner: repairable.
    await writeFile(
      join(dir, "broken.obj"),
      "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 3 4\nf 1 1 2\n",
    );
    // Two tetrahedra sharing vertex 1 (non-manifold), one face given twice, and 150 faces
    // repeating a vertex: more problems than validation lists.
    const tetra = "f 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n";
    await writeFile(
      join(dir, "pinched.obj"),
      `v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nv -1 0 0\nv 0 -1 0\nv 0 0 -1\n${tetra}${tetra
        .replaceAll("2", "x")
        .replaceAll("3", "6")
        .replaceAll("4", "7")
        .replaceAll("x", "5")}f 1 2 4\n${"f 2 2 3\n".repeat(150)}`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the commands, and shows help with examples for each", async () => {
    const io = captureIO();
    expect(await runCli(["--help"], io)).toBe(0);
    for (const c of commands) expect(io.out()).toContain(`  ${c.name}`);
    for (const c of commands) {
      const one = captureIO();
      expect(await runCli([c.name, "--help"], one)).toBe(0);
      expect(one.out()).toContain(`Usage: gemcnn ${c.name}`);
      expect(one.out()).toContain("Examples:");
      expect(one.out()).toContain(`gemcnn ${c.name}`);
    }
  });

  it("exits with 2 and a hint for usage errors", async () => {
    for (const argv of [
      ["frobnicate"],
      ["info"],
      ["info", "a.obj", "--bogus"],
      ["info", "a.obj", "b.obj"],
      [],
    ]) {
      const io = captureIO();
      expect(await runCli(argv, io)).toBe(2);
      expect(argv.length === 0 ? io.out() : io.err()).toMatch(/gemcnn/);
    }
    const io = captureIO();
    await runCli(["info", "a.obj", "--bogus"], io);
    expect(io.err()).toContain("'--bogus'");
    expect(io.err()).toContain("gemcnn info --help");
  });

  it("reports on a mesh: counts, genus and curvature", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "torus.obj"], io)).toBe(0);
    expect(io.out()).toContain("128 vertices, 256 faces, 384 edges");
    expect(io.out()).toContain("genus 1");
    expect(io.out()).toMatch(/total angle defect .* = .* × 2π/);
    const json = captureIO(dir);
    await runCli(["info", "torus.obj", "--json"], json);
    const info = JSON.parse(json.out());
    expect(info.validation.counts.genus).toBe(1);
    expect(Math.abs(info.geometry.totalAngleDefect)).toBeLessThan(1e-9);
  });

  it("summarises the input features of any mesh beside its geometry, with train's --features", async () => {
    // The bunny's 1,839 vertices were above the dense heat kernel's old limit of 1,000.
    await writeFile(join(dir, "bunny.obj"), writeObj(bunny()));
    const io = captureIO(dir);
    expect(await runCli(["info", "bunny.obj", "--features"], io)).toBe(0);
    expect(io.out()).toContain("1839 vertices");
    expect(io.out()).toMatch(/mean H {6}min/);
    expect(io.out()).toMatch(/features {4}9x0\+2x1\+1x2 on 1839 vertices/);
    expect(io.out()).toMatch(/hks\.t4 +-?[\d.e-]+ ± [\d.e-]+/);
    expect(io.out()).not.toContain("not computed");
    const json = captureIO(dir);
    expect(
      await runCli(
        ["info", "torus.obj", "--features", "moments,hks", "--hks-time-count", "2", "--json"],
        json,
      ),
    ).toBe(0);
    const info = JSON.parse(json.out());
    expect(info.geometry.edgeLength.median).toBeGreaterThan(0);
    expect(info.features.fieldType).toBe("5x0+2x1+1x2");
    expect(info.features.channels.map((c: { name: string }) => c.name).slice(3, 5)).toEqual([
      "hks.t1",
      "hks.t2",
    ]);
    // The same list errors as train's.
    const bad = captureIO(dir);
    expect(await runCli(["info", "torus.obj", "--features", "moments,wavelets"], bad)).toBe(2);
    expect(bad.err()).toContain("option --features: unknown feature group 'wavelets'");
    const lonely = captureIO(dir);
    expect(await runCli(["info", "torus.obj", "--hks-time-count", "2"], lonely)).toBe(2);
    expect(lonely.err()).toContain("option --hks-time-count needs --features");
  }, 60_000);

  it("lists a broken mesh's problems and what repair does", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "broken.obj"], io)).toBe(0);
    expect(io.out()).toMatch(/validation {2}\d+ problem/);
    expect(io.out()).toContain("repair      fixes every problem");
    expect(io.out()).toContain("(geometry below is of the repaired mesh)");
  });

  it("repairs a non-manifold mesh and gives the topology of the repaired mesh", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "pinched.obj"], io)).toBe(0);
    const out = io.out();
    expect(out).toContain("validation  151 problem(s): 150 degenerate-face, 1 duplicate-face");
    expect(out).toContain("  - … and 143 more");
    expect(out).toContain("repair      fixes every problem");
    expect(out).toMatch(/dropped 1 face repeating another face \(duplicate face\)/);
    expect(out).toMatch(/split 1 vertex into 2 copies/);
    expect(out).toContain("repaired    8 vertices, 8 faces, 12 edges");
    expect(out).toContain(
      "            2 component(s), Euler characteristic 4, genus 0, 0 boundary loop(s) (0 boundary edges)",
    );
    // Negative control: the input's own topology line is not the repaired one.
    expect(out).toMatch(/topology {4}1 component\(s\)/);
  });

  it("lists every repair and the dropped components with -v, and only counts them without", async () => {
    const tetra = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n";
    const ring = writeObj(torus({ majorRadius: 1, minorRadius: 0.4, majorSegments: 8, minorSegments: 4 }));
    const files: Record<string, string> = {
      // A fin on edge (1, 2): non-manifold; once detached it is a second component.
      "tetra/train/fin.obj": `${tetra}v 1 1 1\nf 1 2 5\n`,
      "tetra/test/t.obj": tetra,
      "ring/train/a.obj": ring,
      "ring/test/b.obj": ring,
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, "data", path, ".."), { recursive: true });
      await writeFile(join(dir, "data", path), text);
    }
    const args = ["preprocess", "--data", "data", "--workers", "0", "--no-cache", "--features", "moments"];
    const verbose = captureIO(dir);
    expect(await runCli([...args, "-v"], verbose)).toBe(0);
    const err = verbose.err();
    expect(err).toMatch(
      /tetra\/train\/fin\.obj: repaired: split 1 non-manifold edge shared by more than two faces/,
    );
    expect(err).toMatch(/tetra\/train\/fin\.obj: repaired: split 2 vertices into 4 copies/);
    expect(err).toContain(
      "tetra/train/fin.obj: kept the largest of 2 connected components (4 of 5 faces, 4 of 7 vertices)",
    );
    expect(err).toMatch(/0 skipped, 1 repaired/);
    // Without -v: the count only.
    const quiet = captureIO(dir);
    expect(await runCli(args, quiet)).toBe(0);
    expect(quiet.err()).toMatch(/0 skipped, 1 repaired/);
    expect(quiet.err()).not.toContain("repaired: ");
    expect(quiet.err()).not.toContain("kept the largest");
  });

  it("names a missing file and exits with 1", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "missing.obj"], io)).toBe(1);
    expect(io.err()).toContain(`${join(dir, "missing.obj")}: cannot read the mesh file: no such file`);
  });

  it("shows in its help a command line that runs from the repository root after set-up", async () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const run = promisify(execFile);
    // Through the root's script, the help's examples say `pnpm gemcnn …`: run the first one as printed.
    const { stdout: help } = await run("pnpm", ["-s", "gemcnn", "data", "--help"], { cwd: root });
    const example = help.split("Examples:\n")[1].split("\n")[0].trim();
    expect(example).toBe("pnpm gemcnn data ../shared/datasets/shrec_16");
    const { stdout } = await run("sh", ["-c", example], { cwd: root });
    expect(stdout).toMatch(/30 classes, 480 train and 120 test meshes/);
    // The workspace bin (the root package depends on @gemcnn/cli) answers to `pnpm exec gemcnn`.
    const exec = await run("pnpm", ["exec", "gemcnn", "--help"], { cwd: root });
    expect(exec.stdout).toContain("Usage: pnpm exec gemcnn <command> [options]");
    expect(exec.stdout).toContain("Run 'pnpm exec gemcnn <command> --help'");
    // Installed elsewhere, the bin is on PATH as `gemcnn`, and that is what the help says.
    const io = captureIO();
    await runCli(["data", "--help"], io);
    expect(io.out()).toContain("\n  gemcnn data ../shared/datasets/shrec_16\n");
  }, 30_000);

  it("runs as an installed bin through the JavaScript launcher", async () => {
    const launcher = fileURLToPath(new URL("../bin/gemcnn.js", import.meta.url));
    // As on a user's PATH: none of the variables pnpm sets for the scripts it runs (this test's own).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const { stdout } = await promisify(execFile)(process.execPath, [launcher, "--help"], { env });
    expect(stdout).toContain("Usage: gemcnn <command>");
    const failed = await promisify(execFile)(process.execPath, [
      launcher,
      "info",
      join(dir, "missing.obj"),
    ]).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("cannot read the mesh file: no such file");
    // Two launches of Node with tsx and tfjs: 4-6.6 s together under load on the shared 2-core machine.
  }, 30_000);
});
