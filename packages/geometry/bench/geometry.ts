// Benchmark of the geometry pipeline: `pnpm bench:geometry [--sizes 32,100,316] [--no-python]`.
// Prints, per geodesic sphere (10f² + 2 vertices for frequency f), the median time of each stage
// and the vertices per second, then GEM-CNN's numpy preprocessing side by side on the same mesh.
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
  type TriangleMeshData,
  tangentFrames,
} from "../src/index.js";
import { geodesicSphere, toObj } from "./geodesic-sphere.js";

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
    `${stage.padEnd(44)} ${vertices.toLocaleString("en").padStart(9)} V ${pairText.padStart(18)} ${ms.toFixed(2).padStart(10)} ms ${(rate / 1e6).toFixed(2).padStart(8)} M vertices/s`,
  );
}

/** Everything GEM-CNN's numpy `geometry()` does, from positions and triangles. */
function gemcnnEquivalent(data: TriangleMeshData) {
  const geometry = MeshGeometry.fromData(data);
  const frames = tangentFrames(geometry);
  const rings = oneRing(geometry.mesh, { includeSelf: true });
  const { r, theta } = logMap(geometry, frames, rings, { method: "projection" });
  const g = parallelTransport(geometry, frames, rings, { method: "normal-rotation" });
  return { r, theta, g };
}

function benchmarkMesh(f: number): void {
  const data = geodesicSphere(f);
  const nVertices = data.positions.length / 3;
  console.log(`\ngeodesic sphere, frequency ${f}: ${nVertices.toLocaleString("en")} vertices`);
  record(
    "connectivity + validation (fromData)",
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
    "all from triangles: defaults (1-ring, exact)",
    nVertices,
    median(() => precomputeNeighbourhoodGeometry(MeshGeometry.fromData(data))),
    pairs1,
  );
  record(
    "all from triangles: GEM-CNN's methods",
    nVertices,
    median(() => gemcnnEquivalent(data)),
    pairs1,
  );
}

function compareWithGemcnn(): void {
  const data = geodesicSphere(comparisonFrequency);
  const nVertices = data.positions.length / 3;
  console.log(
    `\nside by side with GEM-CNN's numpy preprocessing, geodesic sphere of ${nVertices.toLocaleString("en")} vertices`,
  );
  const ours = median(() => gemcnnEquivalent(data));
  record("ours, GEM-CNN's methods, from triangles", nVertices, ours, nVertices * 7 - 12);
  const exact = median(() => precomputeNeighbourhoodGeometry(MeshGeometry.fromData(data)));
  record("ours, defaults (intrinsic, Levi-Civita)", nVertices, exact, nVertices * 7 - 12);
  if (!withPython) return;
  const directory = mkdtempSync(join(tmpdir(), "gemcnn-bench-"));
  try {
    const path = join(directory, "sphere.obj");
    writeFileSync(path, toObj(data));
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
    record("GEM-CNN numpy geometry()", reference.vertices, reference.median_ms, reference.pairs);
    console.log(
      `speed-up over GEM-CNN's numpy (numpy ${reference.numpy}): ${(reference.median_ms / ours).toFixed(1)}x with its methods, ${(reference.median_ms / exact).toFixed(1)}x with the defaults`,
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

console.log(
  `geometry benchmark, ${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores; one used)`,
);
console.log("median wall time of each stage, vertices per second = vertices / median time");
compareWithGemcnn();
for (const f of frequencies) benchmarkMesh(f);
