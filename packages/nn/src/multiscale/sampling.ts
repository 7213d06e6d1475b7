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
   * and unreached vertices). The parent belongs to the same cell and is nearer to its sample;
   * among parents giving paths equal within the tie margin, the one of lower rank.
   */
  readonly parentEdge: Int32Array;
}

/**
 * How the first sample and ties are chosen: `"intrinsic"` (default) from the mesh's geometry alone
 * (`intrinsicVertexRanks`), so that the samples are the same points whatever the order of the
 * vertices and faces in the file; `"file"` exactly as gemcnn did before (the first sample a seeded
 * uniform draw of an index, ties to the lower index, equal shortest paths as the search meets
 * them), which changes when a file is relabelled. `"file"` rebuilds the hierarchies of models trained
 * before.
 */
export type SampleOrdering = "intrinsic" | "file";

/** The values `SampleOrdering` can take. */
export const SAMPLE_ORDERINGS: readonly SampleOrdering[] = ["intrinsic", "file"];

export interface FarthestPointOptions {
  /** Number of samples to choose (at least 1, at most the number of candidates). */
  readonly count: number;
  /** Vertices that may be chosen (default: all); distances and cells still cover the whole mesh. */
  readonly candidates?: ArrayLike<number>;
  /**
   * Chooses the first sample (default 0). With `"intrinsic"` ordering, seed 0 takes the candidate
   * of lowest intrinsic rank and any other seed a seeded uniform draw of a rank among the
   * candidates; with `"file"`, a seeded uniform draw of a candidate by its position in the list.
   */
  readonly seed?: number;
  /** Default `"intrinsic"` (see `SampleOrdering`). */
  readonly ordering?: SampleOrdering;
}

/**
 * Lexicographic per-vertex keys of `intrinsicVertexRanks`, in order: vertex area (a third of the
 * incident faces' areas), larger first; cone angle (sum of corner angles); sum of the incident
 * edges' lengths; degree. Each depends on the metric alone (edge lengths and angles), so it is the
 * same under relabelling and rigid motions up to float64 rounding.
 */
const RANK_KEYS = 3;

/**
 * Keys closer than this fraction of their mean magnitude count as equal, as `TIE_TOLERANCE` does
 * for distances: relabelling changes the order in which a vertex's faces are summed and a rigid
 * motion its coordinates, both by about 1e-16 relative, while distinct values on a mesh that is not
 * exactly symmetric differ by far more.
 */
const KEY_TOLERANCE = 1e-9;

const rankCache = new WeakMap<MeshGeometry, Uint32Array>();

/**
 * A rank for every vertex (0 … V − 1, a permutation) from intrinsic quantities only: vertex area
 * (larger first), then cone angle, then the sum of incident edge lengths, then degree, each
 * compared within a relative tolerance of 1e-9 of its mean; vertices equal in all four keep their
 * index order. Relabelling the vertices and faces of a mesh relabels the ranks with them, unless
 * two vertices agree in all four keys: that needs a vertex whose area, angle sum and edge-length
 * sum all match another's to 1e-9, which happens on exactly symmetric meshes (icospheres, grids),
 * where no intrinsic rule can tell the vertices apart, and not on scanned or noisy ones. Cached per
 * geometry.
 */
export function intrinsicVertexRanks(geometry: MeshGeometry): Uint32Array {
  let ranks = rankCache.get(geometry);
  if (ranks !== undefined) return ranks;
  const { mesh } = geometry;
  const n = mesh.nVertices;
  const keys = new Float64Array(RANK_KEYS * n);
  const areas = geometry.faceAreas;
  const { triangles } = mesh;
  for (let f = 0; f < mesh.nFaces; f++) {
    for (let c = 0; c < 3; c++) keys[RANK_KEYS * triangles[3 * f + c]] -= areas[f] / 3;
  }
  const angleSums = geometry.vertexAngleSums;
  const graph = edgeGraph(geometry);
  for (let v = 0; v < n; v++) {
    keys[RANK_KEYS * v + 1] = angleSums[v];
    let sum = 0;
    for (let i = graph.offsets[v]; i < graph.offsets[v + 1]; i++) sum += graph.lengths[i];
    keys[RANK_KEYS * v + 2] = sum;
  }
  const margins = new Float64Array(RANK_KEYS);
  for (let k = 0; k < RANK_KEYS; k++) {
    let total = 0;
    for (let v = 0; v < n; v++) total += Math.abs(keys[RANK_KEYS * v + k]);
    margins[k] = (KEY_TOLERANCE * total) / Math.max(1, n);
  }
  const degree = mesh.vertexDegree;
  const order = Array.from({ length: n }, (_, v) => v).sort((a, b) => {
    for (let k = 0; k < RANK_KEYS; k++) {
      const difference = keys[RANK_KEYS * a + k] - keys[RANK_KEYS * b + k];
      if (Math.abs(difference) > margins[k]) return difference;
    }
    return degree[a] - degree[b] || a - b;
  });
  ranks = new Uint32Array(n);
  order.forEach((v, r) => {
    ranks![v] = r;
  });
  rankCache.set(geometry, ranks);
  return ranks;
}

/**
 * Farthest-point sampling with edge-path (Dijkstra) distances on the mesh: the first sample is
 * chosen by `seed` (see `FarthestPointOptions`), each next one the candidate farthest from those
 * chosen so far. Deterministic for a given mesh, candidates and seed; ties (within 1e-9 of the mean
 * edge length) go to the lower intrinsic rank (`intrinsicVertexRanks`; with `ordering: "file"`, to
 * the lower vertex index), and a vertex equally near two samples stays with the earlier one. With
 * the default intrinsic ordering the samples, cells and distances do not depend on how the file
 * numbers its vertices and faces (on meshes that are not exactly symmetric: see
 * `intrinsicVertexRanks`).
 *
 * Edge-path distances rather than Euclidean ones: they are intrinsic, so the sample does not
 * change when a shape bends (SHREC's non-rigid poses), and a cell never jumps across a gap
 * between two parts that touch in space (fingers, legs), which Euclidean nearest-sample cells do.
 * Incremental: each new sample runs a Dijkstra pruned to the vertices it brings closer, and the
 * next sample comes from a heap of the candidates by distance (O(log V) per change of a distance,
 * not a scan of all candidates per sample: O(V log V) per level for `count` up to V rather than
 * O(count · V)), with the same choice and tie breaks as the scan.
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
  const ordering = options.ordering ?? "intrinsic";
  if (!SAMPLE_ORDERINGS.includes(ordering)) {
    throw new MultiscaleError(
      `farthestPointSampling: ordering must be one of ${SAMPLE_ORDERINGS.map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(ordering)}`,
    );
  }
  const rank = ordering === "intrinsic" ? intrinsicVertexRanks(geometry) : null;
  const before = (a: number, b: number) => (rank === null ? a < b : rank[a] < rank[b]);
  const { offsets, targets, lengths } = edgeGraph(geometry);
  const margin =
    TIE_TOLERANCE * (lengths.length > 0 ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 1);
  const distance = new Float64Array(nVertices).fill(Number.POSITIVE_INFINITY);
  const nearest = new Int32Array(nVertices).fill(-1);
  const parentEdge = new Int32Array(nVertices).fill(-1);
  const parent = new Int32Array(nVertices).fill(-1);
  const samples = new Uint32Array(count);
  const heap = new MinHeap();
  // The candidates by distance, farthest first (keys negated), for choosing each next sample in
  // O(log V) instead of a scan of every candidate: an entry (−d, v) is current while d equals
  // distance[v]; distances only fall, so a vertex whose distance fell left stale entries behind,
  // which are skipped when they surface. Each candidate has exactly one current entry.
  const isCandidate = new Uint8Array(nVertices);
  for (const c of candidates) isCandidate[c] = 1;
  const farthestFirst = new MinHeap();
  const inBand = new Uint8Array(nVertices);

  const grow = (source: number, label: number) => {
    distance[source] = 0;
    nearest[source] = label;
    parentEdge[source] = -1;
    parent[source] = -1;
    heap.push(0, source);
    if (isCandidate[source]) farthestFirst.push(-0, source);
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
          parent[w] = u;
          heap.push(dw, w);
          if (isCandidate[w]) farthestFirst.push(-dw, w);
        } else if (
          rank !== null &&
          nearest[w] === label &&
          dw <= distance[w] + margin &&
          before(u, parent[w])
        ) {
          // Paths of equal length (an exact symmetry, or a rigid motion's rounding) that the
          // heap would otherwise settle by pop order: the parent of lower rank wins, so the
          // shortest-path tree, and the transports composed along it, are the same each time.
          parentEdge[w] = i;
          parent[w] = u;
        }
      }
    }
  };

  if (rank === null) {
    samples[0] = candidates[Math.floor(mulberry32(seed)() * candidates.length)];
  } else {
    const ranked = Uint32Array.from(candidates).sort((a, b) => rank[a] - rank[b]);
    samples[0] = ranked[seed === 0 ? 0 : Math.floor(mulberry32(seed)() * ranked.length)];
  }
  grow(samples[0], 0);
  // The first grow pushed the vertices it reached; the unreached ones (another component) have
  // distance ∞ and no entry yet. The source's own entry came with the grow.
  for (let v = 0; v < nVertices; v++) {
    if (isCandidate[v] && distance[v] === Number.POSITIVE_INFINITY)
      farthestFirst.push(Number.NEGATIVE_INFINITY, v);
  }
  const band: number[] = [];
  for (let k = 1; k < count; k++) {
    // The farthest current distance, then every candidate within the tie margin of it (the band):
    // the one of lowest rank (or index) among them is chosen, as a scan of all candidates would.
    while (-farthestFirst.topKey() !== distance[farthestFirst.values[0]]) farthestFirst.pop();
    const threshold = -farthestFirst.topKey() - margin;
    band.length = 0;
    while (farthestFirst.size > 0 && -farthestFirst.topKey() >= threshold) {
      const d = -farthestFirst.topKey();
      const v = farthestFirst.pop();
      if (d !== distance[v] || inBand[v]) continue;
      inBand[v] = 1;
      band.push(v);
    }
    let chosen = -1;
    for (const c of band) if (chosen < 0 || before(c, chosen)) chosen = c;
    for (const c of band) {
      inBand[c] = 0;
      if (c !== chosen) farthestFirst.push(-distance[c], c);
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
