// Benchmark of the Laplacian eigenpairs behind the heat-kernel signature:
// `pnpm bench:eigen [--k 128] [--tolerance 1e-6] [--sizes 10,26,32,100] [--with-1m] [--repeats 3]`.
// Per geodesic sphere (10f² + 2 vertices for frequency f; f = 26 gives 6,762 vertices, the size of
// a FAUST registration), per real mesh (the Stanford bunny) and per shape that is bad for fill
// or for the ordering (a long thin strip, a fan around one vertex of degree 2,000), each in a
// fresh child process so that its peak resident memory is its own: the time of every stage
// (cotangent Laplacian and vertex areas, nested-dissection ordering, symbolic analysis, numeric
// LDLᵀ factorisation, the shift-invert block Krylov eigensolve, a 16-time heat-kernel signature
// from the k pairs) as the median of the repeats, the CPU time of the whole run and of the
// eigenpairs alone, and the peak RSS; then the eigensolve's parts (block solves, orthogonalisation
// with its passes over the basis, Rayleigh-Ritz problems, thick restarts, the final Ritz
// vectors). The tolerance is by default the heat-kernel features' (`HKS_EIGENPAIR_TOLERANCE` in
// @gemcnn/features, 1e-6; the solver's own default is 1e-10). Then ml-matrix's dense
// decomposition (the CLI's old path) on the ~1k sphere beside it.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import {
  bunny,
  geodesicSphere,
  grid,
  laplacianEigenpairs,
  MeshGeometry,
  type TriangleMeshData,
} from "../src/index.js";
import { hubDisc } from "../src/sparse/eigen.fixture.js";

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const k = Number(argument("--k") ?? 128);
const repeats = Number(argument("--repeats") ?? 3);
const tolerance = Number(argument("--tolerance") ?? 1e-6);
const HEAT_TIMES = Array.from({ length: 16 }, (_, i) => 0.005 * 1.5 ** i);

interface Measurement {
  mesh: string;
  vertices: number;
  laplacian: number;
  ordering: number;
  symbolic: number;
  numeric: number;
  eigensolve: number;
  solves: number;
  orthogonalisation: number;
  rayleighRitz: number;
  thickRestarts: number;
  ritzVectors: number;
  /** The eigensolve less its timed parts: components, the shifted matrix, the basis memory. */
  otherEigensolve: number;
  heatKernel: number;
  total: number;
  /** CPU time (user + system) of the whole run: what one core spent, however loaded the machine. */
  cpu: number;
  /** CPU time of `laplacianEigenpairs` alone (ordering, factorisation, eigensolve). */
  eigenCpu: number;
  factorNonzeros: number;
  blockSolves: number;
  blockSize: number;
  basisPasses: number;
  rayleighRitzChecks: number;
  restarts: number;
  peakMiB: number;
  method: string;
}

function meshFor(name: string): TriangleMeshData {
  if (name === "bunny") return bunny();
  // 10,010 vertices in a 2000 × 4 strip of 500 × 1: fill-reducing orderings meet their 1D case.
  if (name === "strip") return grid({ nx: 2000, ny: 4, width: 500, height: 1 });
  if (name === "fan") return hubDisc(2000, 5);
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
    const pairs = laplacianEigenpairs(geometry, Math.min(k, n - 1), { tolerance });
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
      symbolic: pairs.timings.symbolic * 1000,
      numeric: (pairs.timings.factorisation - pairs.timings.ordering - pairs.timings.symbolic) * 1000,
      eigensolve: pairs.timings.eigensolve * 1000,
      solves: pairs.timings.solves * 1000,
      orthogonalisation: pairs.timings.orthogonalisation * 1000,
      rayleighRitz: pairs.timings.rayleighRitz * 1000,
      thickRestarts: pairs.timings.thickRestarts * 1000,
      ritzVectors: pairs.timings.ritzVectors * 1000,
      otherEigensolve:
        (pairs.timings.eigensolve -
          pairs.timings.solves -
          pairs.timings.orthogonalisation -
          pairs.timings.rayleighRitz -
          pairs.timings.thickRestarts -
          pairs.timings.ritzVectors) *
        1000,
      heatKernel: t3 - t2,
      total: t3 - t0,
      cpu: (cpu.user + cpu.system) / 1000,
      eigenCpu: (eigenCpu.user + eigenCpu.system) / 1000,
      factorNonzeros: pairs.factorNonzeros,
      blockSolves: pairs.blockSolves,
      blockSize: pairs.blockSize,
      basisPasses: pairs.basisPasses,
      rayleighRitzChecks: pairs.rayleighRitzChecks,
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
  const meshes = [...frequencies.map((f) => `sphere-${f}`), "bunny", "strip", "fan"];
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
      .join(
        " ",
      )} · k = ${k}, tolerance ${tolerance}, median of ${repeats} runs per mesh (each mesh in its own process)`,
  );
  const ms = (x: number) => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
  const row = (cells: string[]) =>
    console.log(cells.map((cell, i) => (i === 0 ? cell.padEnd(11) : cell.padStart(11))).join(""));
  const results: Measurement[] = [];
  row([
    "mesh",
    "V",
    "laplacian",
    "ordering",
    "symbolic",
    "numeric",
    "eigensolve",
    "heat kernel",
    "total",
    "cpu",
    "eigen cpu",
    "nnz(L)",
    "peak RSS",
  ]);
  for (const mesh of meshes) {
    const r: Measurement = child([
      "--one",
      mesh,
      "--k",
      String(k),
      "--tolerance",
      String(tolerance),
      "--repeats",
      String(mesh === "sphere-316" || mesh === "sphere-100" ? 1 : repeats),
    ]);
    results.push(r);
    row([
      r.mesh,
      r.vertices.toLocaleString("en"),
      ms(r.laplacian),
      ms(r.ordering),
      ms(r.symbolic),
      ms(r.numeric),
      ms(r.eigensolve),
      ms(r.heatKernel),
      ms(r.total),
      ms(r.cpu),
      ms(r.eigenCpu),
      r.factorNonzeros.toLocaleString("en"),
      `${r.peakMiB.toFixed(0)} MiB`,
    ]);
  }
  // The eigensolve's parts (medians of each, so they need not add up to the eigensolve's median).
  console.log("\neigensolve by part (same runs):");
  row([
    "mesh",
    "solves",
    "solve time",
    "ortho",
    "basis pass",
    "R-R",
    "checks",
    "restarts",
    "restart t",
    "Ritz vecs",
    "other",
  ]);
  for (const r of results) {
    row([
      r.mesh,
      `${r.blockSolves} × ${r.blockSize}`,
      ms(r.solves),
      ms(r.orthogonalisation),
      String(r.basisPasses),
      ms(r.rayleighRitz),
      String(r.rayleighRitzChecks),
      String(r.restarts),
      ms(r.thickRestarts),
      ms(r.ritzVectors),
      ms(r.otherEigensolve),
    ]);
  }
  const dense = child(["--dense", "sphere-10"]);
  console.log(
    `\ndense path (ml-matrix EigenvalueDecomposition of M^(−1/2) L M^(−1/2), all pairs), sphere-10, ${dense.vertices.toLocaleString("en")} V: ${dense.ms.toFixed(0)} ms wall, ${dense.cpu.toFixed(0)} ms cpu, peak RSS ${dense.peakMiB.toFixed(0)} MiB`,
  );
}
