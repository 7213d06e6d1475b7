// Benchmark of the Laplacian eigenpairs behind the heat-kernel signature:
// `pnpm bench:eigen [--k 128] [--sizes 10,26,32,100] [--with-1m] [--repeats 3]`.
// Per geodesic sphere (10f² + 2 vertices for frequency f; f = 26 gives 6,762 vertices, the size of
// a FAUST registration) and per real mesh (the Stanford bunny), each in a fresh child process so
// that its peak resident memory is its own: the time of every stage (cotangent Laplacian and
// vertex areas, nested-dissection ordering, LDLᵀ factorisation, the shift-invert block Krylov
// eigensolve with its parts, a 16-time heat-kernel signature from the k pairs) as the median of
// the repeats, the CPU time of the whole run and of the eigenpairs alone, and the peak RSS. Then
// ml-matrix's dense decomposition (the CLI's current path) on the ~1k sphere beside it.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import {
  bunny,
  geodesicSphere,
  laplacianEigenpairs,
  MeshGeometry,
  type TriangleMeshData,
} from "../src/index.js";

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const k = Number(argument("--k") ?? 128);
const repeats = Number(argument("--repeats") ?? 3);
const HEAT_TIMES = Array.from({ length: 16 }, (_, i) => 0.005 * 1.5 ** i);

interface Measurement {
  mesh: string;
  vertices: number;
  laplacian: number;
  ordering: number;
  factorisation: number;
  eigensolve: number;
  solves: number;
  orthogonalisation: number;
  rayleighRitz: number;
  heatKernel: number;
  total: number;
  /** CPU time (user + system) of the whole run: what one core spent, however loaded the machine. */
  cpu: number;
  /** CPU time of `laplacianEigenpairs` alone (ordering, factorisation, eigensolve). */
  eigenCpu: number;
  factorNonzeros: number;
  blockSolves: number;
  restarts: number;
  peakMiB: number;
  method: string;
}

function meshFor(name: string): TriangleMeshData {
  if (name === "bunny") return bunny();
  return geodesicSphere(Number(name.replace("sphere-", "")));
}

/** Heat-kernel signature Σ_j exp(−λ_j t) φ_j(i)², area-normalised per time, as the CLI computes it. */
function heatKernel(values: Float64Array, vectors: Float64Array, n: number, areaTotal: number): Float64Array {
  const kk = values.length;
  const out = new Float64Array(n * HEAT_TIMES.length);
  for (const [c, t] of HEAT_TIMES.entries()) {
    const decay = values.map((lambda) => Math.exp(-lambda * t));
    let trace = 0;
    for (let j = 0; j < kk; j++) trace += decay[j];
    const scale = areaTotal / trace;
    for (let i = 0; i < n; i++) {
      let h = 0;
      for (let j = 0; j < kk; j++) {
        const phi = vectors[i * kk + j];
        h += decay[j] * phi * phi;
      }
      out[i * HEAT_TIMES.length + c] = h * scale;
    }
  }
  return out;
}

/** One mesh, in this (child) process: the median of `repeats` full runs, every stage timed. */
function measureOne(name: string): Measurement {
  const data = meshFor(name);
  const runs: Measurement[] = [];
  for (let r = 0; r < repeats; r++) {
    // A fresh MeshGeometry each time, so that nothing is cached between runs.
    const geometry = MeshGeometry.fromData(data, { source: name });
    const n = geometry.nVertices;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    void geometry.cotanLaplacian; // builds and caches L (and the face areas)
    void geometry.vertexAreas;
    const t1 = performance.now();
    const eigenCpu0 = process.cpuUsage();
    const pairs = laplacianEigenpairs(geometry, Math.min(k, n - 1));
    const eigenCpu = process.cpuUsage(eigenCpu0);
    const t2 = performance.now();
    let area = 0;
    for (const a of geometry.vertexAreas) area += a;
    heatKernel(pairs.values, pairs.vectors, n, area);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    runs.push({
      mesh: name,
      vertices: n,
      laplacian: t1 - t0,
      ordering: pairs.timings.ordering * 1000,
      factorisation: pairs.timings.factorisation * 1000,
      eigensolve: pairs.timings.eigensolve * 1000,
      solves: pairs.timings.solves * 1000,
      orthogonalisation: pairs.timings.orthogonalisation * 1000,
      rayleighRitz: pairs.timings.rayleighRitz * 1000,
      heatKernel: t3 - t2,
      total: t3 - t0,
      cpu: (cpu.user + cpu.system) / 1000,
      eigenCpu: (eigenCpu.user + eigenCpu.system) / 1000,
      factorNonzeros: pairs.factorNonzeros,
      blockSolves: pairs.blockSolves,
      restarts: pairs.restarts,
      peakMiB: 0,
      method: pairs.method,
    });
  }
  const median = (key: keyof Measurement) => {
    const values = runs.map((run) => run[key] as number).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  const result = { ...runs[0] };
  for (const key of Object.keys(result) as (keyof Measurement)[]) {
    if (typeof result[key] === "number") (result as Record<string, unknown>)[key] = median(key);
  }
  result.peakMiB = process.resourceUsage().maxRSS / 1024;
  return result;
}

/** ml-matrix's dense symmetric decomposition of M^(−1/2) L M^(−1/2), all V pairs (the CLI's path today). */
function measureDense(name: string): { vertices: number; ms: number; cpu: number; peakMiB: number } {
  const geometry = MeshGeometry.fromData(meshFor(name));
  const n = geometry.nVertices;
  const L = geometry.cotanLaplacian;
  const m = geometry.vertexAreas;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const a = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let p = L.rowOffsets[i]; p < L.rowOffsets[i + 1]; p++) {
      const j = L.columnIndices[p];
      a.set(i, j, L.values[p] / Math.sqrt(m[i] * m[j]));
    }
  }
  new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return {
    vertices: n,
    ms,
    cpu: (cpu.user + cpu.system) / 1000,
    peakMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const childMode = argument("--one");
const denseMode = argument("--dense");
if (childMode !== undefined) {
  console.log(JSON.stringify(measureOne(childMode)));
} else if (denseMode !== undefined) {
  console.log(JSON.stringify(measureDense(denseMode)));
} else {
  const frequencies = (argument("--sizes") ?? "10,26,32,100").split(",").map(Number);
  if (process.argv.includes("--with-1m")) frequencies.push(316);
  const meshes = [...frequencies.map((f) => `sphere-${f}`), "bunny"];
  const script = fileURLToPath(import.meta.url);
  const child = (args: string[]) => {
    const run = spawnSync(process.execPath, [...process.execArgv, script, ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) throw new Error(`child ${args.join(" ")} failed:\n${run.stderr}`);
    const lines = run.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]);
  };
  console.log(
    `bench:eigen ${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? "?"} · Node ${process.version} · load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} · k = ${k}, median of ${repeats} runs per mesh (each mesh in its own process)`,
  );
  const header = [
    "mesh",
    "V",
    "laplacian",
    "ordering",
    "factor",
    "eigensolve",
    "(solves",
    "ortho",
    "R-R)",
    "heat kernel",
    "total",
    "cpu",
    "eigen cpu",
    "nnz(L)",
    "solves",
    "restarts",
    "peak RSS",
  ];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(11) : h.padStart(11))).join(""));
  for (const mesh of meshes) {
    const r: Measurement = child([
      "--one",
      mesh,
      "--k",
      String(k),
      "--repeats",
      String(mesh === "sphere-316" || mesh === "sphere-100" ? 1 : repeats),
    ]);
    const ms = (x: number) => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
    console.log(
      [
        r.mesh.padEnd(11),
        r.vertices.toLocaleString("en"),
        ms(r.laplacian),
        ms(r.ordering),
        ms(r.factorisation),
        ms(r.eigensolve),
        ms(r.solves),
        ms(r.orthogonalisation),
        ms(r.rayleighRitz),
        ms(r.heatKernel),
        ms(r.total),
        ms(r.cpu),
        ms(r.eigenCpu),
        r.factorNonzeros.toLocaleString("en"),
        String(r.blockSolves),
        String(r.restarts),
        `${r.peakMiB.toFixed(0)} MiB`,
      ]
        .map((cell, i) => (i === 0 ? cell : cell.padStart(11)))
        .join(""),
    );
  }
  const dense = child(["--dense", "sphere-10"]);
  console.log(
    `\ndense path (ml-matrix EigenvalueDecomposition of M^(−1/2) L M^(−1/2), all pairs), sphere-10, ${dense.vertices.toLocaleString("en")} V: ${dense.ms.toFixed(0)} ms wall, ${dense.cpu.toFixed(0)} ms cpu, peak RSS ${dense.peakMiB.toFixed(0)} MiB`,
  );
}
