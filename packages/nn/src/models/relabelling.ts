import { EquivarianceError, FieldType, randomField, relativeError } from "@gemcnn/gauge";
import { MeshGeometry, relabelMesh } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { GAUGE_EQUIVARIANCE_TOLERANCE } from "../equivariance.js";
import { batchMeshes } from "../multiscale/batch.js";
import { buildMeshHierarchy, disposeMeshHierarchy, type MeshHierarchy } from "../multiscale/hierarchy.js";
import { gemModelInfo, ModelConfigError, outputTypeOf } from "./builders.js";
import type { CheckResult, MeshBatchMap, MeshMapCheckOptions } from "./invariance.js";
import { applyToMeshes } from "./run.js";

/**
 * Invariance of a multiscale map under renumbering the mesh's vertices and faces (`relabelMesh`:
 * random orders, each face's corners rotated), everything rebuilt from the renumbered mesh (its own
 * frames, hierarchy and samples): per-vertex outputs (`outLevel` 0) must follow their vertices and
 * per-mesh outputs (`"mesh"`) must not change. Input and output must be scalar fields, whose values
 * do not depend on the frames (the renumbered mesh chooses its own). Returns the relative error.
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
  if (!inType.isScalar || !outType.isScalar) {
    throw new ModelConfigError(
      `checkMeshMapRelabellingInvariance: input and output must be scalar fields, got "${inType}" → "${outType}"`,
    );
  }
  const outLevel = options.outLevel ?? 0;
  if (outLevel !== 0 && outLevel !== "mesh") {
    throw new ModelConfigError(
      `checkMeshMapRelabellingInvariance: outLevel must be 0 (per vertex) or "mesh", got ${JSON.stringify(outLevel)}`,
    );
  }
  const seed = options.seed ?? 1;
  const nVertices = geometry.mesh.nVertices;
  const { data, vertexOrder } = relabelMesh(
    { positions: geometry.positions, triangles: geometry.mesh.triangles },
    seed,
  );
  const relabelled = MeshGeometry.fromData(data, { source: geometry.source });
  const dim = inType.dim;
  const x = randomField(inType, nVertices, seed + 1, "float32") as Float32Array;
  const xRelabelled = new Float32Array(x.length);
  vertexOrder.forEach((old, k) => {
    xRelabelled.set(x.subarray(old * dim, (old + 1) * dim), k * dim);
  });
  const run = (hierarchy: MeshHierarchy, input: Float32Array) =>
    tf.tidy(
      () => map(tf.tensor2d(input, [nVertices, dim]), batchMeshes([hierarchy])).dataSync() as Float32Array,
    );
  const output = run(buildMeshHierarchy(geometry, { ...options.meshOptions }), x);
  // The relabelled mesh is made here and used once: its kernel tables are freed at once.
  const relabelledHierarchy = buildMeshHierarchy(relabelled, { ...options.meshOptions });
  let actual: Float32Array;
  try {
    actual = run(relabelledHierarchy, xRelabelled);
  } finally {
    disposeMeshHierarchy(relabelledHierarchy);
  }
  let expected = output;
  if (outLevel === 0) {
    const width = outType.dim;
    if (output.length !== nVertices * width) {
      throw new ModelConfigError(
        `checkMeshMapRelabellingInvariance: the map gave ${output.length} numbers, expected ${nVertices} vertices × ${width}`,
      );
    }
    expected = new Float32Array(output.length);
    vertexOrder.forEach((old, k) => {
      expected.set(output.subarray(old * width, (old + 1) * width), k * width);
    });
  }
  return {
    relativeError: relativeError(actual, expected),
    tolerance: options.tolerance ?? GAUGE_EQUIVARIANCE_TOLERANCE,
  };
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
