// Writes the small OBJ meshes committed in this folder: `pnpm meshes`. test/meshes.test.ts checks
// that the committed files are exactly what this script writes now, and that they are valid.
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  bumpySphere,
  grid,
  icosphere,
  type TriangleMeshData,
  torus,
  writeFileAtomic,
  writeObj,
} from "@gemcnn/geometry";

/**
 * Decimals of the written coordinates (the meshes are about 1 across). Rounding keeps the files
 * identical wherever the script runs: Math.sin and friends may differ in the last bit between
 * JavaScript engines, and a coordinate that should be 0 comes out as, say, 6e-17.
 */
export const FRACTION_DIGITS = 10;

/** The folder of this script, where the meshes are written. */
export const MESHES_DIR = dirname(fileURLToPath(import.meta.url));

export interface MeshFile {
  readonly name: string;
  /** The generator call that makes it, as written in the file's header. */
  readonly call: string;
  readonly data: TriangleMeshData;
}

export function meshFiles(): MeshFile[] {
  const torusOptions = { majorRadius: 1, minorRadius: 0.4, majorSegments: 24, minorSegments: 12 };
  const gridOptions = { nx: 8, ny: 8, width: 2, height: 2 };
  const bumpyOptions = { level: 2, amplitude: 0.15, frequency: 3, seed: 1 };
  const call = (name: string, options: object) => `${name}(${JSON.stringify(options)})`;
  return [
    { name: "icosphere-2.obj", call: "icosphere(2)", data: icosphere(2) },
    { name: "torus.obj", call: call("torus", torusOptions), data: torus(torusOptions) },
    { name: "grid.obj", call: call("grid", gridOptions), data: grid(gridOptions) },
    { name: "bumpy-sphere.obj", call: call("bumpySphere", bumpyOptions), data: bumpySphere(bumpyOptions) },
  ];
}

/** The text of a mesh file. */
export function meshFileText(file: MeshFile): string {
  const { positions, triangles } = file.data;
  const comment = [
    `${file.call}: ${positions.length / 3} vertices, ${triangles.length / 3} faces, from @gemcnn/geometry.`,
    `Written by meshes/generate.ts (pnpm meshes), coordinates rounded to ${FRACTION_DIGITS} decimals.`,
  ].join("\n");
  return writeObj(file.data, { comment, fractionDigits: FRACTION_DIGITS });
}

async function main(): Promise<void> {
  for (const file of meshFiles()) {
    const path = join(MESHES_DIR, file.name);
    await writeFileAtomic(path, meshFileText(file));
    console.log(`wrote meshes/${basename(path)}: ${file.call}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
