import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { torus, writeObj } from "@gemcnn/geometry";
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

  it("lists a broken mesh's problems and what repair does", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "broken.obj"], io)).toBe(0);
    expect(io.out()).toMatch(/validation {2}\d+ problem/);
    expect(io.out()).toContain("repair      fixes every problem");
    expect(io.out()).toContain("(geometry below is of the repaired mesh)");
  });

  it("names a missing file and exits with 1", async () => {
    const io = captureIO(dir);
    expect(await runCli(["info", "missing.obj"], io)).toBe(1);
    expect(io.err()).toContain(`${join(dir, "missing.obj")}: cannot read the mesh file: no such file`);
  });

  it("runs as an installed bin through the JavaScript launcher", async () => {
    const launcher = fileURLToPath(new URL("../bin/gemcnn.js", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [launcher, "--help"]);
    expect(stdout).toContain("Usage: gemcnn <command>");
    const failed = await promisify(execFile)(process.execPath, [
      launcher,
      "info",
      join(dir, "missing.obj"),
    ]).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("cannot read the mesh file: no such file");
  });
});
