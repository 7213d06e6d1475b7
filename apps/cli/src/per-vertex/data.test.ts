import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_FEATURE_OPTIONS } from "@gemcnn/features";
import { articulatedBodies, writeObj } from "@gemcnn/geometry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMeshFile } from "../data/load.js";
import { fromRecord } from "../preprocess/mesh-record.js";
import { decodeRecord } from "../preprocess/record.js";
import { runPreprocessTask } from "../preprocess/run.js";
import { writeRegistrations, writeSegmentationBodies } from "./bodies.fixture.js";
import { correspondenceDataset, meshVertexLabels, segmentationDataset, syntheticPerVertex } from "./data.js";

const OPTIONS = {
  features: { ...DEFAULT_FEATURE_OPTIONS, kinds: ["moments" as const] },
  repair: true,
  largestComponentOnly: true,
};

/** Preprocesses an OBJ text as a worker does (repair, largest component) and returns the sourced mesh. */
function preprocessObj(text: string, name: string) {
  const result = runPreprocessTask(
    {
      name,
      input: { kind: "file", fileName: name, bytes: new TextEncoder().encode(text) },
      options: OPTIONS,
    },
    loadMeshFile,
  );
  if (!result.ok) throw new Error(result.reason);
  return fromRecord(decodeRecord(result.record), name);
}

describe("per-vertex datasets", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-pervertex-data-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a segmentation folder without classes, per-vertex and per-face labels, parts numbered", async () => {
    const root = join(dir, "seg");
    const { parts } = await writeSegmentationBodies(root);
    const sources = await segmentationDataset(root, undefined, 2 ** 30);
    expect(sources.train).toHaveLength(3);
    expect(sources.test).toHaveLength(1);
    expect(sources.classes).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(sources.labelsFrom).toBe("face");
    // .vseg labels are the file's own; body1's came per face and became per vertex by area majority.
    expect(sources.train[0].labels).toEqual(parts[0]);
    const fromFaces = sources.train[1].labels as Int32Array;
    const agree = fromFaces.filter((l, v) => l === parts[1][v]).length / fromFaces.length;
    expect(agree).toBeGreaterThan(0.9);
    expect(agree).toBeLessThan(1);
  });

  it("refuses a missing, miscounted or non-integer label file, naming it, and a classification layout", async () => {
    const root = join(dir, "bad");
    await writeSegmentationBodies(root);
    await rm(join(root, "test", "body3.vseg"));
    await expect(segmentationDataset(root, undefined, 2 ** 30)).rejects.toThrow(
      /body3\.obj: no label file beside the mesh \(body3\.vseg, one label per vertex, or body3\.seg, one per face\)/,
    );
    await writeFile(join(root, "test", "body3.vseg"), "0\n1\n2\n");
    await expect(segmentationDataset(root, undefined, 2 ** 30)).rejects.toThrow(
      /body3\.vseg: 3 labels for a mesh of \d+ vertices/,
    );
    await writeFile(join(root, "test", "body3.vseg"), "0\n1.5\n");
    await expect(segmentationDataset(root, undefined, 2 ** 30)).rejects.toThrow(
      /body3\.vseg, line 2: expected a non-negative integer label, got '1\.5'/,
    );
    const classification = join(dir, "classes");
    const body = articulatedBodies({ shapes: 1, poses: 1, vertices: 410 })[0];
    for (const c of ["cat", "dog"]) {
      await mkdir(join(classification, c, "train"), { recursive: true });
      await writeFile(join(classification, c, "train", "t1.obj"), writeObj(body.data));
    }
    await expect(segmentationDataset(classification, undefined, 2 ** 30)).rejects.toThrow(
      /cat\/train\/t1\.obj: no label file .*; 1 more meshes lack one.*is this a classification dataset\?/,
    );
  });

  it("splits registrations as FAUST is split, by name, with the first training mesh as the template", async () => {
    const root = join(dir, "faust");
    await writeRegistrations(root);
    const sources = await correspondenceDataset(root, undefined, 2 ** 30);
    expect(sources.train.map((s) => s.source.name)).toEqual(
      [0, 1, 2, 3].map((i) => `faust/tr_reg_00${i}.ply`),
    );
    expect(sources.test.map((s) => s.source.name)).toEqual(["faust/tr_reg_004.ply"]);
    expect(sources.template?.data.positions.length).toBe(3 * 410);
    const split = join(dir, "split.json");
    await writeFile(
      split,
      JSON.stringify({ train: ["tr_reg_003.ply", "tr_reg_001.ply"], test: ["tr_reg_000.ply"] }),
    );
    const chosen = await correspondenceDataset(root, split, 2 ** 30);
    expect(chosen.train.map((s) => s.source.name)).toEqual(["faust/tr_reg_003.ply", "faust/tr_reg_001.ply"]);
    expect(chosen.template?.name).toBe(join(root, "tr_reg_003.ply"));
    await writeFile(split, JSON.stringify({ train: ["tr_reg_009.ply"] }));
    await expect(correspondenceDataset(root, split, 2 ** 30)).rejects.toThrow(
      /lists tr_reg_009\.ply, which is not a mesh file/,
    );
  });

  it("carries labels through repair's renumbering and the largest-component selection", () => {
    // A square of two triangles, an unused vertex in the middle of the list, and a second,
    // smaller component (one triangle) that preprocessing drops.
    const obj = [
      "v 0 0 0",
      "v 9 9 9",
      "v 1 0 0",
      "v 1 1 0",
      "v 0 1 0",
      "v 5 0 0",
      "v 6 0 0",
      "v 5 1 0",
      "f 1 3 4",
      "f 1 4 5",
      "f 6 7 8",
    ].join("\n");
    const mesh = preprocessObj(obj, "square.obj");
    expect(mesh.sourceVertexCount).toBe(8);
    expect(Array.from(mesh.sourceVertex)).toEqual([0, 2, 3, 4]);
    const labels = Int32Array.from([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(Array.from(meshVertexLabels(mesh, labels))).toEqual([10, 12, 13, 14]);
    expect(() => meshVertexLabels(mesh, labels.subarray(0, 7))).toThrow(
      /7 vertex labels for a mesh of 8 vertices/,
    );
    // Registrations: the label is the file's vertex, and the count must be the template's.
    expect(Array.from(meshVertexLabels(mesh, "index", 8))).toEqual([0, 2, 3, 4]);
    expect(() => meshVertexLabels(mesh, "index", 9)).toThrow(
      /square\.obj: 8 vertices, but the template has 9: a correspondence dataset is registrations/,
    );
  });

  it("generates the synthetic sets: remeshed bodies with parts, registrations with one connectivity", () => {
    const seg = syntheticPerVertex("segmentation", { seed: 0, trainShapes: 1, testShapes: 1 });
    expect(seg.train).toHaveLength(4);
    expect(seg.test).toHaveLength(4);
    expect(seg.classes).toHaveLength(6);
    const corr = syntheticPerVertex("correspondence", { seed: 0, trainShapes: 1, testShapes: 1 });
    expect(corr.classes).toEqual([]);
    expect(corr.train.every((s) => s.labels === "index")).toBe(true);
    expect(corr.template?.data.positions.length).toBe(3 * 1000);
  });
});
