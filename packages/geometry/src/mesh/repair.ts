import { findDuplicateFaces, groupHalfedgesByEdge } from "./edge-groups.js";
import { MeshError } from "./errors.js";
import type { TriangleMeshData } from "./mesh-data.js";
import {
  absoluteAreaTolerance,
  DEFAULT_RELATIVE_AREA_TOLERANCE,
  type MeshValidationReport,
  triangleArea,
  validateMesh,
} from "./validate.js";

export interface MeshRepairOptions {
  /**
   * Merge vertices with exactly equal coordinates (default true), except where the merge would
   * join more than two faces along an edge or several fans of faces at a vertex: such duplicates
   * are kept apart (`report.unweldedVertices`).
   */
  readonly weldDuplicateVertices?: boolean;
  /** Drop faces with a repeated corner or with area at most the tolerance (default true). */
  readonly dropDegenerateFaces?: boolean;
  /** Drop faces whose three vertices (in any order) are those of a lower-numbered face (default true). */
  readonly removeDuplicateFaces?: boolean;
  /**
   * Make the mesh manifold (default true): along an edge of more than two faces keep consistently
   * oriented pairs of faces (first those that were paired before welding, then those already
   * connected to each other, then any) and detach the other faces from it; give each fan of faces
   * around a vertex its own copy of the vertex; cut a non-orientable surface open along the edges
   * where orienting it fails. Off, such defects stay as remaining problems.
   */
  readonly splitNonManifold?: boolean;
  /** Remove vertices that no face uses and renumber the rest in order (default true). */
  readonly removeUnreferencedVertices?: boolean;
  /**
   * Flip faces so that every edge between two faces is traversed in opposite directions; each
   * closed component ends with positive signed volume (outward), each open one with as few flips
   * as possible (default true). Without `splitNonManifold`, non-orientable regions are left as
   * they are.
   */
  readonly orientConsistently?: boolean;
  /** Zero-area tolerance relative to the squared bounding-box diagonal (see `validateMesh`). */
  readonly relativeAreaTolerance?: number;
  /** Where the data came from (a file name); named in the final validation and in errors. */
  readonly source?: string;
}

/** Why a face was dropped. */
export type DroppedFaceReason = "index-out-of-range" | "repeated-vertex" | "zero-area" | "duplicate";

/** Index 0 means "kept". */
const DROP_REASONS: readonly (DroppedFaceReason | undefined)[] = [
  undefined,
  "index-out-of-range",
  "repeated-vertex",
  "zero-area",
  "duplicate",
];

/** A dropped face; `duplicateOf` is the face it repeats, for reason `"duplicate"`. */
export interface DroppedFace {
  readonly face: number;
  readonly reason: DroppedFaceReason;
  readonly duplicateOf?: number;
}

/** An edge (after welding) that more than two faces shared, and what became of them. */
export interface SplitEdge {
  /** The edge's two (input) vertices, lower first. */
  readonly vertices: readonly [number, number];
  /** Every face along it, in order. */
  readonly faces: readonly number[];
  /** The faces that no longer share it with another face (they keep copies of its vertices). */
  readonly detachedFaces: readonly number[];
}

/**
 * What `repairMesh` changed. Vertex and face numbers refer to the input mesh unless said
 * otherwise; `vertexMap` and `faceMap` give their numbers in the output, `sourceVertex` the input
 * vertex of each output vertex.
 */
export interface MeshRepairReport {
  /** Input vertices merged into another one with the same coordinates (`into`, the lowest). */
  readonly weldedVertices: readonly { readonly vertex: number; readonly into: number }[];
  /**
   * Input vertices with the coordinates of another one that were not merged with any of them,
   * because the merge would have made an edge or a vertex non-manifold.
   */
  readonly unweldedVertices: readonly number[];
  readonly droppedFaces: readonly DroppedFace[];
  /** Edges of more than two faces, split so that each keeps at most two. */
  readonly splitEdges: readonly SplitEdge[];
  /**
   * Input vertices that became several output vertices (`copies`, output numbers): one per fan
   * of faces around them (a non-manifold vertex, or the ends of an edge that faces were detached
   * from or that was cut).
   */
  readonly splitVertices: readonly { readonly vertex: number; readonly copies: readonly number[] }[];
  /** Edges cut open (each side keeps its own copy) because the surface through them is non-orientable. */
  readonly cutEdges: readonly {
    readonly vertices: readonly [number, number];
    readonly faces: readonly [number, number];
  }[];
  /**
   * Faces given their own three vertices because an edge of theirs would otherwise have coincided
   * with another edge between the same two vertices (rare: a fallback that keeps the result
   * manifold).
   */
  readonly isolatedFaces: readonly number[];
  /** Unreferenced vertices that were removed. */
  readonly removedVertices: readonly number[];
  readonly flippedFaces: readonly number[];
  /**
   * Without `splitNonManifold`: regions (connected through manifold edges) that admit no
   * consistent orientation, left unflipped. With it such regions are cut (`cutEdges`) instead.
   */
  readonly nonOrientableRegions: readonly { readonly firstFace: number; readonly faceCount: number }[];
  /**
   * Output index of each input vertex, −1 when removed; a welded vertex maps to its survivor, a
   * split one to its first copy.
   */
  readonly vertexMap: Int32Array;
  /**
   * Input vertex of each output vertex (whose position it has): the lowest of those merged into
   * it. Per-vertex data of the input carries over as `data[sourceVertex[o]]`.
   */
  readonly sourceVertex: Int32Array;
  /** Output index of each input face, −1 when dropped. */
  readonly faceMap: Int32Array;
  readonly changed: boolean;
  /** One line per kind of change (naming the first few elements), then what is still wrong. */
  readonly summary: readonly string[];
  /** Validation of the result: its problems are what the repair could not fix. */
  readonly validation: MeshValidationReport;
}

/**
 * Opt-in repair of common defects; deterministic, and returns new arrays (the input is not
 * modified). In order: faces that refer to missing vertices are dropped (always: no later step
 * could interpret them); duplicate vertices are welded; degenerate and duplicate faces are
 * dropped; non-manifold edges and vertices are split and non-orientable surfaces cut open; faces
 * are oriented consistently; unreferenced vertices are removed. With the default options, any
 * input with finite coordinates and at least one face of non-zero area comes out as a valid,
 * consistently oriented manifold mesh (possibly with boundary and several components). Output
 * vertices keep the order of the input vertices they come from (copies of a split vertex one
 * after the other). O(n log n) in the number of faces and vertices whatever their arrangement.
 */
export function repairMesh(
  data: TriangleMeshData,
  options: MeshRepairOptions = {},
): { data: TriangleMeshData; report: MeshRepairReport } {
  const weld = options.weldDuplicateVertices ?? true;
  const dropDegenerate = options.dropDegenerateFaces ?? true;
  const removeDuplicates = options.removeDuplicateFaces ?? true;
  const split = options.splitNonManifold ?? true;
  const removeUnreferenced = options.removeUnreferencedVertices ?? true;
  const orient = options.orientConsistently ?? true;
  const relativeTolerance = options.relativeAreaTolerance ?? DEFAULT_RELATIVE_AREA_TOLERANCE;
  const { positions, triangles } = data;
  if (positions.length % 3 !== 0 || triangles.length % 3 !== 0) {
    const which = positions.length % 3 !== 0 ? "positions" : "triangles";
    throw new MeshError(
      [
        {
          kind: "malformed-array",
          message: `the ${which} array has length ${data[which].length}, not a multiple of 3: nothing to repair`,
        },
      ],
      options.source,
    );
  }
  const nVertices = positions.length / 3;
  const nFaces = triangles.length / 3;
  const nCorners = 3 * nFaces;
  const alive = new Uint8Array(nFaces).fill(1);
  // Why each face was dropped (an index into DROP_REASONS, 0 for kept) and, for duplicates, of what.
  const dropReason = new Uint8Array(nFaces);
  const duplicateOf = new Int32Array(nFaces);

  // Input vertex of each corner (0 for the corners of faces dropped here).
  const raw = new Uint32Array(nCorners);
  for (let f = 0; f < nFaces; f++) {
    for (let k = 0; k < 3; k++) {
      const v = triangles[3 * f + k];
      if (!(Number.isInteger(v) && v >= 0 && v < nVertices)) {
        alive[f] = 0;
        dropReason[f] = DROP_REASONS.indexOf("index-out-of-range");
        raw[3 * f] = raw[3 * f + 1] = raw[3 * f + 2] = 0;
        break;
      }
      raw[3 * f + k] = v;
    }
  }

  // Welding decides only which faces may share an edge: corners become one output vertex where
  // faces are glued together along edges (below), so duplicates whose merge would be
  // non-manifold stay apart.
  const survivor = weld ? duplicateSurvivors(positions, nVertices) : identity(nVertices);
  const welded = new Uint32Array(nCorners);
  for (let c = 0; c < nCorners; c++) welded[c] = survivor[raw[c]];

  const distinct = (f: number) =>
    welded[3 * f] !== welded[3 * f + 1] &&
    welded[3 * f + 1] !== welded[3 * f + 2] &&
    welded[3 * f + 2] !== welded[3 * f];
  if (dropDegenerate) {
    const tolerance = absoluteAreaTolerance(positions, relativeTolerance);
    for (let f = 0; f < nFaces; f++) {
      if (!alive[f]) continue;
      if (!distinct(f)) {
        alive[f] = 0;
        dropReason[f] = DROP_REASONS.indexOf("repeated-vertex");
      } else if (triangleArea(positions, raw[3 * f], raw[3 * f + 1], raw[3 * f + 2]) <= tolerance) {
        alive[f] = 0;
        dropReason[f] = DROP_REASONS.indexOf("zero-area");
      }
    }
  }
  /** Faces that take part in the edge structure: alive, with three distinct (welded) corners. */
  const takesPart = new Uint8Array(nFaces);
  for (let f = 0; f < nFaces; f++) takesPart[f] = alive[f] && distinct(f) ? 1 : 0;

  let groups = groupHalfedgesByEdge(nVertices, welded, takesPart);
  if (removeDuplicates) {
    let found = false;
    findDuplicateFaces(groups, welded, takesPart, (face, original) => {
      alive[face] = 0;
      dropReason[face] = DROP_REASONS.indexOf("duplicate");
      duplicateOf[face] = original;
      found = true;
    });
    if (found) groups = groupHalfedgesByEdge(nVertices, welded, takesPart);
  }
  const droppedFaces: DroppedFace[] = [];
  for (let f = 0; f < nFaces; f++) {
    const reason = DROP_REASONS[dropReason[f]];
    if (reason === undefined) continue;
    droppedFaces.push(
      reason === "duplicate" ? { face: f, reason, duplicateOf: duplicateOf[f] } : { face: f, reason },
    );
  }

  const tail = (h: number) => welded[h];
  const head = (h: number) => welded[h % 3 === 2 ? h - 2 : h + 1];
  const faceOf = (h: number) => (h / 3) | 0;

  // Glued halfedge pairs: the two sides of an edge between two faces. Every edge of two faces is
  // glued; edges of more faces are paired below, after the orientation is known.
  const glued = new Int32Array(nCorners).fill(-1);
  const { order, groupStart, groupCount } = groups;
  for (let g = 0; g < groupCount; g++) {
    if (groupStart[g + 1] - groupStart[g] !== 2) continue;
    const h0 = order[groupStart[g]];
    const h1 = order[groupStart[g] + 1];
    glued[h0] = h1;
    glued[h1] = h0;
  }

  // Orientation relative to the first face of each region, by breadth-first search over glued
  // edges. An edge whose two faces disagree with the orientation reached the other way round is a
  // sign of a non-orientable surface: it is cut (when splitting), or its region is left alone.
  const state = new Uint8Array(nFaces);
  const region = new Int32Array(nFaces).fill(-1);
  const frozen = new Uint8Array(nFaces);
  const cutEdges: { vertices: [number, number]; faces: [number, number] }[] = [];
  const nonOrientableRegions: { firstFace: number; faceCount: number }[] = [];
  if (orient) {
    const queue = new Int32Array(nFaces);
    for (let start = 0; start < nFaces; start++) {
      if (!takesPart[start] || region[start] >= 0) continue;
      let size = 0;
      queue[size++] = start;
      region[start] = start;
      let consistent = true;
      for (let i = 0; i < size; i++) {
        const f = queue[i];
        for (let h = 3 * f; h < 3 * f + 3; h++) {
          const o = glued[h];
          if (o < 0) continue;
          const g = faceOf(o);
          const wanted = state[f] ^ (tail(h) === tail(o) ? 1 : 0);
          if (region[g] < 0) {
            region[g] = start;
            state[g] = wanted;
            queue[size++] = g;
          } else if (state[g] !== wanted) {
            if (split) {
              glued[h] = glued[o] = -1;
              const [lo, hi] = ordered(raw[h], raw[h % 3 === 2 ? h - 2 : h + 1]);
              cutEdges.push({ vertices: [lo, hi], faces: f < g ? [f, g] : [g, f] });
            } else {
              consistent = false;
            }
          }
        }
      }
      if (!consistent) {
        nonOrientableRegions.push({ firstFace: start, faceCount: size });
        for (let i = 0; i < size; i++) {
          frozen[queue[i]] = 1;
          state[queue[i]] = 0;
        }
      }
    }
  } else {
    for (let f = 0; f < nFaces; f++) region[f] = f;
  }
  /** Whether halfedge h runs from its lower to its higher (welded) vertex once its face is flipped by `state`. */
  const forward = (h: number) => tail(h) < head(h) !== (state[faceOf(h)] === 1);

  // Without splitting, the pairs decide only where duplicates weld: the faces left unpaired stay
  // attached through their input vertices.
  const splitEdges: SplitEdge[] = [];
  for (let g = 0; g < groupCount; g++) {
    const begin = groupStart[g];
    const end = groupStart[g + 1];
    if (end - begin < 3) continue;
    const members = Array.from(order.subarray(begin, end));
    // A region left non-orientable (without splitting) is not joined to others.
    pairAlongEdge(
      members.filter((h) => !frozen[faceOf(h)]),
      glued,
      raw,
      region,
      forward,
    );
    if (!split || weldUndone(members, glued, raw)) continue;
    const lo = Math.min(tail(members[0]), head(members[0]));
    const hi = Math.max(tail(members[0]), head(members[0]));
    splitEdges.push({
      vertices: [lo, hi],
      faces: members.map(faceOf),
      detachedFaces: members.filter((h) => glued[h] < 0).map(faceOf),
    });
  }

  // Output vertices: classes of corners joined by glued edges (each class one fan of faces
  // around a vertex). Without splitting, corners of the same input vertex stay together too.
  // Corners of alive faces that take no part in the edge structure keep their input vertex.
  const classes = new UnionFind(nCorners);
  const anchor = new Int32Array(nVertices).fill(-1);
  const isolatedFaces: number[] = [];
  const joinCorners = () => {
    classes.reset();
    anchor.fill(-1);
    for (let h = 0; h < nCorners; h++) {
      const o = glued[h];
      if (o < h) continue;
      const hNext = h % 3 === 2 ? h - 2 : h + 1;
      const oNext = o % 3 === 2 ? o - 2 : o + 1;
      if (tail(h) === tail(o)) {
        classes.union(h, o);
        classes.union(hNext, oNext);
      } else {
        classes.union(h, oNext);
        classes.union(hNext, o);
      }
    }
    if (!split) {
      for (let c = 0; c < nCorners; c++) {
        if (!alive[faceOf(c)]) continue;
        const v = raw[c];
        if (anchor[v] < 0) anchor[v] = c;
        else classes.union(anchor[v], c);
      }
      return;
    }
    // A kept face with a repeated corner (dropDegenerateFaces off) joins the first fan of each
    // of its vertices.
    for (let c = 0; c < nCorners; c++) if (takesPart[faceOf(c)] && anchor[raw[c]] < 0) anchor[raw[c]] = c;
    for (let c = 0; c < nCorners; c++) {
      const f = faceOf(c);
      if (!alive[f] || takesPart[f]) continue;
      const v = raw[c];
      if (anchor[v] < 0) anchor[v] = c;
      else classes.union(anchor[v], c);
    }
  };
  joinCorners();

  if (split) {
    // Two different edges may still end up between the same two output vertices (their fans
    // meet at both ends). Two sides of a boundary, opposite in direction, are then glued
    // together; otherwise every face but those of one edge gets its own vertices. Isolating a
    // face only splits fans further, so no new coincidences arise; the loop checks that.
    for (let round = 0; round < 4; round++) {
      const vertexOfCorner = classes.compactLabels(alive);
      const byClass = groupHalfedgesByEdge(vertexOfCorner.count, vertexOfCorner.labels, takesPart);
      const isolate = new Uint8Array(nFaces);
      let anyIsolated = false;
      for (let g = 0; g < byClass.groupCount; g++) {
        const begin = byClass.groupStart[g];
        const end = byClass.groupStart[g + 1];
        if (end - begin === 1) continue;
        if (end - begin === 2) {
          const h0 = byClass.order[begin];
          const h1 = byClass.order[begin + 1];
          if (glued[h0] === h1) continue;
          if (glued[h0] < 0 && glued[h1] < 0 && forward(h0) !== forward(h1)) {
            glued[h0] = h1;
            glued[h1] = h0;
            continue;
          }
        }
        let keep = byClass.order[begin];
        for (let i = begin; i < end; i++) {
          const h = byClass.order[i];
          if (glued[h] >= 0) {
            keep = h;
            break;
          }
        }
        for (let i = begin; i < end; i++) {
          const h = byClass.order[i];
          if (h === keep || h === glued[keep]) continue;
          isolate[faceOf(h)] = 1;
          anyIsolated = true;
        }
      }
      if (!anyIsolated) break;
      for (let f = 0; f < nFaces; f++) {
        if (!isolate[f]) continue;
        isolatedFaces.push(f);
        for (let h = 3 * f; h < 3 * f + 3; h++) {
          if (glued[h] >= 0) glued[glued[h]] = -1;
          glued[h] = -1;
        }
      }
      joinCorners();
    }
    isolatedFaces.sort((a, b) => a - b);
  }

  // Each region (faces connected through glued edges) is consistent now; turn it as a whole:
  // closed ones outward by signed volume, open ones with the fewest flips.
  const flipped = new Uint8Array(nFaces);
  if (orient) {
    const seen = new Uint8Array(nFaces);
    const queue = new Int32Array(nFaces);
    for (let start = 0; start < nFaces; start++) {
      if (!takesPart[start] || seen[start] || frozen[start]) continue;
      let size = 0;
      queue[size++] = start;
      seen[start] = 1;
      let closed = true;
      let nFlips = 0;
      for (let i = 0; i < size; i++) {
        const f = queue[i];
        nFlips += state[f];
        for (let h = 3 * f; h < 3 * f + 3; h++) {
          const o = glued[h];
          if (o < 0) {
            closed = false;
            continue;
          }
          const g = faceOf(o);
          if (!seen[g]) {
            seen[g] = 1;
            queue[size++] = g;
          }
        }
      }
      let invert = 2 * nFlips > size;
      if (closed) {
        const volume = signedVolume(positions, raw, queue.subarray(0, size), state);
        if (Number.isFinite(volume) && volume !== 0) invert = volume < 0;
      }
      for (let i = 0; i < size; i++) flipped[queue[i]] = invert ? 1 - state[queue[i]] : state[queue[i]];
    }
  }

  // Number the output vertices in the order of their input vertices, copies of one input vertex
  // in the order of their first corner.
  const labels = classes.compactLabels(alive);
  const nClasses = labels.count;
  const classSource = new Int32Array(nClasses).fill(-1);
  const classFirstCorner = new Int32Array(nClasses).fill(-1);
  for (let c = 0; c < nCorners; c++) {
    if (!alive[faceOf(c)]) continue;
    const k = labels.labels[c];
    if (classFirstCorner[k] < 0) classFirstCorner[k] = c;
    if (classSource[k] < 0 || raw[c] < classSource[k]) classSource[k] = raw[c];
  }
  const referenced = new Uint8Array(nVertices);
  for (let c = 0; c < nCorners; c++) if (alive[faceOf(c)]) referenced[raw[c]] = 1;
  const removedVertices: number[] = [];
  const keptLoose: number[] = [];
  for (let v = 0; v < nVertices; v++) {
    if (referenced[v]) continue;
    if (removeUnreferenced) removedVertices.push(v);
    else keptLoose.push(v);
  }
  // Entries 0..nClasses−1 are classes, the rest unreferenced vertices kept as they are.
  const nOut = nClasses + keptLoose.length;
  const entrySource = (e: number) => (e < nClasses ? classSource[e] : keptLoose[e - nClasses]);
  const entryCorner = (e: number) => (e < nClasses ? classFirstCorner[e] : -1);
  const entries = new Int32Array(nOut);
  for (let e = 0; e < nOut; e++) entries[e] = e;
  entries.sort((a, b) => entrySource(a) - entrySource(b) || entryCorner(a) - entryCorner(b));
  const outputOfEntry = new Int32Array(nOut);
  const sourceVertex = new Int32Array(nOut);
  for (let o = 0; o < nOut; o++) {
    outputOfEntry[entries[o]] = o;
    sourceVertex[o] = entrySource(entries[o]);
  }
  const outputOfCorner = (c: number) => outputOfEntry[labels.labels[c]];

  const vertexMap = new Int32Array(nVertices).fill(-1);
  for (let c = 0; c < nCorners; c++) {
    if (!alive[faceOf(c)]) continue;
    const v = raw[c];
    if (vertexMap[v] < 0) vertexMap[v] = outputOfCorner(c);
  }
  for (let i = 0; i < keptLoose.length; i++) vertexMap[keptLoose[i]] = outputOfEntry[nClasses + i];

  const outPositions = new Float64Array(3 * nOut);
  for (let o = 0; o < nOut; o++) {
    const s = sourceVertex[o];
    outPositions[3 * o] = positions[3 * s];
    outPositions[3 * o + 1] = positions[3 * s + 1];
    outPositions[3 * o + 2] = positions[3 * s + 2];
  }
  const faceMap = new Int32Array(nFaces).fill(-1);
  let fOut = 0;
  for (let f = 0; f < nFaces; f++) if (alive[f]) faceMap[f] = fOut++;
  const outTriangles = new Uint32Array(3 * fOut);
  const flippedFaces: number[] = [];
  for (let f = 0; f < nFaces; f++) {
    if (!alive[f]) continue;
    const t = 3 * faceMap[f];
    outTriangles[t] = outputOfCorner(3 * f);
    if (flipped[f]) {
      flippedFaces.push(f);
      outTriangles[t + 1] = outputOfCorner(3 * f + 2);
      outTriangles[t + 2] = outputOfCorner(3 * f + 1);
    } else {
      outTriangles[t + 1] = outputOfCorner(3 * f + 1);
      outTriangles[t + 2] = outputOfCorner(3 * f + 2);
    }
  }

  // Which input vertices went where: (input vertex, output vertex) pairs, each once.
  const pairs = vertexPairs(raw, alive, outputOfCorner, nVertices);
  const weldedVertices: { vertex: number; into: number }[] = [];
  const splitVertices: { vertex: number; copies: number[] }[] = [];
  const merged = new Uint8Array(nVertices);
  for (let i = 0; i < pairs.length; i += 2) {
    const v = pairs[i];
    const o = pairs[i + 1];
    if (sourceVertex[o] !== v) {
      weldedVertices.push({ vertex: v, into: sourceVertex[o] });
      merged[v] = 1;
      merged[sourceVertex[o]] = 1;
    }
    if (i + 2 < pairs.length && pairs[i + 2] === v) {
      const last = splitVertices.at(-1);
      if (last && last.vertex === v) last.copies.push(pairs[i + 3]);
      else splitVertices.push({ vertex: v, copies: [o, pairs[i + 3]] });
    }
  }
  weldedVertices.sort((a, b) => a.vertex - b.vertex || a.into - b.into);
  const unweldedVertices: number[] = [];
  if (weld) {
    const groupSize = new Uint32Array(nVertices);
    for (let v = 0; v < nVertices; v++) if (referenced[v]) groupSize[survivor[v]]++;
    for (let v = 0; v < nVertices; v++) {
      if (referenced[v] && groupSize[survivor[v]] > 1 && !merged[v]) unweldedVertices.push(v);
    }
  }

  const repaired: TriangleMeshData = { positions: outPositions, triangles: outTriangles };
  const validated = validateMesh(repaired, {
    source: options.source,
    relativeAreaTolerance: relativeTolerance,
  });
  // "No vertices" would puzzle a user whose file has some faces: say why nothing is left.
  const validation: MeshValidationReport =
    fOut > 0 || nFaces === 0
      ? validated
      : {
          ...validated,
          problems: [
            {
              kind: "empty-mesh",
              message: `no face is left after repair: ${plural(nFaces, "face was", "faces were")} dropped (degenerate, duplicate or referring to missing vertices)`,
            },
          ],
          problemCount: 1,
          problemCounts: { "empty-mesh": 1 },
        };
  const changes = {
    weldedVertices,
    unweldedVertices,
    droppedFaces,
    splitEdges,
    splitVertices,
    cutEdges,
    isolatedFaces,
    removedVertices,
    flippedFaces,
  };
  const summary = summarise(changes);
  for (const r of nonOrientableRegions) {
    summary.push(
      `could not orient the ${r.faceCount} faces connected to face ${r.firstFace}: they form a non-orientable surface`,
    );
  }
  if (validation.problemCount > 0) {
    summary.push(
      `${validation.problemCount} problem(s) remain, the first: ${validation.problems[0].message}`,
    );
  }
  const changed =
    weldedVertices.length +
      droppedFaces.length +
      splitVertices.length +
      cutEdges.length +
      isolatedFaces.length +
      removedVertices.length +
      flippedFaces.length >
    0;
  return {
    data: repaired,
    report: {
      ...changes,
      nonOrientableRegions,
      vertexMap,
      sourceVertex,
      faceMap,
      changed,
      summary,
      validation,
    },
  };
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let v = 0; v < n; v++) out[v] = v;
  return out;
}

/** For every vertex the lowest-numbered vertex with exactly the same (finite) coordinates. */
function duplicateSurvivors(positions: ArrayLike<number>, nVertices: number): Uint32Array {
  const survivor = identity(nVertices);
  // Sorting by coordinates (ties by index) puts equal vertices next to each other, lowest first.
  const order: number[] = [];
  for (let v = 0; v < nVertices; v++) {
    const finite =
      Number.isFinite(positions[3 * v]) &&
      Number.isFinite(positions[3 * v + 1]) &&
      Number.isFinite(positions[3 * v + 2]);
    if (finite) order.push(v);
  }
  order.sort(
    (a, b) =>
      positions[3 * a] - positions[3 * b] ||
      positions[3 * a + 1] - positions[3 * b + 1] ||
      positions[3 * a + 2] - positions[3 * b + 2] ||
      a - b,
  );
  for (let i = 1; i < order.length; i++) {
    const a = order[i];
    const b = order[i - 1];
    if (
      positions[3 * a] === positions[3 * b] &&
      positions[3 * a + 1] === positions[3 * b + 1] &&
      positions[3 * a + 2] === positions[3 * b + 2]
    ) {
      survivor[a] = survivor[b];
    }
  }
  return survivor;
}

function ordered(a: number, b: number): [number, number] {
  return a < b ? [a, b] : [b, a];
}

/**
 * Pairs the halfedges of one edge of three or more faces into glued, consistently oriented pairs
 * (one running each way): first halfedges that were the same input edge (the edge existed before
 * welding) within one region, then the same input edge, then within one region (faces already
 * connected to each other, so that a sheet stays whole), then any; lowest-numbered first at each
 * stage. Unpaired halfedges stay unglued: their faces are detached from the edge.
 */
function pairAlongEdge(
  members: number[],
  glued: Int32Array,
  raw: Uint32Array,
  region: Int32Array,
  forward: (h: number) => boolean,
): void {
  const rawLow = (h: number) => Math.min(raw[h], raw[h % 3 === 2 ? h - 2 : h + 1]);
  const rawHigh = (h: number) => Math.max(raw[h], raw[h % 3 === 2 ? h - 2 : h + 1]);
  const regionOf = (h: number) => region[(h / 3) | 0];
  const stages: ((a: number, b: number) => number)[] = [
    (a, b) => rawLow(a) - rawLow(b) || rawHigh(a) - rawHigh(b) || regionOf(a) - regionOf(b),
    (a, b) => rawLow(a) - rawLow(b) || rawHigh(a) - rawHigh(b),
    (a, b) => regionOf(a) - regionOf(b),
    () => 0,
  ];
  let remaining = members.slice();
  for (const key of stages) {
    if (remaining.length < 2) break;
    remaining.sort((a, b) => key(a, b) || a - b);
    const left: number[] = [];
    for (let start = 0; start < remaining.length; ) {
      let end = start + 1;
      while (end < remaining.length && key(remaining[start], remaining[end]) === 0) end++;
      const ahead: number[] = [];
      const back: number[] = [];
      for (let i = start; i < end; i++) (forward(remaining[i]) ? ahead : back).push(remaining[i]);
      const n = Math.min(ahead.length, back.length);
      for (let i = 0; i < n; i++) {
        glued[ahead[i]] = back[i];
        glued[back[i]] = ahead[i];
      }
      for (let i = n; i < ahead.length; i++) left.push(ahead[i]);
      for (let i = n; i < back.length; i++) left.push(back[i]);
      start = end;
    }
    remaining = left;
  }
}

/**
 * Whether an edge of three or more faces is only the work of welding: no input edge along it had
 * more than two faces, and those that had two are still glued together.
 */
function weldUndone(members: number[], glued: Int32Array, raw: Uint32Array): boolean {
  const next = (h: number) => (h % 3 === 2 ? h - 2 : h + 1);
  const key = (h: number) => {
    const a = raw[h];
    const b = raw[next(h)];
    return a < b ? `${a},${b}` : `${b},${a}`;
  };
  const byInputEdge = new Map<string, number[]>();
  for (const h of members) {
    const k = key(h);
    const list = byInputEdge.get(k);
    if (list) list.push(h);
    else byInputEdge.set(k, [h]);
  }
  if (byInputEdge.size === 1) return false;
  for (const list of byInputEdge.values()) {
    if (list.length > 2) return false;
    if (list.length === 2 && glued[list[0]] !== list[1]) return false;
  }
  return true;
}

/** Distinct (input vertex, output vertex) pairs of the alive corners, sorted, flattened. */
function vertexPairs(
  raw: Uint32Array,
  alive: Uint8Array,
  outputOfCorner: (c: number) => number,
  nVertices: number,
): number[] {
  // Corners sorted by input vertex (counting sort), then their output vertices sorted per vertex.
  const start = new Uint32Array(nVertices + 1);
  for (let c = 0; c < raw.length; c++) if (alive[(c / 3) | 0]) start[raw[c] + 1]++;
  for (let v = 0; v < nVertices; v++) start[v + 1] += start[v];
  const fill = start.slice(0, nVertices);
  const outputs = new Int32Array(start[nVertices]);
  for (let c = 0; c < raw.length; c++) if (alive[(c / 3) | 0]) outputs[fill[raw[c]]++] = outputOfCorner(c);
  const pairs: number[] = [];
  for (let v = 0; v < nVertices; v++) {
    const list = outputs.subarray(start[v], start[v + 1]);
    if (list.length === 0) continue;
    let allSame = true;
    for (let i = 1; i < list.length; i++) if (list[i] !== list[0]) allSame = false;
    if (allSame) {
      pairs.push(v, list[0]);
      continue;
    }
    list.sort();
    for (let i = 0; i < list.length; i++) if (i === 0 || list[i] !== list[i - 1]) pairs.push(v, list[i]);
  }
  return pairs;
}

/** Disjoint sets over 0..n−1 (union by size, path halving). */
class UnionFind {
  readonly parent: Int32Array;
  readonly size: Uint32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Uint32Array(n);
    this.reset();
  }

  reset(): void {
    for (let i = 0; i < this.parent.length; i++) this.parent[i] = i;
    this.size.fill(1);
  }

  find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }

  /** Dense labels 0..count−1 of the sets of the corners of faces with `alive[f]`, in order of first corner. */
  compactLabels(alive: Uint8Array): { labels: Uint32Array; count: number } {
    const n = this.parent.length;
    const labelOfRoot = new Int32Array(n).fill(-1);
    const labels = new Uint32Array(n);
    let count = 0;
    for (let c = 0; c < n; c++) {
      if (!alive[(c / 3) | 0]) continue;
      const r = this.find(c);
      if (labelOfRoot[r] < 0) labelOfRoot[r] = count++;
      labels[c] = labelOfRoot[r];
    }
    return { labels, count };
  }
}

/** Six times the signed volume enclosed by `faces`, each flipped where `state` is 1. */
function signedVolume(
  positions: ArrayLike<number>,
  corners: Uint32Array,
  faces: Int32Array,
  state: Uint8Array,
): number {
  let volume = 0;
  for (const f of faces) {
    const a = 3 * corners[3 * f];
    const b = 3 * corners[3 * f + 1];
    const c = 3 * corners[3 * f + 2];
    const det =
      positions[a] * (positions[b + 1] * positions[c + 2] - positions[b + 2] * positions[c + 1]) -
      positions[a + 1] * (positions[b] * positions[c + 2] - positions[b + 2] * positions[c]) +
      positions[a + 2] * (positions[b] * positions[c + 1] - positions[b + 1] * positions[c]);
    volume += state[f] ? -det : det;
  }
  return volume;
}

/** "1 vertex", "2 vertices". */
function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** " (vertices 3, 8, 12 and 40 more)": the first few elements of a list. */
function examples(ids: readonly number[], one: string, many: string, count = ids.length): string {
  const shown = ids.slice(0, 5).join(", ");
  return ` (${count === 1 ? one : many} ${shown}${count > 5 ? ` and ${count - 5} more` : ""})`;
}

/** " (edges (1, 2), (3, 4) and 7 more)". */
function edgeExamples(edges: readonly { vertices: readonly [number, number] }[]): string {
  const shown = edges.slice(0, 3).map((e) => `(${e.vertices[0]}, ${e.vertices[1]})`);
  const more = edges.length > 3 ? ` and ${edges.length - 3} more` : "";
  return ` (${edges.length === 1 ? "edge" : "edges"} ${shown.join(", ")}${more})`;
}

function summarise(changes: {
  weldedVertices: readonly { vertex: number }[];
  unweldedVertices: readonly number[];
  droppedFaces: readonly DroppedFace[];
  splitEdges: readonly SplitEdge[];
  splitVertices: readonly { vertex: number; copies: readonly number[] }[];
  cutEdges: readonly { vertices: readonly [number, number] }[];
  isolatedFaces: readonly number[];
  removedVertices: readonly number[];
  flippedFaces: readonly number[];
}): string[] {
  const lines: string[] = [];
  const vertices = (ids: readonly number[]) => examples(ids, "vertex", "vertices");
  const faces = (ids: readonly number[]) => examples(ids, "face", "faces");
  const welded = [...new Set(changes.weldedVertices.map((w) => w.vertex))];
  if (welded.length > 0) {
    lines.push(
      `welded ${plural(welded.length, "duplicate vertex", "duplicate vertices")}${vertices(welded)}`,
    );
  }
  const apart = changes.unweldedVertices;
  if (apart.length > 0) {
    lines.push(
      `kept ${plural(apart.length, "duplicate vertex", "duplicate vertices")} apart: welding them would have made an edge or a vertex non-manifold${vertices(apart)}`,
    );
  }
  const why: Record<DroppedFaceReason, string> = {
    "index-out-of-range": "referring to missing vertices",
    "repeated-vertex": "with a repeated vertex",
    "zero-area": "with zero area",
    duplicate: "repeating another face (duplicate face)",
  };
  for (const reason of Object.keys(why) as DroppedFaceReason[]) {
    const dropped = changes.droppedFaces.filter((d) => d.reason === reason).map((d) => d.face);
    if (dropped.length > 0)
      lines.push(`dropped ${plural(dropped.length, "face", "faces")} ${why[reason]}${faces(dropped)}`);
  }
  if (changes.splitEdges.length > 0) {
    const detached = changes.splitEdges.reduce((n, e) => n + e.detachedFaces.length, 0);
    lines.push(
      `split ${plural(changes.splitEdges.length, "non-manifold edge", "non-manifold edges")} shared by more than two faces, keeping consistently oriented pairs and detaching ${plural(detached, "face", "faces")}${edgeExamples(changes.splitEdges)}`,
    );
  }
  if (changes.cutEdges.length > 0) {
    lines.push(
      `cut ${plural(changes.cutEdges.length, "edge", "edges")} open where the surface is non-orientable${edgeExamples(changes.cutEdges)}`,
    );
  }
  if (changes.splitVertices.length > 0) {
    const copies = changes.splitVertices.reduce((n, s) => n + s.copies.length, 0);
    lines.push(
      `split ${plural(changes.splitVertices.length, "vertex", "vertices")} into ${copies} copies, one per fan of faces (non-manifold vertices, ends of split or cut edges)${vertices(changes.splitVertices.map((s) => s.vertex))}`,
    );
  }
  if (changes.isolatedFaces.length > 0) {
    lines.push(
      `gave ${plural(changes.isolatedFaces.length, "face", "faces")} their own vertices, as their edges coincided with others${faces(changes.isolatedFaces)}`,
    );
  }
  if (changes.removedVertices.length > 0) {
    lines.push(
      `removed ${plural(changes.removedVertices.length, "unreferenced vertex", "unreferenced vertices")}${vertices(changes.removedVertices)}`,
    );
  }
  if (changes.flippedFaces.length > 0) {
    lines.push(
      `flipped ${plural(changes.flippedFaces.length, "face", "faces")} to orient the mesh consistently${faces(changes.flippedFaces)}`,
    );
  }
  return lines;
}
