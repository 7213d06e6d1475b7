import type { RingOptions } from "@gemcnn/gauge";
import {
  logMap,
  type MeshGeometry,
  type NeighbourhoodGeometry,
  type Neighbourhoods,
  parallelTransport,
  type TangentFrames,
  tangentFrames,
} from "@gemcnn/geometry";
import {
  buildConvGraph,
  type ConvGraph,
  type ConvGraphOptions,
  convGraphFromNeighbourhoodGeometry,
} from "../graph.js";
import { edgeGraph, farthestPointSampling, MultiscaleError } from "./sampling.js";

/** One resolution of a mesh: a subset of its vertices and their convolution graph. */
export interface MeshLevel {
  /** The convolution graph over this level's vertices (numbered 0 … graph.nVertices − 1). */
  readonly graph: ConvGraph;
  /** Index in the input mesh (level 0) of each vertex of this level; its frame is that vertex's frame. */
  readonly vertices: Uint32Array;
}

/** How level `k` pools into level `k + 1` (and how level `k + 1` unpools back). */
export interface PoolingMap {
  /** Number of vertices of the fine level `k`. */
  readonly nFine: number;
  /** Number of vertices of the coarse level `k + 1`. */
  readonly nCoarse: number;
  /** Coarse vertex (index in level `k + 1`) whose cell holds each fine vertex. */
  readonly cell: Uint32Array;
  /**
   * Transport angle `g(v→c)` from each fine vertex `v` to the coarse vertex `c` of its cell: an
   * order-`n` feature `x_v` arrives at `c` as `ρ_n(g) x_v`, in `c`'s frame (conventions.md);
   * 0 when `v` is `c` itself. GEM-CNN's normal rotation, which is defined for any pair.
   */
  readonly transport: Float64Array;
  /** Number of fine vertices in each coarse vertex's cell (at least 1: the coarse vertex itself). */
  readonly cellSize: Uint32Array;
}

/** A mesh at several resolutions: level 0 is the mesh itself, each next level a subset of the previous. */
export interface MeshHierarchy {
  readonly levels: readonly MeshLevel[];
  /** `pools[k]` maps level `k` to level `k + 1`. */
  readonly pools: readonly PoolingMap[];
}

/** How one coarser level is made from the previous one. */
export interface CoarseningOptions {
  /**
   * Fraction of the previous level's vertices kept (default 0.25): the count is
   * `max(1, round(ratio · n))`. Ignored when `count` is given.
   */
  readonly ratio?: number;
  /** Number of vertices of this level. */
  readonly count?: number;
  /**
   * Neighbourhood of a coarse vertex: the coarse vertices whose cells are within `hops` steps
   * of its own in the cell adjacency (cells that share a mesh edge), default 1 (like a 1-ring).
   */
  readonly hops?: number;
  /** Rings of this level's graph; default the level-0 graph's `rings`. */
  readonly rings?: number;
  /** As in `ConvGraphOptions`; default the largest neighbour distance of this level. */
  readonly maxRadius?: number;
  readonly falloff?: RingOptions["falloff"];
}

export interface MeshHierarchyOptions {
  /** The level-0 graph (see `buildConvGraph`); its frames come from `frames` when given. */
  readonly graph?: Omit<ConvGraphOptions, "frames">;
  /** One entry per coarser level (default none: a single level). */
  readonly coarsening?: readonly CoarseningOptions[];
  /** Seed of the first farthest-point sample of every level (default 0). */
  readonly seed?: number;
  /**
   * Frames of the input mesh's vertices (default: `tangentFrames(geometry, graph.frameOptions)`);
   * given by gauge-equivariance checks. Hierarchies with given frames are not cached.
   */
  readonly frames?: TangentFrames;
}

const hierarchyCache = new WeakMap<MeshGeometry, Map<string, MeshHierarchy>>();

/**
 * A mesh at several resolutions for multiscale networks (cached per geometry and options unless
 * `options.frames` is given). Level 0 is the mesh with `buildConvGraph(geometry, options.graph)`.
 * Each coarser level is a farthest-point sample of the previous level's vertices (edge-path
 * distances on the input mesh, `farthestPointSampling`); every previous-level vertex belongs to
 * the cell of its nearest sample, and pooling transports it to that sample by normal rotation.
 * A coarse level's neighbourhoods join samples whose cells touch (`hops` steps); its log map is
 * GEM-CNN's projection and its transport the normal rotation, both from the geometry package,
 * which define them for any pair of vertices. Every coarse vertex keeps its input-mesh frame.
 */
export function buildMeshHierarchy(
  geometry: MeshGeometry,
  options: MeshHierarchyOptions = {},
): MeshHierarchy {
  const cacheable = options.frames === undefined;
  const key = JSON.stringify({ ...options, frames: undefined });
  if (cacheable) {
    const cached = hierarchyCache.get(geometry)?.get(key);
    if (cached !== undefined) return cached;
  }
  const hierarchy = build(geometry, options);
  if (cacheable) {
    let cache = hierarchyCache.get(geometry);
    if (cache === undefined) {
      cache = new Map();
      hierarchyCache.set(geometry, cache);
    }
    cache.set(key, hierarchy);
  }
  return hierarchy;
}

function build(geometry: MeshGeometry, options: MeshHierarchyOptions): MeshHierarchy {
  const graphOptions = options.graph ?? {};
  const nVertices = geometry.mesh.nVertices;
  const levelZero: MeshLevel = {
    graph: buildConvGraph(
      geometry,
      options.frames === undefined ? graphOptions : { ...graphOptions, frames: options.frames },
    ),
    vertices: Uint32Array.from({ length: nVertices }, (_, i) => i),
  };
  const levels: MeshLevel[] = [levelZero];
  const pools: PoolingMap[] = [];
  const coarsening = options.coarsening ?? [];
  if (coarsening.length === 0) return { levels, pools };
  const frames = options.frames ?? tangentFrames(geometry, graphOptions.frameOptions);
  const includeSelf = graphOptions.includeSelf ?? true;
  coarsening.forEach((step, index) => {
    const fine = levels[levels.length - 1];
    const nFine = fine.vertices.length;
    const count = coarseCount(step, nFine, index);
    const { samples, nearest } = farthestPointSampling(geometry, {
      count,
      candidates: fine.vertices,
      seed: options.seed ?? 0,
    });
    const cell = new Uint32Array(nFine);
    const cellSize = new Uint32Array(count);
    for (let v = 0; v < nFine; v++) {
      const c = nearest[fine.vertices[v]];
      if (c < 0) {
        throw new MultiscaleError(
          `buildMeshHierarchy: coarsening[${index}] keeps ${count} vertices, too few to reach every connected component of the mesh; raise its count or ratio`,
        );
      }
      cell[v] = c;
      cellSize[c]++;
    }
    pools.push({
      nFine,
      nCoarse: count,
      cell,
      transport: transportToCells(geometry, frames, fine.vertices, samples, cell),
      cellSize,
    });
    const rings = step.rings ?? graphOptions.rings ?? 2;
    levels.push({
      graph: coarseGraph(geometry, frames, samples, nearest, {
        hops: step.hops ?? 1,
        includeSelf,
        rings,
        maxRadius: step.maxRadius,
        falloff: step.falloff ?? graphOptions.falloff,
        index,
      }),
      vertices: samples,
    });
  });
  return { levels, pools };
}

function coarseCount(step: CoarseningOptions, nFine: number, index: number): number {
  if (step.count !== undefined) {
    if (!Number.isSafeInteger(step.count) || step.count < 1 || step.count > nFine) {
      throw new MultiscaleError(
        `buildMeshHierarchy: coarsening[${index}].count must be an integer from 1 to the previous level's ${nFine} vertices, got ${step.count}`,
      );
    }
    return step.count;
  }
  const ratio = step.ratio ?? 0.25;
  if (!(ratio > 0 && ratio <= 1)) {
    throw new MultiscaleError(
      `buildMeshHierarchy: coarsening[${index}].ratio must be in (0, 1], got ${ratio}`,
    );
  }
  return Math.max(1, Math.round(ratio * nFine));
}

/** Neighbourhoods over all input-mesh vertices in which only `centres` have pairs. */
function sparseNeighbourhoods(
  nVertices: number,
  centres: Uint32Array,
  members: readonly (readonly number[])[],
): Neighbourhoods {
  const sizes = new Uint32Array(nVertices);
  centres.forEach((c, i) => {
    sizes[c] = members[i].length;
  });
  const offsets = new Uint32Array(nVertices + 1);
  for (let v = 0; v < nVertices; v++) offsets[v + 1] = offsets[v] + sizes[v];
  const indices = new Uint32Array(offsets[nVertices]);
  centres.forEach((c, i) => {
    indices.set(members[i], offsets[c]);
  });
  return { offsets, indices, includesSelf: false };
}

/** `g(v→c)` for every fine vertex `v` and the sample `c` of its cell (0 for the sample itself). */
function transportToCells(
  geometry: MeshGeometry,
  frames: TangentFrames,
  fineVertices: Uint32Array,
  samples: Uint32Array,
  cell: Uint32Array,
): Float64Array {
  const members: number[][] = Array.from(samples, () => []);
  fineVertices.forEach((u, v) => {
    if (u !== samples[cell[v]]) members[cell[v]].push(u);
  });
  const neighbourhoods = sparseNeighbourhoods(geometry.mesh.nVertices, samples, members);
  const g = parallelTransport(geometry, frames, neighbourhoods, { method: "normal-rotation" });
  const transport = new Float64Array(fineVertices.length);
  const next = Uint32Array.from(samples, (c) => neighbourhoods.offsets[c]);
  fineVertices.forEach((u, v) => {
    const c = cell[v];
    if (u !== samples[c]) transport[v] = g[next[c]++];
  });
  return transport;
}

interface CoarseGraphOptions {
  readonly hops: number;
  readonly includeSelf: boolean;
  readonly rings: number;
  readonly maxRadius: number | undefined;
  readonly falloff: RingOptions["falloff"];
  readonly index: number;
}

/** The convolution graph of the samples: cells that touch are neighbours (within `hops` steps). */
function coarseGraph(
  geometry: MeshGeometry,
  frames: TangentFrames,
  samples: Uint32Array,
  nearest: Int32Array,
  options: CoarseGraphOptions,
): ConvGraph {
  if (!Number.isSafeInteger(options.hops) || options.hops < 1) {
    throw new MultiscaleError(
      `buildMeshHierarchy: coarsening[${options.index}].hops must be a positive integer, got ${options.hops}`,
    );
  }
  const count = samples.length;
  const adjacent: Set<number>[] = Array.from({ length: count }, () => new Set());
  const { offsets, targets } = edgeGraph(geometry);
  for (let u = 0; u < nearest.length; u++) {
    const a = nearest[u];
    if (a < 0) continue;
    for (let i = offsets[u]; i < offsets[u + 1]; i++) {
      const b = nearest[targets[i]];
      if (b >= 0 && b !== a) adjacent[a].add(b);
    }
  }
  // Neighbours within `hops` steps, breadth first, in order of discovery (then sorted for determinism).
  const members: number[][] = [];
  for (let c = 0; c < count; c++) {
    const seen = new Set<number>([c]);
    let frontier = [c];
    for (let hop = 0; hop < options.hops && frontier.length > 0; hop++) {
      const next: number[] = [];
      for (const a of frontier) {
        for (const b of adjacent[a]) {
          if (!seen.has(b)) {
            seen.add(b);
            next.push(b);
          }
        }
      }
      frontier = next;
    }
    seen.delete(c);
    const neighbours = [...seen].sort((a, b) => a - b).map((b) => samples[b]);
    members.push(options.includeSelf ? [samples[c], ...neighbours] : neighbours);
  }
  const sparse = sparseNeighbourhoods(geometry.mesh.nVertices, samples, members);
  const { r, theta } = logMap(geometry, frames, sparse, { method: "projection" });
  const g = parallelTransport(geometry, frames, sparse, { method: "normal-rotation" });
  // Renumber: rows in sample order, neighbours as level indices.
  const levelIndex = new Map<number, number>();
  samples.forEach((u, i) => {
    levelIndex.set(u, i);
  });
  const levelOffsets = new Uint32Array(count + 1);
  for (let c = 0; c < count; c++) levelOffsets[c + 1] = levelOffsets[c] + members[c].length;
  const nPairs = levelOffsets[count];
  const indices = new Uint32Array(nPairs);
  const rOut = new Float64Array(nPairs);
  const thetaOut = new Float64Array(nPairs);
  const gOut = new Float64Array(nPairs);
  for (let c = 0; c < count; c++) {
    const from = sparse.offsets[samples[c]];
    for (let k = 0; k < members[c].length; k++) {
      const i = levelOffsets[c] + k;
      indices[i] = levelIndex.get(sparse.indices[from + k])!;
      rOut[i] = r[from + k];
      thetaOut[i] = theta[from + k];
      gOut[i] = g[from + k];
    }
  }
  const precomputed: NeighbourhoodGeometry = {
    neighbourhoods: { offsets: levelOffsets, indices, includesSelf: options.includeSelf },
    frames: restrictFrames(frames, samples),
    r: rOut,
    theta: thetaOut,
    g: gOut,
    logMapMethod: "projection",
    transportMethod: "normal-rotation",
  };
  return convGraphFromNeighbourhoodGeometry(precomputed, {
    rings: options.rings,
    maxRadius: options.maxRadius,
    falloff: options.falloff,
  });
}

function restrictFrames(frames: TangentFrames, vertices: Uint32Array): TangentFrames {
  const pick = (a: Float64Array) => {
    const out = new Float64Array(3 * vertices.length);
    vertices.forEach((v, i) => {
      out.set(a.subarray(3 * v, 3 * v + 3), 3 * i);
    });
    return out;
  };
  return { e1: pick(frames.e1), e2: pick(frames.e2), n: pick(frames.n) };
}
