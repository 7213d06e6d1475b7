import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { articulatedBodies, parsePly } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIO } from "../cli/capture-io.js";
import { runCli } from "../main.js";
import { correspondenceDataset } from "../per-vertex/data.js";
import { FAUST_LIKE } from "./generate.js";

describe("gemcnn generate --dataset faust-like", () => {
  let dir: string;
  const out = () => join(dir, "faust-like");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-faust-like-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes FAUST's 100 registrations of 6,890 vertices as binary PLY, which the loader splits 80/20 as FAUST", async () => {
    const io = captureIO(dir);
    expect(await runCli(["generate", out(), "--dataset", "faust-like", "--seed", "3"], io)).toBe(0);
    expect(io.out()).toMatch(/wrote 100 registrations of 6890 vertices/);
    const names = (await readdir(out())).sort();
    expect(names).toEqual(Array.from({ length: 100 }, (_, i) => `tr_reg_${String(i).padStart(3, "0")}.ply`));
    const read = async (i: number) => {
      const bytes = new Uint8Array(await readFile(join(out(), names[i])));
      expect(new TextDecoder().decode(bytes.subarray(0, 40))).toMatch(
        /^ply\nformat binary_little_endian 1\.0/,
      );
      return parsePly(bytes);
    };
    const [first, last] = [await read(0), await read(99)];
    expect(first.positions.length / 3).toBe(6890);
    // One connectivity, other bodies: a registration dataset.
    expect(last.triangles).toEqual(first.triangles);
    expect(last.positions).not.toEqual(first.positions);
    // Shape-major, as articulatedBodies: file 99 is the last pose of the last shape for the seed.
    const expected = articulatedBodies({ ...FAUST_LIKE, seed: 3 });
    expect(Array.from(last.positions)).toEqual(Array.from(expected[99].data.positions));
    const dataset = await correspondenceDataset(out(), undefined, 1 << 30);
    expect(dataset.train.map((item) => item.source.name)).toEqual(
      names.slice(0, 80).map((n) => join("faust-like", n)),
    );
    expect(dataset.test).toHaveLength(20);
  }, 120_000);

  it("refuses the options that would make it another set", async () => {
    for (const extra of [
      ["--format", "obj"],
      ["--train", "5"],
    ]) {
      const io = captureIO(dir);
      expect(
        await runCli(["generate", join(dir, "other"), "--dataset", "faust-like", ...extra], io),
      ).not.toBe(0);
      expect(io.err()).toMatch(/faust-like/);
    }
  });
});
