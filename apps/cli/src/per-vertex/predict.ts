import { basename, extname, join, resolve } from "node:path";
import { parseMesh, type TriangleMeshData } from "@gemcnn/geometry";
import { readRegularFileBytes, writeFileAtomic } from "@gemcnn/geometry/node";
import type { ModelSpec } from "../classifiers/classifier.js";
import { featureDistance } from "../classifiers/training-distribution.js";
import { booleanOption, type CliIO, type ParsedArgs, stringOption } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { outputFailure } from "../cli/fs-errors.js";
import type { preprocessingFromArgs } from "../commands/shared.js";
import { maxMeshBytes, meshAsRead } from "../data/mesh-file.js";
import { fileSources } from "../data/sources.js";
import { modelInputFields, withInputColumns } from "../fields/input-fields.js";
import type { SourcedMesh } from "../preprocess/mesh-record.js";
import { loadPerVertexModel, perVertexClassCount, perVertexTaskOf } from "./evaluate.js";
import { labelColours, templateColours, writeVertexColouredPly } from "./ply-output.js";
import { preprocessPerVertex, TEMPLATE_FILE } from "./train.js";

/**
 * Per-vertex predictions of a preprocessed mesh carried back to the file's vertices as read:
 * through `sourceVertex`, and, for input vertices that repair welded into another (same
 * position), from the vertex they were welded into; −1 for vertices that preprocessing dropped
 * (another connected component, unreferenced).
 */
export function labelsOfFileVertices(
  mesh: SourcedMesh,
  file: TriangleMeshData,
  predicted: ArrayLike<number>,
): Int32Array {
  const n = file.positions.length / 3;
  const out = new Int32Array(n).fill(-1);
  mesh.sourceVertex.forEach((u, v) => {
    out[u] = predicted[v];
  });
  if (out.includes(-1)) {
    const key = (u: number) =>
      `${file.positions[3 * u]},${file.positions[3 * u + 1]},${file.positions[3 * u + 2]}`;
    const byPosition = new Map<string, number>();
    for (let u = 0; u < n; u++) if (out[u] >= 0) byPosition.set(key(u), out[u]);
    for (let u = 0; u < n; u++) if (out[u] < 0) out[u] = byPosition.get(key(u)) ?? -1;
  }
  return out;
}

/** One integer per line (−1: no prediction for that vertex). */
function labelLines(labels: Int32Array): string {
  let text = "";
  for (const label of labels) text += `${label}\n`;
  return text;
}

/**
 * `gemcnn predict` with a segmentation or correspondence model: for each mesh file,
 * `<out>/<name>.labels.txt` (one label per vertex of the file as read: a part, or a template
 * vertex) and `<out>/<name>.ply` (the mesh as read with vertex colours: a colour per part, or the
 * template's smooth colouring carried by the correspondence; and an `int label` property).
 */
export async function predictPerVertexFiles(
  modelDir: string,
  spec: ModelSpec,
  paths: readonly string[],
  args: ParsedArgs,
  io: CliIO,
  setup: ReturnType<typeof preprocessingFromArgs>,
): Promise<number> {
  const task = perVertexTaskOf(spec, modelDir);
  const outDir = resolve(io.cwd, stringOption(args, "out") ?? "predictions");
  const names = paths.map((p) => basename(p, extname(p)));
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined)
    throw new UsageError(
      `two meshes are called ${twice}: their predictions would both be ${join(outDir, `${twice}.labels.txt`)}`,
    );
  const maxBytes = maxMeshBytes(args);
  const samples = paths.map((path) => ({ path, name: path, className: "", label: 0 }));
  const inputFields = await modelInputFields(spec, modelDir, args, io);
  const items = await withInputColumns(
    fileSources(samples, maxBytes).map((source) => ({ source, labels: "index" as const })),
    paths,
    inputFields,
    maxBytes,
  );
  const data = await preprocessPerVertex(
    { description: "", classes: spec.classes, train: items, val: [], test: [], inputFields },
    setup,
    io,
  );
  const classes = perVertexClassCount(spec, modelDir);
  let template: TriangleMeshData | undefined;
  if (task === "correspondence") {
    const file = join(modelDir, spec.template?.file ?? TEMPLATE_FILE);
    try {
      template = parseMesh(await readRegularFileBytes(file, "template mesh"), "ply", file);
    } catch (error) {
      throw new CliError(
        `${file}: cannot read the template mesh (${(error as Error).message.split("\n")[0]})`,
      );
    }
    if (template.positions.length / 3 !== classes)
      throw new CliError(
        `${file}: ${template.positions.length / 3} vertices, but the model has ${classes} template vertices`,
      );
  }
  const written: { mesh: string; labels: string; ply: string; summary: string }[] = [];
  if (data.meshes.length > 0) {
    const model = await loadPerVertexModel(modelDir, spec, data);
    const predictions = await model.predict(data.meshes.map((_, i) => i));
    for (const [i, mesh] of data.meshes.entries()) {
      const file = await meshAsRead(mesh.name, maxBytes);
      const labels = labelsOfFileVertices(mesh, file, predictions[i].labels);
      const colours = template ? templateColours(template.positions, labels) : labelColours(labels);
      const name = basename(mesh.name, extname(mesh.name));
      const labelsPath = join(outDir, `${name}.labels.txt`);
      const plyPath = join(outDir, `${name}.ply`);
      try {
        await writeFileAtomic(labelsPath, labelLines(labels));
        await writeFileAtomic(plyPath, writeVertexColouredPly(file, { colours, labels }));
      } catch (error) {
        throw outputFailure(error, "write", "the predictions", outDir);
      }
      const p = predictions[i].probability;
      const meanProbability = p.reduce((a, b) => a + b, 0) / Math.max(1, p.length);
      let summary: string;
      if (task === "segmentation") {
        const counts = new Array<number>(classes).fill(0);
        for (const label of predictions[i].labels) counts[label]++;
        summary = counts
          .map((c, k) => [c, k] as const)
          .filter(([c]) => c > 0)
          .sort((a, b) => b[0] - a[0])
          .map(([c, k]) => `${spec.classes[k]} ${((100 * c) / mesh.nVertices).toFixed(1)}%`)
          .join(", ");
      } else {
        summary = `${mesh.nVertices} vertices matched to the template`;
      }
      const distance = spec.trainingSet ? featureDistance(mesh, spec.trainingSet) : undefined;
      if (spec.trainingSet && distance !== undefined && distance > spec.trainingSet.maxDistance)
        io.stderr.write(
          `warning: ${mesh.name}: far outside the training data (distance ${distance.toFixed(2)} of its pooled invariant features; all ${spec.trainingSet.count} training meshes lie within ${spec.trainingSet.maxDistance.toFixed(2)}): its labels are guesses\n`,
        );
      written.push({
        mesh: mesh.name,
        labels: labelsPath,
        ply: plyPath,
        summary: `${summary}; mean probability ${(100 * meanProbability).toFixed(1)}%`,
      });
    }
  }
  if (booleanOption(args, "json")) {
    io.stdout.write(`${JSON.stringify({ task, predictions: written, skipped: data.skipped }, null, 1)}\n`);
  } else {
    for (const w of written) io.stdout.write(`${w.mesh}: ${w.summary}\n  ${w.labels}\n  ${w.ply}\n`);
  }
  if (written.length === 0) {
    io.stderr.write("no mesh could be labelled (see the reasons above)\n");
    return EXIT.failure;
  }
  return data.skipped.length > 0 ? EXIT.partial : EXIT.success;
}
