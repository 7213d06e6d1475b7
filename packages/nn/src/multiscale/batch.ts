import { assertConvGraphLive, type ConvGraph, disposeConvGraph, setConvGraphParts } from "../graph.js";
import { activeConvGraph, type GraphKwargs, withConvGraph } from "../graph-context.js";
import type { MeshHierarchy, MeshLevel, PoolingMap } from "./hierarchy.js";
import { MultiscaleError } from "./sampling.js";

/** One resolution of a batch: the meshes' graphs side by side (block diagonal) and where each mesh's rows are. */
export interface BatchLevel {
  /** The meshes' graphs of this level concatenated: mesh `i`'s vertices are renumbered from `meshOffsets[i]`. */
  readonly graph: ConvGraph;
  /** Rows of mesh `i` at this level: `meshOffsets[i]` … `meshOffsets[i + 1] − 1`; length `size + 1`. */
  readonly meshOffsets: Uint32Array;
}

/**
 * Several meshes as one disconnected mesh, level by level: a field on the batch is the meshes'
 * fields stacked row-wise (`[Σ V_i × dim]`, mesh 0 first). No edge joins two meshes, so a GemConv
 * on the batch computes exactly what it computes on each mesh alone, and the per-mesh layers
 * (invariant pooling) read `meshOffsets`.
 */
export interface MeshBatch {
  /** Number of meshes. */
  readonly size: number;
  readonly levels: readonly BatchLevel[];
  /** `pools[k]`: level `k` to level `k + 1`, with cells and rows renumbered for the batch. */
  readonly pools: readonly PoolingMap[];
}

const singleBatches = new WeakMap<MeshHierarchy, MeshBatch>();
/** The graphs a batch of several meshes made (its concatenations), which it disposes. */
const ownedGraphs = new WeakMap<MeshBatch, readonly ConvGraph[]>();
const disposedBatches = new WeakSet<MeshBatch>();

/**
 * Stacks the hierarchies of several meshes into one batch (see `MeshBatch`). They must have the
 * same number of levels and, level by level, the same rings and self-interaction. A batch of
 * one mesh reuses its graphs (so their precomputed kernels' plans are reused too) and is cached.
 * A batch of several meshes owns the graphs it makes: `disposeMeshBatch` frees their kernel
 * tables once the batch's step is done.
 */
export function batchMeshes(hierarchies: readonly MeshHierarchy[]): MeshBatch {
  if (!Array.isArray(hierarchies) || hierarchies.length === 0) {
    throw new MultiscaleError("batchMeshes: expected a non-empty array of mesh hierarchies");
  }
  hierarchies.forEach((h, i) => {
    for (const level of h.levels) assertConvGraphLive(level.graph, `batchMeshes: mesh ${i}`);
  });
  if (hierarchies.length === 1) {
    const hierarchy = hierarchies[0];
    let batch = singleBatches.get(hierarchy);
    if (batch === undefined) {
      batch = {
        size: 1,
        levels: hierarchy.levels.map((level: MeshLevel) => ({
          graph: level.graph,
          meshOffsets: Uint32Array.of(0, level.graph.nVertices),
        })),
        pools: hierarchy.pools,
      };
      singleBatches.set(hierarchy, batch);
    }
    return batch;
  }
  const nLevels = hierarchies[0].levels.length;
  hierarchies.forEach((h, i) => {
    if (h.levels.length !== nLevels) {
      throw new MultiscaleError(
        `batchMeshes: mesh ${i} has ${h.levels.length} levels but mesh 0 has ${nLevels}; build every hierarchy with the same options`,
      );
    }
  });
  const levels = Array.from({ length: nLevels }, (_, k) => {
    const graphs = hierarchies.map((h) => h.levels[k].graph);
    return {
      graph: concatConvGraphs(graphs, `level ${k}`),
      meshOffsets: prefixSums(graphs.map((g) => g.nVertices)),
    };
  });
  const pools = Array.from({ length: nLevels - 1 }, (_, k) =>
    concatPoolingMaps(hierarchies.map((h) => h.pools[k])),
  );
  const batch: MeshBatch = { size: hierarchies.length, levels, pools };
  ownedGraphs.set(
    batch,
    levels.map((level) => level.graph),
  );
  return batch;
}

/**
 * Frees what the kernels hold for the batch in the wasm heap now, instead of when the garbage
 * collector gets to it (between tasks: a training loop that never yields would grow the heap by
 * every batch's tables until it is exhausted). Call it when the batch's step is done, as
 * `tensor.dispose()`. A batch of several meshes disposes the graphs it made, and running a model
 * on it afterwards throws. A batch of one mesh owns nothing: it is its hierarchy's graphs, shared
 * through `batchMeshes`' cache with every other caller, so disposing it does nothing
 * (`disposeMeshHierarchy` frees those graphs). Disposing twice is harmless.
 */
export function disposeMeshBatch(batch: MeshBatch): void {
  const graphs = ownedGraphs.get(batch);
  if (graphs === undefined) return;
  ownedGraphs.delete(batch);
  disposedBatches.add(batch);
  for (const graph of graphs) disposeConvGraph(graph);
}

/** Whether `disposeMeshBatch(batch)` has freed the batch (never for a batch of one mesh). */
export function isMeshBatchDisposed(batch: MeshBatch): boolean {
  return disposedBatches.has(batch);
}

function prefixSums(counts: readonly number[]): Uint32Array {
  const out = new Uint32Array(counts.length + 1);
  counts.forEach((c, i) => {
    out[i + 1] = out[i] + c;
  });
  return out;
}

/**
 * The disjoint union of convolution graphs: graph `i`'s vertices are renumbered after those of
 * graphs `0 … i − 1`. They must agree on `rings` and `includesSelf`.
 */
export function concatConvGraphs(graphs: readonly ConvGraph[], label = "concatConvGraphs"): ConvGraph {
  const { rings, includesSelf } = graphs[0];
  graphs.forEach((g, i) => {
    if (g.rings !== rings || g.includesSelf !== includesSelf) {
      throw new MultiscaleError(
        `${label}: graph ${i} has ${g.rings} rings and includesSelf ${g.includesSelf}, graph 0 has ${rings} and ${includesSelf}`,
      );
    }
  });
  const nVertices = graphs.reduce((n, g) => n + g.nVertices, 0);
  const nEdges = graphs.reduce((n, g) => n + g.sources.length, 0);
  const offsets = new Uint32Array(nVertices + 1);
  const sources = new Uint32Array(nEdges);
  const radius = new Float64Array(nEdges);
  const theta = new Float64Array(nEdges);
  const transport = new Float64Array(nEdges);
  const ringWeights = new Float64Array(nEdges * rings);
  let vertexBase = 0;
  let edgeBase = 0;
  for (const g of graphs) {
    for (let p = 1; p <= g.nVertices; p++) offsets[vertexBase + p] = edgeBase + g.offsets[p];
    for (let e = 0; e < g.sources.length; e++) sources[edgeBase + e] = vertexBase + g.sources[e];
    radius.set(g.radius, edgeBase);
    theta.set(g.theta, edgeBase);
    transport.set(g.transport, edgeBase);
    ringWeights.set(g.ringWeights, edgeBase * rings);
    vertexBase += g.nVertices;
    edgeBase += g.sources.length;
  }
  const graph = { nVertices, offsets, sources, radius, theta, transport, rings, ringWeights, includesSelf };
  // The kernels' per-edge plans of a batch are then the meshes' plans side by side (aggregate.ts).
  setConvGraphParts(graph, graphs);
  return graph;
}

function concatPoolingMaps(maps: readonly PoolingMap[]): PoolingMap {
  const nFine = maps.reduce((n, m) => n + m.nFine, 0);
  const nCoarse = maps.reduce((n, m) => n + m.nCoarse, 0);
  const cell = new Uint32Array(nFine);
  const transport = new Float64Array(nFine);
  const cellSize = new Uint32Array(nCoarse);
  let fineBase = 0;
  let coarseBase = 0;
  for (const m of maps) {
    for (let v = 0; v < m.nFine; v++) cell[fineBase + v] = coarseBase + m.cell[v];
    transport.set(m.transport, fineBase);
    cellSize.set(m.cellSize, coarseBase);
    fineBase += m.nFine;
    coarseBase += m.nCoarse;
  }
  return { nFine, nCoarse, cell, transport, cellSize };
}

const batchStack: MeshBatch[] = [];

/**
 * Runs `fn` with `batch` as the active mesh batch: layers that take a `level` (residual blocks,
 * pooling, invariant pooling) read that level of it, and plain GemConv layers see level 0's
 * graph (as inside `withConvGraph`). A tfjs model runs on a batch as
 * `withMeshBatch(batch, () => model.apply(features))` (see `applyToMeshes`).
 */
export function withMeshBatch<T>(batch: MeshBatch, fn: () => T): T {
  if (disposedBatches.has(batch)) {
    throw new MultiscaleError(
      `withMeshBatch: the batch of ${batch.size} mesh(es) has been disposed (disposeMeshBatch); batch the meshes again with batchMeshes`,
    );
  }
  batchStack.push(batch);
  try {
    return withConvGraph(batch.levels[0].graph, fn);
  } finally {
    batchStack.pop();
  }
}

/** The innermost batch set by `withMeshBatch`, or `undefined`. */
export function activeMeshBatch(): MeshBatch | undefined {
  return batchStack.at(-1);
}

/**
 * Where a layer's graph comes from, one rule for GemConv, residual blocks and invariant pooling:
 * 1. the call's keyword argument `{ graph }` (one mesh), whatever the layer's level;
 * 2. level `level` of the active mesh batch (`withMeshBatch`);
 * 3. the `withConvGraph` graph, for a layer at level 0 (one mesh).
 * Throws an `ErrorClass` naming `layer` when none applies, or when the batch has no level `level`.
 */
export function layerGraph(
  kwargs: GraphKwargs | undefined,
  level: number,
  layer: string,
  ErrorClass: new (message: string) => Error = MultiscaleError,
): BatchLevel {
  const given = kwargs?.graph;
  if (given !== undefined) {
    assertConvGraphLive(given, layer);
    return { graph: given, meshOffsets: Uint32Array.of(0, given.nVertices) };
  }
  const batch = activeMeshBatch();
  if (batch !== undefined) {
    if (level >= batch.levels.length) {
      throw new ErrorClass(
        `${layer}: runs at level ${level}, but the mesh batch has ${batch.levels.length} level(s); build the hierarchies with more coarsening steps`,
      );
    }
    assertConvGraphLive(batch.levels[level].graph, layer);
    return batch.levels[level];
  }
  const graph = activeConvGraph();
  if (level === 0 && graph !== undefined) {
    assertConvGraphLive(graph, layer);
    return { graph, meshOffsets: Uint32Array.of(0, graph.nVertices) };
  }
  throw new ErrorClass(
    `${layer}: no mesh graph for level ${level}; call it with { graph } or run it inside withMeshBatch(batch, …)${level === 0 ? " or withConvGraph(graph, …)" : ""}`,
  );
}

/** Level `level` of the active batch (or, at level 0, the `withConvGraph` graph): `layerGraph` without kwargs. */
export function activeBatchLevel(level: number, layer: string): BatchLevel {
  return layerGraph(undefined, level, layer);
}

/** The pooling map from level `level` to `level + 1` of the active batch, for the layer `layer`. */
export function activePoolingMap(level: number, layer: string): PoolingMap {
  activeBatchLevel(level + 1, layer);
  return activeMeshBatch()!.pools[level];
}
