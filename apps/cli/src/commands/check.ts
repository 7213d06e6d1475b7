import { resolve } from "node:path";
import {
  type FieldDeclaration,
  type PreprocessedMesh,
  type PreprocessOptions,
  preprocessMeshData,
} from "@gemcnn/features";
import {
  MeshGeometry,
  mulberry32,
  randomGauge,
  type TriangleMeshData,
  type VertexColumns,
} from "@gemcnn/geometry";
import { loadClassifier, readModelSpec, taskOf } from "../classifiers/classifier.js";
import { booleanOption, type Command, integerOption } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { loadMeshFile } from "../data/load.js";
import { MAX_MESH_SIZE_OPTION, maxMeshBytes, readMeshFile } from "../data/mesh-file.js";
import { rotateDeclaredColumns } from "../fields/field-files.js";
import {
  checkedMeshFields,
  checkedVariantInput,
  INPUT_FIELDS_OF_MODEL,
  modelInputFields,
} from "../fields/input-fields.js";
import { checkPerVertex } from "../per-vertex/check.js";
import { randomRotationMatrix, rotateMesh } from "../preprocess/run.js";
import { checkRegression } from "../regression/check.js";
import { isPerVertexTask } from "../tasks/tasks.js";

/**
 * Largest change of the class probabilities accepted as "unchanged": the linear probe computes in
 * float64, so only rounding differences (about 1e-12 here) are expected; 1e-9 leaves a margin.
 */
export const FLOAT64_TOLERANCE = 1e-9;

/** The mesh as given (first), then under random gauge changes, then under random rigid motions. */
export interface InvarianceVariant {
  readonly label: string;
  readonly mesh: PreprocessedMesh;
}

/** A checked model's input fields: their declarations, their columns on the checked mesh's vertices, the model's preprocessing. */
export interface CheckedFields {
  readonly declarations: readonly FieldDeclaration[];
  readonly columns: VertexColumns;
  readonly preprocess: PreprocessOptions;
}

/**
 * The variants of `data` that `check` compares. With `fields`, each variant's network input
 * includes the input fields, converted into that variant's own frames (a random gauge turns an
 * order-n field's coefficients by ρ_n(−φ)) after turning their ambient vectors with a rigid
 * motion, as a user's fields move with their mesh.
 */
export function invarianceVariants(
  data: TriangleMeshData,
  name: string,
  options: PreprocessOptions,
  counts: { gauges: number; rotations: number; seed: number },
  fields?: CheckedFields,
): InvarianceVariant[] {
  const withFields = (mesh: PreprocessedMesh, rotation?: readonly number[]) =>
    fields === undefined
      ? mesh
      : checkedVariantInput(
          mesh,
          rotation ? rotateDeclaredColumns(fields.columns, fields.declarations, rotation) : fields.columns,
          fields.declarations,
          fields.preprocess,
        );
  const variants = [{ label: "as given", mesh: withFields(preprocessMeshData(data, name, options)) }];
  for (let g = 0; g < counts.gauges; g++) {
    const mesh = preprocessMeshData(data, name, options, [], (n) => randomGauge(n, counts.seed + g));
    variants.push({ label: `random gauge ${g + 1}`, mesh: withFields(mesh) });
  }
  for (let r = 0; r < counts.rotations; r++) {
    const seed = counts.seed * 31 + r;
    const moved = rigidMotionOf(data, seed);
    variants.push({
      label: `random rigid motion ${r + 1}`,
      mesh: withFields(preprocessMeshData(moved, name, options), randomMeshMotion(seed).rotation),
    });
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

/** The random rigid motion of `rigidMotionOf`: a rotation (row-major 3×3), then a translation of size about 3. */
export function randomMeshMotion(seed: number): { rotation: number[]; shift: number[] } {
  const random = mulberry32(seed);
  const rotation = randomRotationMatrix(random);
  const shift = [0, 1, 2].map(() => 6 * random() - 3);
  return { rotation, shift };
}

/** A rigid motion of the raw mesh: a random rotation, then a random translation of size about 3. */
export function rigidMotionOf(data: TriangleMeshData, seed: number): TriangleMeshData {
  const { rotation, shift } = randomMeshMotion(seed);
  const rotated = rotateMesh(data, rotation);
  const positions = Float64Array.from(rotated.positions, (x, i) => x + shift[i % 3]);
  return { ...rotated, positions };
}

/** `gemcnn check <model> <mesh>`: is the trained model's output unchanged by gauge changes and rigid motions? */
export const checkCommand: Command = {
  name: "check",
  summary: "check that a trained model ignores gauge changes, rigid motions (and renumberings) of a mesh",
  description:
    "Classifies the mesh as it is, with every tangent frame turned by a random angle (the features'\n" +
    "order-1 and order-2 parts change as their representations say, and the convolution graph is\n" +
    "rebuilt in the turned frames), and moved by random rigid motions (rotation and translation),\n" +
    "and reports the relative change of the logits (GEM-CNN; tolerance 1e-4 in float32) or the\n" +
    "largest change of a class probability (linear probe; 1e-9 in float64). For a GEM-CNN it then\n" +
    "checks layer by layer: the network up to each residual block and pooling, on a random input,\n" +
    "must transform by its output field type under a random gauge change (tolerance 1e-5).\n" +
    "A segmentation or correspondence model is checked vertex by vertex: the relative change of all\n" +
    "per-vertex logits under gauge changes, rigid motions and random renumberings of the vertices\n" +
    "and faces (each vertex compared with itself after mapping back; tolerance 1e-4 in float32).\n" +
    "A regression model is checked the same way on its predicted fields (with the input fields of\n" +
    "the field file beside the mesh, their vectors turned with the mesh), each brought back to the\n" +
    "first prediction's frames (an order-n copy turns by n times the angle between two frames).\n" +
    "A model that reads input fields (--input-fields at training) reads them from the field file beside\n" +
    "the mesh: each variant converts them into its own frames (order-n coefficients turn by ρ_n(−φ)),\n" +
    "and a rigid motion turns their vectors with the mesh.\n" +
    "Exit status 1 when any check fails.",
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
    rotations: {
      type: "string",
      valueName: "<n>",
      description: "random rigid motions to try",
      defaultText: "3",
    },
    relabellings: {
      type: "string",
      valueName: "<n>",
      description: "per-vertex and regression models: random renumberings of the vertices and faces to try",
      defaultText: "2",
    },
    "no-layers": { type: "boolean", description: "skip the layer-by-layer check (GEM-CNN)" },
    "input-fields": INPUT_FIELDS_OF_MODEL,
    "max-mesh-size": MAX_MESH_SIZE_OPTION,
    seed: {
      type: "string",
      valueName: "<n>",
      description: "seed of the random gauges and motions",
      defaultText: "1",
    },
  },
  examples: [
    {
      command: "gemcnn check runs/experiment/model meshes/torus.obj",
      description: "3 gauges, 3 rigid motions, then layer by layer",
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
    const bytes = await readMeshFile(meshPath, maxMeshBytes(args));
    if (taskOf(spec) === "regression") {
      let data: ReturnType<typeof loadMeshFile>;
      try {
        data = loadMeshFile(bytes, meshPath, spec.preprocess, []);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const relabellings = integerOption(args, "relabellings", 2, { min: 0 });
      return checkRegression(
        modelDir,
        spec,
        data,
        meshPath,
        { gauges, rotations, relabellings, seed },
        args,
        io,
        maxMeshBytes(args),
      );
    }
    const declarations = await modelInputFields(spec, modelDir, args, io);
    let loaded: ReturnType<typeof loadMeshFile>;
    try {
      loaded = loadMeshFile(bytes, meshPath, spec.preprocess, []);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const checked = await checkedMeshFields(
      loaded,
      meshPath,
      spec.preprocess,
      declarations,
      maxMeshBytes(args),
    );
    const fields: CheckedFields = { declarations, columns: checked.columns, preprocess: spec.preprocess };
    if (isPerVertexTask(taskOf(spec))) {
      const relabellings = integerOption(args, "relabellings", 2, { min: 0 });
      return checkPerVertex(
        modelDir,
        spec,
        checked.data,
        fields,
        meshPath,
        { gauges, rotations, relabellings, seed },
        args,
        io,
      );
    }
    if (args.options.relabellings !== undefined)
      throw new UsageError("--relabellings is for per-vertex models (segmentation, correspondence)");
    let variants: InvarianceVariant[];
    try {
      variants = invarianceVariants(
        checked.data,
        meshPath,
        checked.options,
        { gauges, rotations, seed },
        fields,
      );
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message);
    }
    const model = await loadClassifier(
      modelDir,
      spec,
      variants.map((v) => v.mesh),
    );
    const indices = variants.map((_, i) => i);
    const probabilities = await model.predict(indices);
    const reference = probabilities[0];
    const best = reference.indexOf(Math.max(...reference));
    io.stdout.write(`${meshPath}: ${spec.classes[best]} (${(100 * reference[best]).toFixed(2)}%)\n`);
    const { GemCnnClassifier } = await import("../classifiers/gem-classifier.js");
    const { LOGIT_TOLERANCE, layerEquivarianceReport, relativeChange } = await import(
      "../classifiers/gem-check.js"
    );
    const gem = model instanceof GemCnnClassifier ? model : undefined;
    const changes = gem
      ? (() => {
          const logits = gem.logits(indices);
          return logits.slice(1).map((l) => relativeChange(l, logits[0]));
        })()
      : probabilityChanges(probabilities);
    const what = gem ? "relative change of the logits" : "largest probability change";
    const tolerance = gem ? LOGIT_TOLERANCE : FLOAT64_TOLERANCE;
    changes.forEach((change, k) => {
      io.stdout.write(`  ${variants[k + 1].label.padEnd(22)} ${what} ${change.toExponential(2)}\n`);
    });
    const worst = Math.max(0, ...changes);
    let ok = worst <= tolerance;
    io.stdout.write(
      `${ok ? "invariant" : "NOT invariant"}: largest change ${worst.toExponential(2)} (tolerance ${tolerance.toExponential(0)}, ${gem ? "float32" : "float64"})\n`,
    );
    if (gem && !booleanOption(args, "no-layers")) {
      const mesh = variants[0].mesh;
      const geometry = MeshGeometry.fromData({ positions: mesh.positions, triangles: mesh.triangles });
      io.stdout.write("layer by layer, random input, random gauge change:\n");
      for (const row of layerEquivarianceReport(gem.model, geometry, seed)) {
        const pass = row.relativeError <= row.tolerance;
        ok &&= pass;
        const where = row.level === "mesh" ? "per mesh" : `level ${row.level}`;
        io.stdout.write(
          `  ${row.layer.padEnd(20)} ${where.padEnd(9)} ${row.outType.padEnd(18)} relative error ${row.relativeError.toExponential(2)}${pass ? "" : `  ABOVE ${row.tolerance.toExponential(0)}`}\n`,
        );
      }
      io.stdout.write(`${ok ? "equivariant" : "NOT equivariant"} (layer tolerance 1e-5, float32)\n`);
    }
    return ok ? EXIT.success : EXIT.failure;
  },
};
