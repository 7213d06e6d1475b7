import { basename, extname, join, resolve } from "node:path";
import {
  declarationColumns,
  type FieldDeclaration,
  namedFieldTypeOf,
  vertexFieldsToColumns,
} from "@gemcnn/features";
import {
  formatVertexFieldsJson,
  type TriangleMeshData,
  writePlyWithVertexProperties,
} from "@gemcnn/geometry";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import type { ModelSpec } from "../classifiers/classifier.js";
import { featureDistance } from "../classifiers/training-distribution.js";
import { booleanOption, type CliIO, type ParsedArgs, stringOption } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { outputFailure } from "../cli/fs-errors.js";
import type { preprocessingFromArgs } from "../commands/shared.js";
import { maxMeshBytes, meshAsRead } from "../data/mesh-file.js";
import { modelInputFields } from "../fields/input-fields.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { preprocessRegression, regressionItems } from "./data.js";
import { loadRegressionModel } from "./evaluate.js";
import { regressionParts } from "./train.js";

/** The declaration of a prediction: the field's name with `_pred` appended, so its columns are `<field>_pred…`. */
export function predictedDeclaration(declaration: FieldDeclaration): FieldDeclaration {
  const name = `${declaration.name}_pred`;
  switch (declaration.kind) {
    case "scalar":
      return { name, kind: "scalar" };
    case "vector":
      return { name, kind: "vector" };
    case "direction":
      return {
        name,
        kind: "direction",
        ...(declaration.order !== undefined ? { order: declaration.order } : {}),
        ...(declaration.magnitude !== undefined ? { magnitude: `${name}_magnitude` } : {}),
      };
  }
}

/**
 * Columns of a preprocessed mesh's vertices carried back to the file's vertices as read: through
 * `sourceVertex`, and, for input vertices that repair welded into another (same position), from
 * the vertex they were welded into. Returns the columns and how many file vertices got no value
 * (dropped by preprocessing: another connected component, unreferenced): those hold 0.
 */
export function columnsOfFileVertices(
  mesh: Pick<SourcedMesh, "sourceVertex">,
  file: TriangleMeshData,
  columns: ReadonlyMap<string, ArrayLike<number>>,
): { columns: Map<string, Float64Array>; missing: number } {
  const n = file.positions.length / 3;
  const from = new Int32Array(n).fill(-1);
  mesh.sourceVertex.forEach((u, v) => {
    from[u] = v;
  });
  if (from.includes(-1)) {
    const key = (u: number) =>
      `${file.positions[3 * u]},${file.positions[3 * u + 1]},${file.positions[3 * u + 2]}`;
    const byPosition = new Map<string, number>();
    for (let u = 0; u < n; u++) if (from[u] >= 0) byPosition.set(key(u), from[u]);
    for (let u = 0; u < n; u++) if (from[u] < 0) from[u] = byPosition.get(key(u)) ?? -1;
  }
  let missing = 0;
  for (const v of from) if (v < 0) missing++;
  const out = new Map<string, Float64Array>();
  for (const [name, values] of columns)
    out.set(
      name,
      Float64Array.from(from, (v) => (v < 0 ? 0 : values[v])),
    );
  return { columns: out, missing };
}

/**
 * `gemcnn predict` with a regression model: for each mesh file (with its field file beside it
 * when the model reads input fields), `<out>/<name>.fields.json` and `<out>/<name>.ply` (the mesh
 * as read, the columns as `double` vertex properties): the predicted fields as ambient columns in
 * the mesh's coordinates, named `<field>_pred` (`<field>_pred_x`, `_y`, `_z` for vectors and
 * directions), one row per vertex of the file as read, beside the declared input columns and,
 * where the field file has them, the true target columns, so that a viewer pairs them.
 */
export async function predictRegressionFiles(
  modelDir: string,
  spec: ModelSpec,
  paths: readonly string[],
  args: ParsedArgs,
  io: CliIO,
  setup: ReturnType<typeof preprocessingFromArgs>,
): Promise<number> {
  const { fields, outputType } = regressionParts(spec, modelDir);
  await modelInputFields(spec, modelDir, args, io);
  const outDir = resolve(io.cwd, stringOption(args, "out") ?? "predictions");
  const names = paths.map((p) => basename(p, extname(p)));
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined)
    throw new UsageError(
      `two meshes are called ${twice}: their predictions would both be ${join(outDir, `${twice}.fields.json`)}`,
    );
  const maxBytes = maxMeshBytes(args);
  const samples = paths.map((path) => ({ path, name: path, className: "", label: 0 }));
  const items = await regressionItems(samples, fields, maxBytes, "optional");
  const data = await preprocessRegression(
    { description: "", train: items, val: [], test: [] },
    fields,
    setup,
    io,
  );
  const predictedDeclarations = fields.target.map(predictedDeclaration);
  const predictedType = namedFieldTypeOf(predictedDeclarations);
  const written: { mesh: string; fields: string; ply: string; summary: string }[] = [];
  if (data.meshes.length > 0) {
    const model = await loadRegressionModel(
      modelDir,
      spec,
      data.meshes,
      data.targets.map((t) => t?.values),
    );
    const predictions = await model.predict(data.meshes.map((_, i) => i));
    const { fieldRegressionMetrics } = await import("@gemcnn/nn");
    for (const [i, mesh] of data.meshes.entries()) {
      const item = data.items[i];
      const file = await meshAsRead(item.path, maxBytes);
      const frames = { e1: mesh.e1, e2: mesh.e2, n: mesh.normals };
      const predicted = vertexFieldsToColumns(predictedType, predictions[i], frames, predictedDeclarations);
      const carried = columnsOfFileVertices(mesh, file, predicted);
      // The file's own declared columns (input, and the truth where it has it) first, as read.
      const columns = new Map<string, ArrayLike<number>>();
      for (const declaration of [...fields.input, ...(item.hasTarget ? fields.target : [])]) {
        for (const name of declarationColumns(declaration))
          columns.set(name, item.columns.columns.get(name) as Float64Array);
      }
      for (const [name, values] of carried.columns) columns.set(name, values);
      const name = basename(item.path, extname(item.path));
      const fieldsPath = join(outDir, `${name}.fields.json`);
      const plyPath = join(outDir, `${name}.ply`);
      try {
        await writeFileAtomic(fieldsPath, formatVertexFieldsJson(columns));
        await writeFileAtomic(plyPath, writePlyWithVertexProperties(file, columns));
      } catch (error) {
        if (error instanceof Error && error.name === "VertexFieldFileError")
          throw new CliError(`${plyPath}: ${error.message}`);
        throw outputFailure(error, "write", "the predictions", outDir);
      }
      if (carried.missing > 0)
        io.stderr.write(
          `warning: ${item.path}: ${carried.missing} vertices were dropped by the preprocessing (another connected component, or unused); their predicted columns hold 0\n`,
        );
      const target = data.targets[i];
      let summary: string;
      if (target !== undefined) {
        const metrics = fieldRegressionMetrics(outputType, predictions[i], target.values);
        summary = metrics.copies
          .map(
            (c) =>
              `${c.name} RMSE ${c.rmse.toPrecision(3)}${c.angularError ? `, angular error median ${c.angularError.median.toFixed(1)}°` : ""}`,
          )
          .join("; ");
        summary += " (against the field file's truth)";
      } else {
        summary = `${fields.target.map((d) => d.name).join(", ")} predicted on ${mesh.nVertices} vertices`;
      }
      const distance = spec.trainingSet ? featureDistance(mesh, spec.trainingSet) : undefined;
      if (spec.trainingSet && distance !== undefined && distance > spec.trainingSet.maxDistance)
        io.stderr.write(
          `warning: ${item.path}: far outside the training data (distance ${distance.toFixed(2)} of its pooled input statistics; all ${spec.trainingSet.count} training meshes lie within ${spec.trainingSet.maxDistance.toFixed(2)}): its prediction is a guess\n`,
        );
      written.push({ mesh: item.path, fields: fieldsPath, ply: plyPath, summary });
    }
  }
  if (booleanOption(args, "json")) {
    io.stdout.write(
      `${JSON.stringify({ task: "regression", predictions: written, skipped: data.skipped }, null, 1)}\n`,
    );
  } else {
    for (const w of written) io.stdout.write(`${w.mesh}: ${w.summary}\n  ${w.fields}\n  ${w.ply}\n`);
  }
  if (written.length === 0) {
    io.stderr.write("no mesh could be predicted on (see the reasons above)\n");
    return EXIT.failure;
  }
  return data.skipped.length > 0 ? EXIT.partial : EXIT.success;
}
