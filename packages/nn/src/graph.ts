import { type RingOptions, ringWeights } from "@gemcnn/gauge";
import {
  type MeshGeometry,
  type NeighbourhoodGeometry,
  type NeighbourhoodGeometryOptions,
  precomputeNeighbourhoodGeometry,
} from "@gemcnn/geometry";

/**
 * The convolution graph: everything a GemConv needs to know about a mesh, as compact typed
 * arrays. Edges are directed pairs `p ← q` of distinct vertices, sorted by the receiving vertex
 * `p` (CSR), so that the kernels sum messages into one output row at a time. The vertex itself
 * (`q = p`, `r = 0`, no angle) is not an edge: `includesSelf` says whether it belongs to every
 * neighbourhood, in which case GemConv applies its self-interaction and counts it in the mean.
 */
export interface ConvGraph {
  readonly nVertices: number;
  /** Edges into vertex `p` are `offsets[p] … offsets[p + 1] − 1`; length `nVertices + 1`. */
  readonly offsets: Uint32Array;
  /** Sending vertex `q` of each edge. */
  readonly sources: Uint32Array;
  /** Geodesic distance `r(p, q) > 0` of each edge (same unit as the mesh positions). */
  readonly radius: Float64Array;
  /** Log-map angle `θ(p, q)` of each edge: direction of `q` seen from `p`, in `p`'s frame, radians. */
  readonly theta: Float64Array;
  /** Transport angle `g(q → p)` of each edge: an order-n feature at `q` arrives at `p` as `ρ_n(g) x_q`. */
  readonly transport: Float64Array;
  /** Number of radial rings `R` of `ringWeights`. */
  readonly rings: number;
  /** Radial weights `w_r(r(p, q))`, row-major `[nEdges × rings]`. */
  readonly ringWeights: Float64Array;
  /** Whether every vertex belongs to its own neighbourhood (self-interaction). */
  readonly includesSelf: boolean;
}

/** A `ConvGraph` as plain JSON-compatible data (`convGraphToObject`, `convGraphFromObject`). */
export interface ConvGraphObject {
  readonly nVertices: number;
  readonly offsets: number[];
  readonly sources: number[];
  readonly radius: number[];
  readonly theta: number[];
  readonly transport: number[];
  readonly rings: number;
  readonly ringWeights: number[];
  readonly includesSelf: boolean;
}

/** A malformed convolution graph; the message names the array and the problem. */
export class ConvGraphError extends Error {
  override name = "ConvGraphError";
}

/** Number of directed edges (vertex-to-itself excluded). */
export function edgeCount(graph: ConvGraph): number {
  return graph.sources.length;
}

/** Checks every invariant of a `ConvGraph`; throws a `ConvGraphError` naming the first violation. */
export function validateConvGraph(graph: ConvGraph, source = "ConvGraph"): ConvGraph {
  const { nVertices, offsets, sources, radius, theta, transport, rings, ringWeights } = graph;
  const fail = (message: string): never => {
    throw new ConvGraphError(`${source}: ${message}`);
  };
  if (!Number.isSafeInteger(nVertices) || nVertices < 1)
    fail(`nVertices must be a positive integer, got ${nVertices}`);
  if (!(offsets instanceof Uint32Array) || offsets.length !== nVertices + 1) {
    fail(`offsets must be a Uint32Array of length nVertices + 1 = ${nVertices + 1}`);
  }
  const nEdges = sources.length;
  if (offsets[0] !== 0 || offsets[nVertices] !== nEdges) {
    fail(
      `offsets must run from 0 to the number of edges ${nEdges}, got ${offsets[0]} … ${offsets[nVertices]}`,
    );
  }
  for (const [name, array] of [
    ["radius", radius],
    ["theta", theta],
    ["transport", transport],
  ] as const) {
    if (!(array instanceof Float64Array) || array.length !== nEdges) {
      fail(`${name} must be a Float64Array with one entry per edge (${nEdges})`);
    }
  }
  if (!Number.isSafeInteger(rings) || rings < 1) fail(`rings must be a positive integer, got ${rings}`);
  if (!(ringWeights instanceof Float64Array) || ringWeights.length !== nEdges * rings) {
    fail(`ringWeights must be a Float64Array of ${nEdges} edges × ${rings} rings`);
  }
  for (let p = 0; p < nVertices; p++) {
    if (offsets[p + 1] < offsets[p]) fail(`offsets decrease at vertex ${p}`);
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      const q = sources[e];
      if (q >= nVertices) fail(`edge ${e} comes from vertex ${q}, beyond the ${nVertices} vertices`);
      if (q === p)
        fail(`edge ${e} joins vertex ${p} to itself; the self-interaction is the includesSelf flag`);
      if (!(radius[e] > 0) || !Number.isFinite(radius[e]))
        fail(`radius of edge ${e} must be positive, got ${radius[e]}`);
      if (!Number.isFinite(theta[e]) || !Number.isFinite(transport[e]))
        fail(`edge ${e} has a non-finite angle`);
    }
  }
  for (let i = 0; i < ringWeights.length; i++) {
    if (!Number.isFinite(ringWeights[i])) fail(`ringWeights[${i}] is not finite`);
  }
  return graph;
}

/** Plain JSON-compatible copy of a graph. */
export function convGraphToObject(graph: ConvGraph): ConvGraphObject {
  return {
    nVertices: graph.nVertices,
    offsets: Array.from(graph.offsets),
    sources: Array.from(graph.sources),
    radius: Array.from(graph.radius),
    theta: Array.from(graph.theta),
    transport: Array.from(graph.transport),
    rings: graph.rings,
    ringWeights: Array.from(graph.ringWeights),
    includesSelf: graph.includesSelf,
  };
}

/** Rebuilds (and validates) a graph from `convGraphToObject`'s output. */
export function convGraphFromObject(object: ConvGraphObject, source = "ConvGraph object"): ConvGraph {
  if (object === null || typeof object !== "object") throw new ConvGraphError(`${source}: not an object`);
  const numbers = (name: keyof ConvGraphObject) => {
    const value = object[name];
    if (!Array.isArray(value)) throw new ConvGraphError(`${source}: ${name} must be an array of numbers`);
    return value as number[];
  };
  return validateConvGraph(
    {
      nVertices: object.nVertices,
      offsets: Uint32Array.from(numbers("offsets")),
      sources: Uint32Array.from(numbers("sources")),
      radius: Float64Array.from(numbers("radius")),
      theta: Float64Array.from(numbers("theta")),
      transport: Float64Array.from(numbers("transport")),
      rings: object.rings,
      ringWeights: Float64Array.from(numbers("ringWeights")),
      includesSelf: object.includesSelf === true,
    },
    source,
  );
}

/** How to build a `ConvGraph` from a mesh: the geometry package's options plus the rings. */
export interface ConvGraphOptions extends NeighbourhoodGeometryOptions {
  /** Number of radial rings `R` (default 2). */
  readonly rings?: number;
  /**
   * Radius of the outermost ring (see the gauge package's `ringWeights`); default: the largest
   * neighbour distance of the mesh, so that the rings span every neighbourhood (GEM-CNN's choice).
   */
  readonly maxRadius?: number;
  /** Ring profile beyond `maxRadius`; default `"clamp"`. */
  readonly falloff?: RingOptions["falloff"];
}

const graphCache = new WeakMap<MeshGeometry, Map<string, ConvGraph>>();
/** How to drop a cached graph from `graphCache` when it is disposed. */
const uncacheGraph = new WeakMap<ConvGraph, () => void>();

/**
 * The convolution graph of a mesh: neighbourhoods, log map and transport from the geometry
 * package's `precomputeNeighbourhoodGeometry` (same options and defaults), the self pair split
 * off into `includesSelf`, and the ring weights. Cached per geometry and options, except when
 * `options.frames` is given (frames are compared by identity only, so those graphs are rebuilt).
 */
export function buildConvGraph(geometry: MeshGeometry, options: ConvGraphOptions = {}): ConvGraph {
  const cacheable = options.frames === undefined;
  const key = JSON.stringify({ ...options, frames: undefined });
  if (cacheable) {
    const cached = graphCache.get(geometry)?.get(key);
    if (cached !== undefined) return cached;
  }
  const graph = convGraphFromNeighbourhoodGeometry(
    precomputeNeighbourhoodGeometry(geometry, options),
    options,
  );
  if (cacheable) {
    let graphs = graphCache.get(geometry);
    if (graphs === undefined) {
      graphs = new Map();
      graphCache.set(geometry, graphs);
    }
    graphs.set(key, graph);
    const cache = graphs;
    uncacheGraph.set(graph, () => {
      if (cache.get(key) === graph) cache.delete(key);
    });
  }
  return graph;
}

/** Turns the geometry package's per-pair arrays into a `ConvGraph` (self pairs become `includesSelf`). */
export function convGraphFromNeighbourhoodGeometry(
  precomputed: NeighbourhoodGeometry,
  options: Pick<ConvGraphOptions, "rings" | "maxRadius" | "falloff"> = {},
): ConvGraph {
  const { neighbourhoods, r, theta, g } = precomputed;
  const nVertices = neighbourhoods.offsets.length - 1;
  const offsets = new Uint32Array(nVertices + 1);
  let nEdges = 0;
  for (let p = 0; p < nVertices; p++) {
    for (let i = neighbourhoods.offsets[p]; i < neighbourhoods.offsets[p + 1]; i++) {
      if (neighbourhoods.indices[i] !== p) nEdges++;
    }
    offsets[p + 1] = nEdges;
  }
  const sources = new Uint32Array(nEdges);
  const radius = new Float64Array(nEdges);
  const thetaOut = new Float64Array(nEdges);
  const transport = new Float64Array(nEdges);
  let e = 0;
  let maxDistance = 0;
  for (let p = 0; p < nVertices; p++) {
    for (let i = neighbourhoods.offsets[p]; i < neighbourhoods.offsets[p + 1]; i++) {
      const q = neighbourhoods.indices[i];
      if (q === p) continue;
      sources[e] = q;
      radius[e] = r[i];
      thetaOut[e] = theta[i];
      transport[e] = g[i];
      maxDistance = Math.max(maxDistance, r[i]);
      e++;
    }
  }
  const rings = options.rings ?? 2;
  const maxRadius = options.maxRadius ?? (maxDistance > 0 ? maxDistance : 1);
  return validateConvGraph(
    {
      nVertices,
      offsets,
      sources,
      radius,
      theta: thetaOut,
      transport,
      rings,
      ringWeights: ringWeights(radius, { rings, maxRadius, falloff: options.falloff }),
      includesSelf: neighbourhoods.includesSelf,
    },
    "convGraphFromNeighbourhoodGeometry",
  );
}

/** The graphs a graph is the disjoint union of (`concatConvGraphs`), in order. */
const graphParts = new WeakMap<ConvGraph, readonly ConvGraph[]>();

/**
 * Records that `graph` is the disjoint union of `parts` (their vertices and edges one after
 * another, in order), so that per-edge tables of `graph` can be put together from the parts'
 * (cached on the parts, which outlive the batches made of them). For `concatConvGraphs`.
 */
export function setConvGraphParts(graph: ConvGraph, parts: readonly ConvGraph[]): void {
  graphParts.set(graph, parts);
}

/** The graphs `graph` was concatenated from (see `setConvGraphParts`), or `undefined`. */
export function convGraphParts(graph: ConvGraph): readonly ConvGraph[] | undefined {
  return graphParts.get(graph);
}

const disposedGraphs = new WeakSet<ConvGraph>();
const graphReleasers: ((graph: ConvGraph) => void)[] = [];

/**
 * Registers what the kernels hold for a graph outside the JavaScript heap (their tables in wasm
 * memory), to be freed by `disposeConvGraph`. For nn's kernels only.
 */
export function onConvGraphDispose(release: (graph: ConvGraph) => void): void {
  graphReleasers.push(release);
}

/**
 * Frees what the kernels hold for `graph` now (their tables in the wasm heap, which the garbage
 * collector does not see and frees only when the graph is collected, between tasks), and marks
 * the graph disposed: running a layer on it afterwards throws a `ConvGraphError`. Disposing
 * twice is harmless. A graph cached by `buildConvGraph` leaves the cache, so building it again
 * gives a new one. Graphs of a batch or hierarchy are disposed with it (`disposeMeshBatch`,
 * `disposeMeshHierarchy`).
 */
export function disposeConvGraph(graph: ConvGraph): void {
  if (disposedGraphs.has(graph)) return;
  disposedGraphs.add(graph);
  uncacheGraph.get(graph)?.();
  uncacheGraph.delete(graph);
  for (const release of graphReleasers) release(graph);
}

/** Whether `disposeConvGraph(graph)` has run. */
export function isConvGraphDisposed(graph: ConvGraph): boolean {
  return disposedGraphs.has(graph);
}

/** Throws a `ConvGraphError` naming `caller` when `graph` has been disposed. */
export function assertConvGraphLive(graph: ConvGraph, caller: string): void {
  if (disposedGraphs.has(graph)) {
    throw new ConvGraphError(
      `${caller}: the convolution graph (${graph.nVertices} vertices) has been disposed; build or batch the meshes again (buildConvGraph, buildMeshHierarchy, batchMeshes)`,
    );
  }
}
