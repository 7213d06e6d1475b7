import type { RingOptions } from "@gemcnn/gauge";
import {
  logMap,
  type MeshGeometry,
  type NeighbourhoodGeometry,
  type Neighbourhoods,
  parallelTransport,
  type TangentFrames,
  tangentFrames,
  wrapAngle,
} from "@gemcnn/geometry";
import {
  buildConvGraph,
  type ConvGraph,
  type ConvGraphOptions,
  convGraphFromNeighbourhoodGeometry,
  disposeConvGraph,
} from "../graph.js";
import {
  edgeGraph,
  type FarthestPointSample,
  farthestPointSampling,
  intrinsicVertexRanks,
  MultiscaleError,
  type SampleOrdering,
} from "./sampling.js";

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
   * 0 when `v` is `c` itself. By default the Levi-Civita transport along the cell's shortest path.
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

/** The transport of pooling and of the coarse graphs (see `CoarseningOptions.transport`). */
export type CoarseTransport = "path" | "normal-rotation";

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
  /**
   * How features are carried between vertices of different positions: `"path"` (default) composes
   * the geometry package's discrete Levi-Civita transport along the shortest edge path (intrinsic,
   * so unchanged when the shape bends, and defined for any two connected vertices); GEM-CNN's
   * `"normal-rotation"` rotates one normal onto the other, which is undefined for opposite normals
   * (the geometry package then turns about the sender's `e1`, which is not gauge equivariant).
   */
  readonly transport?: CoarseTransport;
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
   * How the first samples and all ties are chosen (default `"intrinsic"`: the hierarchy does not
   * depend on the order of the file's vertices and faces; `"file"`: as gemcnn built hierarchies
   * before, by vertex index).
   */
  readonly ordering?: SampleOrdering;
  /**
   * Frames of the input mesh's vertices (default: `tangentFrames(geometry, graph.frameOptions)`);
   * given by gauge-equivariance checks. Hierarchies with given frames are not cached.
   */
  readonly frames?: TangentFrames;
}

const hierarchyCache = new WeakMap<MeshGeometry, Map<string, MeshHierarchy>>();
/** How to drop a cached hierarchy from `hierarchyCache` when it is disposed. */
const uncacheHierarchy = new WeakMap<MeshHierarchy, () => void>();

/**
 * A mesh at several resolutions for multiscale networks (cached per geometry and options unless
 * `options.frames` is given). Level 0 is the mesh with `buildConvGraph(geometry, options.graph)`.
 * Each coarser level is a farthest-point sample of the previous level's vertices (edge-path
 * distances on the input mesh, `farthestPointSampling`); every previous-level vertex belongs to
 * the cell of its nearest sample, and pooling transports it to that sample (by default along the
 * cell's shortest edge path, `CoarseningOptions.transport`). A coarse level's neighbourhoods join
 * samples whose cells touch (`hops` steps); by default `r` and the transport follow the shortest
 * edge path through the two cells and `θ` is the projected direction of a point on it, with
 * `transport: "normal-rotation"` GEM-CNN's projection log map and normal rotation (both from the
 * geometry package). Every coarse vertex keeps its input-mesh frame.
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
    const entries = cache;
    uncacheHierarchy.set(hierarchy, () => {
      if (entries.get(key) === hierarchy) entries.delete(key);
    });
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
    const sample = farthestPointSampling(geometry, {
      count,
      candidates: fine.vertices,
      seed: options.seed ?? 0,
      ordering: options.ordering,
    });
    const { samples, nearest } = sample;
    const transportKind = step.transport ?? "path";
    if (transportKind !== "path" && transportKind !== "normal-rotation") {
      throw new MultiscaleError(
        `buildMeshHierarchy: coarsening[${index}].transport must be "path" or "normal-rotation", got ${JSON.stringify(step.transport)}`,
      );
    }
    const paths =
      transportKind === "path"
        ? pathTransports(geometry, frames, sample, (options.ordering ?? "intrinsic") === "intrinsic")
        : null;
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
    const toCells =
      paths === null
        ? transportToCells(geometry, frames, fine.vertices, samples, cell)
        : Float64Array.from(fine.vertices, (u) => paths.toSample[u]);
    pools.push({
      nFine,
      nCoarse: count,
      cell,
      transport: toCells,
      cellSize,
    });
    const rings = step.rings ?? graphOptions.rings ?? 2;
    levels.push({
      graph: coarseGraph(geometry, frames, samples, nearest, paths, {
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

/** Shortest edge paths between samples, through the cells' shortest-path forest. */
interface PathTransports {
  /** For every input-mesh vertex, `g(v→c)` to the sample `c` of its cell, unwrapped. */
  readonly toSample: Float64Array;
  /**
   * The path from sample `a` to the sample of an adjacent cell `b` through their shortest
   * crossing edge: its length and the transport `g(b→a)` along it.
   */
  betweenCells(b: number, a: number): { length: number; g: number };
  /** The vertex on that path from `a` toward `b` nearest to path length `t` from `a` (not `a` itself). */
  pointToward(b: number, a: number, t: number): number;
}

const edgeTransportCache = new WeakMap<TangentFrames, Float64Array>();

/**
 * The geometry package's Levi-Civita transport of every directed edge, aligned with
 * `edgeGraph(geometry)`: entry `i` of row `u` is `g(targets[i] → u)`.
 */
function edgeTransports(geometry: MeshGeometry, frames: TangentFrames): Float64Array {
  let g = edgeTransportCache.get(frames);
  if (g === undefined) {
    const { offsets, targets } = edgeGraph(geometry);
    g = parallelTransport(
      geometry,
      frames,
      { offsets, indices: targets, includesSelf: false },
      { method: "levi-civita" },
    );
    edgeTransportCache.set(frames, g);
  }
  return g;
}

function pathTransports(
  geometry: MeshGeometry,
  frames: TangentFrames,
  sample: FarthestPointSample,
  intrinsicTies: boolean,
): PathTransports {
  const { offsets, targets, lengths } = edgeGraph(geometry);
  // Ties between crossing edges go to the edge whose ends have the lower intrinsic ranks (or
  // vertex indices with "file" ordering), so that relabelling the file cannot change the choice.
  const rank = intrinsicTies ? intrinsicVertexRanks(geometry) : null;
  const key = (v: number) => (rank === null ? v : rank[v]);
  const edgeG = edgeTransports(geometry, frames);
  const { nearest, distance, parentEdge } = sample;
  const nVertices = nearest.length;
  const edgeSource = new Uint32Array(targets.length);
  for (let u = 0; u < nVertices; u++) edgeSource.fill(u, offsets[u], offsets[u + 1]);
  // Parents are nearer their sample than their children: compose in order of distance.
  const order = Uint32Array.from({ length: nVertices }, (_, v) => v).sort(
    (a, b) => distance[a] - distance[b],
  );
  const toSample = new Float64Array(nVertices);
  for (const w of order) {
    const i = parentEdge[w];
    if (i >= 0) toSample[w] = edgeG[i] + toSample[edgeSource[i]];
  }
  // For each ordered pair of adjacent cells, the crossing edge u (in a) ← w (in b) with the
  // shortest path d(u) + |uw| + d(w); the same undirected edge for both orders, ties by vertex rank.
  const best = new Map<
    number,
    { cost: number; low: number; high: number; g: number; u: number; w: number }
  >();
  const margin = 1e-9 * (lengths.reduce((x, y) => x + y, 0) / Math.max(1, lengths.length));
  const count = sample.samples.length;
  for (let u = 0; u < nVertices; u++) {
    const a = nearest[u];
    if (a < 0) continue;
    for (let i = offsets[u]; i < offsets[u + 1]; i++) {
      const w = targets[i];
      const b = nearest[w];
      if (b < 0 || b === a) continue;
      const cost = distance[u] + lengths[i] + distance[w];
      const low = Math.min(key(u), key(w));
      const high = Math.max(key(u), key(w));
      const pair = b * count + a;
      const current = best.get(pair);
      const better =
        current === undefined ||
        cost < current.cost - margin ||
        (cost <= current.cost + margin &&
          (low < current.low || (low === current.low && high < current.high)));
      if (better) best.set(pair, { cost, low, high, g: toSample[u] + edgeG[i] - toSample[w], u, w });
    }
  }
  const crossing = (b: number, a: number) => {
    const entry = best.get(b * count + a);
    if (entry === undefined)
      throw new MultiscaleError(`buildMeshHierarchy: cells ${b} and ${a} are not adjacent`);
    return entry;
  };
  return {
    toSample,
    betweenCells: (b, a) => {
      const { cost, g } = crossing(b, a);
      return { length: cost, g };
    },
    pointToward: (b, a, t) => {
      const { u, w } = crossing(b, a);
      const root = sample.samples[a];
      if (u === root) return w;
      let v = u;
      while (edgeSource[parentEdge[v]] !== root && distance[edgeSource[parentEdge[v]]] >= t) {
        v = edgeSource[parentEdge[v]];
      }
      return v;
    },
  };
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
  paths: PathTransports | null,
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
  // Neighbours within `hops` steps, breadth first (cells in increasing order at each step). With
  // path transport, each neighbour's path to `c` runs through the breadth-first chain of adjacent
  // cells: its length is the distance `r`, the Levi-Civita transport along it is `g`, and the
  // log-map angle is the direction, projected onto `c`'s tangent plane, of the path point a third
  // of the way (within the first cell crossed): a short, nearly tangent displacement, so that the
  // angle stays well defined where the straight line to the neighbour runs along the normal.
  const members: number[][] = [];
  const directions: number[][] = [];
  const memberLength: number[][] = [];
  const memberTransport: number[][] = [];
  for (let c = 0; c < count; c++) {
    const reached = new Map<number, { g: number; length: number; first: number; firstLength: number }>([
      [c, { g: 0, length: 0, first: c, firstLength: 0 }],
    ]);
    let frontier = [c];
    for (let hop = 0; hop < options.hops && frontier.length > 0; hop++) {
      const next: number[] = [];
      for (const a of frontier) {
        const from = reached.get(a)!;
        for (const b of [...adjacent[a]].sort((x, y) => x - y)) {
          if (reached.has(b)) continue;
          const step = paths === null ? { g: 0, length: 0 } : paths.betweenCells(b, a);
          reached.set(b, {
            g: step.g + from.g,
            length: step.length + from.length,
            first: a === c ? b : from.first,
            firstLength: a === c ? step.length : from.firstLength,
          });
          next.push(b);
        }
      }
      frontier = next;
    }
    const neighbours = [...reached.keys()].filter((b) => b !== c).sort((a, b) => a - b);
    const ordered = options.includeSelf ? [c, ...neighbours] : neighbours;
    members.push(ordered.map((b) => samples[b]));
    const routes = ordered.map((b) => reached.get(b)!);
    directions.push(
      ordered.map((b, k) =>
        paths === null || b === c
          ? samples[b]
          : paths.pointToward(routes[k].first, c, Math.min(routes[k].length / 3, routes[k].firstLength)),
      ),
    );
    memberLength.push(routes.map((p) => p.length));
    memberTransport.push(routes.map((p) => wrapAngle(p.g)));
  }
  const sparse = sparseNeighbourhoods(geometry.mesh.nVertices, samples, members);
  let r: Float64Array;
  let theta: Float64Array;
  let g: Float64Array;
  if (paths === null) {
    ({ r, theta } = logMap(geometry, frames, sparse, { method: "projection" }));
    g = parallelTransport(geometry, frames, sparse, { method: "normal-rotation" });
  } else {
    const towards = sparseNeighbourhoods(geometry.mesh.nVertices, samples, directions);
    theta = logMap(geometry, frames, towards, { method: "projection" }).theta;
    r = alignedWith(sparse, samples, memberLength);
    g = alignedWith(sparse, samples, memberTransport);
  }
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
    transportMethod: paths === null ? "normal-rotation" : "levi-civita",
  };
  return convGraphFromNeighbourhoodGeometry(precomputed, {
    rings: options.rings,
    maxRadius: options.maxRadius,
    falloff: options.falloff,
  });
}

/** Per-centre values in the order of `sparseNeighbourhoods`' pairs. */
function alignedWith(
  sparse: Neighbourhoods,
  centres: Uint32Array,
  values: readonly number[][],
): Float64Array {
  const out = new Float64Array(sparse.indices.length);
  centres.forEach((c, i) => {
    out.set(values[i], sparse.offsets[c]);
  });
  return out;
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

/**
 * Disposes the graphs of every level (`disposeConvGraph`: the kernels' wasm tables are freed now)
 * and drops the hierarchy from `buildMeshHierarchy`'s cache. For loops over many meshes that are
 * used once (prediction over files): the garbage collector would free the tables only between
 * tasks. Level 0's graph is `buildConvGraph`'s cached graph of the geometry, which is disposed
 * too. Disposing twice is harmless; running a model on the hierarchy afterwards throws.
 */
export function disposeMeshHierarchy(hierarchy: MeshHierarchy): void {
  uncacheHierarchy.get(hierarchy)?.();
  uncacheHierarchy.delete(hierarchy);
  for (const level of hierarchy.levels) disposeConvGraph(level.graph);
}
