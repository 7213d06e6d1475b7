import { type MeshGeometry, MinHeap, mulberry32, oneRing } from "@gemcnn/geometry";

/** A bad argument to the sampling or hierarchy functions; the message names the argument. */
export class MultiscaleError extends Error {
  override name = "MultiscaleError";
}

/**
 * Path lengths closer than this fraction of the mean edge length count as equal. They are sums of
 * float64 edge lengths, which a rigid motion changes by about 1e-16 relative each, so with this
 * margin the samples and their cells stay the same after a rigid motion, while distinct distances
 * on real meshes differ by far more. An absolute margin (not relative to the distance) keeps the
 * shortest-path trees consistent: a vertex brought closer by more than the margin brings every
 * vertex whose path runs through it closer by the same amount.
 */
const TIE_TOLERANCE = 1e-9;

/** The mesh's edges as a symmetric adjacency list with lengths (CSR over vertices). */
export interface EdgeGraph {
  readonly offsets: Uint32Array;
  readonly targets: Uint32Array;
  /** Euclidean length of each directed edge (the same number both ways). */
  readonly lengths: Float64Array;
}

const edgeGraphs = new WeakMap<MeshGeometry, EdgeGraph>();

/** The edges of a mesh with their lengths, cached per geometry. */
export function edgeGraph(geometry: MeshGeometry): EdgeGraph {
  let graph = edgeGraphs.get(geometry);
  if (graph === undefined) {
    const ring = oneRing(geometry.mesh);
    const p = geometry.positions;
    const lengths = new Float64Array(ring.indices.length);
    for (let v = 0; v + 1 < ring.offsets.length; v++) {
      for (let i = ring.offsets[v]; i < ring.offsets[v + 1]; i++) {
        const w = ring.indices[i];
        lengths[i] = Math.hypot(
          p[3 * w] - p[3 * v],
          p[3 * w + 1] - p[3 * v + 1],
          p[3 * w + 2] - p[3 * v + 2],
        );
      }
    }
    graph = { offsets: ring.offsets, targets: ring.indices, lengths };
    edgeGraphs.set(geometry, graph);
  }
  return graph;
}

/** The result of `farthestPointSampling`. */
export interface FarthestPointSample {
  /** The chosen vertices (indices into the mesh), in the order they were chosen. */
  readonly samples: Uint32Array;
  /**
   * For every vertex of the mesh, the position in `samples` of its nearest sample (its geodesic
   * Voronoi cell); −1 for a vertex that no sample reaches (another connected component).
   */
  readonly nearest: Int32Array;
  /** Edge-path distance from every vertex to its nearest sample (`Infinity` when unreached). */
  readonly distance: Float64Array;
  /**
   * The shortest-path forest of the cells: for every vertex, the index in `edgeGraph(geometry)`'s
   * arrays of the edge `parent → vertex` along which its distance was found (−1 for the samples
   * and unreached vertices). The parent belongs to the same cell and is nearer to its sample.
   */
  readonly parentEdge: Int32Array;
}

export interface FarthestPointOptions {
  /** Number of samples to choose (at least 1, at most the number of candidates). */
  readonly count: number;
  /** Vertices that may be chosen (default: all); distances and cells still cover the whole mesh. */
  readonly candidates?: ArrayLike<number>;
  /** Seed of the first sample, drawn uniformly from the candidates (default 0). */
  readonly seed?: number;
}

/**
 * Farthest-point sampling with edge-path (Dijkstra) distances on the mesh: the first sample is
 * a seeded random candidate, each next one the candidate farthest from those chosen so far.
 * Deterministic for a given mesh, candidates and seed; ties (within 1e-9 of the mean edge length)
 * go to the lower vertex index, and a vertex equally near two samples stays with the earlier one.
 *
 * Edge-path distances rather than Euclidean ones: they are intrinsic, so the sample does not
 * change when a shape bends (SHREC's non-rigid poses), and a cell never jumps across a gap
 * between two parts that touch in space (fingers, legs), which Euclidean nearest-sample cells do.
 * Incremental: each new sample runs a Dijkstra pruned to the vertices it brings closer.
 */
export function farthestPointSampling(
  geometry: MeshGeometry,
  options: FarthestPointOptions,
): FarthestPointSample {
  const nVertices = geometry.mesh.nVertices;
  const candidates =
    options.candidates === undefined
      ? Uint32Array.from({ length: nVertices }, (_, i) => i)
      : Uint32Array.from(options.candidates);
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > candidates.length) {
    throw new MultiscaleError(
      `farthestPointSampling: count must be an integer from 1 to the ${candidates.length} candidates, got ${count}`,
    );
  }
  for (const c of candidates) {
    if (c >= nVertices) {
      throw new MultiscaleError(
        `farthestPointSampling: candidate ${c} is not a vertex of the ${nVertices}-vertex mesh`,
      );
    }
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed))
    throw new MultiscaleError(`farthestPointSampling: seed must be finite, got ${seed}`);
  const { offsets, targets, lengths } = edgeGraph(geometry);
  const margin =
    TIE_TOLERANCE * (lengths.length > 0 ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 1);
  const distance = new Float64Array(nVertices).fill(Number.POSITIVE_INFINITY);
  const nearest = new Int32Array(nVertices).fill(-1);
  const parentEdge = new Int32Array(nVertices).fill(-1);
  const samples = new Uint32Array(count);
  const heap = new MinHeap();

  const grow = (source: number, label: number) => {
    distance[source] = 0;
    nearest[source] = label;
    parentEdge[source] = -1;
    heap.push(0, source);
    while (heap.size > 0) {
      const d = heap.topKey();
      const u = heap.pop();
      if (d > distance[u]) continue;
      for (let i = offsets[u]; i < offsets[u + 1]; i++) {
        const w = targets[i];
        const dw = d + lengths[i];
        if (dw < distance[w] - margin) {
          distance[w] = dw;
          nearest[w] = label;
          parentEdge[w] = i;
          heap.push(dw, w);
        }
      }
    }
  };

  const random = mulberry32(seed);
  samples[0] = candidates[Math.floor(random() * candidates.length)];
  grow(samples[0], 0);
  for (let k = 1; k < count; k++) {
    let farthest = -1;
    for (const c of candidates) if (distance[c] > farthest) farthest = distance[c];
    const threshold = farthest - margin;
    let chosen = -1;
    for (const c of candidates) {
      if (distance[c] >= threshold && (chosen < 0 || c < chosen)) chosen = c;
    }
    if (distance[chosen] === 0) {
      throw new MultiscaleError(
        `farthestPointSampling: only ${k} distinct candidates are apart; cannot choose ${count}`,
      );
    }
    samples[k] = chosen;
    grow(chosen, k);
  }
  return { samples, nearest, distance, parentEdge };
}
