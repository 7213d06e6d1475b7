import { MeshParseError } from "@gemcnn/geometry";
import { describe, expect, test } from "vitest";
import { describeLoadError, parseMeshFile } from "./load-mesh-file.js";

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe("parseMeshFile", () => {
  test("reads each format by its extension, whatever the case", () => {
    const obj = parseMeshFile("tri.OBJ", bytes("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"));
    const off = parseMeshFile("tri.off", bytes("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"));
    const ply = parseMeshFile(
      "tri.ply",
      bytes(
        "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n" +
          "element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
      ),
    );
    for (const data of [obj, off, ply]) {
      expect(Array.from(data.triangles)).toEqual([0, 1, 2]);
      expect(Array.from(data.positions)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    }
  });

  test("a parse error names the file and the line", () => {
    expect(() => parseMeshFile("bad.obj", bytes("v 0 0\n"))).toThrow(MeshParseError);
    expect(() => parseMeshFile("bad.obj", bytes("v 0 0\n"))).toThrow(/^bad\.obj, line 1: /);
  });

  test("other extensions are refused with the accepted ones", () => {
    const empty = bytes("");
    expect(() => parseMeshFile("shape.stl", empty)).toThrow(MeshParseError);
    expect(() => parseMeshFile("shape.stl", empty)).toThrow(
      /^shape\.stl: unsupported mesh file extension '\.stl'/,
    );
    expect(() => parseMeshFile("dir/README", empty)).toThrow("'(none)'");
  });
});

test("describeLoadError puts the file name in front only when the message lacks it", () => {
  expect(describeLoadError("a.obj", new Error("a.obj, line 2: bad"))).toBe("a.obj, line 2: bad");
  expect(describeLoadError("a.obj", new Error("bad"))).toBe("a.obj: bad");
  expect(describeLoadError("a.obj", "odd")).toBe("a.obj: odd");
});
