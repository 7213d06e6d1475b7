import { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { activeConvGraph, type GraphKwargs } from "../graph-context.js";
import { fieldInvariants, fusedFieldKernels } from "../kernels/field-kernels.js";
import { activeMeshBatch, activePoolingMap, layerGraph } from "../multiscale/batch.js";
import { poolingPlans, transportMap } from "../multiscale/transport-map.js";
import { levelArg } from "./field-layer-utils.js";
import {
  checkFieldDim,
  copyNorms,
  fieldTypeArgument,
  joinField,
  type LayerArgs,
  singleInput,
  singleShape,
  splitField,
} from "./field-parts.js";

/** A bad pooling argument or input; the message names the layer and the problem. */
export class PoolingError extends Error {
  override name = "PoolingError";
}

export interface InvariantPoolingArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** Resolution level of the input (default 0). */
  level?: number;
}

/**
 * Gauge-invariant global pooling: `[V × dim]` (all meshes of the batch) to `[meshes × invariants]`,
 * the mean over each mesh's vertices of its scalars and of the norm of each 2-dimensional copy,
 * in packed order (`invariantType`: `scalarCount + nonScalarCount` scalars). Norms are unchanged by
 * every gauge change, so the output is invariant. Meshes are told apart by the graph `layerGraph`
 * gives the layer (the call's `{ graph }`: one mesh; else the active batch at the layer's level;
 * else `withConvGraph`: one mesh); with no graph at all, the whole input is one mesh.
 */
export class InvariantPooling extends tf.layers.Layer {
  static className = "InvariantPooling";
  readonly fieldType: FieldType;
  readonly level: number;
  /** The output's field type: one scalar per copy of `fieldType`. */
  readonly invariantType: FieldType;

  constructor(args: InvariantPoolingArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args?.fieldType, "InvariantPooling: fieldType", PoolingError);
    this.level = levelArg(args.level, "InvariantPooling", PoolingError);
    this.invariantType = FieldType.scalars(this.fieldType.copies().length);
  }

  /** Number of invariants per mesh: one per copy. */
  get outputDim(): number {
    return this.invariantType.dim;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, PoolingError);
    this.built = true;
  }

  override computeOutputShape(): tf.Shape {
    return [null, this.invariantType.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs?: GraphKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const meshOffsets = this.meshOffsets(kwargs, x.shape[0]);
      const nVertices = meshOffsets.at(-1)!;
      if (x.shape[0] !== nVertices) {
        throw new PoolingError(
          `InvariantPooling "${this.name}": input has ${x.shape[0]} rows, but level ${this.level} of the mesh batch has ${nVertices} vertices`,
        );
      }
      const invariants = vertexInvariants(x, this.fieldType);
      const nMeshes = meshOffsets.length - 1;
      if (nMeshes === 1) return tf.mean(invariants, 0, true);
      const averaging = new Float32Array(nMeshes * nVertices);
      for (let i = 0; i < nMeshes; i++) {
        const count = meshOffsets[i + 1] - meshOffsets[i];
        averaging.fill(1 / count, i * nVertices + meshOffsets[i], i * nVertices + meshOffsets[i + 1]);
      }
      return tf.matMul(tf.tensor2d(averaging, [nMeshes, nVertices]), invariants);
    });
  }

  /** Where each mesh's rows are: from `layerGraph`, or one mesh of `rows` rows when there is no graph at all. */
  private meshOffsets(kwargs: GraphKwargs | undefined, rows: number): Uint32Array {
    // Pooling needs no edges, only where each mesh's rows are.
    const noGraph =
      kwargs?.graph === undefined && activeMeshBatch() === undefined && activeConvGraph() === undefined;
    if (noGraph && this.level === 0) return Uint32Array.of(0, rows);
    return layerGraph(kwargs, this.level, `InvariantPooling "${this.name}"`).meshOffsets;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { fieldType: this.fieldType.toString(), level: this.level, ...super.getConfig() };
  }
}
tf.serialization.registerClass(InvariantPooling);

/**
 * Per-vertex invariants of a field: its scalars, then the norm of each 2-dimensional copy
 * (`√(a² + b² + 1e-24)`, differentiable at zero; 1e-24 is far below float32 resolution).
 */
export function vertexInvariants(x: tf.Tensor2D, type: FieldType): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== type.dim) {
    throw new PoolingError(
      `vertexInvariants: expected [V × ${type.dim}] for "${type}", got [${x.shape.join(", ")}]`,
    );
  }
  if (fusedFieldKernels() && type.nonScalarCount > 0)
    return fieldInvariants(x, type.scalarCount, type.nonScalarCount);
  return tf.tidy(() => {
    const { scalars, pairs } = splitField(x, type);
    return joinField(scalars, pairs === null ? null : copyNorms(pairs), x.shape[0]);
  });
}

export interface TransportPoolingArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** The fine level: pooling maps level `level` to `level + 1` (default 0). */
  level?: number;
}

/**
 * What pooling and unpooling share: a field type, a fine level, and one transport map between the
 * level and the next, applied to a `[rows, channels]` tensor; only the direction differs.
 */
abstract class TransportMapLayer extends tf.layers.Layer {
  readonly fieldType: FieldType;
  readonly level: number;
  /** Which way the layer maps: fine to coarse (`pool`) or back (`unpool`). */
  protected abstract readonly direction: "pool" | "unpool";

  constructor(args: TransportPoolingArgs, layer: string) {
    super(args);
    this.fieldType = fieldTypeArgument(args?.fieldType, `${layer}: fieldType`, PoolingError);
    this.level = levelArg(args.level, layer, PoolingError);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, PoolingError);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [null, ...singleShape(inputShape).slice(1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const what = `${this.getClassName()} "${this.name}"`;
    const map = activePoolingMap(this.level, what);
    const x = singleInput(inputs);
    if (this.direction === "pool") checkRows(x, map.nFine, what, this.level);
    else checkRows(x, map.nCoarse, what, this.level + 1);
    return transportMap(x, poolingPlans(map, this.fieldType)[this.direction]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { fieldType: this.fieldType.toString(), level: this.level, ...super.getConfig() };
  }
}

/**
 * Parallel-transport pooling from level `level` of the active mesh batch to level `level + 1`:
 * each coarse vertex gets the mean of the features of the fine vertices in its cell, each carried
 * into the coarse vertex's frame by `ρ(g(v→c))` (see `PoolingMap`). Gauge equivariant: the
 * transport absorbs the fine frames' rotations and the result rotates with the coarse frame.
 */
export class TransportPooling extends TransportMapLayer {
  static className = "TransportPooling";
  protected readonly direction = "pool";

  constructor(args: TransportPoolingArgs) {
    super(args, "TransportPooling");
  }
}
tf.serialization.registerClass(TransportPooling);

/**
 * The way back from level `level + 1` to level `level`: every fine vertex takes the feature of its
 * cell's coarse vertex, carried into its own frame by `ρ(g(c→v)) = ρ(−g(v→c))`. Gauge equivariant.
 */
export class TransportUnpooling extends TransportMapLayer {
  static className = "TransportUnpooling";
  protected readonly direction = "unpool";

  constructor(args: TransportPoolingArgs) {
    super(args, "TransportUnpooling");
  }
}
tf.serialization.registerClass(TransportUnpooling);

function checkRows(x: tf.Tensor, expected: number, layer: string, level: number): void {
  if (x.rank !== 2 || x.shape[0] !== expected) {
    throw new PoolingError(
      `${layer}: input has shape [${x.shape.join(", ")}], but level ${level} of the mesh batch has ${expected} vertices`,
    );
  }
}
