// Benchmark of the input features, stage by stage:
// `pnpm bench:features [--k 128] [--repeats 3] [--with-1m] [--only <mesh,…>] [--no-dense]`.
// Each mesh runs in its own child process, so that its peak resident memory is its own. Per mesh,
// on one fresh geometry as `computeFeatures` does it: normalisation and frames (`prepareMesh`),
// the cotangent Laplacian and vertex areas, the eigenpairs (nested-dissection ordering and LDLᵀ
// factorisation, then the eigensolve), the heat-kernel signature from those pairs, the moments
// and the curvature (whose Laplacian is cached by then). Wall time per stage (median of the
// repeats), CPU time of the whole (user + system of the one thread: what a core spent, however
// loaded the machine) and peak RSS. Meshes: geodesic spheres of about 1k, 7k, 10k and 100k
// vertices (and 1M with --with-1m), a SHREC-11 mesh from ../shared/datasets when it is there,
// and the Stanford bunny as it is and subdivided (every face into four at its edge midpoints, so
// a real shape and triangulation at 7k and 118k vertices). Beside them, up to 1k vertices, the
// dense path the features used before: all pairs by ml-matrix's symmetric decomposition of
// `M^(−1/2) L M^(−1/2)`, and the signature from all of them.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bunny,
  geodesicSphere,
  laplacianEigenpairs,
  parseMesh,
  type TriangleMeshData,
} from "@gemcnn/geometry";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import {
  computeFeatures,
  DEFAULT_FEATURE_OPTIONS,
  HKS_EIGENPAIR_TOLERANCE,
  heatKernelSignatureOfSpectrum,
  prepareMesh,
} from "../src/index.js";

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const k = Number(argument("--k") ?? DEFAULT_FEATURE_OPTIONS.hksEigenpairs);
const repeats = Number(argument("--repeats") ?? 3);
const timeCount = DEFAULT_FEATURE_OPTIONS.hksTimeCount;
const SHREC_MESH = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/datasets/shrec_16/alien/train/T133.obj",
);

/** Every face split into four at its edge midpoints (midpoints shared between the two faces of an edge). */
function subdivide(data: TriangleMeshData): TriangleMeshData {
  const n = data.positions.length / 3;
  const midpoint = new Map<number, number>();
  const positions: number[] = Array.from(data.positions);
  const at = (a: number, b: number) => {
    const key = Math.min(a, b) * n + Math.max(a, b);
    let m = midpoint.get(key);
    if (m === undefined) {
      m = positions.length / 3;
      for (let d = 0; d < 3; d++) positions.push((data.positions[3 * a + d] + data.positions[3 * b + d]) / 2);
      midpoint.set(key, m);
    }
    return m;
  };
  const triangles: number[] = [];
  for (let f = 0; f < data.triangles.length; f += 3) {
    const [a, b, c] = [data.triangles[f], data.triangles[f + 1], data.triangles[f + 2]];
    const [ab, bc, ca] = [at(a, b), at(b, c), at(c, a)];
    triangles.push(a, ab, ca, ab, b, bc, ca, bc, c, ab, bc, ca);
  }
  return { positions: Float64Array.from(positions), triangles: Uint32Array.from(triangles) };
}

/** The meshes by name: `sphere-<f>` (10f² + 2 vertices), `bunny`, `bunny-x<s>` (subdivided s times), `shrec`. */
function meshFor(name: string): TriangleMeshData {
  if (name.startsWith("sphere-")) return geodesicSphere(Number(name.slice(7)));
  if (name === "shrec") return parseMesh(readFileSync(SHREC_MESH), "obj", SHREC_MESH);
  if (name.startsWith("bunny")) {
    let data = bunny();
    for (let s = Number(name.split("-x")[1] ?? 0); s > 0; s--) data = subdivide(data);
    return data;
  }
  throw new Error(`unknown mesh ${name}`);
}

interface Measurement {
  mesh: string;
  vertices: number;
  /** Milliseconds per stage. */
  prepare: number;
  laplacian: number;
  factorisation: number;
  eigensolve: number;
  heatKernel: number;
  moments: number;
  curvature: number;
  total: number;
  /** CPU milliseconds of the whole run (one thread). */
  cpu: number;
  peakMiB: number;
  method: string;
}

/** One mesh, in this (child) process: the median of the repeats, every stage timed. */
function measureOne(name: string, repeatCount: number): Measurement {
  const data = meshFor(name);
  const runs: Measurement[] = [];
  for (let r = 0; r < repeatCount; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const prepared = prepareMesh(data, name);
    const { geometry } = prepared;
    const t1 = performance.now();
    void geometry.cotanLaplacian;
    void geometry.vertexAreas;
    const t2 = performance.now();
    const pairs = laplacianEigenpairs(geometry, Math.min(k, geometry.nVertices - 1), {
      tolerance: HKS_EIGENPAIR_TOLERANCE,
    });
    const t3 = performance.now();
    heatKernelSignatureOfSpectrum(pairs, geometry.vertexAreas, { timeCount });
    const t4 = performance.now();
    computeFeatures(prepared, { ...DEFAULT_FEATURE_OPTIONS, kinds: ["moments"] });
    const t5 = performance.now();
    computeFeatures(prepared, { ...DEFAULT_FEATURE_OPTIONS, kinds: ["curvature"] });
    const t6 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // The solver's own split of t3 − t2: factorisation (ordering included), then the rest.
    const factorisation = pairs.timings.factorisation * 1000;
    runs.push({
      mesh: name,
      vertices: geometry.nVertices,
      prepare: t1 - t0,
      laplacian: t2 - t1,
      factorisation,
      eigensolve: t3 - t2 - factorisation,
      heatKernel: t4 - t3,
      moments: t5 - t4,
      curvature: t6 - t5,
      total: t6 - t0,
      cpu: (cpu.user + cpu.system) / 1000,
      peakMiB: 0,
      method: pairs.method,
    });
  }
  const result = { ...runs[0] };
  for (const key of Object.keys(result) as (keyof Measurement)[]) {
    if (typeof result[key] !== "number") continue;
    const sorted = runs.map((run) => run[key] as number).sort((a, b) => a - b);
    (result as Record<string, unknown>)[key] = sorted[Math.floor(sorted.length / 2)];
  }
  result.peakMiB = process.resourceUsage().maxRSS / 1024;
  return result;
}

/** The dense path of before: all pairs by ml-matrix, then the signature from all of them. */
function measureDense(name: string): Measurement {
  const data = meshFor(name);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { geometry } = prepareMesh(data, name);
  const n = geometry.nVertices;
  const L = geometry.cotanLaplacian;
  const m = geometry.vertexAreas;
  const t1 = performance.now();
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let p = L.rowOffsets[i]; p < L.rowOffsets[i + 1]; p++) {
      const j = L.columnIndices[p];
      a.set(i, j, L.values[p] / Math.sqrt(m[i] * m[j]));
    }
  }
  const decomposition = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const lambda = decomposition.realEigenvalues;
  const psi = decomposition.eigenvectorMatrix;
  const order = Array.from(lambda.keys()).sort((x, y) => lambda[x] - lambda[y]);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) vectors[i * n + j] = psi.get(i, order[j]) / Math.sqrt(m[i]);
  const t2 = performance.now();
  heatKernelSignatureOfSpectrum({ values: Float64Array.from(order, (j) => lambda[j]), vectors }, m, {
    timeCount,
  });
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return {
    mesh: name,
    vertices: n,
    prepare: 0,
    laplacian: t1 - t0,
    factorisation: 0,
    eigensolve: t2 - t1,
    heatKernel: t3 - t2,
    moments: 0,
    curvature: 0,
    total: t3 - t0,
    cpu: (cpu.user + cpu.system) / 1000,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    method: "dense (ml-matrix, all pairs)",
  };
}

const childMode = argument("--one");
const denseMode = argument("--dense");
if (childMode !== undefined) {
  console.log(JSON.stringify(measureOne(childMode, Number(argument("--repeats") ?? repeats))));
} else if (denseMode !== undefined) {
  console.log(JSON.stringify(measureDense(denseMode)));
} else {
  const spheres = ["sphere-10", "sphere-26", "sphere-32", "sphere-100"];
  if (process.argv.includes("--with-1m")) spheres.push("sphere-316");
  const real = [...(existsSync(SHREC_MESH) ? ["shrec"] : []), "bunny", "bunny-x1", "bunny-x3"];
  const large = new Set(["sphere-100", "sphere-316", "bunny-x3"]);
  const only = argument("--only")?.split(",");
  const meshes = [...spheres, ...real].filter((mesh) => !only || only.includes(mesh));
  const script = fileURLToPath(import.meta.url);
  const child = (args: string[]): Measurement => {
    const run = spawnSync(process.execPath, [...process.execArgv, script, ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) throw new Error(`child ${args.join(" ")} failed:\n${run.stderr}`);
    const lines = run.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]);
  };
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(" ");
  console.log(
    `bench:features ${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? "?"} · Node ${process.version} · load ${load()} · k = ${k}, ${timeCount} times · median of ${repeats} runs per mesh (1 from 100k vertices), each mesh in its own process`,
  );
  const columns = [
    "mesh",
    "V",
    "prepare",
    "laplacian",
    "factor",
    "eigensolve",
    "heat kernel",
    "moments",
    "curvature",
    "total",
    "cpu",
    "peak RSS",
    "path",
  ];
  console.log(
    columns.map((h, i) => (i === 0 ? h.padEnd(26) : i === 12 ? `  ${h}` : h.padStart(12))).join(""),
  );
  const ms = (x: number) =>
    x === 0 ? "—" : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x >= 100 ? 0 : 1)} ms`;
  const print = (r: Measurement, label = r.mesh) =>
    console.log(
      [
        label.padEnd(26),
        r.vertices.toLocaleString("en"),
        ms(r.prepare),
        ms(r.laplacian),
        ms(r.factorisation),
        ms(r.eigensolve),
        ms(r.heatKernel),
        ms(r.moments),
        ms(r.curvature),
        ms(r.total),
        ms(r.cpu),
        `${r.peakMiB.toFixed(0)} MiB`,
        `  ${r.method}`,
      ]
        .map((cell, i) => (i === 0 || i === 12 ? cell : cell.padStart(12)))
        .join(""),
    );
  for (const mesh of meshes) {
    const r = child(["--one", mesh, "--k", String(k), "--repeats", String(large.has(mesh) ? 1 : repeats)]);
    print(r);
    if (r.vertices <= 1100 && !process.argv.includes("--no-dense"))
      print(child(["--dense", mesh]), `${mesh} (dense)`);
  }
  console.log(`load at the end ${load()}`);
}
