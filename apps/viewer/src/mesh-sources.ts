import { bumpySphere, bunny, grid, icosphere, type TriangleMeshData, torus } from "@gemcnn/geometry";
import { parseMeshFile } from "./load-mesh-file.js";

/** A mesh the page can open without a file from the user. */
export interface BuiltinMesh {
  readonly name: string;
  readonly description: string;
  load(): Promise<TriangleMeshData>;
}

/** The meshes generated on the fly from the geometry package's generators. */
const GENERATED: readonly BuiltinMesh[] = [
  {
    name: "bumpy sphere",
    description: "icosphere pushed in and out by smooth bumps (642 vertices)",
    load: async () => bumpySphere(),
  },
  {
    name: "bunny",
    description: "the Stanford bunny, a scanned mesh (1839 vertices)",
    load: async () => bunny(),
  },
  {
    name: "torus",
    description: "torus, genus 1: positive curvature outside, negative inside, total zero (512 vertices)",
    load: async () => torus(),
  },
  {
    name: "icosphere",
    description: "subdivided icosahedron on the unit sphere (642 vertices)",
    load: async () => icosphere(3),
  },
  {
    name: "grid",
    description: "flat square grid with a boundary (121 vertices)",
    load: async () => grid(),
  },
];

// The project's own mesh files (meshes/*.obj|off|ply), bundled as URLs and fetched when opened.
const MESH_FILE_URLS = import.meta.glob("../../../meshes/*.{obj,off,ply}", {
  query: "?url",
  import: "default",
  eager: true,
}) as Record<string, string>;

const PROJECT_FILES: readonly BuiltinMesh[] = Object.entries(MESH_FILE_URLS)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([path, url]) => {
    const fileName = path.split("/").pop()!;
    return {
      name: `meshes/${fileName}`,
      description: `the project's file meshes/${fileName}`,
      async load() {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`meshes/${fileName}: could not fetch it (HTTP ${response.status})`);
        return parseMeshFile(`meshes/${fileName}`, await response.arrayBuffer());
      },
    };
  });

/** All built-in meshes: the generated ones first, then the project's `meshes/` files. */
export function builtinMeshes(): readonly BuiltinMesh[] {
  return [...GENERATED, ...PROJECT_FILES];
}

/** The built-in mesh called `name`; throws a `RangeError` listing the known names otherwise. */
export function findBuiltinMesh(name: string): BuiltinMesh {
  const found = builtinMeshes().find((mesh) => mesh.name === name);
  if (!found) {
    const names = builtinMeshes().map((mesh) => JSON.stringify(mesh.name));
    throw new RangeError(`no built-in mesh called ${JSON.stringify(name)}; known: ${names.join(", ")}`);
  }
  return found;
}
