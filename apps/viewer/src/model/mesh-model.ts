import {
  kRing,
  logMap,
  MeshGeometry,
  type NeighbourhoodGeometry,
  type Neighbourhoods,
  parallelTransport,
  precomputeNeighbourhoodGeometry,
  randomGauge,
  rotateFrames,
  type TangentFrames,
  type TransportMethod,
  type TriangleMeshData,
  tangentFrames,
} from "@gemcnn/geometry";
import { changeGaugeOfField, projectedDirectionField, type TangentField, transportMean } from "./fields.js";

/** The two demonstration fields and what one transport-mean layer makes of them. */
export interface FieldPair {
  readonly order1: TangentField;
  readonly order2: TangentField;
}

/** Ambient directions whose tangential parts define the demonstration fields. */
const ORDER1_DIRECTION: [number, number, number] = [0.35, 1, 0.2];
const ORDER2_DIRECTION: [number, number, number] = [1, -0.3, 0.45];

/** One neighbour in the picked vertex's log map. */
export interface LogMapEntry {
  readonly vertex: number;
  readonly r: number;
  /** Counter-clockwise from the picked vertex's `e1`, in `(−π, π]`. */
  readonly theta: number;
  /** 1 for the 1-ring, 2 for the vertices two edges away. */
  readonly ring: number;
}

export interface GaugeChangeOptions {
  readonly seed: number;
  /**
   * Whether field coefficients follow the gauge-change law (default true). False is the negative
   * control: the numbers stay as they were while the frames turn, so the drawn field moves.
   */
  readonly transformFields?: boolean;
}

/**
 * Everything the page shows about one open mesh, in the current gauge: the geometry, frames, the
 * 1-ring log map and transport, the demonstration fields. A gauge change turns the frames and
 * recomputes the log map and transport from the turned frames; field coefficients follow the
 * gauge-change law, so what is drawn in 3D stays put.
 */
export class MeshModel {
  readonly name: string;
  readonly geometry: MeshGeometry;
  /** Mean edge length: the unit in which glyphs are sized. */
  readonly meanEdgeLength: number;
  /** The reference-neighbour frames that the gauge is measured from. */
  readonly referenceFrames: TangentFrames;
  /** Angle defect divided by the barycentric vertex area (a third of the incident faces' areas): discrete Gaussian curvature. */
  readonly curvatureDensity: Float64Array;
  /** Accumulated gauge change: the counter-clockwise angle from each reference `e1` to the current `e1`. */
  gauge: Float64Array;
  /**
   * The gauge that the page's field coefficients are expressed in: equal to `gauge`, except after a
   * gauge change that left them untransformed (the negative control), which turns only `gauge`.
   */
  fieldGauge: Float64Array;
  frames: TangentFrames;
  /** The 1-ring with the vertex itself: intrinsic log map and Levi-Civita transport in `frames`. */
  ring: NeighbourhoodGeometry;
  inputs: FieldPair;
  /** Counts gauge changes, so that caches keyed on it know when they are stale. */
  gaugeVersion = 0;

  private layerCache: { version: number; fields: FieldPair } | undefined;
  private normalRotationCache: { version: number; g: Float64Array } | undefined;
  private twoRing: Neighbourhoods | undefined;
  private twoRingLogMap: { version: number; r: Float64Array; theta: Float64Array } | undefined;

  private constructor(name: string, geometry: MeshGeometry) {
    this.name = name;
    this.geometry = geometry;
    this.referenceFrames = tangentFrames(geometry);
    this.frames = this.referenceFrames;
    this.gauge = new Float64Array(geometry.nVertices);
    this.fieldGauge = new Float64Array(geometry.nVertices);
    this.ring = precomputeNeighbourhoodGeometry(geometry, { frames: this.frames });
    this.inputs = {
      order1: projectedDirectionField(this.frames, ORDER1_DIRECTION, 1),
      order2: projectedDirectionField(this.frames, ORDER2_DIRECTION, 2),
    };
    const lengths = geometry.edgeLengths;
    let total = 0;
    for (const length of lengths) total += length;
    this.meanEdgeLength = lengths.length > 0 ? total / lengths.length : 1;
    this.curvatureDensity = curvatureDensity(geometry);
  }

  /** Builds the model of a mesh; throws `MeshError` (naming `name`) when the mesh is unusable. */
  static open(name: string, data: TriangleMeshData): MeshModel {
    return new MeshModel(name, MeshGeometry.fromData(data, { source: name }));
  }

  get nVertices(): number {
    return this.geometry.nVertices;
  }

  /**
   * Turns every frame by a random angle (seeded): frames, log map and transport are recomputed in
   * the new frames and the field coefficients follow the gauge-change law. Returns the angles.
   */
  changeGauge(options: GaugeChangeOptions): Float64Array {
    const phi = randomGauge(this.nVertices, options.seed);
    this.applyGaugeChange(phi, options.transformFields ?? true);
    return phi;
  }

  /** Back to the reference frames (the fields follow, so nothing drawn moves). */
  resetGauge(): void {
    this.applyGaugeChange(
      this.gauge.map((angle) => -angle),
      true,
    );
  }

  private applyGaugeChange(phi: Float64Array, transformFields: boolean): void {
    this.frames = rotateFrames(this.frames, phi);
    for (let p = 0; p < phi.length; p++) this.gauge[p] += phi[p];
    this.ring = precomputeNeighbourhoodGeometry(this.geometry, { frames: this.frames });
    if (transformFields) {
      for (let p = 0; p < phi.length; p++) this.fieldGauge[p] += phi[p];
      this.inputs = {
        order1: changeGaugeOfField(this.inputs.order1, phi),
        order2: changeGaugeOfField(this.inputs.order2, phi),
      };
    }
    this.gaugeVersion++;
  }

  /** The demonstration fields after one transport-mean layer, computed in the current gauge. */
  layerOutputs(): FieldPair {
    if (this.layerCache?.version !== this.gaugeVersion) {
      this.layerCache = {
        version: this.gaugeVersion,
        fields: {
          order1: transportMean(this.inputs.order1, this.ring),
          order2: transportMean(this.inputs.order2, this.ring),
        },
      };
    }
    return this.layerCache.fields;
  }

  /** Transport angles `g(q→p)` over `ring.neighbourhoods` by `method`, in the current frames. */
  transportAngles(method: TransportMethod): Float64Array {
    if (method === "levi-civita") return this.ring.g;
    if (this.normalRotationCache?.version !== this.gaugeVersion) {
      const g = parallelTransport(this.geometry, this.frames, this.ring.neighbourhoods, { method });
      this.normalRotationCache = { version: this.gaugeVersion, g };
    }
    return this.normalRotationCache.g;
  }

  /** Index of the pair `(p, q)` in `ring.neighbourhoods`, or −1 when `q` is not next to `p`. */
  ringPairIndex(p: number, q: number): number {
    const { offsets, indices } = this.ring.neighbourhoods;
    for (let i = offsets[p]; i < offsets[p + 1]; i++) if (indices[i] === q) return i;
    return -1;
  }

  /** The 1-ring of `p` in counter-clockwise order (without `p`). */
  oneRingOf(p: number): number[] {
    const { offsets, indices } = this.ring.neighbourhoods;
    return Array.from(indices.subarray(offsets[p], offsets[p + 1])).filter((q) => q !== p);
  }

  /**
   * The log map of the vertices within two edges of `p`, by GEM-CNN's projection (defined beyond
   * the 1-ring), in the current frame of `p`.
   */
  projectedLogMap(p: number): LogMapEntry[] {
    this.twoRing ??= kRing(this.geometry.mesh, 2);
    if (this.twoRingLogMap?.version !== this.gaugeVersion) {
      const { r, theta } = logMap(this.geometry, this.frames, this.twoRing, { method: "projection" });
      this.twoRingLogMap = { version: this.gaugeVersion, r, theta };
    }
    const { offsets, indices } = this.twoRing;
    const degree = this.geometry.mesh.vertexDegree[p];
    const entries: LogMapEntry[] = [];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      entries.push({
        vertex: indices[i],
        r: this.twoRingLogMap.r[i],
        theta: this.twoRingLogMap.theta[i],
        ring: i - offsets[p] < degree ? 1 : 2,
      });
    }
    return entries;
  }

  /** The exact (intrinsic) log map of the 1-ring of `p`, in the current frame of `p`. */
  intrinsicLogMap(p: number): LogMapEntry[] {
    const { offsets, indices } = this.ring.neighbourhoods;
    const entries: LogMapEntry[] = [];
    for (let i = offsets[p]; i < offsets[p + 1]; i++) {
      if (indices[i] === p) continue;
      entries.push({ vertex: indices[i], r: this.ring.r[i], theta: this.ring.theta[i], ring: 1 });
    }
    return entries;
  }
}

/** Angle defect over barycentric area at each vertex (0 where the area vanishes). */
export function curvatureDensity(geometry: MeshGeometry): Float64Array {
  const { triangles } = geometry.mesh;
  const areas = geometry.faceAreas;
  const vertexArea = new Float64Array(geometry.nVertices);
  for (let f = 0; f < areas.length; f++) {
    for (let k = 0; k < 3; k++) vertexArea[triangles[3 * f + k]] += areas[f] / 3;
  }
  const defects = geometry.vertexAngleDefects;
  return defects.map((defect, v) => (vertexArea[v] > 0 ? defect / vertexArea[v] : 0));
}
