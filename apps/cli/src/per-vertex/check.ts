import { preprocessMeshData } from "@gemcnn/features";
import { MeshGeometry, relabelMesh, type TriangleMeshData } from "@gemcnn/geometry";
import type { ModelSpec } from "../classifiers/classifier.js";
import { booleanOption, type CliIO, type ParsedArgs } from "../cli/command.js";
import { CliError, EXIT } from "../cli/errors.js";
import { type CheckedFields, invarianceVariants } from "../commands/check.js";
import { reorderedColumns } from "../fields/field-files.js";
import { checkedVariantInput, computedPreprocess } from "../fields/input-fields.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { loadPerVertexModel } from "./evaluate.js";

/**
 * Tolerance of the per-vertex check: the norm-wise relative change of all logits of the mesh
 * (after mapping a relabelled mesh's vertices back), 1e-4, as the classifier's check and for the
 * same reason (gemcnn check's `LOGIT_TOLERANCE`): float32 through about ten layers leaves about
 * 1e-6, a convention error or an order-dependent sample 1e-2 or more.
 */
export { LOGIT_TOLERANCE as PER_VERTEX_LOGIT_TOLERANCE } from "../classifiers/gem-check.js";

/**
 * `gemcnn check` of a per-vertex model on one mesh: the logits of every vertex as given, under
 * random gauge changes, random rigid motions and random relabellings of the vertices and faces
 * (compared vertex by vertex after mapping back), then layer by layer as for a classifier.
 */
export async function checkPerVertex(
  modelDir: string,
  spec: ModelSpec,
  data: TriangleMeshData,
  fields: CheckedFields,
  meshPath: string,
  counts: { gauges: number; rotations: number; relabellings: number; seed: number },
  args: ParsedArgs,
  io: CliIO,
): Promise<number> {
  // `data` is the largest component already (checkedMeshFields), so that every variant has the
  // same vertices to compare, and `fields.columns` are on its vertices.
  const options = computedPreprocess({ ...spec.preprocess, largestComponentOnly: false });
  const variants = (() => {
    try {
      const base = invarianceVariants(data, meshPath, options, counts, fields).map((v) => ({
        ...v,
        order: null as Uint32Array | null,
      }));
      for (let r = 0; r < counts.relabellings; r++) {
        const relabelled = relabelMesh(data, counts.seed * 97 + r);
        base.push({
          label: `random relabelling ${r + 1}`,
          mesh: checkedVariantInput(
            preprocessMeshData(relabelled.data, meshPath, options),
            reorderedColumns(fields.columns, relabelled.vertexOrder),
            fields.declarations,
            fields.preprocess,
          ),
          order: relabelled.vertexOrder,
        });
      }
      return base;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message);
    }
  })();
  const meshes = variants.map((v) => ({
    ...v.mesh,
    sourceVertex: Int32Array.from({ length: v.mesh.nVertices }, (_, i) => i),
    sourceVertexCount: v.mesh.nVertices,
  })) as SourcedMesh[];
  const model = await loadPerVertexModel(modelDir, spec, {
    meshes,
    labels: meshes.map((m) => new Int32Array(m.nVertices).fill(-1)),
  });
  const { LOGIT_TOLERANCE, layerEquivarianceReport, relativeChange } = await import(
    "../classifiers/gem-check.js"
  );
  const classes = model.classes;
  const logits = variants.map((_, i) => model.logits(i));
  const reference = logits[0];
  const changes = variants.slice(1).map((variant, k) => {
    const own = logits[k + 1];
    if (variant.order === null) return relativeChange(own, reference);
    // Vertex j of the relabelled mesh is vertex order[j] of the mesh as given.
    const back = new Float32Array(reference.length);
    variant.order.forEach((source, j) => {
      back.set(own.subarray(j * classes, (j + 1) * classes), source * classes);
    });
    return relativeChange(back, reference);
  });
  io.stdout.write(
    `${meshPath}: ${meshes[0].nVertices} vertices, ${spec.task} model (${classes} classes per vertex)\n`,
  );
  changes.forEach((change, k) => {
    io.stdout.write(
      `  ${variants[k + 1].label.padEnd(26)} relative change of the per-vertex logits ${change.toExponential(2)}\n`,
    );
  });
  const worst = Math.max(0, ...changes);
  let ok = worst <= LOGIT_TOLERANCE;
  io.stdout.write(
    `${ok ? "invariant" : "NOT invariant"}: largest change ${worst.toExponential(2)} (tolerance ${LOGIT_TOLERANCE.toExponential(0)}, float32)\n`,
  );
  if (!booleanOption(args, "no-layers")) {
    const mesh = meshes[0];
    const geometry = MeshGeometry.fromData({ positions: mesh.positions, triangles: mesh.triangles });
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
