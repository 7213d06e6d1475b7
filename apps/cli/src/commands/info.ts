import { resolve } from "node:path";
import { type FeatureOptions, gaussianCurvature, meanCurvature, preprocessMeshData } from "@gemcnn/features";
import {
  type MeshCounts,
  MeshGeometry,
  type MeshValidationReport,
  meshFormatOf,
  parseMesh,
  repairMesh,
  type TriangleMeshData,
  validateMesh,
} from "@gemcnn/geometry";
import { DEFAULT_MAX_MESH_FILE_BYTES } from "@gemcnn/geometry/node";
import { booleanOption, type Command } from "../cli/command.js";
import { CliError, EXIT, UsageError } from "../cli/errors.js";
import { MAX_MESH_SIZE_OPTION, maxMeshBytes, readMeshFile } from "../data/mesh-file.js";
import { featureOptionSpecs, featureOptionsFromArgs } from "./shared.js";

/** Five-number summary of a distribution. */
export interface Summary {
  readonly min: number;
  readonly p5: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

export interface MeshInfo {
  readonly file: string;
  readonly format: string;
  readonly bytes: number;
  readonly validation: Pick<MeshValidationReport, "ok" | "counts" | "problemCount" | "problemCounts"> & {
    /** The first problems found (at most about 100 of each kind; `problemCount` counts them all). */
    readonly problems: readonly { kind: string; message: string }[];
  };
  /**
   * Present when the mesh had problems: what `repairMesh` changes, whether that suffices, and the
   * counts and topology of the repaired mesh.
   */
  readonly repair?: {
    readonly summary: readonly string[];
    readonly ok: boolean;
    readonly counts: MeshCounts;
  };
  /** Computed on the mesh as read, or on its repaired version when it needed repair. */
  readonly geometry?: {
    readonly repaired: boolean;
    readonly area: number;
    readonly boundingBox: readonly [number, number, number];
    readonly edgeLength: Summary;
    /** Angle defect per barycentric area (1/length²). */
    readonly gaussianCurvature: Summary;
    /** Σ angle defects; 2πχ by discrete Gauss-Bonnet. */
    readonly totalAngleDefect: number;
    /** From the cotangent Laplacian, positive where convex (1/length). */
    readonly meanCurvature: Summary;
  };
  /**
   * With `--features`: the input features as training computes them by default (largest
   * component, repaired mesh), their field type, each channel's mean and spread, what the
   * preprocessing noted, and how long it took.
   */
  readonly features?: {
    readonly fieldType: string;
    readonly nVertices: number;
    readonly channels: readonly { name: string; mean: number; std: number }[];
    readonly notes: readonly string[];
    readonly seconds: number;
  };
  /** Why the geometry could not be computed. */
  readonly geometryError?: string;
  /** Why the features could not be computed (the geometry summary above them stands). */
  readonly featuresError?: string;
}

/** Everything `gemcnn info` reports about one mesh file; the features only when `features` is given. */
export async function meshInfo(
  path: string,
  features?: FeatureOptions,
  maxBytes = DEFAULT_MAX_MESH_FILE_BYTES,
): Promise<MeshInfo> {
  const bytes = await readMeshFile(path, maxBytes);
  let data: TriangleMeshData;
  let format: string;
  try {
    format = meshFormatOf(path);
    data = parseMesh(bytes, meshFormatOf(path), path);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const report = validateMesh(data, { source: path });
  let usable: TriangleMeshData | undefined = report.ok ? data : undefined;
  let repair: MeshInfo["repair"];
  if (!report.ok) {
    const repaired = repairMesh(data, { source: path });
    repair = {
      summary: repaired.report.summary,
      ok: repaired.report.validation.ok,
      counts: repaired.report.validation.counts,
    };
    if (repaired.report.validation.ok) usable = repaired.data;
  }
  const info: MeshInfo = {
    file: path,
    format,
    bytes: bytes.length,
    validation: {
      ok: report.ok,
      counts: report.counts,
      problemCount: report.problemCount,
      problemCounts: report.problemCounts,
      problems: report.problems.map((p) => ({ kind: p.kind, message: p.message })),
    },
    ...(repair ? { repair } : {}),
  };
  if (!usable) return { ...info, geometryError: "the mesh has problems that repair cannot fix" };
  let withGeometry: MeshInfo;
  try {
    const geometry = MeshGeometry.fromData(usable, { source: path });
    const areas = geometry.vertexAreas;
    const defects = geometry.vertexAngleDefects;
    const p = geometry.positions;
    const extent = [0, 1, 2].map((d) => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = d; i < p.length; i += 3) {
        lo = Math.min(lo, p[i]);
        hi = Math.max(hi, p[i]);
      }
      return hi - lo;
    }) as [number, number, number];
    withGeometry = {
      ...info,
      geometry: {
        repaired: !report.ok,
        area: geometry.faceAreas.reduce((a, b) => a + b, 0),
        boundingBox: extent,
        edgeLength: summarise(geometry.edgeLengths),
        gaussianCurvature: summarise(gaussianCurvature(defects, areas)),
        totalAngleDefect: defects.reduce((a, b) => a + b, 0),
        meanCurvature: summarise(
          meanCurvature(geometry.cotanLaplacian, areas, geometry.positions, geometry.vertexNormals),
        ),
      },
    };
  } catch (error) {
    return { ...info, geometryError: (error as Error).message };
  }
  if (!features) return withGeometry;
  try {
    const start = performance.now();
    const notes: string[] = [];
    const mesh = preprocessMeshData(
      usable,
      path,
      { features, repair: true, largestComponentOnly: true },
      notes,
    );
    const seconds = (performance.now() - start) / 1000;
    const dim = mesh.features.length / mesh.nVertices;
    const channels = mesh.channels.map((name, c) => {
      let sum = 0;
      let squares = 0;
      for (let v = 0; v < mesh.nVertices; v++) {
        const x = mesh.features[v * dim + c];
        sum += x;
        squares += x * x;
      }
      const mean = sum / mesh.nVertices;
      return { name, mean, std: Math.sqrt(Math.max(0, squares / mesh.nVertices - mean * mean)) };
    });
    return {
      ...withGeometry,
      features: { fieldType: mesh.fieldType, nVertices: mesh.nVertices, channels, notes, seconds },
    };
  } catch (error) {
    return { ...withGeometry, featuresError: (error as Error).message };
  }
}

/** Min, 5th percentile, median, 95th percentile, max (nearest-rank). */
export function summarise(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return { min: at(0), p5: at(0.05), median: at(0.5), p95: at(0.95), max: at(1) };
}

/** The human-readable report. */
export function formatMeshInfo(info: MeshInfo): string {
  const c = info.validation.counts;
  const g = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
  const summary = (s: Summary) =>
    `min ${g(s.min)}, 5% ${g(s.p5)}, median ${g(s.median)}, 95% ${g(s.p95)}, max ${g(s.max)}`;
  const topology = (c: MeshCounts) =>
    `${c.components} component(s), Euler characteristic ${c.eulerCharacteristic}, genus ${
      c.genus ?? "undefined (not a manifold)"
    }, ${c.boundaryLoops ?? "?"} boundary loop(s) (${c.boundaryEdges} boundary edges)`;
  const lines = [
    `file        ${info.file} (${info.format.toUpperCase()}, ${info.bytes} bytes)`,
    `counts      ${c.vertices} vertices, ${c.faces} faces, ${c.edges} edges`,
    `topology    ${topology(c)}`,
  ];
  if (info.validation.ok) {
    lines.push("validation  ok");
  } else {
    const { problems, problemCount, problemCounts } = info.validation;
    const byKind = Object.entries(problemCounts).map(([kind, n]) => `${n} ${kind}`);
    lines.push(`validation  ${problemCount} problem(s): ${byKind.join(", ")}`);
    const shown = problems.slice(0, 8);
    for (const p of shown) lines.push(`  - ${p.message}`);
    if (problemCount > shown.length) lines.push(`  - … and ${problemCount - shown.length} more`);
  }
  if (info.repair) {
    const r = info.repair.counts;
    lines.push(`repair      ${info.repair.ok ? "fixes every problem" : "cannot fix everything"}:`);
    for (const s of info.repair.summary) lines.push(`  - ${s}`);
    lines.push(
      `repaired    ${r.vertices} vertices, ${r.faces} faces, ${r.edges} edges`,
      `            ${topology(r)}`,
    );
  }
  if (info.geometry) {
    const m = info.geometry;
    if (m.repaired) lines.push("(geometry below is of the repaired mesh)");
    lines.push(
      `area        ${g(m.area)}; bounding box ${m.boundingBox.map(g).join(" × ")}`,
      `edge length ${summary(m.edgeLength)}`,
      `Gaussian K  ${summary(m.gaussianCurvature)} (angle defect per area)`,
      `            total angle defect ${g(m.totalAngleDefect)} = ${g(m.totalAngleDefect / (2 * Math.PI))} × 2π`,
      `mean H      ${summary(m.meanCurvature)} (cotangent Laplacian)`,
    );
  }
  if (info.geometryError) lines.push(`geometry    not computed: ${info.geometryError}`);
  if (info.features) {
    const f = info.features;
    lines.push(
      `features    ${f.fieldType} on ${f.nVertices} vertices, unit area, in ${f.seconds.toFixed(2)} s (mean ± std over vertices)`,
    );
    for (const note of f.notes) lines.push(`  - ${note}`);
    const width = Math.max(...f.channels.map((ch) => ch.name.length));
    for (const ch of f.channels) lines.push(`  ${ch.name.padEnd(width)}  ${g(ch.mean)} ± ${g(ch.std)}`);
  }
  if (info.featuresError) lines.push(`features    not computed: ${info.featuresError}`);
  return `${lines.join("\n")}\n`;
}

export const infoCommand: Command = {
  name: "info",
  summary: "report on a mesh file: validation, counts, genus, boundary, curvature",
  description:
    "Reads an OBJ, OFF or PLY file and prints its counts and topology (components, Euler\n" +
    "characteristic, genus, boundary loops), every validation problem, what repair would change,\n" +
    "and summaries of edge lengths and curvature. With --features, also the input features as\n" +
    "training computes them (the largest component of the repaired mesh, scaled to unit area):\n" +
    "the default groups, or those of --features <list>, as train takes it. Exit status 0 when a\n" +
    "report was printed (also for a broken mesh), 1 when the file cannot be read or parsed.",
  positionals: [{ name: "mesh", description: "mesh file (.obj, .off, .ply)", required: true }],
  options: {
    ...featureOptionSpecs(undefined, true),
    json: { type: "boolean", description: "print the report as JSON" },
    "max-mesh-size": MAX_MESH_SIZE_OPTION,
  },
  examples: [
    { command: "gemcnn info meshes/torus.obj", description: "counts, genus 1, curvature of the torus" },
    {
      command: "gemcnn info ../shared/datasets/shrec_16/alien/train/T220.obj --features",
      description: "a SHREC mesh with its input features (moments, curvature, heat kernel)",
    },
    {
      command: "gemcnn info meshes/bumpy-sphere.obj --features hks --hks-time-count 8",
      description: "the heat-kernel signature alone, at 8 times",
    },
    { command: "gemcnn info broken.off --json", description: "machine-readable report" },
  ],
  async run(args, io) {
    if (args.options.features === undefined) {
      for (const name of ["hks-eigenpairs", "hks-time-count"]) {
        if (args.options[name] !== undefined) throw new UsageError(`option --${name} needs --features`);
      }
    }
    const features = args.options.features === undefined ? undefined : featureOptionsFromArgs(args);
    const info = await meshInfo(
      resolve(io.cwd, args.positionals.mesh as string),
      features,
      maxMeshBytes(args),
    );
    io.stdout.write(
      booleanOption(args, "json") ? `${JSON.stringify(info, null, 1)}\n` : formatMeshInfo(info),
    );
    return EXIT.success;
  },
};
