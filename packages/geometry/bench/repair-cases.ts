// What repairMesh does to real meshes given each kind of defect:
//   pnpm exec tsx --conditions=source packages/geometry/bench/repair-cases.ts [--limit 600]
// Takes the Stanford bunny and the SHREC-11 meshes (../shared/datasets/shrec_16, when present),
// damages each in one way at a time (seeded), repairs it with the default options and tallies,
// per kind of damage: how many came out valid, whether the repaired mesh is the original again
// (same vertices, same faces, same orientation), and the report's totals.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bunny, mulberry32, repairMesh, type TriangleMeshData, validateMesh } from "../src/index.js";
import { readMeshSync } from "../src/node.js";

const here = dirname(fileURLToPath(import.meta.url));
const shrec = resolve(here, "../../../../shared/datasets/shrec_16");
const limitArgument = process.argv.indexOf("--limit");
const limit = limitArgument >= 0 ? Number(process.argv[limitArgument + 1]) : Number.POSITIVE_INFINITY;

function meshes(): { name: string; data: TriangleMeshData }[] {
  const list = [{ name: "bunny", data: bunny() }];
  if (!existsSync(shrec)) return list;
  for (const cls of readdirSync(shrec).sort()) {
    for (const split of ["train", "test"]) {
      const folder = join(shrec, cls, split);
      if (!existsSync(folder)) continue;
      for (const file of readdirSync(folder).sort()) {
        if (list.length > limit) return list;
        if (file.endsWith(".obj"))
          list.push({ name: `${cls}/${split}/${file}`, data: readMeshSync(join(folder, file)) });
      }
    }
  }
  return list;
}

type Faces = number[][];
const facesOf = (data: TriangleMeshData): Faces =>
  Array.from({ length: data.triangles.length / 3 }, (_, f) =>
    Array.from(data.triangles.subarray(3 * f, 3 * f + 3)),
  );
const build = (positions: ArrayLike<number>, faces: Faces): TriangleMeshData => ({
  positions: Float64Array.from(positions),
  triangles: Uint32Array.from(faces.flat()),
});

/** Each damage takes a valid mesh and a seeded random source. */
const damages: Record<string, (data: TriangleMeshData, random: () => number) => TriangleMeshData> = {
  "none (as read)": (data) => data,
  "triangle soup (every face its own 3 vertices)": (data) => {
    const positions: number[] = [];
    const faces = facesOf(data).map((face) =>
      face.map((v) => {
        positions.push(...data.positions.subarray(3 * v, 3 * v + 3));
        return positions.length / 3 - 1;
      }),
    );
    return build(positions, faces);
  },
  "30% of faces flipped": (data, random) =>
    build(
      data.positions,
      facesOf(data).map((f) => (random() < 0.3 ? [f[0], f[2], f[1]] : f)),
    ),
  "5% of faces duplicated (any corner order)": (data, random) => {
    const faces = facesOf(data);
    const n = faces.length;
    for (let f = 0; f < n; f++) {
      if (random() < 0.05)
        faces.push(
          random() < 0.5 ? [faces[f][1], faces[f][2], faces[f][0]] : [faces[f][2], faces[f][1], faces[f][0]],
        );
    }
    return build(data.positions, faces);
  },
  "3 vertices pinched onto others (by index)": (data, random) => {
    const faces = facesOf(data);
    const nVertices = data.positions.length / 3;
    for (let i = 0; i < 3; i++) {
      const a = Math.floor(random() * nVertices);
      const b = Math.floor(random() * nVertices);
      for (const face of faces) for (let k = 0; k < 3; k++) if (face[k] === b) face[k] = a;
    }
    return build(data.positions, faces);
  },
  "3 vertices moved onto others (exact duplicates)": (data, random) => {
    const positions = Array.from(data.positions);
    const nVertices = positions.length / 3;
    for (let i = 0; i < 3; i++) {
      const a = Math.floor(random() * nVertices);
      const b = Math.floor(random() * nVertices);
      for (let d = 0; d < 3; d++) positions[3 * b + d] = positions[3 * a + d];
    }
    return build(positions, facesOf(data));
  },
  "5 fins glued onto edges": (data, random) => {
    const positions = Array.from(data.positions);
    const faces = facesOf(data);
    for (let i = 0; i < 5; i++) {
      const [a, b] = faces[Math.floor(random() * faces.length)];
      positions.push(...data.positions.subarray(3 * a, 3 * a + 3).map((x) => x + 0.1 * random()));
      faces.push([b, a, positions.length / 3 - 1]);
    }
    return build(positions, faces);
  },
  "crease: a second copy turned half a turn about one of its edges (welding joins four faces there)": (
    data,
    random,
  ) => {
    const faces = facesOf(data);
    const [a, b] = faces[Math.floor(random() * faces.length)];
    const p = data.positions;
    const origin = [p[3 * a], p[3 * a + 1], p[3 * a + 2]];
    const axis = [p[3 * b] - origin[0], p[3 * b + 1] - origin[1], p[3 * b + 2] - origin[2]];
    const length = Math.hypot(axis[0], axis[1], axis[2]);
    const u = axis.map((x) => x / length);
    // Half a turn about the line through a and b: x ↦ 2 (x·u) u − x (relative to a); a and b stay put.
    const nVertices = p.length / 3;
    const turned: number[] = [];
    for (let v = 0; v < nVertices; v++) {
      if (v === a || v === b) {
        turned.push(p[3 * v], p[3 * v + 1], p[3 * v + 2]);
        continue;
      }
      const x = [p[3 * v] - origin[0], p[3 * v + 1] - origin[1], p[3 * v + 2] - origin[2]];
      const along = x[0] * u[0] + x[1] * u[1] + x[2] * u[2];
      for (let d = 0; d < 3; d++) turned.push(origin[d] + 2 * along * u[d] - x[d]);
    }
    return build([...p, ...turned], [...faces, ...faces.map((f) => f.map((v) => v + nVertices))]);
  },
};

/**
 * Each face as the positions of its corners, rotated to start at the smallest, as text: two
 * meshes with equal sorted lists have the same faces with the same orientation, whatever the
 * numbering of their vertices and faces.
 */
function faceKeys(data: TriangleMeshData, faces?: number[]): string[] {
  const keys: string[] = [];
  const at = (v: number) => Array.from(data.positions.subarray(3 * v, 3 * v + 3)).join(",");
  const all = faces ?? Array.from({ length: data.triangles.length / 3 }, (_, f) => f);
  for (const f of all) {
    const corners = [0, 1, 2].map((k) => at(data.triangles[3 * f + k]));
    let first = 0;
    for (let k = 1; k < 3; k++) if (corners[k] < corners[first]) first = k;
    keys.push([0, 1, 2].map((k) => corners[(first + k) % 3]).join(" "));
  }
  return keys.sort();
}

/** The faces of the component with the most faces. */
function largestComponentFaces(data: TriangleMeshData): number[] {
  const mesh = validateMesh(data).mesh;
  if (!mesh) return [];
  const { count, vertexComponent } = mesh.connectedComponents();
  const sizes = new Array<number>(count).fill(0);
  for (let f = 0; f < mesh.nFaces; f++) sizes[vertexComponent[mesh.triangles[3 * f]]]++;
  let keep = 0;
  for (let k = 1; k < count; k++) if (sizes[k] > sizes[keep]) keep = k;
  const faces: number[] = [];
  for (let f = 0; f < mesh.nFaces; f++) if (vertexComponent[mesh.triangles[3 * f]] === keep) faces.push(f);
  return faces;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const all = meshes();
console.log(
  `repairMesh on ${all.length} real meshes (the bunny${all.length > 1 ? ` and ${all.length - 1} SHREC-11 meshes` : ""}), ${new Date().toISOString()}, Node ${process.version}`,
);
for (const [damage, apply] of Object.entries(damages)) {
  let invalid = 0;
  let valid = 0;
  let original = 0;
  let sameFaces = 0;
  let largestIsOriginal = 0;
  const totals: Record<string, number> = {};
  let worstComponents = 0;
  for (const [i, { data }] of all.entries()) {
    const damaged = apply(data, mulberry32(1000 + i));
    if (!validateMesh(damaged).ok) invalid++;
    const { data: repaired, report } = repairMesh(damaged);
    if (report.validation.ok) valid++;
    if (
      data.positions.length === repaired.positions.length &&
      data.positions.every((x, k) => x === repaired.positions[k]) &&
      data.triangles.every((v, k) => v === repaired.triangles[k])
    ) {
      original++;
    }
    // A soup's vertices come back in the order of the first corner that uses them: compare faces.
    const originalFaces = faceKeys(data);
    if (same(originalFaces, faceKeys(repaired))) sameFaces++;
    if (same(originalFaces, faceKeys(repaired, largestComponentFaces(repaired)))) largestIsOriginal++;
    worstComponents = Math.max(worstComponents, report.validation.counts.components);
    const lists = {
      welded: report.weldedVertices.length,
      "kept apart": report.unweldedVertices.length,
      "faces dropped": report.droppedFaces.length,
      "edges split": report.splitEdges.length,
      "faces detached": report.splitEdges.reduce((n, e) => n + e.detachedFaces.length, 0),
      "vertices split": report.splitVertices.length,
      "edges cut": report.cutEdges.length,
      "faces isolated": report.isolatedFaces.length,
      "vertices removed": report.removedVertices.length,
      "faces flipped": report.flippedFaces.length,
    };
    for (const [k, n] of Object.entries(lists)) totals[k] = (totals[k] ?? 0) + n;
  }
  const changes = Object.entries(totals)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  console.log(
    `\n${damage}\n  invalid before ${invalid}/${all.length}; valid after ${valid}/${all.length}; the original mesh: exactly ${original}, up to numbering ${sameFaces}, as its largest component ${largestIsOriginal}; at most ${worstComponents} component(s)\n  totals: ${changes || "no change"}`,
  );
}
