import {
  logMap,
  MeshGeometry,
  oneRing,
  type TangentFrames,
  type TriangleMeshData,
  tangentFrames,
} from "@gemcnn/geometry";
import { gaussianCurvature, meanCurvature } from "./curvature.js";
import { DEFAULT_HKS_EIGENPAIRS, DEFAULT_HKS_TIME_COUNT, heatKernelSignature } from "./heat-kernel.js";
import { localMoments, MOMENT_CHANNELS } from "./moments.js";

/**
 * The input features the project knows, in their canonical packing order; each is invariant to
 * rigid motions and scaling of the mesh (see `computeFeatures`). The command line's `--features`
 * and a model's `gemcnn.json` name them; nn's examples use the cheap scalars at the end.
 */
export const FEATURE_KINDS = [
  "moments",
  "curvature",
  "hks",
  "ones",
  "angle-defect",
  "relative-area",
] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export interface FeatureOptions {
  /** Which groups to compute (order does not matter: the packing is canonical). */
  readonly kinds: readonly FeatureKind[];
  /** Eigenpairs of the Laplacian behind the heat-kernel signature (`heatKernelSignature`'s `k`). */
  readonly hksEigenpairs: number;
  /** Heat-kernel times, log-spaced over the range the spectrum sets (`heatKernelTimes`). */
  readonly hksTimeCount: number;
}

/** The command line's default: moments, curvature and the heat kernel (`9x0+2x1+1x2`). */
export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  kinds: ["moments", "curvature", "hks"],
  hksEigenpairs: DEFAULT_HKS_EIGENPAIRS,
  hksTimeCount: DEFAULT_HKS_TIME_COUNT,
};

/** Per-vertex input features in the packed layout of docs/conventions.md. */
export interface MeshFeatures {
  /** Canonical field type, e.g. `"9x0+2x1+1x2"`. */
  readonly fieldType: string;
  /** Numbers per vertex (the field type's dimension). */
  readonly dim: number;
  /** Name of each packed column. */
  readonly channels: readonly string[];
  /** Row-major `V × dim`, float64. */
  readonly values: Float64Array;
}

/** A mesh made ready for features: centred, scaled to unit area, with its frames. */
export interface PreparedMesh {
  readonly geometry: MeshGeometry;
  readonly frames: TangentFrames;
  /** The factor the input was scaled by (1 / √area). */
  readonly scale: number;
  /** Mean edge length after scaling, the length unit of the moment features. */
  readonly meanEdgeLength: number;
}

/**
 * Centres the mesh on its area-weighted centroid and scales it to unit total area, then builds
 * its geometry and reference-neighbour frames (GEM-CNN's gauge, defined by the connectivity and
 * so carried along by any rigid motion). Mesh data is validated first: throws `MeshError`
 * (naming `source`) for meshes the geometry package rejects; a `MeshGeometry` is used as it is.
 * Throws for a mesh of zero area.
 */
export function prepareMesh(data: TriangleMeshData | MeshGeometry, source?: string): PreparedMesh {
  const raw = data instanceof MeshGeometry ? data : MeshGeometry.fromData(data, { source });
  source ??= raw.source;
  const areas = raw.faceAreas;
  const { triangles } = raw.mesh;
  let area = 0;
  const centroid = [0, 0, 0];
  for (let f = 0; f < areas.length; f++) {
    area += areas[f];
    for (let k = 0; k < 3; k++) {
      const v = triangles[3 * f + k];
      for (let d = 0; d < 3; d++) centroid[d] += (areas[f] * raw.positions[3 * v + d]) / 3;
    }
  }
  if (!(area > 0) || !Number.isFinite(area)) {
    throw new Error(`${source ?? "mesh"}: the mesh has zero total area`);
  }
  const scale = 1 / Math.sqrt(area);
  const positions = new Float64Array(raw.positions.length);
  for (let i = 0; i < positions.length; i++)
    positions[i] = (raw.positions[i] - centroid[i % 3] / area) * scale;
  const geometry = new MeshGeometry(raw.mesh, positions, source);
  const lengths = geometry.edgeLengths;
  let sum = 0;
  for (let e = 0; e < lengths.length; e++) sum += lengths[e];
  return { geometry, frames: tangentFrames(geometry), scale, meanEdgeLength: sum / lengths.length };
}

/**
 * Computes the requested feature groups on a prepared (unit-area) mesh in its frames:
 * - `moments` (`3x0+2x1+1x2`): `localMoments` over the 1-ring with the intrinsic log map,
 *   barycentric-area weights and the mean edge length as unit;
 * - `curvature` (2 scalars): Gaussian curvature (angle defect per area) and mean curvature
 *   (cotangent Laplacian), each relative to a sphere of the same area (4π and √(4π)) and
 *   compressed by `asinh`, since tips and creases reach values hundreds of times larger;
 * - `hks` (one scalar per time, `hksTimeCount` of them): `heatKernelSignature` from
 *   `hksEigenpairs` eigenpairs, the log of the heat kernel's diagonal scaled to area-weighted
 *   mean 1, at times the spectrum sets (scale- and resolution-free);
 * - `ones`: the constant 1;
 * - `angle-defect`: `2π −` the sum of the corner angles at the vertex (`π −` on the boundary), the
 *   discrete Gaussian curvature times the vertex's area, dimensionless;
 * - `relative-area`: the vertex's barycentric area (a third of its faces') over the mean of that.
 * Scalars are packed in this order, then the moments' order-1 and order-2 copies.
 */
export function computeFeatures(mesh: PreparedMesh, options: FeatureOptions): MeshFeatures {
  const { geometry, frames } = mesh;
  const V = geometry.nVertices;
  const kinds = new Set(options.kinds);
  for (const k of kinds) {
    if (!(FEATURE_KINDS as readonly string[]).includes(k))
      throw new RangeError(`unknown feature kind "${k}" (${FEATURE_KINDS.join(", ")})`);
  }
  const scalars: { name: string; values: Float64Array }[] = [];
  let moments: Float64Array | undefined;
  // The Laplacian and vertex areas are cached on the geometry: curvature and hks share them.
  const areas = geometry.vertexAreas;

  if (kinds.has("moments")) {
    const ring = oneRing(geometry.mesh);
    const { r, theta } = logMap(geometry, frames, ring, { method: "intrinsic" });
    moments = localMoments({
      neighbourhoods: ring,
      r,
      theta,
      positions: geometry.positions,
      normals: frames.n,
      weights: areas,
      lengthScale: mesh.meanEdgeLength,
    });
    for (let c = 0; c < 3; c++) scalars.push({ name: MOMENT_CHANNELS[c], values: column(moments, 9, c) });
  }
  if (kinds.has("curvature")) {
    const k = gaussianCurvature(geometry.vertexAngleDefects, areas);
    const h = meanCurvature(geometry.cotanLaplacian, areas, geometry.positions, frames.n);
    const sphereK = 4 * Math.PI;
    const sphereH = Math.sqrt(4 * Math.PI);
    scalars.push({ name: "gaussian-curvature", values: k.map((x) => Math.asinh(x / sphereK)) });
    scalars.push({ name: "mean-curvature", values: h.map((x) => Math.asinh(x / sphereH)) });
  }
  if (kinds.has("hks")) {
    const T = options.hksTimeCount;
    const hks = heatKernelSignature(geometry, { eigenpairs: options.hksEigenpairs, timeCount: T });
    for (let c = 0; c < T; c++) scalars.push({ name: `hks.t${c + 1}`, values: column(hks.values, T, c) });
  }

  if (kinds.has("ones")) scalars.push({ name: "ones", values: new Float64Array(V).fill(1) });
  if (kinds.has("angle-defect")) scalars.push({ name: "angle-defect", values: geometry.vertexAngleDefects });
  if (kinds.has("relative-area")) {
    const mean = areas.reduce((sum, a) => sum + a, 0) / V;
    scalars.push({ name: "relative-area", values: areas.map((a) => a / mean) });
  }

  const nScalars = scalars.length;
  const nVectors = moments ? 2 : 0;
  const nOrder2 = moments ? 1 : 0;
  const dim = nScalars + 2 * nVectors + 2 * nOrder2;
  if (dim === 0) throw new RangeError("no features requested");
  const values = new Float64Array(V * dim);
  const channels = scalars.map((s) => s.name);
  for (let v = 0; v < V; v++) {
    const row = v * dim;
    for (let c = 0; c < nScalars; c++) values[row + c] = scalars[c].values[v];
    if (moments) for (let c = 0; c < 6; c++) values[row + nScalars + c] = moments[9 * v + 3 + c];
  }
  if (moments) channels.push(...MOMENT_CHANNELS.slice(3));
  assertFiniteFeatures(values, dim, channels, geometry.source);
  const terms = [`${nScalars}x0`, nVectors ? `${nVectors}x1` : "", nOrder2 ? `${nOrder2}x2` : ""];
  return { fieldType: terms.filter((t) => t && !t.startsWith("0x")).join("+"), dim, channels, values };
}

/**
 * `computeFeatures(prepareMesh(mesh), options)`, the options not given taken from
 * `DEFAULT_FEATURE_OPTIONS`: `meshFeatures(geometry, { kinds: ["ones", "angle-defect"] })`.
 */
export function meshFeatures(
  mesh: TriangleMeshData | MeshGeometry,
  options: Partial<FeatureOptions> = {},
): MeshFeatures {
  return computeFeatures(prepareMesh(mesh), { ...DEFAULT_FEATURE_OPTIONS, ...options });
}

/** A feature came out NaN or infinite: the mesh cannot go into a network (its NaN would spread to all). */
export class NonFiniteFeatureError extends Error {
  override name = "NonFiniteFeatureError";
  readonly vertex: number;
  /** Name of the packed column, e.g. `hks.t=0.02`. */
  readonly channel: string;
  readonly value: number;

  constructor(source: string, vertex: number, channel: string, column: number, value: number) {
    super(
      `${source}: feature '${channel}' (column ${column}) of vertex ${vertex} is ${value}: the mesh cannot be used`,
    );
    this.vertex = vertex;
    this.channel = channel;
    this.value = value;
  }
}

/**
 * Throws `NonFiniteFeatureError` at the first NaN or ±∞ of packed features `[V × dim]` whose
 * columns are named `channels`; one pass over the array.
 */
export function assertFiniteFeatures(
  values: ArrayLike<number>,
  dim: number,
  channels: readonly string[],
  source = "mesh",
): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // x − x is 0 for every finite x and NaN for NaN and ±∞.
    if (x - x !== 0) {
      const column = i % dim;
      throw new NonFiniteFeatureError(
        source,
        Math.floor(i / dim),
        channels[column] ?? `#${column}`,
        column,
        x,
      );
    }
  }
}

function column(values: Float64Array, stride: number, c: number): Float64Array {
  const out = new Float64Array(values.length / stride);
  for (let i = 0; i < out.length; i++) out[i] = values[i * stride + c];
  return out;
}
