import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { grid } from "../generate/grid.js";
import { relabelMesh } from "../mesh/relabel.js";
import { readLabelFile, readVertexLabels, writeLabelFile } from "./label-files.js";
import {
  faceLabelsToVertexLabels,
  formatLabels,
  LabelFileError,
  labelElementOf,
  parseLabels,
  vertexLabelsToFaceLabels,
} from "./labels.js";

describe("parseLabels and formatLabels", () => {
  it("reads one integer per line, skipping blank lines and \\r, and round-trips", () => {
    expect(Array.from(parseLabels("3\n0\r\n\n12\n"))).toEqual([3, 0, 12]);
    expect(Array.from(parseLabels(new TextEncoder().encode("1\n2")))).toEqual([1, 2]);
    const labels = Int32Array.of(0, 5, 2147483647, 1);
    expect(parseLabels(formatLabels(labels))).toEqual(labels);
    expect(formatLabels([])).toBe("");
  });

  it("names the file and the line of every bad label", () => {
    const cases: [string, RegExp][] = [
      ["1\n2.5\n", /^a\.seg, line 2: expected a non-negative integer label, got '2\.5'$/],
      ["1\n\n-3\n", /^a\.seg, line 3: labels must not be negative, got '-3'$/],
      ["1 2\n", /^a\.seg, line 1: expected one label per line, got '1 2'$/],
      ["x\n", /line 1: expected a non-negative integer label, got 'x'/],
      ["1\n99999999999\n", /line 2: label 99999999999 is larger than 2147483647/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLabels(text, { source: "a.seg" })).toThrow(message);
      expect(() => parseLabels(text, { source: "a.seg" })).toThrow(LabelFileError);
    }
  });

  it("checks the count against the mesh", () => {
    expect(() => parseLabels("1\n2\n", { source: "m.seg", count: 3 })).toThrow(
      /^m\.seg: 2 labels for a mesh of 3 faces; a \.seg file holds one label per face/,
    );
    expect(() => parseLabels("1\n", { source: "m.vseg", count: 2, element: "vertex" })).toThrow(
      /1 labels for a mesh of 2 vertices; a \.vseg file holds one label per vertex/,
    );
    expect(() => formatLabels([1, -1])).toThrow(/label 1 is -1/);
  });

  it("tells faces from vertices by the extension", () => {
    expect(labelElementOf("x/chair.SEG")).toBe("face");
    expect(labelElementOf("chair.vseg")).toBe("vertex");
    expect(() => labelElementOf("chair.txt")).toThrow(/chair\.txt: not a label file/);
  });
});

describe("face labels to vertex labels and back", () => {
  // A 4 × 2 grid of quads (two triangles each): faces 0 … 15, left half label 1, right half 2.
  const mesh = grid({ nx: 4, ny: 2, width: 4, height: 2 });
  const nFaces = mesh.triangles.length / 3;
  const centroidX = (f: number) =>
    [0, 1, 2].reduce((s, c) => s + mesh.positions[3 * mesh.triangles[3 * f + c]], 0) / 3;
  const faceLabels = Int32Array.from({ length: nFaces }, (_, f) => (centroidX(f) < 0 ? 1 : 2));

  it("gives each vertex the label of most incident face area, ties to the smaller label", () => {
    const vertex = faceLabelsToVertexLabels(mesh, faceLabels);
    // The grid's faces all have area 1/2: count them per side.
    for (let v = 0; v < vertex.length; v++) {
      const sides = [0, 0, 0];
      for (let f = 0; f < nFaces; f++) {
        if ([0, 1, 2].some((c) => mesh.triangles[3 * f + c] === v)) sides[faceLabels[f]]++;
      }
      expect(vertex[v]).toBe(sides[2] > sides[1] ? 2 : 1);
    }
    // An interior vertex of the middle line has three faces on each side: the tie goes to label 1.
    const centre = Array.from({ length: vertex.length }, (_, v) => v).find(
      (v) => Math.abs(mesh.positions[3 * v]) < 1e-12 && Math.abs(mesh.positions[3 * v + 1]) < 1e-12,
    )!;
    expect(vertex[centre]).toBe(1);
    // Make one right-hand face much larger by weight of area: a skewed copy moves the vote.
    const skewed = { positions: Float64Array.from(mesh.positions), triangles: mesh.triangles };
    for (let v = 0; v < vertex.length; v++) if (mesh.positions[3 * v] > 0.5) skewed.positions[3 * v] += 3;
    expect(faceLabelsToVertexLabels(skewed, faceLabels)[centre]).toBe(2);
  });

  it("does not depend on the order of vertices and faces in the file", () => {
    const { data, vertexOrder, faceOrder } = relabelMesh(mesh, 3);
    const vertex = faceLabelsToVertexLabels(mesh, faceLabels);
    const moved = faceLabelsToVertexLabels(
      data,
      Int32Array.from(faceOrder, (f) => faceLabels[f]),
    );
    expect(Array.from(moved)).toEqual(Array.from(vertexOrder, (v) => vertex[v]));
  });

  it("marks unreferenced vertices −1 and rejects bad arguments", () => {
    const extra = { positions: Float64Array.from([...mesh.positions, 9, 9, 9]), triangles: mesh.triangles };
    expect(faceLabelsToVertexLabels(extra, faceLabels).at(-1)).toBe(-1);
    expect(() => faceLabelsToVertexLabels(mesh, [1, 2])).toThrow(/2 labels for 16 faces/);
    expect(() => faceLabelsToVertexLabels(mesh, Array(nFaces).fill(-1))).toThrow(/face 0 has label -1/);
  });

  it("labels a face by the majority of its corners, else by confidence, else the smaller label", () => {
    const triangles = Uint32Array.of(0, 1, 2, 2, 3, 4, 0, 2, 4, 5, 5, 5);
    const vertexLabels = Int32Array.of(7, 7, 3, 1, 3, -1);
    expect(Array.from(vertexLabelsToFaceLabels(triangles, vertexLabels))).toEqual([7, 3, 3, -1]);
    const three = Uint32Array.of(0, 2, 3);
    expect(vertexLabelsToFaceLabels(three, vertexLabels)[0]).toBe(1);
    expect(vertexLabelsToFaceLabels(three, vertexLabels, [0.9, 0, 0.2, 0.5, 0, 0])[0]).toBe(7);
    expect(() => vertexLabelsToFaceLabels(three, [1, 2])).toThrow(/names vertex 2, beyond the 2 labels/);
  });
});

describe("label files (Node)", () => {
  it("reads .seg and .vseg files for a mesh, converts faces to vertices, writes atomically", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gemcnn-labels-"));
    try {
      const mesh = grid({ nx: 2, ny: 1 });
      const seg = join(dir, "m.seg");
      await writeLabelFile(seg, [0, 0, 1, 1]);
      expect(await readFile(seg, "utf8")).toBe("0\n0\n1\n1\n");
      expect(await readLabelFile(seg, mesh)).toEqual({ element: "face", labels: Int32Array.of(0, 0, 1, 1) });
      expect((await readVertexLabels(seg, mesh)).length).toBe(6);
      const vseg = join(dir, "m.vseg");
      await writeFile(vseg, "0\n1\n2\n3\n4\n");
      await expect(readVertexLabels(vseg, mesh)).rejects.toThrow(
        /m\.vseg: 5 labels for a mesh of 6 vertices/,
      );
      await expect(readLabelFile(join(dir, "none.seg"), mesh)).rejects.toThrow(
        /none\.seg: cannot read the label file: no such file/,
      );
      await expect(writeLabelFile(join(dir, "m.txt"), [1])).rejects.toThrow(/not a label file/);
      // Read as safely as mesh files: a FIFO is refused at once (it used to wait for a writer
      // forever), so is a link to a device, and a size limit applies.
      const fifo = join(dir, "pipe.seg");
      execFileSync("mkfifo", [fifo]);
      const zero = join(dir, "zero.vseg");
      await symlink("/dev/zero", zero);
      for (const [path, why] of [
        [fifo, "it is a FIFO (named pipe)"],
        [zero, "it is a symbolic link to /dev/zero, a character device"],
      ]) {
        const error = await readVertexLabels(path, mesh).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(LabelFileError);
        expect((error as Error).message).toBe(
          `${path}: cannot read the label file: ${why}, not a regular file`,
        );
      }
      await expect(readLabelFile(seg, mesh, { maxBytes: 4 })).rejects.toThrow(
        `${seg}: the file is 8 bytes, more than the limit of 4 bytes for a label file (the maxBytes option raises it)`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
