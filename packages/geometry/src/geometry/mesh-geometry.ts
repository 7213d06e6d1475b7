import { MeshError, type MeshProblem } from "../mesh/errors.js";
import type { TriangleMeshData } from "../mesh/mesh-data.js";
import { SurfaceMesh } from "../mesh/surface-mesh.js";
import { SparseMatrix } from "../sparse/sparse-matrix.js";
import { TWO_PI } from "./angles.js";
import { cotanLaplacianOf, vertexAreasOf } from "./laplacian.js";

const MAX_PROBLEMS = 100;

/**
 * A triangle mesh with float64 vertex positions, and the quantities derived from them.
 *
 * Connectivity lives in `mesh` (a `SurfaceMesh`); every derived array is computed on first use
 * and cached, so the positions must not be changed after construction. Plural getters return the
 * cached arrays (do not modify them); singular methods (`cornerAngle(h)`, `faceNormal(f)`, …)
 * compute one value from the positions without touching the caches.
 */
export class MeshGeometry {
  readonly mesh: SurfaceMesh;
  /** Vertex positions `[x0, y0, z0, x1, …]`, float64. */
  readonly positions: Float64Array;
  /** Where the mesh came from (a file name), for error messages; may be undefined. */
  readonly source: string | undefined;

  #faceNormals: Float64Array | undefined;
  #faceAreas: Float64Array | undefined;
  #cornerAngles: Float64Array | undefined;
  #edgeLengths: Float64Array | undefined;
  #vertexNormals: Float64Array | undefined;
  #vertexAngleSums: Float64Array | undefined;
  #vertexAngleDefects: Float64Array | undefined;
  #halfedgeAnglesInVertex: Float64Array | undefined;
  #vertexAreas: Float64Array | undefined;
  #cotanLaplacian: SparseMatrix | undefined;
  #lumpedMassMatrix: SparseMatrix | undefined;

  /**
   * Wraps existing connectivity and positions (not copied). Throws a `MeshError` if the position
   * array does not hold three finite coordinates per vertex of `mesh`.
   */
  constructor(mesh: SurfaceMesh, positions: Float64Array, source?: string) {
    if (positions.length !== 3 * mesh.nVertices) {
      throw new MeshError(
        [
          {
            kind: "malformed-array",
            message: `the position array has length ${positions.length}, but the mesh has ${mesh.nVertices} vertices (expected ${3 * mesh.nVertices})`,
          },
        ],
        source,
      );
    }
    const problems = nonFiniteCoordinates(positions);
    if (problems.length > 0) throw new MeshError(problems, source);
    this.mesh = mesh;
    this.positions = positions;
    this.source = source;
  }

  /**
   * Builds connectivity and geometry from raw arrays. Throws a `MeshError` naming `source` (when
   * given) for a position array whose length is not a multiple of 3, non-finite coordinates, or
   * connectivity that `SurfaceMesh.fromTriangles` rejects.
   */
  static fromData(data: TriangleMeshData, options: { source?: string } = {}): MeshGeometry {
    const { source } = options;
    const raw = data.positions as ArrayLike<number>;
    if (raw.length % 3 !== 0) {
      throw new MeshError(
        [
          {
            kind: "malformed-array",
            message: `the position array has length ${raw.length}, not a multiple of 3`,
          },
        ],
        source,
      );
    }
    const positions = raw instanceof Float64Array ? raw : Float64Array.from(raw);
    const problems = nonFiniteCoordinates(positions);
    if (problems.length > 0) throw new MeshError(problems, source);
    const mesh = SurfaceMesh.fromTriangles(positions.length / 3, data.triangles, source);
    return new MeshGeometry(mesh, positions, source);
  }

  get nVertices(): number {
    return this.mesh.nVertices;
  }

  /**
   * Unit normal of each face, 3 per face: `(b − a) × (c − a)` normalised for corners `a, b, c` in
   * counter-clockwise order, so it points outwards; the zero vector for a face of zero area.
   */
  get faceNormals(): Float64Array {
    if (!this.#faceNormals) this.#computeFaceQuantities();
    return this.#faceNormals!;
  }

  /** Area of each face. */
  get faceAreas(): Float64Array {
    if (!this.#faceAreas) this.#computeFaceQuantities();
    return this.#faceAreas!;
  }

  /**
   * Interior angle of each face corner, in `[0, π]`, indexed by interior halfedge `3f + k`: the
   * angle at vertex `triangles[3f + k]` between its two edges in face `f`, which is also the
   * counter-clockwise angle from halfedge `3f + k` to the next outgoing halfedge of that vertex.
   */
  get cornerAngles(): Float64Array {
    if (!this.#cornerAngles) this.#computeFaceQuantities();
    return this.#cornerAngles!;
  }

  /** Euclidean length of each edge, indexed by edge (`mesh.halfedgeEdge`). */
  get edgeLengths(): Float64Array {
    if (!this.#edgeLengths) this.#edgeLengths = this.#computeEdgeLengths();
    return this.#edgeLengths;
  }

  /**
   * Unit vertex normals, 3 per vertex: the sum of the normals of the incident faces, each weighted
   * by the face's corner angle at the vertex, normalised; `(0, 0, 1)` where that sum vanishes.
   */
  get vertexNormals(): Float64Array {
    if (!this.#vertexNormals) this.#computeVertexQuantities();
    return this.#vertexNormals!;
  }

  /** Sum of the corner angles at each vertex (the cone angle; 2π at a flat interior vertex). */
  get vertexAngleSums(): Float64Array {
    if (!this.#vertexAngleSums) this.#computeVertexQuantities();
    return this.#vertexAngleSums!;
  }

  /**
   * Angle defect (discrete Gaussian curvature, integrated over the vertex's area) of each vertex:
   * 2π − Σ corner angles at an interior vertex, π − Σ corner angles at a boundary vertex, so that
   * the defects sum to 2πχ (discrete Gauss-Bonnet) with or without boundary.
   */
  get vertexAngleDefects(): Float64Array {
    if (!this.#vertexAngleDefects) {
      const sums = this.vertexAngleSums;
      const onBoundary = this.mesh.vertexOnBoundary;
      const defects = new Float64Array(sums.length);
      for (let v = 0; v < sums.length; v++) defects[v] = (onBoundary[v] ? Math.PI : TWO_PI) - sums[v];
      this.#vertexAngleDefects = defects;
    }
    return this.#vertexAngleDefects;
  }

  /**
   * Intrinsic polar angle of every halfedge at its tail vertex, indexed by halfedge: the
   * counter-clockwise angle from the vertex's first outgoing halfedge (`mesh.vertexHalfedge`) to
   * this one, summing corner angles, rescaled by 2π / (angle sum) at interior vertices so that a
   * full turn is 2π, and not rescaled at boundary vertices (whose fan is then an exact wedge).
   * In `[0, 2π)` at interior vertices.
   */
  get halfedgeAnglesInVertex(): Float64Array {
    if (!this.#halfedgeAnglesInVertex) this.#halfedgeAnglesInVertex = this.#computeHalfedgeAngles();
    return this.#halfedgeAnglesInVertex;
  }

  /**
   * Barycentric vertex area (lumped mass) of each vertex: a third of the area of every incident
   * face; they sum to the surface area.
   */
  get vertexAreas(): Float64Array {
    if (!this.#vertexAreas) this.#vertexAreas = vertexAreasOf(this);
    return this.#vertexAreas;
  }

  /**
   * Cotangent Laplacian `L` (stiffness), a sparse symmetric positive semi-definite matrix with
   * `(L f)_i = Σ_j w_ij (f_i − f_j)`, `w_ij = (cot α_ij + cot β_ij) / 2` (one cotangent on a
   * boundary edge), so that `M⁻¹ L ≈ −Δ` has eigenvalues ≥ 0; sliver faces are scaled down as
   * `cotanLaplacianOf` documents.
   */
  get cotanLaplacian(): SparseMatrix {
    if (!this.#cotanLaplacian) this.#cotanLaplacian = cotanLaplacianOf(this);
    return this.#cotanLaplacian;
  }

  /** Lumped mass matrix `M = diag(vertexAreas)` as a sparse matrix. */
  get lumpedMassMatrix(): SparseMatrix {
    if (!this.#lumpedMassMatrix) this.#lumpedMassMatrix = SparseMatrix.fromDiagonal(this.vertexAreas);
    return this.#lumpedMassMatrix;
  }

  /** Position of vertex `v` as a new `[x, y, z]`. */
  vertexPosition(v: number): [number, number, number] {
    this.#checkIndex(v, this.mesh.nVertices, "vertex");
    const p = this.positions;
    return [p[3 * v], p[3 * v + 1], p[3 * v + 2]];
  }

  /** Unit outward normal of face `f` (see `faceNormals`), computed afresh. */
  faceNormal(f: number): [number, number, number] {
    const [nx, ny, nz] = this.#faceCross(f);
    const length = Math.hypot(nx, ny, nz);
    return length > 0 ? [nx / length, ny / length, nz / length] : [0, 0, 0];
  }

  /** Area of face `f`, computed afresh. */
  faceArea(f: number): number {
    const [nx, ny, nz] = this.#faceCross(f);
    return 0.5 * Math.hypot(nx, ny, nz);
  }

  /** Corner angle at the tail of interior halfedge `h` (see `cornerAngles`), computed afresh. */
  cornerAngle(h: number): number {
    this.#checkIndex(h, 3 * this.mesh.nFaces, "interior halfedge");
    const t = this.mesh.triangles;
    const base = h - (h % 3);
    const a = t[h];
    const b = t[base + (((h % 3) + 1) % 3)];
    const c = t[base + (((h % 3) + 2) % 3)];
    const p = this.positions;
    const ux = p[3 * b] - p[3 * a];
    const uy = p[3 * b + 1] - p[3 * a + 1];
    const uz = p[3 * b + 2] - p[3 * a + 2];
    const vx = p[3 * c] - p[3 * a];
    const vy = p[3 * c + 1] - p[3 * a + 1];
    const vz = p[3 * c + 2] - p[3 * a + 2];
    const cross = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
    return Math.atan2(cross, ux * vx + uy * vy + uz * vz);
  }

  /** Length of halfedge `h` (interior or boundary), computed afresh. */
  halfedgeLength(h: number): number {
    this.#checkIndex(h, this.mesh.nHalfedges, "halfedge");
    const p = this.positions;
    const a = this.mesh.tail(h);
    const b = this.mesh.head(h);
    return Math.hypot(p[3 * b] - p[3 * a], p[3 * b + 1] - p[3 * a + 1], p[3 * b + 2] - p[3 * a + 2]);
  }

  /** Length of edge `e`, computed afresh. */
  edgeLength(e: number): number {
    this.#checkIndex(e, this.mesh.nEdges, "edge");
    return this.halfedgeLength(this.mesh.edgeHalfedge[e]);
  }

  /** Angle-weighted unit normal of vertex `v` (see `vertexNormals`), computed afresh. */
  vertexNormal(v: number): [number, number, number] {
    this.#checkIndex(v, this.mesh.nVertices, "vertex");
    let x = 0;
    let y = 0;
    let z = 0;
    for (const h of this.mesh.outgoingHalfedges(v)) {
      const f = this.mesh.face(h);
      if (f < 0) continue;
      const angle = this.cornerAngle(h);
      const [nx, ny, nz] = this.faceNormal(f);
      x += angle * nx;
      y += angle * ny;
      z += angle * nz;
    }
    const length = Math.hypot(x, y, z);
    return length > 0 ? [x / length, y / length, z / length] : [0, 0, 1];
  }

  /** Angle defect of vertex `v` (see `vertexAngleDefects`), computed afresh. */
  vertexAngleDefect(v: number): number {
    this.#checkIndex(v, this.mesh.nVertices, "vertex");
    let sum = 0;
    for (const h of this.mesh.outgoingHalfedges(v)) {
      if (this.mesh.face(h) >= 0) sum += this.cornerAngle(h);
    }
    return (this.mesh.vertexOnBoundary[v] ? Math.PI : TWO_PI) - sum;
  }

  /** Sum of the angle defects: 2πχ for any mesh (discrete Gauss-Bonnet). */
  totalAngleDefect(): number {
    const defects = this.vertexAngleDefects;
    let sum = 0;
    for (let v = 0; v < defects.length; v++) sum += defects[v];
    return sum;
  }

  #checkIndex(i: number, n: number, what: string): void {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`${what} index ${i} is out of range: expected an integer from 0 to ${n - 1}`);
    }
  }

  #faceCross(f: number): [number, number, number] {
    this.#checkIndex(f, this.mesh.nFaces, "face");
    const t = this.mesh.triangles;
    const p = this.positions;
    const a = 3 * t[3 * f];
    const b = 3 * t[3 * f + 1];
    const c = 3 * t[3 * f + 2];
    const ux = p[b] - p[a];
    const uy = p[b + 1] - p[a + 1];
    const uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a];
    const vy = p[c + 1] - p[a + 1];
    const vz = p[c + 2] - p[a + 2];
    return [uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx];
  }

  // Normals, areas and corner angles share the cross product of each face: one pass for all three.
  #computeFaceQuantities(): void {
    const nFaces = this.mesh.nFaces;
    const t = this.mesh.triangles;
    const p = this.positions;
    const normals = new Float64Array(3 * nFaces);
    const areas = new Float64Array(nFaces);
    const angles = new Float64Array(3 * nFaces);
    for (let f = 0; f < nFaces; f++) {
      const a = 3 * t[3 * f];
      const b = 3 * t[3 * f + 1];
      const c = 3 * t[3 * f + 2];
      // Edge vectors a→b, b→c, c→a.
      const abx = p[b] - p[a];
      const aby = p[b + 1] - p[a + 1];
      const abz = p[b + 2] - p[a + 2];
      const bcx = p[c] - p[b];
      const bcy = p[c + 1] - p[b + 1];
      const bcz = p[c + 2] - p[b + 2];
      const cax = p[a] - p[c];
      const cay = p[a + 1] - p[c + 1];
      const caz = p[a + 2] - p[c + 2];
      // (b − a) × (c − a) = (c→a) × (a→b).
      const nx = cay * abz - caz * aby;
      const ny = caz * abx - cax * abz;
      const nz = cax * aby - cay * abx;
      const twiceArea = Math.sqrt(nx * nx + ny * ny + nz * nz);
      areas[f] = 0.5 * twiceArea;
      if (twiceArea > 0) {
        normals[3 * f] = nx / twiceArea;
        normals[3 * f + 1] = ny / twiceArea;
        normals[3 * f + 2] = nz / twiceArea;
      }
      // |u × v| is twice the area at every corner, so atan2 stays accurate near 0 and π, where
      // acos of the normalised dot product loses half its digits. The angle at a is between a→b
      // and a→c = −(c→a), and so on.
      angles[3 * f] = Math.atan2(twiceArea, -(abx * cax + aby * cay + abz * caz));
      angles[3 * f + 1] = Math.atan2(twiceArea, -(bcx * abx + bcy * aby + bcz * abz));
      angles[3 * f + 2] = Math.atan2(twiceArea, -(cax * bcx + cay * bcy + caz * bcz));
    }
    this.#faceNormals = normals;
    this.#faceAreas = areas;
    this.#cornerAngles = angles;
  }

  #computeEdgeLengths(): Float64Array {
    const { nEdges, edgeHalfedge, halfedgeTail, halfedgeNext } = this.mesh;
    const p = this.positions;
    const lengths = new Float64Array(nEdges);
    for (let e = 0; e < nEdges; e++) {
      const h = edgeHalfedge[e];
      const a = 3 * halfedgeTail[h];
      const b = 3 * halfedgeTail[halfedgeNext[h]];
      const dx = p[b] - p[a];
      const dy = p[b + 1] - p[a + 1];
      const dz = p[b + 2] - p[a + 2];
      lengths[e] = Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
    return lengths;
  }

  #computeVertexQuantities(): void {
    const { nVertices, triangles } = this.mesh;
    const angles = this.cornerAngles;
    const faceNormals = this.faceNormals;
    const normals = new Float64Array(3 * nVertices);
    const sums = new Float64Array(nVertices);
    for (let h = 0; h < angles.length; h++) {
      const vertex = triangles[h];
      const v = 3 * vertex;
      const f = 3 * ((h / 3) | 0);
      const w = angles[h];
      sums[vertex] += w;
      normals[v] += w * faceNormals[f];
      normals[v + 1] += w * faceNormals[f + 1];
      normals[v + 2] += w * faceNormals[f + 2];
    }
    for (let v = 0; v < 3 * nVertices; v += 3) {
      const x = normals[v];
      const y = normals[v + 1];
      const z = normals[v + 2];
      const length = Math.sqrt(x * x + y * y + z * z);
      if (length > 0) {
        normals[v] = x / length;
        normals[v + 1] = y / length;
        normals[v + 2] = z / length;
      } else {
        normals[v + 2] = 1;
      }
    }
    this.#vertexNormals = normals;
    this.#vertexAngleSums = sums;
  }

  #computeHalfedgeAngles(): Float64Array {
    const { nVertices, nHalfedges, vertexHalfedge, halfedgeTwin, halfedgePrev, vertexOnBoundary } = this.mesh;
    const nInterior = 3 * this.mesh.nFaces;
    const corner = this.cornerAngles;
    const sums = this.vertexAngleSums;
    const result = new Float64Array(nHalfedges);
    for (let v = 0; v < nVertices; v++) {
      const start = vertexHalfedge[v];
      const sum = sums[v];
      const scale = vertexOnBoundary[v] || !(sum > 0) ? 1 : TWO_PI / sum;
      let accumulated = 0;
      let h = start;
      do {
        result[h] = scale * accumulated;
        // Only the outgoing boundary halfedge (last in the enumeration) has no corner.
        if (h < nInterior) accumulated += corner[h];
        h = halfedgeTwin[halfedgePrev[h]];
      } while (h !== start);
    }
    return result;
  }
}

function nonFiniteCoordinates(positions: ArrayLike<number>): MeshProblem[] {
  const problems: MeshProblem[] = [];
  for (let i = 0; i < positions.length; i++) {
    if (Number.isFinite(positions[i])) continue;
    const v = (i / 3) | 0;
    problems.push({
      kind: "non-finite-coordinate",
      element: { type: "vertex", index: v },
      message: `vertex ${v} has a non-finite coordinate (${"xyz"[i % 3]} = ${positions[i]})`,
    });
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}
