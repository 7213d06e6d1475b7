import { groupHalfedgesByEdge } from "./edge-groups.js";
import { MeshError, type MeshProblem, type MeshProblemKind } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import { buildConnectivity, type SurfaceMesh } from "./surface-mesh.js";

/**
 * Default tolerance for zero-area faces, relative to the mesh's scale: a face is degenerate when
 * its area is at most this times the squared diagonal of the bounding box of all vertices. At
 * 1e-12 a face is flagged only when its area is within about ten thousand float64 rounding errors
 * of zero, so no real (scanned or generated) triangle is caught.
 */
export const DEFAULT_RELATIVE_AREA_TOLERANCE = 1e-12;

/** How many problems of each geometric kind `validateMesh` lists at most (the connectivity checks also stop at 100). */
const MAX_LISTED_PER_KIND = 100;

export interface MeshValidationOptions {
  /** Where the data came from (a file name); named in messages and errors. */
  readonly source?: string;
  /** Zero-area tolerance relative to the squared bounding-box diagonal; default `DEFAULT_RELATIVE_AREA_TOLERANCE`. */
  readonly relativeAreaTolerance?: number;
}

/**
 * Sizes and topology of a mesh. Edges, boundary edges, components and the Euler characteristic
 * count the faces whose three corners are valid, distinct vertex indices, so they are defined even
 * for a broken mesh; `boundaryLoops` and `genus` only when the connectivity could be built.
 */
export interface MeshCounts {
  readonly vertices: number;
  readonly faces: number;
  /** Distinct undirected edges. */
  readonly edges: number;
  /** Edges with exactly one face. */
  readonly boundaryEdges: number;
  /** Connected components of vertices joined by faces; every unreferenced vertex is one on its own. */
  readonly components: number;
  /** V − E + F. */
  readonly eulerCharacteristic: number;
  readonly boundaryLoops: number | undefined;
  /** Sum over components of the genus from χ = 2 − 2g − b (defined for manifold, oriented meshes). */
  readonly genus: number | undefined;
}

export interface MeshValidationReport {
  /** True when no problem was found. */
  readonly ok: boolean;
  readonly source: string | undefined;
  /**
   * Every problem found, each naming its vertex, face or edge; long lists are cut at 100
   * non-finite coordinates, 100 zero-area faces and 100 problems from the connectivity checks
   * (`problemCount` and `problemCounts` count them all).
   */
  readonly problems: readonly MeshProblem[];
  /** How many problems were found, also those not listed in `problems`. */
  readonly problemCount: number;
  /** How many problems of each kind were found, also those not listed. */
  readonly problemCounts: Readonly<Partial<Record<MeshProblemKind, number>>>;
  readonly counts: MeshCounts;
  /** The absolute area at or below which a face counts as degenerate (see `DEFAULT_RELATIVE_AREA_TOLERANCE`). */
  readonly areaTolerance: number;
  /** The connectivity, whenever it could be built (also when only geometric problems were found). */
  readonly mesh: SurfaceMesh | undefined;
}

function isArrayLike(x: unknown): x is ArrayLike<number> {
  return (
    x !== null &&
    typeof x === "object" &&
    typeof (x as { length?: unknown }).length === "number" &&
    Number.isInteger((x as { length: number }).length)
  );
}

/**
 * Checks raw mesh data and lists everything wrong with it: malformed arrays, non-finite
 * coordinates, indices out of range, degenerate faces (repeated corners, or area at most the
 * tolerance), unreferenced vertices, duplicate faces, non-manifold edges and vertices, inconsistent
 * orientation. Linear in the size of the mesh (up to sorting within groups of faces that share an
 * edge), whatever the vertex degrees.
 * Never throws on bad data; `assertValidMesh` throws instead.
 */
export function validateMesh(
  data: TriangleMeshData,
  options: MeshValidationOptions = {},
): MeshValidationReport {
  const source = options.source;
  const relativeTolerance = options.relativeAreaTolerance ?? DEFAULT_RELATIVE_AREA_TOLERANCE;
  if (!(relativeTolerance >= 0)) {
    throw new RangeError(`relativeAreaTolerance must be a non-negative number, got ${relativeTolerance}`);
  }
  const positions = data?.positions;
  const triangles = data?.triangles;
  const shapeProblems: MeshProblem[] = [];
  if (!isArrayLike(positions)) {
    shapeProblems.push({ kind: "malformed-array", message: "the mesh has no positions array" });
  } else if (positions.length % 3 !== 0) {
    shapeProblems.push({
      kind: "malformed-array",
      message: `the positions array has length ${positions.length}, not a multiple of 3`,
    });
  }
  if (!isArrayLike(triangles)) {
    shapeProblems.push({ kind: "malformed-array", message: "the mesh has no triangles array" });
  }
  if (shapeProblems.length > 0) {
    const nVertices = isArrayLike(positions) ? Math.floor(positions.length / 3) : 0;
    const nFaces = isArrayLike(triangles) ? Math.floor(triangles.length / 3) : 0;
    return {
      ok: false,
      source,
      problems: shapeProblems,
      problemCount: shapeProblems.length,
      problemCounts: { "malformed-array": shapeProblems.length },
      counts: {
        vertices: nVertices,
        faces: nFaces,
        edges: 0,
        boundaryEdges: 0,
        components: nVertices,
        eulerCharacteristic: nVertices,
        boundaryLoops: undefined,
        genus: undefined,
      },
      areaTolerance: 0,
      mesh: undefined,
    };
  }

  const nVertices = positions.length / 3;
  const problems: MeshProblem[] = [];

  const finite = new Uint8Array(nVertices);
  let nonFinite = 0;
  for (let v = 0; v < nVertices; v++) {
    const x = positions[3 * v];
    const y = positions[3 * v + 1];
    const z = positions[3 * v + 2];
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) {
      finite[v] = 1;
    } else if (nonFinite++ < MAX_LISTED_PER_KIND) {
      problems.push({
        kind: "non-finite-coordinate",
        element: { type: "vertex", index: v },
        message: `vertex ${v} has a non-finite coordinate (${x}, ${y}, ${z})`,
      });
    }
  }
  const areaTolerance = absoluteAreaTolerance(positions, relativeTolerance);

  const connectivity = buildConnectivity(nVertices, triangles);
  for (const p of connectivity.problems) problems.push(p);

  const nFaces = Math.floor(triangles.length / 3);
  const inRange = (v: number) => Number.isInteger(v) && v >= 0 && v < nVertices;
  const usable = (f: number) => {
    const a = triangles[3 * f];
    const b = triangles[3 * f + 1];
    const c = triangles[3 * f + 2];
    return inRange(a) && inRange(b) && inRange(c) && a !== b && b !== c && c !== a;
  };

  let zeroArea = 0;
  if (triangles.length % 3 === 0) {
    for (let f = 0; f < nFaces; f++) {
      if (!usable(f)) continue;
      const a = triangles[3 * f];
      const b = triangles[3 * f + 1];
      const c = triangles[3 * f + 2];
      if (!finite[a] || !finite[b] || !finite[c]) continue;
      const area = triangleArea(positions, a, b, c);
      if (area <= areaTolerance && zeroArea++ < MAX_LISTED_PER_KIND) {
        problems.push({
          kind: "degenerate-face",
          element: { type: "face", index: f },
          message: `face ${f} has area ${area.toExponential(3)}, at most the tolerance ${areaTolerance.toExponential(3)} (${relativeTolerance} × squared bounding-box diagonal)`,
        });
      }
    }
  }

  const counts = countTopology(nVertices, triangles, nFaces, usable, connectivity.mesh);
  const problemCounts: Partial<Record<MeshProblemKind, number>> = { ...connectivity.problemCounts };
  if (nonFinite > 0) problemCounts["non-finite-coordinate"] = nonFinite;
  if (zeroArea > 0) problemCounts["degenerate-face"] = (problemCounts["degenerate-face"] ?? 0) + zeroArea;
  return {
    ok: problems.length === 0,
    source,
    problems,
    problemCount: nonFinite + zeroArea + connectivity.problemCount,
    problemCounts,
    counts,
    areaTolerance,
    mesh: connectivity.mesh,
  };
}

function squaredDiagonal(lo: number[], hi: number[]): number {
  return hi[0] >= lo[0] ? (hi[0] - lo[0]) ** 2 + (hi[1] - lo[1]) ** 2 + (hi[2] - lo[2]) ** 2 : 0;
}

/**
 * The absolute zero-area tolerance of `positions`: `relativeTolerance` times the squared
 * diagonal of the bounding box of its finite vertices.
 */
export function absoluteAreaTolerance(positions: ArrayLike<number>, relativeTolerance: number): number {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let v = 0; v < Math.floor(positions.length / 3); v++) {
    const x = positions[3 * v];
    const y = positions[3 * v + 1];
    const z = positions[3 * v + 2];
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue;
    if (x < lo[0]) lo[0] = x;
    if (x > hi[0]) hi[0] = x;
    if (y < lo[1]) lo[1] = y;
    if (y > hi[1]) hi[1] = y;
    if (z < lo[2]) lo[2] = z;
    if (z > hi[2]) hi[2] = z;
  }
  return relativeTolerance * squaredDiagonal(lo, hi);
}

/** Area of triangle (a, b, c) of a flat position array. */
export function triangleArea(positions: ArrayLike<number>, a: number, b: number, c: number): number {
  const ux = positions[3 * b] - positions[3 * a];
  const uy = positions[3 * b + 1] - positions[3 * a + 1];
  const uz = positions[3 * b + 2] - positions[3 * a + 2];
  const vx = positions[3 * c] - positions[3 * a];
  const vy = positions[3 * c + 1] - positions[3 * a + 1];
  const vz = positions[3 * c + 2] - positions[3 * a + 2];
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  // Math.sqrt rather than Math.hypot: several times faster, and these sums cannot overflow here.
  return 0.5 * Math.sqrt(nx * nx + ny * ny + nz * nz);
}

function countTopology(
  nVertices: number,
  triangles: ArrayLike<number>,
  nFaces: number,
  usable: (f: number) => boolean,
  mesh: SurfaceMesh | undefined,
): MeshCounts {
  if (mesh) {
    // mesh.genus would find the components and boundary loops again.
    const components = mesh.connectedComponents().count;
    const boundaryLoops = mesh.boundaryLoops().length;
    return {
      vertices: nVertices,
      faces: nFaces,
      edges: mesh.nEdges,
      boundaryEdges: mesh.nHalfedges - 3 * mesh.nFaces,
      components,
      eulerCharacteristic: mesh.eulerCharacteristic,
      boundaryLoops,
      genus: (2 * components - mesh.eulerCharacteristic - boundaryLoops) / 2,
    };
  }
  const parent = new Int32Array(nVertices);
  for (let v = 0; v < nVertices; v++) parent[v] = v;
  const find = (v: number) => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  let components = nVertices;
  let usableFaces = 0;
  const include = new Uint8Array(nFaces);
  if (triangles.length % 3 === 0) {
    for (let f = 0; f < nFaces; f++) {
      if (!usable(f)) continue;
      include[f] = 1;
      usableFaces++;
      for (let k = 0; k < 3; k++) {
        const ru = find(triangles[3 * f + k]);
        const rw = find(triangles[3 * f + ((k + 1) % 3)]);
        if (ru !== rw) {
          parent[ru] = rw;
          components--;
        }
      }
    }
  }
  const { groupStart, groupCount } = groupHalfedgesByEdge(nVertices, triangles, include);
  let boundaryEdges = 0;
  for (let g = 0; g < groupCount; g++) if (groupStart[g + 1] - groupStart[g] === 1) boundaryEdges++;
  return {
    vertices: nVertices,
    faces: nFaces,
    edges: groupCount,
    boundaryEdges,
    components,
    eulerCharacteristic: nVertices - groupCount + usableFaces,
    boundaryLoops: undefined,
    genus: undefined,
  };
}

/**
 * Validates `data` and returns its connectivity; throws a `MeshError` listing every problem,
 * whose message names `source` (the file the mesh came from) when given.
 */
export function assertValidMesh(
  data: TriangleMeshData,
  source?: string,
  options: Omit<MeshValidationOptions, "source"> = {},
): SurfaceMesh {
  const report = validateMesh(data, { ...options, source });
  if (!report.ok) throw new MeshError(report.problems, source, report.problemCount);
  return report.mesh!;
}
