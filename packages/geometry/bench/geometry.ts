// Benchmark of the geometry pipeline: `pnpm bench:geometry [--sizes 32,100,316] [--no-python]`.
// Prints, per geodesic sphere (10f² + 2 vertices for frequency f, read from an OBJ file with six
// decimals), the median time of each stage and the vertices per second; first GEM-CNN's numpy
// preprocessing side by side with ours on its 6,762-vertex sphere.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  kRing,
  logMap,
  MeshGeometry,
  oneRing,
  parallelTransport,
  precomputeNeighbourhoodGeometry,
  readMeshSync,
  type SurfaceMesh,
  type TriangleMeshData,
  tangentFrames,
  validateMesh,
  writeObj,
} from "../src/index.js";
import { geodesicSphere } from "./geodesic-sphere.js";

const here = dirname(fileURLToPath(import.meta.url));
const referenceScript = resolve(here, "../../../../shared/bench/gemconv_ref.py");

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const frequencies = (argument("--sizes") ?? "32,100,316").split(",").map(Number);
const comparisonFrequency = 26;
const withPython = !process.argv.includes("--no-python");

// A full garbage collection before each timed run, so that no stage pays for another's garbage.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Median wall time in ms of `run` over repeats (after one warm-up), at least 3 and up to ~2 s. */
function median(run: () => unknown, setup: () => void = () => {}): number {
  setup();
  run();
  const times: number[] = [];
  let total = 0;
  while (times.length < 3 || (times.length < 25 && total < 2000)) {
    setup();
    collectGarbage();
    const start = performance.now();
    run();
    const time = performance.now() - start;
    times.push(time);
    total += time;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Row {
  stage: string;
  vertices: number;
  pairs?: number;
  ms: number;
}
const rows: Row[] = [];

function record(stage: string, vertices: number, ms: number, pairs?: number): void {
  rows.push({ stage, vertices, pairs, ms });
  const rate = vertices / (ms / 1000);
  const pairText = pairs === undefined ? "" : `${pairs.toLocaleString("en")} pairs`;
  console.log(
    `${stage.padEnd(56)} ${vertices.toLocaleString("en").padStart(9)} V ${pairText.padStart(18)} ${ms.toFixed(2).padStart(10)} ms ${(rate / 1e6).toFixed(2).padStart(8)} M vertices/s`,
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
      reference.median_ms,
      reference.pairs,
    );
    console.log(
      `speed-up over GEM-CNN's numpy ${reference.numpy} (same mesh, same run): ${(reference.median_ms / fromMesh).toFixed(1)}x from a mesh, ${(reference.median_ms / fromTriangles).toFixed(1)}x from triangles, ${(reference.median_ms / exact).toFixed(1)}x with the defaults`,
    );
  });
}

console.log(
  `geometry benchmark, ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores; one used)`,
);
console.log("median wall time of each stage, vertices per second = vertices / median time");
compareWithGemcnn();
for (const f of frequencies) benchmarkMesh(f);
