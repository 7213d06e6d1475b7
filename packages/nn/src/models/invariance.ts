import { EquivarianceError, FieldType, randomField, relativeError } from "@gemcnn/gauge";
import {
  type MeshGeometry,
  moveMesh,
  randomGauge,
  randomRigidMotion,
  rotateFrames,
  tangentFrames,
} from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { GAUGE_EQUIVARIANCE_TOLERANCE } from "../equivariance.js";
import { batchMeshes, type MeshBatch } from "../multiscale/batch.js";
import {
  buildMeshHierarchy,
  type MeshHierarchy,
  type MeshHierarchyOptions,
} from "../multiscale/hierarchy.js";
import { gemModelInfo, ModelConfigError, outputTypeOf } from "./builders.js";
import { applyToMeshes, tensorData } from "./run.js";

/** A layer stack or network as a function of a packed field on a batch of meshes (here one mesh). */
export type MeshBatchMap = (x: tf.Tensor2D, batch: MeshBatch) => tf.Tensor2D;

export interface MeshMapCheckOptions {
  readonly geometry: MeshGeometry;
  /** How the hierarchy is built, in both gauges or poses (frames are chosen by the check). */
  readonly meshOptions?: Omit<MeshHierarchyOptions, "frames">;
  readonly inType: FieldType;
  readonly outType: FieldType;
  /**
   * Where the output lives: the vertices of a level (default 0; the gauge acts on each row with
   * that vertex's angle) or `"mesh"`, one invariant row per mesh (a classifier's logits).
   */
  readonly outLevel?: number | "mesh";
  /** Seed of the random input, gauge change and rigid motion (default 1). */
  readonly seed?: number;
  /** Default `GAUGE_EQUIVARIANCE_TOLERANCE` (1e-5, float32). */
  readonly tolerance?: number;
  /** Names the check in error messages. */
  readonly label?: string;
}

export interface CheckResult {
  readonly relativeError: number;
  readonly tolerance: number;
}

function run(map: MeshBatchMap, x: Float32Array, hierarchy: MeshHierarchy, dim: number): Float32Array {
  const nVertices = hierarchy.levels[0].graph.nVertices;
  return tensorData(() => map(tf.tensor2d(x, [nVertices, dim]), batchMeshes([hierarchy]))) as Float32Array;
}

function outputRows(options: MeshMapCheckOptions, hierarchy: MeshHierarchy): Uint32Array | null {
  const level = options.outLevel ?? 0;
  if (level === "mesh") {
    if (!options.outType.isScalar) {
      throw new ModelConfigError(`an output per mesh must be scalar (invariant), got "${options.outType}"`);
    }
    return null;
  }
  if (level >= hierarchy.levels.length) {
    throw new ModelConfigError(
      `outLevel ${level} is beyond the hierarchy's ${hierarchy.levels.length} level(s)`,
    );
  }
  return hierarchy.levels[level].vertices;
}

/**
 * Gauge equivariance of a multiscale map on one mesh: for a random input `x` and a random gauge
 * change `φ` (every frame turned by `φ_p`, the whole hierarchy recomputed in the turned frames:
 * log maps, transports, pooling transports), the relative error between `map(ρ_in(−φ) x)` and
 * `ρ_out(−φ) map(x)`, where the output's `φ` is that of its level's vertices (none per mesh).
 */
export function checkMeshMapGaugeEquivariance(map: MeshBatchMap, options: MeshMapCheckOptions): CheckResult {
  const { geometry, inType, outType } = options;
  const seed = options.seed ?? 1;
  const nVertices = geometry.mesh.nVertices;
  const frames = tangentFrames(geometry, options.meshOptions?.graph?.frameOptions);
  const phi = randomGauge(nVertices, seed);
  const hierarchy = buildMeshHierarchy(geometry, { ...options.meshOptions, frames });
  const turned = buildMeshHierarchy(geometry, { ...options.meshOptions, frames: rotateFrames(frames, phi) });
  const x = randomField(inType, nVertices, seed + 1, "float32") as Float32Array;
  const output = run(map, x, hierarchy, inType.dim);
  const rows = outputRows(options, hierarchy);
  const expected =
    rows === null
      ? output
      : outType.changeGauge(
          output,
          Float64Array.from(rows, (v) => phi[v]),
        );
  const actual = run(map, inType.changeGauge(x, phi), turned, inType.dim);
  return {
    relativeError: relativeError(actual, expected),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
}

/**
 * Invariance of a multiscale map under a random rigid motion of the mesh (rotation and
 * translation, everything recomputed from the moved positions): the frames move with the mesh, so
 * the output's coefficients must not change. The relative error between the two outputs.
 */
export function checkMeshMapRigidMotionInvariance(
  map: MeshBatchMap,
  options: MeshMapCheckOptions,
): CheckResult {
  const { geometry, inType } = options;
  const seed = options.seed ?? 1;
  const moved = moveMesh(geometry, randomRigidMotion(seed));
  const x = randomField(inType, geometry.mesh.nVertices, seed + 1, "float32") as Float32Array;
  const hierarchy = buildMeshHierarchy(geometry, { ...options.meshOptions });
  outputRows(options, hierarchy);
  const expected = run(map, x, hierarchy, inType.dim);
  const actual = run(map, x, buildMeshHierarchy(moved, { ...options.meshOptions }), inType.dim);
  return {
    relativeError: relativeError(actual, expected),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
}

function assertWithin(result: CheckResult, label: string): number {
  if (!(result.relativeError <= result.tolerance)) {
    throw new EquivarianceError(label, result.relativeError, result.tolerance);
  }
  return result.relativeError;
}

/** `checkMeshMapGaugeEquivariance`, throwing the gauge package's `EquivarianceError` beyond the tolerance. */
export function assertMeshMapGaugeEquivariant(map: MeshBatchMap, options: MeshMapCheckOptions): number {
  return assertWithin(
    checkMeshMapGaugeEquivariance(map, options),
    options.label ?? `"${options.inType}" → "${options.outType}" is not gauge equivariant`,
  );
}

/** `checkMeshMapRigidMotionInvariance`, throwing `EquivarianceError` beyond the tolerance. */
export function assertMeshMapRigidMotionInvariant(map: MeshBatchMap, options: MeshMapCheckOptions): number {
  return assertWithin(
    checkMeshMapRigidMotionInvariance(map, options),
    options.label ?? `"${options.inType}" → "${options.outType}" changes under a rigid motion`,
  );
}

/** The errors of `checkModelInvariance`. */
export interface ModelInvarianceReport {
  readonly gauge: number;
  readonly rigidMotion: number;
  readonly tolerance: number;
}

/**
 * Checks a model built by a gemcnn builder (or loaded) on `geometry`: its output after a random
 * gauge change (a regressor's output field turning by `ρ_out(−φ)`, every other kind's not at all) and after a random rigid motion, for random inputs of its
 * input type, in inference mode. Throws an `EquivarianceError` naming the model and the check
 * beyond `tolerance` (default 1e-5); returns both errors.
 */
export function assertModelInvariant(
  model: tf.LayersModel,
  geometry: MeshGeometry,
  options: { seed?: number; tolerance?: number } = {},
): ModelInvarianceReport {
  const info = gemModelInfo(model);
  if (info === undefined) {
    throw new ModelConfigError(`assertModelInvariant: model "${model.name}" has no gemcnn metadata`);
  }
  const inType = FieldType.parse(info.config.inputType);
  const outType = outputTypeOf(info);
  const check: MeshMapCheckOptions = {
    geometry,
    meshOptions: info.meshOptions,
    inType,
    outType,
    outLevel: info.kind === "classifier" ? "mesh" : 0,
    seed: options.seed,
    tolerance: options.tolerance,
  };
  const map: MeshBatchMap = (x, batch) => applyToMeshes(model, batch, x);
  return {
    gauge: assertMeshMapGaugeEquivariant(map, {
      ...check,
      label: `model "${model.name}" under a gauge change`,
    }),
    rigidMotion: assertMeshMapRigidMotionInvariant(map, {
      ...check,
      label: `model "${model.name}" under a rigid motion`,
    }),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
}
