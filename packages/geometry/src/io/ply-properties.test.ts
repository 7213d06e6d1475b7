import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { icosphere } from "../generate/icosphere.js";
import { MeshParseError } from "./mesh-parse-error.js";
import { parsePly, writePly } from "./ply.js";
import { parsePlyVertexProperties, writePlyWithVertexProperties } from "./ply-properties.js";
import { readVertexFieldFile, writeVertexFieldFile } from "./vertex-field-files.js";
import { VertexFieldFileError } from "./vertex-fields.js";

const ASCII = `ply
format ascii 1.0
comment an element before the vertices, with a list, to be skipped
element material 1
property list uchar float weights
property uchar id
element vertex 4
property float x
property float y
property float z
property float nx
property uchar quality
property list uchar int neighbours
property double wind_u
element face 2
property list uchar int vertex_indices
property float face_quality
end_header
3 0.5 0.25 1 7
0 0 0 0 10 2 1 2 0.1
1 0 0 1 20 0 -0.2
0 1 0 -1 30 1 0 1e-300
0 0 1 0.5 40 3 0 1 2 3.5
3 0 1 2 0.5
3 0 2 3 0.25
`;

describe("parsePlyVertexProperties", () => {
  it("reads every scalar vertex property as a column, skipping lists and other elements", () => {
    const { mesh, columns } = parsePlyVertexProperties(ASCII, "a.ply");
    expect(mesh).toEqual(parsePly(ASCII, "a.ply"));
    expect(columns.nVertices).toBe(4);
    expect(columns.source).toBe("a.ply");
    expect([...columns.columns.keys()]).toEqual(["x", "y", "z", "nx", "quality", "wind_u"]);
    expect(Array.from(columns.columns.get("nx")!)).toEqual([0, 1, -1, 0.5]);
    expect(Array.from(columns.columns.get("quality")!)).toEqual([10, 20, 30, 40]);
    expect(Array.from(columns.columns.get("wind_u")!)).toEqual([0.1, -0.2, 1e-300, 3.5]);
  });

  it("round-trips extra columns exactly in binary (both byte orders) and ASCII", () => {
    const data = icosphere(1);
    const n = data.positions.length / 3;
    const columns = new Map([
      ["pressure", Float64Array.from({ length: n }, (_, v) => Math.sin(v) / 3)],
      ["wind_x", Float64Array.from({ length: n }, (_, v) => 1e-20 * v - 5)],
    ]);
    for (const format of ["binary_little_endian", "binary_big_endian", "ascii"] as const) {
      const bytes = writePlyWithVertexProperties(data, columns, format);
      const back = parsePlyVertexProperties(bytes, `m.${format}.ply`);
      expect(back.mesh.positions).toEqual(data.positions);
      expect(back.mesh.triangles).toEqual(data.triangles);
      expect(back.columns.columns.get("pressure"), format).toEqual(columns.get("pressure"));
      expect(back.columns.columns.get("wind_x"), format).toEqual(columns.get("wind_x"));
    }
    // Without extra columns the file is writePly's.
    expect(writePlyWithVertexProperties(data, new Map())).toEqual(writePly(data));
  });

  it("keeps NaN from binary files (judged where a column is used), and refuses it in ASCII output", () => {
    const data = icosphere(0);
    const values = new Float64Array(12).fill(1);
    values[5] = Number.NaN;
    const back = parsePlyVertexProperties(writePlyWithVertexProperties(data, new Map([["q", values]])));
    expect(Number.isNaN(back.columns.columns.get("q")![5])).toBe(true);
    expect(() => writePlyWithVertexProperties(data, new Map([["q", values]]), "ascii")).toThrowError(
      /NaN cannot be written to an ASCII PLY file/,
    );
  });

  it("refuses names and lengths PLY cannot hold, and reports broken files as the mesh reader does", () => {
    const data = icosphere(0);
    const twelve = new Float64Array(12);
    expect(() => writePlyWithVertexProperties(data, new Map([["wind x", twelve]]))).toThrowError(
      VertexFieldFileError,
    );
    expect(() => writePlyWithVertexProperties(data, new Map([["y", twelve]]))).toThrowError(
      /already called x, y and z/,
    );
    expect(() => writePlyWithVertexProperties(data, new Map([["q", new Float64Array(11)]]))).toThrowError(
      /11 values for 12 vertices/,
    );
    expect(() =>
      parsePlyVertexProperties(ASCII.replace("0 0 1 0.5 40", "0 0 1 0.5 x"), "bad.ply"),
    ).toThrowError(MeshParseError);
  });
});

describe("readVertexFieldFile and writeVertexFieldFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "gemcnn-fields-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = icosphere(1);
  const n = data.positions.length / 3;
  const columns = new Map([
    ["p", Float64Array.from({ length: n }, (_, v) => v / 7)],
    ["u", Float64Array.from({ length: n }, (_, v) => -v)],
  ]);

  it("write and read back each kind, chosen by the name", async () => {
    for (const name of ["m.csv", "m.fields.json", "m.ply"]) {
      const path = join(dir, name);
      await writeVertexFieldFile(path, columns, { mesh: data });
      const back = await readVertexFieldFile(path, { count: n });
      expect(back.source).toBe(path);
      expect(back.columns.get("p"), name).toEqual(columns.get("p"));
      expect(back.columns.get("u"), name).toEqual(columns.get("u"));
    }
  });

  it("name the file for a missing file, a wrong count and a PLY without its mesh", async () => {
    await expect(readVertexFieldFile(join(dir, "none.csv"))).rejects.toThrowError(
      /none\.csv: cannot read the field file: no such file/,
    );
    await expect(readVertexFieldFile(`${dir}/`, { count: n })).rejects.toThrowError(/field file/);
    await writeVertexFieldFile(join(dir, "c.ply"), columns, { mesh: data });
    await expect(readVertexFieldFile(join(dir, "c.ply"), { count: n + 1 })).rejects.toThrowError(
      new RegExp(`c\\.ply: ${n} vertices in the file for a mesh of ${n + 1} vertices`),
    );
    writeFileSync(join(dir, "short.csv"), "p\n1\n");
    await expect(readVertexFieldFile(join(dir, "short.csv"), { count: n })).rejects.toThrowError(
      new RegExp(`short\\.csv: 1 rows after the header for a mesh of ${n} vertices`),
    );
    await expect(writeVertexFieldFile(join(dir, "x.ply"), columns)).rejects.toThrowError(
      /pass options\.mesh/,
    );
  });
});
