import { EquivarianceError, type FieldType, randomField, relativeError } from "@gemcnn/gauge";
import { type MeshGeometry, randomGauge, rotateFrames, tangentFrames } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { buildConvGraph, type ConvGraph, type ConvGraphOptions } from "./graph.js";
import { tensorData } from "./models/run.js";

/** A layer or network as a function of a packed field (`[V × dim]`, float32) on a mesh's graph. */
export type GraphFieldMap = (x: tf.Tensor2D, graph: ConvGraph) => tf.Tensor2D;

/**
 * Default tolerance of `assertGaugeEquivariant` in float32: 1e-5 (norm-wise relative error).
 * Both sides are computed in float32 (unit roundoff 6e-8) from the same data: each output sums
 * K ≈ 10²–10³ products, whose rounding errors add up to about √K·6e-8 ≈ 1e-6 relative, while a
 * convention error (wrong sign, constant kernel, bias on a vector) gives errors of order 1.
 */
export const GAUGE_EQUIVARIANCE_TOLERANCE = 1e-5;

export interface GaugeEquivarianceOptions {
  readonly geometry: MeshGeometry;
  readonly inType: FieldType;
  readonly outType: FieldType;
  /**
   * How the graph is built, in both gauges: the frames are `tangentFrames(geometry, frameOptions)`
   * (as `buildConvGraph` makes them) and, for the other gauge, those frames turned by the check.
   */
  readonly graphOptions?: Omit<ConvGraphOptions, "frames">;
  /** Seed of the random input field and gauge change (default 1). */
  readonly seed?: number;
  readonly tolerance?: number;
  /** Names the check in the error message. */
  readonly label?: string;
}

/**
 * Measures the gauge equivariance of `map` on a mesh: for a random field `x` and a random gauge
 * change `φ` (every frame turned by `φ_p`, the graph recomputed from the turned frames), the
 * relative error between `map(ρ_in(−φ) x, graph')` and `ρ_out(−φ) map(x, graph)`.
 */
export function checkGaugeEquivariance(
  map: GraphFieldMap,
  options: GaugeEquivarianceOptions,
): { relativeError: number; tolerance: number } {
  const { geometry, inType, outType } = options;
  const seed = options.seed ?? 1;
  const nVertices = geometry.mesh.nVertices;
  const frames = tangentFrames(geometry, options.graphOptions?.frameOptions);
  const phi = randomGauge(nVertices, seed);
  const graph = buildConvGraph(geometry, { ...options.graphOptions, frames });
  const turnedGraph = buildConvGraph(geometry, {
    ...options.graphOptions,
    frames: rotateFrames(frames, phi),
  });
  const x = randomField(inType, nVertices, seed + 1, "float32") as Float32Array;
  const apply = (field: Float32Array, g: ConvGraph) =>
    tensorData(() => map(tf.tensor2d(field, [nVertices, inType.dim]), g)) as Float32Array;
  const output = apply(x, graph);
  if (output.length !== nVertices * outType.dim) {
    throw new Error(
      `checkGaugeEquivariance: the map's output has ${output.length} numbers, expected ${nVertices} × ${outType.dim}`,
    );
  }
  const expected = outType.changeGauge(Float64Array.from(output), phi);
  const actual = apply(inType.changeGauge(x, phi), turnedGraph);
  return {
    relativeError: relativeError(actual, expected),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
}

/**
 * `checkGaugeEquivariance`, throwing the gauge package's `EquivarianceError` when the error
 * exceeds the tolerance; returns the error.
 */
export function assertGaugeEquivariant(map: GraphFieldMap, options: GaugeEquivarianceOptions): number {
  const { relativeError, tolerance } = checkGaugeEquivariance(map, options);
  if (!(relativeError <= tolerance)) {
    throw new EquivarianceError(
      options.label ?? `"${options.inType}" → "${options.outType}" is not gauge equivariant`,
      relativeError,
      tolerance,
    );
  }
  return relativeError;
}
