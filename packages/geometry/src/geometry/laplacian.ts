import { type Eigenpairs, type SmallestEigenpairsOptions, smallestEigenpairs } from "../sparse/eigen.js";
import { SparseSolverError } from "../sparse/errors.js";
import { SparseMatrix } from "../sparse/sparse-matrix.js";
import type { MeshGeometry } from "./mesh-geometry.js";

/**
 * Largest magnitude of a corner's cotangent (cot 0.057° ≈ 1000) before its face's weights are
 * scaled down; see `cotanLaplacianOf`.
 */
export const MAX_COTANGENT = 1000;

/**
 * The cotangent Laplacian (stiffness matrix) of a mesh: symmetric positive semi-definite, with
 * `(L f)_i = Σ_j w_ij (f_i − f_j)` over the edges `ij` and `w_ij = (cot α_ij + cot β_ij) / 2`,
 * α and β the angles opposite the edge (one of them on a boundary edge), so `M⁻¹ L` discretises
 * `−Δ` and its eigenvalues are ≥ 0. Use `MeshGeometry.cotanLaplacian` for the cached copy.
 *
 * Degenerate and sliver triangles: a face of zero area contributes nothing; a face whose largest
 * |cot| exceeds `MAX_COTANGENT` has all three of its cotangents scaled by the same factor so that
 * it equals the limit. Scaling a face's whole 3 × 3 stiffness block keeps it positive
 * semi-definite (clamping single cotangents, as the CLI's dense path did, can make a sliver's
 * block indefinite, and then `L` too), and leaves every face with angles in [0.057°, 179.94°]
 * exactly as it is. Obtuse angles keep their negative cotangents: the operator is the standard
 * linear finite-element one. (An intrinsic Delaunay retriangulation would make every weight
 * non-negative but change the operator on every mesh with an obtuse corner; that is left for
 * when a maximum principle is needed.)
 */
export function cotanLaplacianOf(geometry: MeshGeometry): SparseMatrix {
  const { mesh, positions: x } = geometry;
  const {
    nVertices,
    nFaces,
    triangles,
    halfedgeEdge,
    nEdges,
    vertexHalfedge,
    halfedgeTwin,
    halfedgePrev,
    halfedgeNext,
    halfedgeTail,
  } = mesh;
  const edgeWeight = new Float64Array(nEdges);
  const cot = [0, 0, 0];
  for (let f = 0; f < nFaces; f++) {
    const a = 3 * triangles[3 * f];
    const b = 3 * triangles[3 * f + 1];
    const c = 3 * triangles[3 * f + 2];
    const abx = x[b] - x[a];
    const aby = x[b + 1] - x[a + 1];
    const abz = x[b + 2] - x[a + 2];
    const bcx = x[c] - x[b];
    const bcy = x[c + 1] - x[b + 1];
    const bcz = x[c + 2] - x[b + 2];
    const cax = x[a] - x[c];
    const cay = x[a + 1] - x[c + 1];
    const caz = x[a + 2] - x[c + 2];
    const nx = cay * abz - caz * aby;
    const ny = caz * abx - cax * abz;
    const nz = cax * aby - cay * abx;
    const twiceArea = Math.sqrt(nx * nx + ny * ny + nz * nz);
    if (!(twiceArea > 0)) continue;
    // cot of the corner between u and v is (u·v)/|u × v|, and |u × v| is twice the area at every
    // corner; accurate for small angles, unlike anything through acos.
    cot[0] = -(abx * cax + aby * cay + abz * caz) / twiceArea;
    cot[1] = -(bcx * abx + bcy * aby + bcz * abz) / twiceArea;
    cot[2] = -(cax * bcx + cay * bcy + caz * bcz) / twiceArea;
    const largest = Math.max(Math.abs(cot[0]), Math.abs(cot[1]), Math.abs(cot[2]));
    const scale = largest > MAX_COTANGENT ? MAX_COTANGENT / largest : 1;
    for (let k = 0; k < 3; k++) {
      // The corner at triangles[3f + k] is opposite halfedge 3f + (k + 1) % 3.
      edgeWeight[halfedgeEdge[3 * f + ((k + 1) % 3)]] += 0.5 * scale * cot[k];
    }
  }
  // One row per vertex from its outgoing halfedges (neighbours sorted by insertion: degrees are small).
  const offsets = new Int32Array(nVertices + 1);
  for (let v = 0; v < nVertices; v++) offsets[v + 1] = offsets[v] + mesh.vertexDegree[v] + 1;
  const columns = new Int32Array(offsets[nVertices]);
  const values = new Float64Array(offsets[nVertices]);
  for (let v = 0; v < nVertices; v++) {
    const rowStart = offsets[v];
    let length = 0;
    let diagonal = 0;
    const insert = (j: number, w: number) => {
      let p = rowStart + length;
      while (p > rowStart && columns[p - 1] > j) {
        columns[p] = columns[p - 1];
        values[p] = values[p - 1];
        p--;
      }
      columns[p] = j;
      values[p] = w;
      length++;
    };
    const start = vertexHalfedge[v];
    let h = start;
    do {
      const w = edgeWeight[halfedgeEdge[h]];
      diagonal += w;
      insert(halfedgeTail[halfedgeNext[h]], -w);
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start);
    insert(v, diagonal);
  }
  return new SparseMatrix(nVertices, nVertices, offsets, columns, values);
}

/**
 * Barycentric (lumped) vertex areas: a third of the area of every incident face, so they sum to
 * the surface area. The diagonal of the lumped mass matrix `M`; use
 * `MeshGeometry.vertexAreas` for the cached copy.
 */
export function vertexAreasOf(geometry: MeshGeometry): Float64Array {
  const { triangles, nVertices } = geometry.mesh;
  const faceAreas = geometry.faceAreas;
  const areas = new Float64Array(nVertices);
  for (let f = 0; f < faceAreas.length; f++) {
    const third = faceAreas[f] / 3;
    areas[triangles[3 * f]] += third;
    areas[triangles[3 * f + 1]] += third;
    areas[triangles[3 * f + 2]] += third;
  }
  return areas;
}

/** Options of `laplacianEigenpairs`: those of `smallestEigenpairs` but the null space, which is the mesh's components. */
export type LaplacianEigenpairsOptions = Omit<SmallestEigenpairsOptions, "constantNullSpace">;

/**
 * The `k` smallest eigenpairs of `L φ = λ M φ` for the cotangent Laplacian `L` and the lumped
 * mass `M = diag(vertexAreas)` of `geometry` (see `smallestEigenpairs`): eigenvalues ascending,
 * the first one per connected component exactly 0 with a constant eigenvector, eigenvectors
 * M-orthonormal in row-major `nVertices × k`. Throws a `SparseSolverError` naming the mesh's
 * source for `k` outside `1 … nVertices − 1` and for a vertex of zero area (all its faces
 * degenerate: `repairMesh` drops such faces).
 */
export function laplacianEigenpairs(
  geometry: MeshGeometry,
  k: number,
  options: LaplacianEigenpairsOptions = {},
): Eigenpairs {
  const source = options.factorisation?.source ?? geometry.source;
  const where = source ? `${source}: ` : "";
  const areas = geometry.vertexAreas;
  for (let v = 0; v < areas.length; v++) {
    if (!(areas[v] > 0)) {
      throw new SparseSolverError(
        "invalid-argument",
        `${where}vertex ${v} has zero area (all its faces are degenerate), so the mass matrix is singular; repair the mesh (repairMesh drops zero-area faces)`,
      );
    }
  }
  return smallestEigenpairs(geometry.cotanLaplacian, areas, k, {
    ...options,
    constantNullSpace: true,
    factorisation: { ...options.factorisation, source },
  });
}
