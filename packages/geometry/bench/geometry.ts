// Benchmark of the geometry pipeline:
//   pnpm bench:geometry [--sizes 32,100,316] [--no-python] [--worst-only] [--fans 100000,1000000]
// Prints, per geodesic sphere (10f² + 2 vertices for frequency f, read from an OBJ file with six
// decimals), the median time of each stage and the vertices per second; first GEM-CNN's numpy
// preprocessing side by side with ours on its 6,762-vertex sphere; last the worst cases for
// connectivity (a fan of triangles around one vertex, a polygon of a million corners, the same
// face a million times, a sphere with 10% of its vertices duplicated), as time per face beside
// the ordinary sphere's.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  geodesicSphere,
  kRing,
  logMap,
  MeshGeometry,
  oneRing,
  parallelTransport,
  parseObj,
  precomputeNeighbourhoodGeometry,
  repairMesh,
  type SurfaceMesh,
  type TriangleMeshData,
  tangentFrames,
  validateMesh,
  writeObj,
} from "../src/index.js";
import { readMeshSync } from "../src/node.js";

const here = dirname(fileURLToPath(import.meta.url));
const referenceScript = resolve(here, "../../../../shared/bench/gemconv_ref.py");

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const frequencies = (argument("--sizes") ?? "32,100,316").split(",").map(Number);
const comparisonFrequency = 26;
const withPython = !process.argv.includes("--no-python");
const worstOnly = process.argv.includes("--worst-only");
const fanSizes = (argument("--fans") ?? "100000,1000000").split(",").map(Number);

interface Timing {
  /** Median wall time, ms. */
  wall: number;
  /** Median CPU time (user + system) of this process, ms: what a single core spends even when
   * other processes share the machine and stretch the wall time. */
  cpu: number;
}

/** Median times of `run` over repeats (after one warm-up), at least 3 and up to ~2 s. */
function median(run: () => unknown, setup: () => void = () => {}): Timing {
  for (let i = 0; i < 2; i++) {
    setup();
    run();
  }
  const walls: number[] = [];
  const cpus: number[] = [];
  let total = 0;
  while (walls.length < 3 || (walls.length < 25 && total < 2000)) {
    setup();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    run();
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    walls.push(wall);
    cpus.push((cpu.user + cpu.system) / 1000);
    total += wall;
  }
  const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { wall: middle(walls), cpu: middle(cpus) };
}

interface Row {
  stage: string;
  vertices: number;
  pairs?: number;
  timing: Timing;
}
const rows: Row[] = [];

function record(stage: string, vertices: number, timing: Timing, pairs?: number): void {
  rows.push({ stage, vertices, pairs, timing });
  const rate = vertices / (timing.cpu / 1000);
  const pairText = pairs === undefined ? "" : `${pairs.toLocaleString("en")} pairs`;
  console.log(
    `${stage.padEnd(56)} ${vertices.toLocaleString("en").padStart(9)} V ${pairText.padStart(18)} ${timing.cpu.toFixed(2).padStart(10)} ms cpu ${timing.wall.toFixed(2).padStart(10)} ms wall ${(rate / 1e6).toFixed(2).padStart(7)} M vertices/s`,
  );
}

/** What GEM-CNN's numpy `geometry()` computes (normals, frames, 1-ring with self, θ, r, g), from a mesh. */
function gemcnnWork(mesh: SurfaceMesh, positions: Float64Array) {
  const geometry = new MeshGeometry(mesh, positions);
  const frames = tangentFrames(geometry);
  const rings = oneRing(mesh, { includeSelf: true });
  const { r, theta } = logMap(geometry, frames, rings, { method: "projection" });
  const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
  return { r, theta, g };
}

/** The same from positions and triangles, building and checking the connectivity first. */
function gemcnnWorkFromTriangles(data: TriangleMeshData) {
  const geometry = MeshGeometry.fromData(data);
  return gemcnnWork(geometry.mesh, geometry.positions);
}

/** Writes `data` as an OBJ file with six decimals (like most mesh files) into a fresh folder. */
function withObjFile<T>(data: TriangleMeshData, use: (path: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), "gemcnn-bench-"));
  try {
    const path = join(directory, "sphere.obj");
    writeFileSync(path, writeObj(data, { fractionDigits: 6 }));
    return use(path);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function benchmarkMesh(f: number): void {
  const generated = geodesicSphere(f);
  const nVertices = generated.positions.length / 3;
  console.log(`\ngeodesic sphere, frequency ${f}: ${nVertices.toLocaleString("en")} vertices`);
  withObjFile(generated, (path) => {
    record(
      "load (read + parse OBJ)",
      nVertices,
      median(() => readMeshSync(path)),
    );
    const data = readMeshSync(path);
    record(
      "validation (validateMesh)",
      nVertices,
      median(() => validateMesh(data)),
    );
    record(
      "connectivity + checks (fromData)",
      nVertices,
      median(() => MeshGeometry.fromData(data)),
    );
    const base = MeshGeometry.fromData(data);
    const { mesh, positions } = base;
    let geometry = base;
    const fresh = () => {
      geometry = new MeshGeometry(mesh, positions);
    };
    record(
      "quantities (normals, angles, lengths)",
      nVertices,
      median(() => {
        void geometry.vertexNormals;
        void geometry.vertexAngleDefects;
        void geometry.edgeLengths;
        void geometry.halfedgeAnglesInVertex;
      }, fresh),
    );
    geometry = base;
    void [geometry.vertexNormals, geometry.edgeLengths, geometry.halfedgeAnglesInVertex];
    record(
      "frames (reference neighbour)",
      nVertices,
      median(() => tangentFrames(geometry)),
    );
    const frames = tangentFrames(geometry);
    const rings = oneRing(mesh, { includeSelf: true });
    const pairs1 = rings.indices.length;
    record(
      "1-ring with self",
      nVertices,
      median(() => oneRing(mesh, { includeSelf: true })),
      pairs1,
    );
    for (const method of ["intrinsic", "projection"] as const) {
      record(
        `log map, 1-ring, ${method}`,
        nVertices,
        median(() => logMap(geometry, frames, rings, { method })),
        pairs1,
      );
    }
    for (const method of ["levi-civita", "normal-rotation"] as const) {
      record(
        `transport, 1-ring, ${method}`,
        nVertices,
        median(() => parallelTransport(geometry, frames, rings, { method })),
        pairs1,
      );
    }
    const twoRing = kRing(mesh, 2, { includeSelf: true });
    const pairs2 = twoRing.indices.length;
    record(
      "2-ring with self",
      nVertices,
      median(() => kRing(mesh, 2, { includeSelf: true })),
      pairs2,
    );
    record(
      "log map, 2-ring, projection",
      nVertices,
      median(() => logMap(geometry, frames, twoRing, { method: "projection" })),
      pairs2,
    );
    record(
      "transport, 2-ring, normal-rotation",
      nVertices,
      median(() => parallelTransport(geometry, frames, twoRing, { method: "normal-rotation" })),
      pairs2,
    );
    record(
      "GEM-CNN's work (from a mesh)",
      nVertices,
      median(() => gemcnnWork(mesh, positions)),
      pairs1,
    );
    record(
      "pipeline: file → 1-ring, log map, transport",
      nVertices,
      median(() =>
        precomputeNeighbourhoodGeometry(MeshGeometry.fromData(readMeshSync(path), { source: path })),
      ),
      pairs1,
    );
    record(
      "  the same with GEM-CNN's methods",
      nVertices,
      median(() =>
        precomputeNeighbourhoodGeometry(MeshGeometry.fromData(readMeshSync(path), { source: path }), {
          logMap: "projection",
          transport: "normal-rotation",
        }),
      ),
      pairs1,
    );
  });
}

/** Runs every stage on a small sphere until the JIT has compiled the code, so no figure includes compiling. */
function warmUp(): void {
  const data = geodesicSphere(12);
  withObjFile(data, (path) => {
    for (let i = 0; i < 30; i++) {
      const geometry = MeshGeometry.fromData(readMeshSync(path));
      validateMesh(data);
      gemcnnWork(geometry.mesh, geometry.positions);
      const { frames } = precomputeNeighbourhoodGeometry(geometry);
      const twoRing = kRing(geometry.mesh, 2, { includeSelf: true });
      logMap(geometry, frames, twoRing, { method: "projection" });
      parallelTransport(geometry, frames, twoRing, { method: "normal-rotation" });
    }
  });
}

function compareWithGemcnn(): void {
  const generated = geodesicSphere(comparisonFrequency);
  const nVertices = generated.positions.length / 3;
  console.log(
    `\nside by side with GEM-CNN's numpy preprocessing (gemconv_ref.py geometry()), geodesic sphere of ${nVertices.toLocaleString("en")} vertices`,
  );
  withObjFile(generated, (path) => {
    const data = readMeshSync(path);
    const { mesh, positions } = MeshGeometry.fromData(data);
    const pairs = nVertices * 7 - 12;
    const fromMesh = median(() => gemcnnWork(mesh, positions));
    record("ours: GEM-CNN's work, from a mesh", nVertices, fromMesh, pairs);
    const fromTriangles = median(() => gemcnnWorkFromTriangles(data));
    record("ours: GEM-CNN's work, from triangles", nVertices, fromTriangles, pairs);
    const exact = median(() => precomputeNeighbourhoodGeometry(MeshGeometry.fromData(data)));
    record("ours: defaults (intrinsic, Levi-Civita), from triangles", nVertices, exact, pairs);
    if (!withPython) return;
    const result = spawnSync(
      "python3",
      [join(here, "gemcnn_reference_geometry.py"), referenceScript, path, "20"],
      {
        encoding: "utf8",
        env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
      },
    );
    if (result.status !== 0) {
      console.log(
        `GEM-CNN reference skipped: python3 ${referenceScript} failed:\n${result.stderr || result.error}`,
      );
      return;
    }
    const reference = JSON.parse(result.stdout.trim().split("\n").pop()!);
    record(
      "GEM-CNN numpy geometry(), from triangles",
      reference.vertices,
      { wall: reference.median_wall_ms, cpu: reference.median_cpu_ms },
      reference.pairs,
    );
    const ratio = (ours: Timing) => (reference.median_cpu_ms / ours.cpu).toFixed(1);
    console.log(
      `speed-up over GEM-CNN's numpy ${reference.numpy} (same mesh, same run, CPU time): ${ratio(fromMesh)}x from a mesh, ${ratio(fromTriangles)}x from triangles, ${ratio(exact)}x with the defaults`,
    );
  });
}

/** A disc of `n` triangles around vertex 0 (vertices 1..n on the unit circle): vertex 0 has degree n. */
function fan(n: number): TriangleMeshData {
  const positions = new Float64Array(3 * (n + 1));
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / n;
    positions[3 * (i + 1)] = Math.cos(angle);
    positions[3 * (i + 1) + 1] = Math.sin(angle);
  }
  const triangles = new Uint32Array(3 * n);
  for (let i = 0; i < n; i++) triangles.set([0, i + 1, ((i + 1) % n) + 1], 3 * i);
  return { positions, triangles };
}

/** OBJ text of one convex polygon with `n` corners (a fan of n − 2 triangles once read). */
function polygonObj(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / n;
    lines.push(`v ${Math.cos(angle)} ${Math.sin(angle)} 0`);
  }
  const corners: string[] = [];
  for (let i = 1; i <= n; i++) corners.push(String(i));
  return `${lines.join("\n")}\nf ${corners.join(" ")}\n`;
}

/** OBJ text of `f 1 2 3 1 2 3 …` with `n` corners over three vertices. */
function repeatedCornersObj(n: number): string {
  const corners: string[] = [];
  for (let i = 0; i < n; i++) corners.push(String((i % 3) + 1));
  return `v 0 0 0\nv 1 0 0\nv 0 1 0\nf ${corners.join(" ")}\n`;
}

/** `data` with `fraction` of its vertices duplicated: each chosen vertex's faces after the first use a copy. */
function withDuplicatedVertices(data: TriangleMeshData, fraction: number): TriangleMeshData {
  const nVertices = data.positions.length / 3;
  const copyOf = new Int32Array(nVertices).fill(-1);
  const positions: number[] = Array.from(data.positions);
  const every = Math.round(1 / fraction);
  for (let v = 0; v < nVertices; v += every) {
    copyOf[v] = positions.length / 3;
    positions.push(data.positions[3 * v], data.positions[3 * v + 1], data.positions[3 * v + 2]);
  }
  const triangles = data.triangles.slice();
  const seen = new Uint8Array(nVertices);
  for (let c = 0; c < triangles.length; c++) {
    const v = triangles[c];
    if (copyOf[v] >= 0 && seen[v]) triangles[c] = copyOf[v];
    seen[v] = 1;
  }
  return { positions: Float64Array.from(positions), triangles };
}

/**
 * Per-face cost of parsing, validation, connectivity and repair on inputs whose vertex degrees or
 * repeats used to make them quadratic, beside an ordinary sphere of about the same size: the
 * goal is the same cost per face within 3x.
 */
function worstCases(): void {
  console.log("\nworst cases for connectivity: median CPU time per face, and its ratio to the sphere's");
  const perFace = (t: Timing, faces: number) => (1e3 * t.cpu) / faces;
  const reference = new Map<string, number>();
  const row = (name: string, stage: string, faces: number, timing: Timing) => {
    const us = perFace(timing, faces);
    if (name === "sphere") reference.set(stage, us);
    const base = reference.get(stage);
    const ratio = base ? `${(us / base).toFixed(2)}x` : "";
    console.log(
      `${`${name}: ${stage}`.padEnd(52)} ${faces.toLocaleString("en").padStart(11)} F ${timing.cpu.toFixed(1).padStart(10)} ms cpu ${us.toFixed(3).padStart(8)} µs/face ${ratio.padStart(7)}`,
    );
  };
  const stages = (name: string, data: TriangleMeshData, valid: boolean) => {
    const faces = data.triangles.length / 3;
    row(
      name,
      "validateMesh",
      faces,
      median(() => validateMesh(data)),
    );
    if (valid)
      row(
        name,
        "MeshGeometry.fromData",
        faces,
        median(() => MeshGeometry.fromData(data)),
      );
    row(
      name,
      "repairMesh",
      faces,
      median(() => repairMesh(data)),
    );
  };
  const sphere = geodesicSphere(130);
  stages("sphere", sphere, true);
  const sphereText = writeObj(sphere, { fractionDigits: 6 });
  row(
    "sphere",
    "parseObj",
    sphere.triangles.length / 3,
    median(() => parseObj(sphereText)),
  );
  for (const n of fanSizes) stages(`fan of ${n.toLocaleString("en")} triangles`, fan(n), true);
  const polygon = polygonObj(1_000_000);
  row(
    "polygon of 1,000,000 corners",
    "parseObj",
    999_998,
    median(() => parseObj(polygon)),
  );
  stages("polygon of 1,000,000 corners", parseObj(polygon), true);
  const repeated = repeatedCornersObj(1_000_000);
  row(
    "f 1 2 3 1 2 3 … (1,000,000 corners)",
    "parseObj",
    999_998,
    median(() => parseObj(repeated)),
  );
  stages("f 1 2 3 1 2 3 … (1,000,000 corners)", parseObj(repeated), false);
  stages("sphere, 10% of vertices duplicated", withDuplicatedVertices(sphere, 0.1), false);
}

console.log(
  `geometry benchmark, ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores; one used)`,
);
console.log(
  `load average at start ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}; median CPU and wall time of each stage; vertices per second = vertices / median CPU time`,
);
warmUp();
if (!worstOnly) {
  compareWithGemcnn();
  for (const f of frequencies) benchmarkMesh(f);
}
worstCases();
