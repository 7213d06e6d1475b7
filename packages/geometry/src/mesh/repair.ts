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
  /** Merge vertices with exactly equal coordinates into the lowest-numbered one (default true). */
  readonly weldDuplicateVertices?: boolean;
  /** Drop faces with a repeated corner or with area at most the tolerance (default true). */
  readonly dropDegenerateFaces?: boolean;
  /** Remove vertices that no face uses and renumber the rest in order (default true). */
  readonly removeUnreferencedVertices?: boolean;
  /**
   * Flip faces so that every edge between two faces is traversed in opposite directions; each
   * closed component ends with positive signed volume (outward), each open one with as few flips
   * as possible (default true). Non-orientable regions are left as they are.
   */
  readonly orientConsistently?: boolean;
  /** Zero-area tolerance relative to the squared bounding-box diagonal (see `validateMesh`). */
  readonly relativeAreaTolerance?: number;
  /** Where the data came from (a file name); named in the final validation and in errors. */
  readonly source?: string;
}

/** Why a face was dropped. */
export type DroppedFaceReason = "index-out-of-range" | "repeated-vertex" | "zero-area";

/**
 * What `repairMesh` changed. Vertex and face numbers refer to the input mesh; `vertexMap` and
 * `faceMap` give their numbers in the output (−1 when removed).
 */
export interface MeshRepairReport {
  readonly weldedVertices: readonly { readonly vertex: number; readonly into: number }[];
  readonly droppedFaces: readonly { readonly face: number; readonly reason: DroppedFaceReason }[];
  /** Unreferenced vertices that were removed (welded duplicates are listed in `weldedVertices`). */
  readonly removedVertices: readonly number[];
  readonly flippedFaces: readonly number[];
  /** Regions (connected through manifold edges) that admit no consistent orientation, left unflipped. */
  readonly nonOrientableRegions: readonly { readonly firstFace: number; readonly faceCount: number }[];
  /** Output index of each input vertex, −1 when removed; a welded vertex maps to its survivor. */
  readonly vertexMap: Int32Array;
  /** Output index of each input face, −1 when dropped. */
  readonly faceMap: Int32Array;
  readonly changed: boolean;
  /** One line per kind of change, then what is still wrong. */
  readonly summary: readonly string[];
  /** Validation of the result: its problems are what the repair could not fix. */
  readonly validation: MeshValidationReport;
}

/**
 * Opt-in repair of common defects; deterministic, and returns new arrays (the input is not
 * modified). Faces that refer to missing vertices are always dropped, since no later step could
 * interpret them. Non-finite coordinates, non-manifold edges or vertices and non-orientable
 * regions cannot be repaired: they stay in `report.validation.problems`.
 */
export function repairMesh(
  data: TriangleMeshData,
  options: MeshRepairOptions = {},
): { data: TriangleMeshData; report: MeshRepairReport } {
  const weld = options.weldDuplicateVertices ?? true;
  const dropDegenerate = options.dropDegenerateFaces ?? true;
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
  const tris = new Float64Array(triangles);
  const alive = new Uint8Array(nFaces).fill(1);
  const droppedFaces: { face: number; reason: DroppedFaceReason }[] = [];

  for (let f = 0; f < nFaces; f++) {
    for (let k = 0; k < 3; k++) {
      const v = tris[3 * f + k];
      if (!(Number.isInteger(v) && v >= 0 && v < nVertices)) {
        alive[f] = 0;
        droppedFaces.push({ face: f, reason: "index-out-of-range" });
        break;
      }
    }
  }

  const survivor = new Int32Array(nVertices);
  for (let v = 0; v < nVertices; v++) survivor[v] = v;
  const weldedVertices: { vertex: number; into: number }[] = [];
  if (weld) {
    // Sorting by coordinates (ties by index) puts equal vertices next to each other, lowest first.
    const order: number[] = [];
    for (let v = 0; v < nVertices; v++) {
      const finite =
        Number.isFinite(positions[3 * v]) &&
        Number.isFinite(positions[3 * v + 1]) &&
        Number.isFinite(positions[3 * v + 2]);
      if (finite) order.push(v);
    }
    const compare = (a: number, b: number) =>
      positions[3 * a] - positions[3 * b] ||
      positions[3 * a + 1] - positions[3 * b + 1] ||
      positions[3 * a + 2] - positions[3 * b + 2] ||
      a - b;
    order.sort(compare);
    const samePlace = (a: number, b: number) =>
      positions[3 * a] === positions[3 * b] &&
      positions[3 * a + 1] === positions[3 * b + 1] &&
      positions[3 * a + 2] === positions[3 * b + 2];
    for (let i = 1; i < order.length; i++) {
      if (samePlace(order[i], order[i - 1])) survivor[order[i]] = survivor[order[i - 1]];
    }
    for (let v = 0; v < nVertices; v++) {
      if (survivor[v] !== v) weldedVertices.push({ vertex: v, into: survivor[v] });
    }
    for (let f = 0; f < nFaces; f++) {
      if (!alive[f]) continue;
      for (let k = 0; k < 3; k++) tris[3 * f + k] = survivor[tris[3 * f + k]];
    }
  }

  const distinctCorners = (f: number) =>
    tris[3 * f] !== tris[3 * f + 1] && tris[3 * f + 1] !== tris[3 * f + 2] && tris[3 * f + 2] !== tris[3 * f];
  if (dropDegenerate) {
    const tolerance = absoluteAreaTolerance(positions, relativeTolerance);
    for (let f = 0; f < nFaces; f++) {
      if (!alive[f]) continue;
      if (!distinctCorners(f)) {
        alive[f] = 0;
        droppedFaces.push({ face: f, reason: "repeated-vertex" });
        continue;
      }
      const area = triangleArea(positions, tris[3 * f], tris[3 * f + 1], tris[3 * f + 2]);
      if (area <= tolerance) {
        alive[f] = 0;
        droppedFaces.push({ face: f, reason: "zero-area" });
      }
    }
    droppedFaces.sort((a, b) => a.face - b.face);
  }

  const flippedFaces: number[] = [];
  const nonOrientableRegions: { firstFace: number; faceCount: number }[] = [];
  if (orient) {
    const flip = orientFaces(positions, tris, nFaces, (f) => alive[f] === 1 && distinctCorners(f));
    nonOrientableRegions.push(...flip.nonOrientableRegions);
    for (let f = 0; f < nFaces; f++) {
      if (flip.flipped[f] === 1) {
        flippedFaces.push(f);
        const b = tris[3 * f + 1];
        tris[3 * f + 1] = tris[3 * f + 2];
        tris[3 * f + 2] = b;
      }
    }
  }

  const referenced = new Uint8Array(nVertices);
  for (let f = 0; f < nFaces; f++) {
    if (alive[f]) for (let k = 0; k < 3; k++) referenced[tris[3 * f + k]] = 1;
  }
  const keep = new Uint8Array(nVertices);
  const removedVertices: number[] = [];
  for (let v = 0; v < nVertices; v++) {
    if (survivor[v] !== v) continue;
    if (referenced[v] || !removeUnreferenced) keep[v] = 1;
    else removedVertices.push(v);
  }
  const vertexMap = new Int32Array(nVertices).fill(-1);
  let nOut = 0;
  for (let v = 0; v < nVertices; v++) if (keep[v]) vertexMap[v] = nOut++;
  for (let v = 0; v < nVertices; v++) if (survivor[v] !== v) vertexMap[v] = vertexMap[survivor[v]];
  const outPositions = new Float64Array(3 * nOut);
  for (let v = 0; v < nVertices; v++) {
    if (!keep[v]) continue;
    for (let k = 0; k < 3; k++) outPositions[3 * vertexMap[v] + k] = positions[3 * v + k];
  }
  const faceMap = new Int32Array(nFaces).fill(-1);
  let fOut = 0;
  for (let f = 0; f < nFaces; f++) if (alive[f]) faceMap[f] = fOut++;
  const outTriangles = new Uint32Array(3 * fOut);
  for (let f = 0; f < nFaces; f++) {
    if (!alive[f]) continue;
    for (let k = 0; k < 3; k++) outTriangles[3 * faceMap[f] + k] = vertexMap[tris[3 * f + k]];
  }

  const repaired: TriangleMeshData = { positions: outPositions, triangles: outTriangles };
  const validation = validateMesh(repaired, {
    source: options.source,
    relativeAreaTolerance: relativeTolerance,
  });
  const summary = summarise(weldedVertices.length, droppedFaces, removedVertices.length, flippedFaces.length);
  for (const region of nonOrientableRegions) {
    summary.push(
      `could not orient the ${region.faceCount} faces connected to face ${region.firstFace}: they form a non-orientable surface`,
    );
  }
  if (validation.problems.length > 0) {
    summary.push(
      `${validation.problems.length} problem(s) remain, the first: ${validation.problems[0].message}`,
    );
  }
  const changed =
    weldedVertices.length + droppedFaces.length + removedVertices.length + flippedFaces.length > 0;
  return {
    data: repaired,
    report: {
      weldedVertices,
      droppedFaces,
      removedVertices,
      flippedFaces,
      nonOrientableRegions,
      vertexMap,
      faceMap,
      changed,
      summary,
      validation,
    },
  };
}

function summarise(
  welded: number,
  dropped: readonly { reason: DroppedFaceReason }[],
  removed: number,
  flipped: number,
): string[] {
  const lines: string[] = [];
  if (welded > 0) lines.push(`welded ${welded} duplicate vertices`);
  const why: Record<DroppedFaceReason, string> = {
    "index-out-of-range": "that refer to missing vertices",
    "repeated-vertex": "with a repeated vertex",
    "zero-area": "with zero area",
  };
  for (const reason of Object.keys(why) as DroppedFaceReason[]) {
    const n = dropped.filter((d) => d.reason === reason).length;
    if (n > 0) lines.push(`dropped ${n} face(s) ${why[reason]}`);
  }
  if (removed > 0) lines.push(`removed ${removed} unreferenced vertices`);
  if (flipped > 0) lines.push(`flipped ${flipped} face(s) to orient the mesh consistently`);
  return lines;
}

/**
 * Chooses a flip for every face so that faces meeting along a manifold edge traverse it in
 * opposite directions: breadth-first over each region in face order, then the region's global
 * orientation by signed volume (closed regions) or fewest flips (open regions, ties keeping the
 * first face as it is).
 */
function orientFaces(
  positions: ArrayLike<number>,
  tris: Float64Array,
  nFaces: number,
  participates: (f: number) => boolean,
): { flipped: Uint8Array; nonOrientableRegions: { firstFace: number; faceCount: number }[] } {
  const nVertices = positions.length / 3;
  const nHalfedges = 3 * nFaces;
  const tail = (h: number) => tris[h];
  const head = (h: number) => tris[h - (h % 3) + ((h + 1) % 3)];
  const low = (h: number) => Math.min(tail(h), head(h));
  const high = (h: number) => Math.max(tail(h), head(h));
  const used = (h: number) => participates((h - (h % 3)) / 3);
  // Halfedges grouped by their lower vertex (counting sort); the halfedges along the same edge
  // are then found by scanning one small group.
  const groupStart = new Uint32Array(nVertices + 1);
  for (let h = 0; h < nHalfedges; h++) if (used(h)) groupStart[low(h) + 1]++;
  for (let v = 0; v < nVertices; v++) groupStart[v + 1] += groupStart[v];
  const group = new Uint32Array(groupStart[nVertices]);
  const fill = groupStart.slice(0, nVertices);
  for (let h = 0; h < nHalfedges; h++) if (used(h)) group[fill[low(h)]++] = h;
  /** The other halfedge along h's edge when exactly two faces share it, else −1. */
  const partner = new Int32Array(nHalfedges).fill(-1);
  for (let h = 0; h < nHalfedges; h++) {
    if (!used(h)) continue;
    let count = 0;
    let match = -1;
    for (let i = groupStart[low(h)]; i < groupStart[low(h) + 1]; i++) {
      const o = group[i];
      if (o !== h && high(o) === high(h)) {
        count++;
        match = o;
      }
    }
    if (count === 1) partner[h] = match;
  }
  const state = new Int8Array(nFaces).fill(-1);
  const flipped = new Uint8Array(nFaces);
  const nonOrientableRegions: { firstFace: number; faceCount: number }[] = [];
  for (let start = 0; start < nFaces; start++) {
    if (!participates(start) || state[start] >= 0) continue;
    const region = [start];
    state[start] = 0;
    let consistent = true;
    let closed = true;
    for (let i = 0; i < region.length; i++) {
      const f = region[i];
      for (let h = 3 * f; h < 3 * f + 3; h++) {
        const o = partner[h];
        if (o < 0) {
          closed = false;
          continue;
        }
        const g = (o - (o % 3)) / 3;
        const sameDirection = tris[h] === tris[o] ? 1 : 0;
        const wanted = state[f] ^ sameDirection;
        if (state[g] < 0) {
          state[g] = wanted;
          region.push(g);
        } else if (state[g] !== wanted) {
          consistent = false;
        }
      }
    }
    if (!consistent) {
      nonOrientableRegions.push({ firstFace: start, faceCount: region.length });
      continue;
    }
    let nFlips = 0;
    for (const f of region) nFlips += state[f];
    let invert = 2 * nFlips > region.length;
    if (closed) {
      const volume = signedVolume(positions, tris, region, state);
      if (Number.isFinite(volume) && volume !== 0) invert = volume < 0;
    }
    for (const f of region) flipped[f] = invert ? 1 - state[f] : state[f];
  }
  return { flipped, nonOrientableRegions };
}

/** Six times the signed volume enclosed by the faces of `region`, each flipped where `state` is 1. */
function signedVolume(
  positions: ArrayLike<number>,
  tris: Float64Array,
  region: number[],
  state: Int8Array,
): number {
  let volume = 0;
  for (const f of region) {
    const a = 3 * tris[3 * f];
    const b = 3 * tris[3 * f + 1];
    const c = 3 * tris[3 * f + 2];
    const det =
      positions[a] * (positions[b + 1] * positions[c + 2] - positions[b + 2] * positions[c + 1]) -
      positions[a + 1] * (positions[b] * positions[c + 2] - positions[b + 2] * positions[c]) +
      positions[a + 2] * (positions[b] * positions[c + 1] - positions[b + 1] * positions[c]);
    volume += state[f] ? -det : det;
  }
  return volume;
}
