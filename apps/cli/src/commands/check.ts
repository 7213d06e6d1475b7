import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { mulberry32, randomGauge, type TriangleMeshData } from "@gemcnn/geometry";
import { type Command, integerOption } from "../cli/command.js";
import { CliError, EXIT } from "../cli/errors.js";
import { describeFsError } from "../data/dataset.js";
import { loadMeshFile } from "../data/load.js";
import { readModelSpec } from "../models/classifier.js";
import { type PreprocessedMesh, type PreprocessOptions, preprocessMeshData } from "../preprocess/pipeline.js";
import { randomRotationMatrix, rotateMesh } from "../preprocess/run.js";
import { loadClassifier } from "./evaluate.js";

/**
 * Largest change of the class probabilities accepted as "unchanged": the linear probe computes in
 * float64, so only rounding differences (about 1e-12 here) are expected; 1e-9 leaves a margin.
 */
export const FLOAT64_TOLERANCE = 1e-9;

/** The mesh as given (first), then under random gauge changes, then under random rotations. */
export interface InvarianceVariant {
  readonly label: string;
  readonly mesh: PreprocessedMesh;
}

export function invarianceVariants(
  data: TriangleMeshData,
  name: string,
  options: PreprocessOptions,
  counts: { gauges: number; rotations: number; seed: number },
): InvarianceVariant[] {
  const variants = [{ label: "as given", mesh: preprocessMeshData(data, name, options) }];
  for (let g = 0; g < counts.gauges; g++) {
    const mesh = preprocessMeshData(data, name, options, [], (n) => randomGauge(n, counts.seed + g));
    variants.push({ label: `random gauge ${g + 1}`, mesh });
  }
  for (let r = 0; r < counts.rotations; r++) {
    const rotated = rotateMesh(data, randomRotationMatrix(mulberry32(counts.seed * 31 + r)));
    variants.push({ label: `random rotation ${r + 1}`, mesh: preprocessMeshData(rotated, name, options) });
  }
  return variants;
}

/** Largest absolute change of any class probability of each variant against the first. */
export function probabilityChanges(probabilities: readonly Float64Array[]): number[] {
  const [reference, ...others] = probabilities;
  return others.map((p) => {
    let change = 0;
    for (let c = 0; c < reference.length; c++) change = Math.max(change, Math.abs(p[c] - reference[c]));
    return change;
  });
}

/** `gemcnn check <model> <mesh>`: is the trained model's output unchanged by gauge changes and rotations? */
export const checkCommand: Command = {
  name: "check",
  summary: "check that a trained model ignores gauge changes and rotations of a mesh",
  description:
    "Classifies the mesh as it is, with every tangent frame turned by a random angle (the features'\n" +
    "order-1 and order-2 parts then change as their representations say), and turned by random\n" +
    "rotations in space, and reports the largest change of the class probabilities. A gauge-\n" +
    "equivariant network with invariant pooling, like every model here, must not change its output\n" +
    "beyond rounding. Exit status 1 when it does.",
  positionals: [
    { name: "model", description: "model directory (runs/<name>/model)", required: true },
    { name: "mesh", description: "mesh file (.obj, .off, .ply)", required: true },
  ],
  options: {
    gauges: {
      type: "string",
      valueName: "<n>",
      description: "random gauge changes to try",
      defaultText: "3",
    },
    rotations: { type: "string", valueName: "<n>", description: "random rotations to try", defaultText: "3" },
    seed: {
      type: "string",
      valueName: "<n>",
      description: "seed of the random gauges and rotations",
      defaultText: "1",
    },
  },
  examples: [
    {
      command: "gemcnn check runs/experiment/model meshes/torus.obj",
      description: "3 gauges and 3 rotations",
    },
    {
      command: "gemcnn check runs/shrec16/model ../shared/datasets/shrec_16/cat/test/T7.obj --gauges 10",
      description: "more gauges",
    },
  ],
  async run(args, io) {
    const modelDir = resolve(io.cwd, args.positionals.model as string);
    const meshPath = resolve(io.cwd, args.positionals.mesh as string);
    const spec = await readModelSpec(modelDir);
    const gauges = integerOption(args, "gauges", 3, { min: 0 });
    const rotations = integerOption(args, "rotations", 3, { min: 0 });
    const seed = integerOption(args, "seed", 1, { min: 0 });
    let bytes: Uint8Array;
    try {
      bytes = await readFile(meshPath);
    } catch (error) {
      throw new CliError(`${meshPath}: ${describeFsError(error, "mesh file")}`);
    }
    let variants: { label: string; mesh: PreprocessedMesh }[];
    try {
      const data = loadMeshFile(bytes, meshPath, spec.preprocess, []);
      variants = [{ label: "as given", mesh: preprocessMeshData(data, meshPath, spec.preprocess) }];
      for (let g = 0; g < gauges; g++) {
        const mesh = preprocessMeshData(data, meshPath, spec.preprocess, [], (n) => randomGauge(n, seed + g));
        variants.push({ label: `random gauge ${g + 1}`, mesh });
      }
      for (let r = 0; r < rotations; r++) {
        const rotated = rotateMesh(data, randomRotationMatrix(mulberry32(seed * 31 + r)));
        variants.push({
          label: `random rotation ${r + 1}`,
          mesh: preprocessMeshData(rotated, meshPath, spec.preprocess),
        });
      }
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const model = await loadClassifier(
      modelDir,
      spec,
      variants.map((v) => v.mesh),
    );
    const probabilities = await model.predict(variants.map((_, i) => i));
    const reference = probabilities[0];
    const best = reference.indexOf(Math.max(...reference));
    io.stdout.write(`${meshPath}: ${spec.classes[best]} (${(100 * reference[best]).toFixed(2)}%)\n`);
    let worst = 0;
    for (let i = 1; i < variants.length; i++) {
      let change = 0;
      for (let c = 0; c < reference.length; c++)
        change = Math.max(change, Math.abs(probabilities[i][c] - reference[c]));
      worst = Math.max(worst, change);
      io.stdout.write(
        `  ${variants[i].label.padEnd(18)} largest probability change ${change.toExponential(2)}\n`,
      );
    }
    const ok = worst <= FLOAT64_TOLERANCE;
    io.stdout.write(
      `${ok ? "invariant" : "NOT invariant"}: largest change ${worst.toExponential(2)} (tolerance ${FLOAT64_TOLERANCE.toExponential(0)}, float64)\n`,
    );
    return ok ? EXIT.success : EXIT.failure;
  },
};
