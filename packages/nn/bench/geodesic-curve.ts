// pnpm bench:geodesic-curve — the cost of the geodesic error curve (issue 13) at FAUST's size: 20
// test registrations of 6,890 vertices (geometry's articulatedBodies, shapes 8-9 of the faust-like
// set that `gemcnn generate --dataset faust-like` writes), for two made-up predictions: "poor" (every
// vertex matched to a random template vertex, as an untrained model) and "good" (1 % of the
// vertices matched to a neighbour, 0.2 % to a random vertex). "exhaustive" asks an exact polyhedral
// distance for every wrong vertex (main before this bench); "bounded" adds the straight-line test
// and at most ⌈2,048 / 20⌉ = 103 queries per mesh (the command line's CURVE_DISTANCE_QUERIES).
// The exhaustive poor curve would take hours, so it is timed on the first MEASURED wrong vertices
// of one mesh and extrapolated (printed as such). Wall and CPU time, and the process's peak
// resident memory (maxRSS) after each part. Options: --measured N (default 300).
import { articulatedBodies, MeshGeometry, mulberry32 } from "@gemcnn/geometry";
import { exactGeodesics, type GeodesicErrorCurve, geodesicErrorCurve } from "../src/index.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const MEASURED = flag("measured", 300);
const QUERIES = Math.ceil(2048 / 20);

const bodies = articulatedBodies({ shapes: 10, poses: 10, vertices: 6890 }).slice(80);
const meshes = bodies.map((b) => {
  const geometry = MeshGeometry.fromData(b.data);
  return { geometry, positions: b.data.positions, area: geometry.faceAreas.reduce((a, x) => a + x, 0) };
});
const n = meshes[0].geometry.nVertices;
const truth = Int32Array.from({ length: n }, (_, v) => v);
// A neighbour of every vertex: the next corner of a triangle it is a corner of.
const neighbour = new Int32Array(n);
const { triangles } = bodies[0].data;
for (let i = 0; i < triangles.length; i++) neighbour[triangles[i]] = triangles[i - (i % 3) + ((i + 1) % 3)];

function predictions(kind: "poor" | "good", seed: number): Int32Array {
  const random = mulberry32(seed);
  return truth.map((v) => {
    if (kind === "poor") return Math.floor(random() * n);
    const u = random();
    if (u < 0.002) return Math.floor(random() * n);
    return u < 0.012 ? neighbour[v] : v;
  });
}

function timed<T>(fn: () => T): { value: T; wallS: number; cpuS: number } {
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

const maxRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

function curveOver(kind: "poor" | "good", bounded: boolean) {
  let queried = 0;
  let undecided = 0;
  const within = new Float64Array(101);
  meshes.forEach((m, i) => {
    const curve: GeodesicErrorCurve = geodesicErrorCurve(predictions(kind, i), truth, {
      distances: exactGeodesics(m.geometry),
      area: m.area,
      ...(bounded ? { positions: m.positions, maxQueries: QUERIES, seed: i } : {}),
    });
    queried += curve.queried;
    undecided += curve.undecided;
    curve.fraction.forEach((f, r) => {
      within[r] += f / meshes.length;
    });
  });
  return { queried, undecided, at: (r: number) => within[Math.round(r * 400)] };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const rows: Record<string, string | number>[] = [];
for (const kind of ["good", "poor"] as const) {
  for (const bounded of [false, true]) {
    if (kind === "poor" && !bounded) {
      // One mesh, the first MEASURED wrong vertices (all others counted right), extrapolated.
      const p = predictions("poor", 0);
      const part = truth.map((v) => (v < MEASURED ? p[v] : v));
      const m = meshes[0];
      const t = timed(() =>
        geodesicErrorCurve(part, truth, { distances: exactGeodesics(m.geometry), area: m.area }),
      );
      const perQuery = t.cpuS / t.value.undecided;
      rows.push({
        prediction: kind,
        curve: "exhaustive (extrapolated)",
        "distance queries": 20 * n,
        "wall s": `~${Math.round(perQuery * 20 * n * (t.wallS / t.cpuS))}`,
        "CPU s": `~${Math.round(perQuery * 20 * n)} (${(1000 * perQuery).toFixed(1)} ms × ${20 * n})`,
        "r=0": "-",
        "r≤0.05": "-",
        "r≤0.25": "-",
        "max RSS MB": maxRssMB(),
      });
      continue;
    }
    const t = timed(() => curveOver(kind, bounded));
    rows.push({
      prediction: kind,
      curve: bounded ? "bounded" : "exhaustive",
      "distance queries": `${t.value.queried} of ${t.value.undecided}`,
      "wall s": t.wallS.toFixed(1),
      "CPU s": t.cpuS.toFixed(1),
      "r=0": pct(t.value.at(0)),
      "r≤0.05": pct(t.value.at(0.05)),
      "r≤0.25": pct(t.value.at(0.25)),
      "max RSS MB": maxRssMB(),
    });
  }
}
console.table(rows);
