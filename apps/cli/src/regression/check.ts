import { type PreprocessedMesh, preprocessMeshData } from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import {
  MeshGeometry,
  randomGauge,
  relabelMesh,
  type TangentFrames,
  type VertexColumns,
} from "@gemcnn/geometry";
import type { ModelSpec } from "../classifiers/classifier.js";
import { booleanOption, type CliIO, type ParsedArgs } from "../cli/command.js";
import { CliError, EXIT } from "../cli/errors.js";
import { randomMeshMotion } from "../commands/check.js";
import type { LoadedMesh } from "../data/load.js";
import { reorderedColumns, rotateDeclaredColumns } from "../fields/field-files.js";
import { checkedMeshFields, checkedVariantInput, modelInputFields } from "../fields/input-fields.js";
import { rotateMesh } from "../preprocess/run.js";
import { loadRegressionModel } from "./evaluate.js";
import { regressionParts } from "./train.js";

/** One variant of the checked mesh: how it was changed, and how to compare its prediction with the first. */
interface Variant {
  readonly label: string;
  readonly mesh: PreprocessedMesh;
  /** Vertex j of this variant is vertex `order[j]` of the mesh as given (null: the same numbering). */
  readonly order: Uint32Array | null;
  /** The rotation the variant's mesh (and its vector fields) was turned by, row-major 3×3 (null: none). */
  readonly rotation: readonly number[] | null;
}

/**
 * A packed field of `type` at the vertices of a variant, expressed in the reference's frames: at
 * each vertex, the angle φ of the variant's `e1` measured in the reference's frame (moved by the
 * variant's rotation) turns an order-n copy by `nφ` — how a tangent field's coefficients change
 * between two frames of one tangent plane. Then, in the reference's vertex order.
 */
function inReferenceFrames(
  type: FieldType,
  values: ArrayLike<number>,
  variant: Variant,
  reference: TangentFrames,
): Float64Array {
  const dim = type.dim;
  const n = variant.mesh.nVertices;
  const out = new Float64Array(n * dim);
  const r = variant.rotation ?? [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const turn = (a: ArrayLike<number>, v: number) =>
    [0, 1, 2].map((k) => r[3 * k] * a[3 * v] + r[3 * k + 1] * a[3 * v + 1] + r[3 * k + 2] * a[3 * v + 2]);
  const copies = type.copies();
  for (let j = 0; j < n; j++) {
    const v = variant.order === null ? j : variant.order[j];
    const e1 = [variant.mesh.e1[3 * j], variant.mesh.e1[3 * j + 1], variant.mesh.e1[3 * j + 2]];
    const f1 = turn(reference.e1, v);
    const f2 = turn(reference.e2, v);
    const phi = Math.atan2(
      e1[0] * f2[0] + e1[1] * f2[1] + e1[2] * f2[2],
      e1[0] * f1[0] + e1[1] * f1[1] + e1[2] * f1[2],
    );
    for (const copy of copies) {
      const at = j * dim + copy.offset;
      const to = v * dim + copy.offset;
      if (copy.dim === 1) {
        out[to] = values[at];
        continue;
      }
      const [c, s] = [Math.cos(copy.order * phi), Math.sin(copy.order * phi)];
      out[to] = c * values[at] - s * values[at + 1];
      out[to + 1] = s * values[at] + c * values[at + 1];
    }
  }
  return out;
}

/**
 * `gemcnn check` of a regression model on one mesh (and its field file, when the model reads
 * input fields): the network's output at every vertex as given, under random gauge changes,
 * random rigid motions (the input's vectors turned with the mesh) and random relabellings of the
 * vertices and faces, each brought back to the first's frames and vertex order (an order-n copy
 * turned by n times the angle between the frames), as the relative change of all outputs
 * (tolerance 1e-4 in float32, as the other checks); then layer by layer.
 */
export async function checkRegression(
  modelDir: string,
  spec: ModelSpec,
  loaded: LoadedMesh,
  meshPath: string,
  counts: { gauges: number; rotations: number; relabellings: number; seed: number },
  args: ParsedArgs,
  io: CliIO,
  maxBytes: number,
): Promise<number> {
  const { fields, outputType } = regressionParts(spec, modelDir);
  await modelInputFields(spec, modelDir, args, io);
  const { data, columns, options } = await checkedMeshFields(
    loaded,
    meshPath,
    spec.preprocess,
    fields.input,
    maxBytes,
  );
  const variants: Variant[] = [];
  try {
    const add = (
      label: string,
      mesh: PreprocessedMesh,
      own: VertexColumns,
      order: Uint32Array | null,
      rotation: readonly number[] | null,
    ) => {
      variants.push({
        label,
        mesh: checkedVariantInput(mesh, own, fields.input, spec.preprocess),
        order,
        rotation,
      });
    };
    add("as given", preprocessMeshData(data, meshPath, options), columns, null, null);
    for (let g = 0; g < counts.gauges; g++) {
      const mesh = preprocessMeshData(data, meshPath, options, [], (n) => randomGauge(n, counts.seed + g));
      add(`random gauge ${g + 1}`, mesh, columns, null, null);
    }
    for (let r = 0; r < counts.rotations; r++) {
      const { rotation, shift } = randomMeshMotion(counts.seed * 31 + r);
      const rotated = rotateMesh(data, rotation);
      const moved = {
        ...rotated,
        positions: Float64Array.from(rotated.positions, (x, i) => x + shift[i % 3]),
      };
      const turned = rotateDeclaredColumns(columns, fields.input, rotation);
      add(
        `random rigid motion ${r + 1}`,
        preprocessMeshData(moved, meshPath, options),
        turned,
        null,
        rotation,
      );
    }
    for (let r = 0; r < counts.relabellings; r++) {
      const relabelled = relabelMesh(data, counts.seed * 97 + r);
      const mesh = preprocessMeshData(relabelled.data, meshPath, options);
      add(
        `random relabelling ${r + 1}`,
        mesh,
        reorderedColumns(columns, relabelled.vertexOrder),
        relabelled.vertexOrder,
        null,
      );
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${meshPath}: ${(error as Error).message}`);
  }
  const model = await loadRegressionModel(
    modelDir,
    spec,
    variants.map((v) => v.mesh),
    variants.map(() => undefined),
  );
  const { LOGIT_TOLERANCE, layerEquivarianceReport, relativeChange } = await import(
    "../classifiers/gem-check.js"
  );
  const type = FieldType.parse(outputType.type.toString());
  const outputs = variants.map((_, i) => model.scaledPrediction(i));
  const first = variants[0].mesh;
  const reference = inReferenceFrames(type, outputs[0], variants[0], {
    e1: first.e1,
    e2: first.e2,
    n: first.normals,
  });
  const frames = { e1: first.e1, e2: first.e2, n: first.normals };
  const changes = variants
    .slice(1)
    .map((variant, k) => relativeChange(inReferenceFrames(type, outputs[k + 1], variant, frames), reference));
  io.stdout.write(
    `${meshPath}: ${first.nVertices} vertices, regression model (output ${outputType.type}: ${outputType.names.join(", ")})\n`,
  );
  changes.forEach((change, k) => {
    io.stdout.write(
      `  ${variants[k + 1].label.padEnd(26)} relative change of the predicted fields ${change.toExponential(2)}\n`,
    );
  });
  const worst = Math.max(0, ...changes);
  let ok = worst <= LOGIT_TOLERANCE;
  io.stdout.write(
    `${ok ? "equivariant" : "NOT equivariant"}: largest change ${worst.toExponential(2)} (tolerance ${LOGIT_TOLERANCE.toExponential(0)}, float32)\n`,
  );
  if (!booleanOption(args, "no-layers")) {
    const geometry = MeshGeometry.fromData({ positions: first.positions, triangles: first.triangles });
    io.stdout.write("layer by layer, random input, random gauge change:\n");
    for (const row of layerEquivarianceReport(model.model, geometry, counts.seed)) {
      const pass = row.relativeError <= row.tolerance;
      ok &&= pass;
      io.stdout.write(
        `  ${row.layer.padEnd(20)} ${`level ${row.level}`.padEnd(9)} ${row.outType.padEnd(18)} relative error ${row.relativeError.toExponential(2)}${pass ? "" : `  ABOVE ${row.tolerance.toExponential(0)}`}\n`,
      );
    }
    io.stdout.write(`${ok ? "equivariant" : "NOT equivariant"} (layer tolerance 1e-5, float32)\n`);
  }
  return ok ? EXIT.success : EXIT.failure;
}
