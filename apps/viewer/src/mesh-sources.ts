import { bumpySphere, bunny, grid, icosphere, type TriangleMeshData, torus } from "@gemcnn/geometry";

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
    description: "icosphere pushed in and out by smooth bumps: curvature of both signs (642 vertices)",
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

/**
 * All built-in meshes: the generated ones first, then the project's `meshes/` files. The files are
 * bundled as URLs and fetched only when opened.
 */
export function builtinMeshes(): readonly BuiltinMesh[] {
  return GENERATED;
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
