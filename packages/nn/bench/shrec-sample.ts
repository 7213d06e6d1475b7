// What bench:classifier, bench:step-kernels and bench:step-split share, so that their figures are
// of the same model on the same meshes: every fifth SHREC-11 training mesh (shared/datasets,
// beside the checkout), the command line's default network, and cheap invariant inputs.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { meshFeatures } from "@gemcnn/features";
import type { MeshGeometry } from "@gemcnn/geometry";
import type { GemModelConfig } from "../src/index.js";

/** Every fifth SHREC-11 training mesh, by class and file name (60 meshes). */
export function shrecBenchFiles(): string[] {
  const root = fileURLToPath(new URL("../../../../shared/datasets/shrec_16/", import.meta.url));
  return readdirSync(root)
    .sort()
    .flatMap((shape) => readdirSync(join(root, shape, "train")).map((f) => join(root, shape, "train", f)))
    .filter((_, i) => i % 5 === 0);
}

/** The command line's default network for SHREC-11's 30 classes, on three invariant scalars. */
export const SHREC_BENCH_MODEL: GemModelConfig = {
  inputType: "3x0",
  blocks: [
    { fieldType: "16x0+16x1+16x2" },
    { fieldType: "16x0+16x1+16x2", pool: true },
    { fieldType: "32x0+16x1+16x2", pool: true },
  ],
  classes: 30,
  nonlinearity: "gated",
  head: [64],
  fieldDropout: 0.1,
  dropout: 0.2,
};

/** The benches' input: ones, angle defect and relative area (`3x0`), cheap to compute. */
export function shrecBenchFeatures(geometry: MeshGeometry): Float32Array | Float64Array {
  return meshFeatures(geometry, { kinds: ["ones", "angle-defect", "relative-area"] }).values;
}
