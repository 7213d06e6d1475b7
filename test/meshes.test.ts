import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readMeshSync, validateMesh } from "@gemcnn/geometry";
import { describe, expect, it } from "vitest";
import { FRACTION_DIGITS, MESHES_DIR, meshFiles, meshFileText } from "../meshes/generate.js";

describe("meshes/", () => {
  const files = meshFiles();

  it("holds exactly the OBJ files that meshes/generate.ts writes", () => {
    const committed = readdirSync(MESHES_DIR).filter((name) => name.endsWith(".obj"));
    expect(committed.sort()).toEqual(files.map((f) => f.name).sort());
  });

  for (const file of files) {
    it(`${file.name} is what the script writes now, and loads as a valid mesh`, () => {
      const path = join(MESHES_DIR, file.name);
      expect(readFileSync(path, "utf8"), "stale file: run `pnpm meshes`").toBe(meshFileText(file));
      const data = readMeshSync(path);
      const report = validateMesh(data, { source: path });
      expect(report.problems).toEqual([]);
      expect(Array.from(data.triangles)).toEqual(Array.from(file.data.triangles));
      const error = data.positions.reduce((m, x, i) => Math.max(m, Math.abs(x - file.data.positions[i])), 0);
      expect(error).toBeLessThanOrEqual(0.5 * 10 ** -FRACTION_DIGITS);
    });
  }
});
