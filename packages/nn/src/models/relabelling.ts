import { EquivarianceError, FieldType, randomField, relativeError } from "@gemcnn/gauge";
import { MeshGeometry, relabelMesh, type TangentFrames, tangentFrames } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { GAUGE_EQUIVARIANCE_TOLERANCE } from "../equivariance.js";
import { batchMeshes } from "../multiscale/batch.js";
import { buildMeshHierarchy, disposeMeshHierarchy, type MeshHierarchy } from "../multiscale/hierarchy.js";
import { gemModelInfo, ModelConfigError, outputTypeOf } from "./builders.js";
import type { CheckResult, MeshBatchMap, MeshMapCheckOptions } from "./invariance.js";
import { applyToMeshes, tensorData } from "./run.js";

/**
 * Invariance of a multiscale map under renumbering the mesh's vertices and faces (`relabelMesh`:
 * random orders, each face's corners rotated), everything rebuilt from the renumbered mesh (its own
 * frames, hierarchy and samples): per-vertex outputs (`outLevel` 0) must follow their vertices and
 * per-mesh outputs (`"mesh"`, scalars) must not change. The renumbered mesh chooses its own frames,
 * so fields of order ≥ 1 are compared through the gauge change between the two frames of each
 * vertex: the input is given to the renumbered mesh as `ρ_in(−φ) x`, and its output must be
 * `ρ_out(−φ) y`. Returns the relative error.
 *
 * Exact (up to float32 rounding) with the hierarchy's default intrinsic ordering on meshes without
 * exact symmetries; on an icosphere or a regular grid, vertices that no intrinsic quantity tells
 * apart are taken in index order (see `intrinsicVertexRanks`), and the output may change.
 */
export function checkMeshMapRelabellingInvariance(
  map: MeshBatchMap,
  options: MeshMapCheckOptions,
): CheckResult {
  const { geometry, inType, outType } = options;
  const outLevel = options.outLevel ?? 0;
  if (outLevel !== 0 && outLevel !== "mesh") {
    throw new ModelConfigError(
      `checkMeshMapRelabellingInvariance: outLevel must be 0 (per vertex) or "mesh", got ${JSON.stringify(outLevel)}`,
    );
  }
  if (outLevel === "mesh" && !outType.isScalar) {
    throw new ModelConfigError(
      `checkMeshMapRelabellingInvariance: a per-mesh output must be scalars, got "${outType}"`,
    );
  }
  const seed = options.seed ?? 1;
  const nVertices = geometry.mesh.nVertices;
  const { data, vertexOrder } = relabelMesh(
    { positions: geometry.positions, triangles: geometry.mesh.triangles },
    seed,
  );
  const relabelled = MeshGeometry.fromData(data, { source: geometry.source });
  const frameOptions = options.meshOptions?.graph?.frameOptions;
  const frames = tangentFrames(geometry, frameOptions);
  const relabelledFrames = tangentFrames(relabelled, frameOptions);
  // φ of renumbered vertex k: its e1 measured in the frame of the same point in the input mesh.
  const phi = Float64Array.from(vertexOrder, (old, k) => frameAngle(frames, old, relabelledFrames, k));
  const dim = inType.dim;
  const x = randomField(inType, nVertices, seed + 1, "float32") as Float32Array;
  const xMoved = new Float32Array(x.length);
  vertexOrder.forEach((old, k) => {
    xMoved.set(x.subarray(old * dim, (old + 1) * dim), k * dim);
  });
  const xRelabelled = Float32Array.from(inType.changeGauge(xMoved, phi));
  const run = (hierarchy: MeshHierarchy, input: Float32Array) =>
    tensorData(() => map(tf.tensor2d(input, [nVertices, dim]), batchMeshes([hierarchy]))) as Float32Array;
  const output = run(buildMeshHierarchy(geometry, { ...options.meshOptions, frames }), x);
  // The relabelled mesh is made here and used once: its kernel tables are freed at once.
  const relabelledHierarchy = buildMeshHierarchy(relabelled, {
    ...options.meshOptions,
    frames: relabelledFrames,
  });
  let actual: Float32Array;
  try {
    actual = run(relabelledHierarchy, xRelabelled);
  } finally {
    disposeMeshHierarchy(relabelledHierarchy);
  }
  let expected: ArrayLike<number> = output;
  if (outLevel === 0) {
    const width = outType.dim;
    if (output.length !== nVertices * width) {
      throw new ModelConfigError(
        `checkMeshMapRelabellingInvariance: the map gave ${output.length} numbers, expected ${nVertices} vertices × ${width}`,
      );
    }
    const moved = new Float32Array(output.length);
    vertexOrder.forEach((old, k) => {
      moved.set(output.subarray(old * width, (old + 1) * width), k * width);
    });
    expected = outType.changeGauge(moved, phi);
  }
  return {
    relativeError: relativeError(actual, expected),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
}

/** Angle of `b`'s `e1` at vertex `k` in `a`'s frame at vertex `v` (the same point, normals equal to rounding). */
function frameAngle(a: TangentFrames, v: number, b: TangentFrames, k: number): number {
  const i = 3 * v;
  const j = 3 * k;
  const x = a.e1[i] * b.e1[j] + a.e1[i + 1] * b.e1[j + 1] + a.e1[i + 2] * b.e1[j + 2];
  const y = a.e2[i] * b.e1[j] + a.e2[i + 1] * b.e1[j + 1] + a.e2[i + 2] * b.e1[j + 2];
  return Math.atan2(y, x);
}

/** `checkMeshMapRelabellingInvariance`, throwing the gauge package's `EquivarianceError` beyond the tolerance. */
export function assertMeshMapRelabellingInvariant(map: MeshBatchMap, options: MeshMapCheckOptions): number {
  const result = checkMeshMapRelabellingInvariance(map, options);
  if (!(result.relativeError <= result.tolerance)) {
    throw new EquivarianceError(
      options.label ?? `"${options.inType}" → "${options.outType}" changes when the mesh is renumbered`,
      result.relativeError,
      result.tolerance,
    );
  }
  return result.relativeError;
}

/**
 * Checks a gemcnn model (scalar input type, as with invariant features) on `geometry` renumbered
 * at random: a classifier's logits must not change, a segmenter's per-vertex outputs must follow
 * their vertices. Throws an `EquivarianceError` naming the model beyond `tolerance` (default 1e-5);
 * returns the relative error. Not part of `assertModelInvariant`, because exactly symmetric meshes
 * (see `checkMeshMapRelabellingInvariance`) cannot pass it.
 */
export function assertModelRelabellingInvariant(
  model: tf.LayersModel,
  geometry: MeshGeometry,
  options: { seed?: number; tolerance?: number } = {},
): number {
  const info = gemModelInfo(model);
  if (info === undefined) {
    throw new ModelConfigError(
      `assertModelRelabellingInvariant: model "${model.name}" has no gemcnn metadata`,
    );
  }
  return assertMeshMapRelabellingInvariant((x, batch) => applyToMeshes(model, batch, x), {
    geometry,
    meshOptions: info.meshOptions,
    inType: FieldType.parse(info.config.inputType),
    outType: outputTypeOf(info),
    outLevel: info.kind === "classifier" ? "mesh" : 0,
    seed: options.seed,
    tolerance: options.tolerance,
    label: `model "${model.name}" when the mesh is renumbered`,
  });
}
