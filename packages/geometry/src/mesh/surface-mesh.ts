import { findDuplicateFaces, groupHalfedgesByEdge } from "./edge-groups.js";
import { MeshError, type MeshProblem, type MeshProblemKind } from "./errors.js";

/**
 * Immutable halfedge connectivity of an oriented, manifold triangle mesh (with or without
 * boundary). Knows only who is next to whom; positions live in `MeshGeometry`.
 *
 * Numbering (see docs/conventions.md): interior halfedge `3f + k` runs from `triangles[3f + k]`
 * to `triangles[3f + (k + 1) % 3]` with face `f` on its left; boundary halfedges follow from `3F`
 * and have face `-1`, forming loops with the exterior on their left.
 */
export class SurfaceMesh {
  readonly nVertices: number;
  readonly nFaces: number;
  readonly nEdges: number;
  /** Interior plus boundary halfedges. */
  readonly nHalfedges: number;
  /** Face corners, three per face, counter-clockwise seen from outside. */
  readonly triangles: Uint32Array;
  readonly halfedgeTwin: Int32Array;
  readonly halfedgeNext: Int32Array;
  readonly halfedgePrev: Int32Array;
  /** Vertex the halfedge leaves. */
  readonly halfedgeTail: Uint32Array;
  /** Face on the left of the halfedge, `-1` for boundary halfedges. */
  readonly halfedgeFace: Int32Array;
  readonly halfedgeEdge: Uint32Array;
  /** One halfedge of each edge (the interior one when the edge is on the boundary). */
  readonly edgeHalfedge: Uint32Array;
  /**
   * First outgoing halfedge of each vertex in its counter-clockwise enumeration: at a boundary
   * vertex the one just after the boundary, so the outgoing boundary halfedge comes last.
   */
  readonly vertexHalfedge: Int32Array;
  /** Number of outgoing halfedges (the degree) of each vertex. */
  readonly vertexDegree: Uint32Array;
  /** Whether each vertex lies on the boundary. */
  readonly vertexOnBoundary: Uint8Array;

  /** @internal Use `SurfaceMesh.fromTriangles`; the arrays are trusted as they are. */
  constructor(fields: SurfaceMeshArrays) {
    this.nVertices = fields.nVertices;
    this.triangles = fields.triangles;
    this.nFaces = fields.triangles.length / 3;
    this.halfedgeTwin = fields.halfedgeTwin;
    this.halfedgeNext = fields.halfedgeNext;
    this.halfedgePrev = fields.halfedgePrev;
    this.halfedgeTail = fields.halfedgeTail;
    this.halfedgeFace = fields.halfedgeFace;
    this.halfedgeEdge = fields.halfedgeEdge;
    this.edgeHalfedge = fields.edgeHalfedge;
    this.vertexHalfedge = fields.vertexHalfedge;
    this.vertexDegree = fields.vertexDegree;
    this.vertexOnBoundary = fields.vertexOnBoundary;
    this.nHalfedges = fields.halfedgeTwin.length;
    this.nEdges = fields.edgeHalfedge.length;
  }

  /**
   * Builds the connectivity of `triangles` (three vertex indices per face) over `nVertices`
   * vertices. Throws a `MeshError` listing every problem that makes the mesh unrepresentable:
   * indices out of range, repeated corners, non-manifold edges or vertices, inconsistent
   * orientation, unreferenced vertices. `validateMesh` reports the same without throwing.
   */
  static fromTriangles(nVertices: number, triangles: ArrayLike<number>, source?: string): SurfaceMesh {
    const result = buildConnectivity(nVertices, triangles);
    if (result.problems.length > 0) throw new MeshError(result.problems, source, result.problemCount);
    return result.mesh!;
  }

  /** Head (target vertex) of a halfedge. */
  head(h: number): number {
    return this.halfedgeTail[this.halfedgeNext[h]];
  }

  tail(h: number): number {
    return this.halfedgeTail[h];
  }

  twin(h: number): number {
    return this.halfedgeTwin[h];
  }

  next(h: number): number {
    return this.halfedgeNext[h];
  }

  prev(h: number): number {
    return this.halfedgePrev[h];
  }

  face(h: number): number {
    return this.halfedgeFace[h];
  }

  isBoundaryHalfedge(h: number): boolean {
    return this.halfedgeFace[h] < 0;
  }

  /** The next outgoing halfedge of the same vertex, counter-clockwise. */
  nextOutgoing(h: number): number {
    return this.halfedgeTwin[this.halfedgePrev[h]];
  }

  /** Outgoing halfedges of `v` in counter-clockwise order (boundary halfedge last, if any). */
  outgoingHalfedges(v: number): number[] {
    const out: number[] = [];
    const start = this.vertexHalfedge[v];
    if (start < 0) return out;
    let h = start;
    do {
      out.push(h);
      h = this.nextOutgoing(h);
    } while (h !== start);
    return out;
  }

  /** Neighbouring vertices of `v` in counter-clockwise order. */
  vertexNeighbours(v: number): number[] {
    return this.outgoingHalfedges(v).map((h) => this.head(h));
  }

  /** V − E + F. */
  get eulerCharacteristic(): number {
    return this.nVertices - this.nEdges + this.nFaces;
  }

  get hasBoundary(): boolean {
    return this.nHalfedges > 3 * this.nFaces;
  }

  /** The boundary loops, each as its boundary halfedges in order. */
  boundaryLoops(): number[][] {
    const loops: number[][] = [];
    const seen = new Uint8Array(this.nHalfedges);
    for (let h = 3 * this.nFaces; h < this.nHalfedges; h++) {
      if (seen[h]) continue;
      const loop: number[] = [];
      let b = h;
      do {
        seen[b] = 1;
        loop.push(b);
        b = this.halfedgeNext[b];
      } while (b !== h);
      loops.push(loop);
    }
    return loops;
  }

  /** Connected component of every vertex (0-based, in order of first vertex) and their count. */
  connectedComponents(): { count: number; vertexComponent: Int32Array } {
    const { nVertices, vertexHalfedge, halfedgeTail, halfedgeNext, halfedgeTwin, halfedgePrev } = this;
    const vertexComponent = new Int32Array(nVertices).fill(-1);
    // Each vertex is pushed once, so a typed stack of nVertices entries is enough.
    const stack = new Int32Array(nVertices);
    let count = 0;
    for (let s = 0; s < nVertices; s++) {
      if (vertexComponent[s] >= 0) continue;
      vertexComponent[s] = count;
      let size = 0;
      stack[size++] = s;
      while (size > 0) {
        const v = stack[--size];
        const start = vertexHalfedge[v];
        if (start < 0) continue;
        let h = start;
        do {
          const w = halfedgeTail[halfedgeNext[h]];
          if (vertexComponent[w] < 0) {
            vertexComponent[w] = count;
            stack[size++] = w;
          }
          h = halfedgeTwin[halfedgePrev[h]];
        } while (h !== start);
      }
      count++;
    }
    return { count, vertexComponent };
  }

  /**
   * Genus of a connected, orientable mesh from χ = 2 − 2g − b (b boundary loops); for several
   * components, the sum of their genera.
   */
  get genus(): number {
    const components = this.connectedComponents().count;
    return (2 * components - this.eulerCharacteristic - this.boundaryLoops().length) / 2;
  }
}

/** The arrays a `SurfaceMesh` is made of (see the field docs of `SurfaceMesh`). */
export interface SurfaceMeshArrays {
  nVertices: number;
  triangles: Uint32Array;
  halfedgeTwin: Int32Array;
  halfedgeNext: Int32Array;
  halfedgePrev: Int32Array;
  halfedgeTail: Uint32Array;
  halfedgeFace: Int32Array;
  halfedgeEdge: Uint32Array;
  edgeHalfedge: Uint32Array;
  vertexHalfedge: Int32Array;
  vertexDegree: Uint32Array;
  vertexOnBoundary: Uint8Array;
}

interface BuildResult {
  mesh?: SurfaceMesh;
  /** The first 100 problems found. */
  problems: MeshProblem[];
  /** How many problems were found in all (more than `problems.length` when the list was cut). */
  problemCount: number;
  /** How many problems of each kind were found in all. */
  problemCounts: Partial<Record<MeshProblemKind, number>>;
}

const MAX_PROBLEMS = 100;

/**
 * Connectivity from triangles, or the list of problems that prevent it (at most 100 listed, all
 * counted). Bad corners (out of range, repeated), unreferenced vertices, duplicate faces,
 * non-manifold edges and inconsistent orientation are found in one pass, the edge checks skipping
 * faces with bad corners and the later copies of duplicate faces; non-manifold vertices are looked
 * for only when none of those was found, because they need every edge's twin. Linear in the
 * number of faces and vertices (edges are matched by grouping halfedges, not by scanning each
 * vertex's neighbours), so a vertex of any degree costs no more than its faces.
 */
export function buildConnectivity(nVertices: number, triangles: ArrayLike<number>): BuildResult {
  const problems: MeshProblem[] = [];
  let problemCount = 0;
  const problemCounts: Partial<Record<MeshProblemKind, number>> = {};
  // Counts a problem of `kind` and says whether it is still to be listed, so that the messages of
  // problems beyond the first 100 are never formatted.
  const tally = (kind: MeshProblemKind): boolean => {
    problemCount++;
    problemCounts[kind] = (problemCounts[kind] ?? 0) + 1;
    return problems.length < MAX_PROBLEMS;
  };
  if (!Number.isInteger(nVertices) || nVertices <= 0) {
    return {
      problems: [{ kind: "empty-mesh", message: "the mesh has no vertices" }],
      problemCount: 1,
      problemCounts: { "empty-mesh": 1 },
    };
  }
  if (triangles.length === 0) {
    return {
      problems: [{ kind: "empty-mesh", message: "the mesh has no faces" }],
      problemCount: 1,
      problemCounts: { "empty-mesh": 1 },
    };
  }
  if (triangles.length % 3 !== 0) {
    return {
      problems: [
        {
          kind: "malformed-array",
          message: `the triangle index array has length ${triangles.length}, not a multiple of 3`,
        },
      ],
      problemCount: 1,
      problemCounts: { "malformed-array": 1 },
    };
  }
  const nFaces = triangles.length / 3;
  const tris = new Uint32Array(triangles.length);
  // Faces with a bad corner are reported once and left out of the edge checks below, so that one
  // pass reports both kinds of problem without follow-up errors from the bad faces.
  const faceUsable = new Uint8Array(nFaces);
  const referenced = new Uint8Array(nVertices);
  for (let f = 0; f < nFaces; f++) {
    let inRange = true;
    for (let k = 0; k < 3; k++) {
      const v = triangles[3 * f + k];
      if (!Number.isInteger(v) || v < 0 || v >= nVertices) {
        inRange = false;
        if (tally("index-out-of-range"))
          problems.push({
            kind: "index-out-of-range",
            element: { type: "face", index: f },
            message: `face ${f} refers to vertex ${v}, but vertices are numbered 0 to ${nVertices - 1}`,
          });
      } else {
        tris[3 * f + k] = v;
        referenced[v] = 1;
      }
    }
    if (!inRange) continue;
    const a = tris[3 * f];
    const b = tris[3 * f + 1];
    const c = tris[3 * f + 2];
    if (a === b || b === c || c === a) {
      if (tally("degenerate-face"))
        problems.push({
          kind: "degenerate-face",
          element: { type: "face", index: f },
          message: `face ${f} repeats a vertex (${a}, ${b}, ${c})`,
        });
      continue;
    }
    faceUsable[f] = 1;
  }
  for (let v = 0; v < nVertices; v++) {
    if (!referenced[v]) {
      if (tally("unreferenced-vertex"))
        problems.push({
          kind: "unreferenced-vertex",
          element: { type: "vertex", index: v },
          message: `vertex ${v} belongs to no face`,
        });
    }
  }

  const nInterior = 3 * nFaces;
  const heads = new Uint32Array(nInterior);
  for (let h = 0; h < nInterior; h += 3) {
    heads[h] = tris[h + 1];
    heads[h + 1] = tris[h + 2];
    heads[h + 2] = tris[h];
  }
  const groups = groupHalfedgesByEdge(nVertices, tris, faceUsable);
  const { order, groupStart, groupCount } = groups;
  // Later copies of a face are left out of the edge checks, which would report each of their
  // edges again (as non-manifold or inconsistently oriented).
  findDuplicateFaces(groups, tris, faceUsable, (f, original) => {
    if (tally("duplicate-face"))
      problems.push({
        kind: "duplicate-face",
        element: { type: "face", index: f },
        message: `face ${f} repeats face ${original} (the same vertices ${tris[3 * f]}, ${tris[3 * f + 1]}, ${tris[3 * f + 2]})`,
      });
  });

  // Each edge's usable halfedges: one is a boundary, two in opposite directions are twins, two in
  // the same direction disagree in orientation, more make a non-manifold edge. Problems are listed
  // in order of each edge's lowest halfedge.
  const twin = new Int32Array(nInterior).fill(-1);
  // At an edge's lowest halfedge h0: the number of its faces when it is a problem, and for two
  // faces in the same direction the other halfedge (messages are formatted only when listed).
  let problemEdgeFaces: Int32Array | undefined;
  let sameDirectionPartner: Int32Array | undefined;
  for (let g = 0; g < groupCount; g++) {
    let count = 0;
    let h0 = -1;
    let h1 = -1;
    for (let i = groupStart[g]; i < groupStart[g + 1]; i++) {
      const h = order[i];
      if (!faceUsable[(h / 3) | 0]) continue;
      if (count === 0) h0 = h;
      else if (count === 1) h1 = h;
      count++;
    }
    if (count <= 1) continue;
    if (count === 2 && tris[h1] !== tris[h0]) {
      twin[h0] = h1;
      twin[h1] = h0;
      continue;
    }
    problemEdgeFaces ??= new Int32Array(nInterior);
    sameDirectionPartner ??= new Int32Array(nInterior);
    problemEdgeFaces[h0] = count;
    sameDirectionPartner[h0] = h1;
  }
  if (problemEdgeFaces && sameDirectionPartner) {
    for (let h0 = 0; h0 < nInterior; h0++) {
      const count = problemEdgeFaces[h0];
      if (count === 0) continue;
      const u = tris[h0];
      const w = heads[h0];
      const lo = Math.min(u, w);
      const hi = Math.max(u, w);
      if (count > 2) {
        if (tally("non-manifold-edge")) {
          problems.push({
            kind: "non-manifold-edge",
            element: { type: "edge", vertices: [lo, hi] },
            message: `edge (${lo}, ${hi}) is shared by ${count} faces`,
          });
        }
      } else if (tally("inconsistent-orientation")) {
        const h1 = sameDirectionPartner[h0];
        problems.push({
          kind: "inconsistent-orientation",
          element: { type: "edge", vertices: [lo, hi] },
          message: `faces ${Math.floor(h0 / 3)} and ${Math.floor(h1 / 3)} both traverse edge (${u}, ${w}) from ${u} to ${w}: their orientations disagree`,
        });
      }
    }
  }
  // Vertex fans can only be checked once every edge has a well-defined twin.
  if (problems.length > 0) return { problems, problemCount, problemCounts };

  // Boundary halfedges: one per interior halfedge without a twin, reversed.
  let nBoundary = 0;
  for (let h = 0; h < nInterior; h++) if (twin[h] < 0) nBoundary++;
  const nHalfedges = nInterior + nBoundary;
  const halfedgeTwin = new Int32Array(nHalfedges);
  const halfedgeNext = new Int32Array(nHalfedges);
  const halfedgePrev = new Int32Array(nHalfedges);
  const halfedgeTail = new Uint32Array(nHalfedges);
  const halfedgeFace = new Int32Array(nHalfedges);
  const boundaryOut = new Int32Array(nVertices).fill(-1);
  const boundaryIn = new Int32Array(nVertices).fill(-1);
  for (let h = 0; h < nInterior; h++) {
    const k = h % 3;
    halfedgeNext[h] = h - k + ((k + 1) % 3);
    halfedgePrev[h] = h - k + ((k + 2) % 3);
    halfedgeTail[h] = tris[h];
    halfedgeFace[h] = (h - k) / 3;
    halfedgeTwin[h] = twin[h];
  }
  let b = nInterior;
  for (let h = 0; h < nInterior; h++) {
    if (twin[h] >= 0) continue;
    const tail = heads[h];
    const head = tris[h];
    halfedgeTwin[h] = b;
    halfedgeTwin[b] = h;
    halfedgeTail[b] = tail;
    halfedgeFace[b] = -1;
    if (boundaryOut[tail] >= 0) {
      if (tally("non-manifold-vertex"))
        problems.push({
          kind: "non-manifold-vertex",
          element: { type: "vertex", index: tail },
          message: `vertex ${tail} lies on more than one boundary loop (two fans meet there)`,
        });
    }
    boundaryOut[tail] = b;
    boundaryIn[head] = b;
    b++;
  }
  if (problems.length > 0) return { problems, problemCount, problemCounts };
  for (let h = nInterior; h < nHalfedges; h++) {
    const headVertex = halfedgeTail[halfedgeTwin[h]];
    const following = boundaryOut[headVertex];
    halfedgeNext[h] = following;
    halfedgePrev[following] = h;
  }

  // Every vertex is referenced by a usable face here (no problem was found), so each has one.
  const firstOutgoing = new Int32Array(nVertices).fill(-1);
  const outgoingCount = new Uint32Array(nVertices);
  for (let h = 0; h < nInterior; h++) {
    const v = tris[h];
    if (firstOutgoing[v] < 0) firstOutgoing[v] = h;
    outgoingCount[v]++;
  }
  const vertexHalfedge = new Int32Array(nVertices);
  const vertexDegree = new Uint32Array(nVertices);
  const vertexOnBoundary = new Uint8Array(nVertices);
  for (let v = 0; v < nVertices; v++) {
    const start = boundaryIn[v] >= 0 ? halfedgeTwin[boundaryIn[v]] : firstOutgoing[v];
    vertexHalfedge[v] = start;
    vertexOnBoundary[v] = boundaryOut[v] >= 0 ? 1 : 0;
    const expected = outgoingCount[v] + (boundaryOut[v] >= 0 ? 1 : 0);
    let count = 0;
    let h = start;
    do {
      count++;
      h = halfedgeTwin[halfedgePrev[h]];
    } while (h !== start && count <= expected);
    vertexDegree[v] = count;
    if (count !== expected) {
      if (tally("non-manifold-vertex"))
        problems.push({
          kind: "non-manifold-vertex",
          element: { type: "vertex", index: v },
          message: `vertex ${v} joins several fans of faces that share only this vertex`,
        });
    }
  }
  if (problems.length > 0) return { problems, problemCount, problemCounts };

  const halfedgeEdge = new Uint32Array(nHalfedges);
  const nEdges = (nInterior + nBoundary) / 2;
  const edgeHalfedge = new Uint32Array(nEdges);
  let e = 0;
  for (let h = 0; h < nInterior; h++) {
    const t = halfedgeTwin[h];
    if (t >= nInterior || h < t) {
      halfedgeEdge[h] = e;
      halfedgeEdge[t] = e;
      edgeHalfedge[e] = h;
      e++;
    }
  }

  const mesh = new SurfaceMesh({
    nVertices,
    triangles: tris,
    halfedgeTwin,
    halfedgeNext,
    halfedgePrev,
    halfedgeTail,
    halfedgeFace,
    halfedgeEdge,
    edgeHalfedge,
    vertexHalfedge,
    vertexDegree,
    vertexOnBoundary,
  });
  return { mesh, problems, problemCount, problemCounts };
}
