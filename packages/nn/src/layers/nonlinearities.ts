import { FieldType, regularChannelOffsets, regularSamplingMatrix } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { fusedFieldKernels, gatedFields, hasFusedActivation } from "../kernels/field-kernels.js";
import { assertLayerSize } from "./field-layer-utils.js";
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

/** A scalar function applied to every entry of a tensor. */
export type PointwiseFunction = (x: tf.Tensor) => tf.Tensor;

/**
 * The built-in scalar functions the nonlinearity layers accept by name (stored in their configs);
 * `registerActivation` adds others.
 */
export const ACTIVATIONS = {
  linear: (x: tf.Tensor) => x,
  relu: (x: tf.Tensor) => tf.relu(x),
  elu: (x: tf.Tensor) => tf.elu(x),
  sigmoid: (x: tf.Tensor) => tf.sigmoid(x),
  tanh: (x: tf.Tensor) => tf.tanh(x),
  softplus: (x: tf.Tensor) => tf.softplus(x),
  swish: (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x)),
} as const;
/** A built-in activation, or one added with `registerActivation`. */
export type ActivationName = keyof typeof ACTIVATIONS | (string & {});

const registeredActivations = new Map<string, PointwiseFunction>();

/**
 * Makes any pointwise function available by name to the nonlinearity layers, residual blocks and
 * model builders. The configs store the name, so, as with tfjs's `registerClass`, register it
 * before building or loading a model that uses it. Built-in names cannot be replaced; registering
 * a name again replaces the function.
 */
export function registerActivation(name: string, fn: PointwiseFunction): void {
  if (typeof name !== "string" || name === "") {
    throw new NonlinearityError(`registerActivation: name must be a non-empty string, got ${String(name)}`);
  }
  if (Object.hasOwn(ACTIVATIONS, name)) {
    throw new NonlinearityError(`registerActivation: "${name}" is a built-in activation`);
  }
  if (typeof fn !== "function") {
    throw new NonlinearityError(`registerActivation: "${name}" needs a function (tensor → tensor)`);
  }
  registeredActivations.set(name, fn);
}

/** Whether `name` is a built-in or registered activation. */
export function isActivation(name: unknown): name is ActivationName {
  return typeof name === "string" && (Object.hasOwn(ACTIVATIONS, name) || registeredActivations.has(name));
}

/** Every activation name now accepted, built-in first. */
export function activationNames(): string[] {
  return [...Object.keys(ACTIVATIONS), ...registeredActivations.keys()];
}

/** What an activation argument may be, for error messages. */
export function activationChoices(): string {
  return `one of ${activationNames().join(", ")} (or a name given to registerActivation)`;
}

/** The function of a built-in or registered activation. */
export function activationFunction(name: ActivationName): PointwiseFunction {
  const fn = Object.hasOwn(ACTIVATIONS, name)
    ? ACTIVATIONS[name as keyof typeof ACTIVATIONS]
    : registeredActivations.get(name);
  if (fn === undefined) {
    throw new NonlinearityError(`unknown activation "${name}"; expected ${activationChoices()}`);
  }
  return fn;
}

/** A bad nonlinearity argument: the message names the layer, the argument and the problem. */
export class NonlinearityError extends Error {
  override name = "NonlinearityError";
}

function activation(
  name: string | undefined,
  fallback: ActivationName,
  layer: string,
  arg: string,
): ActivationName {
  const chosen = name ?? fallback;
  if (!isActivation(chosen)) {
    throw new NonlinearityError(
      `${layer}: ${arg} must be ${activationChoices()}, got ${JSON.stringify(name)}`,
    );
  }
  return chosen;
}

export interface NormNonlinearityArgs extends LayerArgs {
  fieldType: string | FieldType;
  /** Applied to `‖x‖ + b` of each copy (default relu). */
  activation?: ActivationName;
  /** A trainable bias per copy, added to the norm (default true). */
  useBias?: boolean;
}

/**
 * Norm nonlinearity: every 2-dimensional copy `x` becomes `fn(‖x‖ + b)·x/‖x‖`, every scalar `s`
 * becomes `fn(s + b)` (the gauge package's `applyNormNonlinearity`). Exactly gauge equivariant
 * for any field type; `b` is a trainable bias per copy.
 */
export class NormNonlinearity extends tf.layers.Layer {
  static className = "NormNonlinearity";
  readonly fieldType: FieldType;
  readonly activationName: ActivationName;
  readonly useBias: boolean;
  private bias: tf.LayerVariable | null = null;

  constructor(args: NormNonlinearityArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "NormNonlinearity: fieldType", NonlinearityError);
    this.activationName = activation(args.activation, "relu", "NormNonlinearity", "activation");
    this.useBias = args.useBias ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, NonlinearityError);
    if (this.useBias) {
      this.bias = this.addWeight(
        "bias",
        [this.fieldType.copies().length],
        "float32",
        tf.initializers.zeros(),
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const fn = activationFunction(this.activationName);
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      const bias = this.bias?.read() ?? tf.zeros([nScalars + nPairs]);
      const { scalars, pairs } = splitField(x, this.fieldType);
      const outScalars = scalars === null ? null : fn(tf.add(scalars, tf.slice(bias, 0, nScalars)));
      let outPairs: tf.Tensor | null = null;
      if (pairs !== null) {
        const norms = copyNorms(pairs);
        const scale = tf.div(fn(tf.add(norms, tf.slice(bias, nScalars, nPairs))), norms);
        outPairs = tf.mul(pairs, tf.expandDims(scale, 2));
      }
      return joinField(outScalars, outPairs, nVertices);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      fieldType: this.fieldType.toString(),
      activation: this.activationName,
      useBias: this.useBias,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(NormNonlinearity);

export interface GatedNonlinearityArgs extends LayerArgs {
  /** The output field type; the input has one more scalar per non-scalar copy (its gate). */
  fieldType: string | FieldType;
  /** Applied to the gates (default sigmoid). */
  gateActivation?: ActivationName;
  /** Applied to the field's own scalars (default relu). */
  scalarActivation?: ActivationName;
}

/**
 * Gated nonlinearity (the gauge package's `applyGatedNonlinearity`): the input is `fieldType`
 * with `g = fieldType.nonScalarCount` extra scalars, the gates, placed after the field's own
 * scalars (so a preceding GemConv outputs `"(s+g)x0 + …"`). Each non-scalar copy is multiplied
 * by `gateActivation` of its gate, in packed order; the scalars go through `scalarActivation`;
 * the gates are dropped. Exactly gauge equivariant (gates are invariant scalars).
 */
export class GatedNonlinearity extends tf.layers.Layer {
  static className = "GatedNonlinearity";
  readonly fieldType: FieldType;
  /** The input type: `fieldType` with the gates added to its scalars. */
  readonly inputType: FieldType;
  readonly gateActivation: ActivationName;
  readonly scalarActivation: ActivationName;

  constructor(args: GatedNonlinearityArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "GatedNonlinearity: fieldType", NonlinearityError);
    if (this.fieldType.nonScalarCount === 0) {
      throw new NonlinearityError(`GatedNonlinearity: "${this.fieldType}" has no non-scalar copy to gate`);
    }
    this.inputType = FieldType.directSum(this.fieldType, FieldType.scalars(this.fieldType.nonScalarCount));
    this.gateActivation = activation(args.gateActivation, "sigmoid", "GatedNonlinearity", "gateActivation");
    this.scalarActivation = activation(
      args.scalarActivation,
      "relu",
      "GatedNonlinearity",
      "scalarActivation",
    );
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.inputType, this.name, NonlinearityError);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [...shape.slice(0, -1), this.fieldType.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const nVertices = x.shape[0];
      const nScalars = this.fieldType.scalarCount;
      const nPairs = this.fieldType.nonScalarCount;
      if (
        fusedFieldKernels() &&
        hasFusedActivation(this.scalarActivation) &&
        hasFusedActivation(this.gateActivation)
      ) {
        return gatedFields(x, nScalars, nPairs, this.scalarActivation, this.gateActivation);
      }
      const gates = activationFunction(this.gateActivation)(tf.slice(x, [0, nScalars], [nVertices, nPairs]));
      const pairs = tf.reshape(tf.slice(x, [0, nScalars + nPairs], [nVertices, 2 * nPairs]), [
        nVertices,
        nPairs,
        2,
      ]);
      const gated = tf.reshape(tf.mul(pairs, tf.expandDims(gates, 2)), [nVertices, 2 * nPairs]);
      if (nScalars === 0) return gated;
      const scalars = activationFunction(this.scalarActivation)(tf.slice(x, [0, 0], [nVertices, nScalars]));
      return tf.concat([scalars, gated], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      fieldType: this.fieldType.toString(),
      gateActivation: this.gateActivation,
      scalarActivation: this.scalarActivation,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(GatedNonlinearity);

export interface RegularNonlinearityArgs extends LayerArgs {
  /** `c` copies of `regular(L)`: `"cx0+cx1+…+cxL"`. */
  fieldType: string | FieldType;
  /** Any pointwise function, by name (see `registerActivation`), applied to the samples (default relu). */
  activation?: ActivationName;
  /** Number of samples `N ≥ 2L + 1` per channel (default `8L + 1`). */
  samples?: number;
}

/**
 * Regular nonlinearity (the gauge package's `applyRegularNonlinearity`): each channel's
 * `regular(L)` coefficients are read as a band-limited function on the circle, sampled at `N`
 * angles, passed through the activation and projected back. Exactly equivariant for rotations by
 * multiples of 2π/N and approximately otherwise (error about 1/N² for ReLU; see the gauge
 * package's README). Two dense matMuls with the orthonormal DFT, after a column permutation
 * that groups each channel's coefficients.
 */
export class RegularNonlinearity extends tf.layers.Layer {
  static className = "RegularNonlinearity";
  readonly fieldType: FieldType;
  readonly activationName: ActivationName;
  readonly samples: number;
  private readonly channels: number;
  private readonly width: number;
  /** `[dim × dim]`: packed columns to channel-major columns, and back (its transpose). */
  private readonly toChannels: Float32Array;
  private readonly sampling: Float32Array;

  constructor(args: RegularNonlinearityArgs) {
    super(args);
    this.fieldType = fieldTypeArgument(args.fieldType, "RegularNonlinearity: fieldType", NonlinearityError);
    this.activationName = activation(args.activation, "relu", "RegularNonlinearity", "activation");
    const offsets = regularChannelOffsets(this.fieldType);
    const { maxOrder, channels } = this.fieldType.regularStructure()!;
    this.channels = channels;
    this.width = 2 * maxOrder + 1;
    this.samples = args.samples ?? 8 * maxOrder + 1;
    const dim = this.fieldType.dim;
    assertLayerSize(
      `RegularNonlinearity "${this.fieldType}"`,
      `its column permutation (${dim} × ${dim})`,
      dim * dim,
      NonlinearityError,
    );
    if (Number.isSafeInteger(this.samples)) {
      assertLayerSize(
        `RegularNonlinearity "${this.fieldType}"`,
        `its sampling matrix (${this.samples} samples × ${this.width})`,
        this.samples * this.width,
        NonlinearityError,
      );
    }
    this.sampling = Float32Array.from(regularSamplingMatrix(maxOrder, this.samples));
    this.toChannels = new Float32Array(dim * dim);
    offsets.forEach((packed, channelMajor) => {
      this.toChannels[packed * dim + channelMajor] = 1;
    });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    checkFieldDim(inputShape, this.fieldType, this.name, NonlinearityError);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const dim = this.fieldType.dim;
      const nVertices = x.shape[0];
      const toChannels = tf.tensor2d(this.toChannels, [dim, dim]);
      const sampling = tf.tensor2d(this.sampling, [this.samples, this.width]);
      const coefficients = tf.reshape(tf.matMul(x, toChannels), [nVertices * this.channels, this.width]);
      const values = activationFunction(this.activationName)(tf.matMul(coefficients, tf.transpose(sampling)));
      const back = tf.reshape(tf.matMul(values, sampling), [nVertices, dim]);
      return tf.matMul(back, tf.transpose(toChannels));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      fieldType: this.fieldType.toString(),
      activation: this.activationName,
      samples: this.samples,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(RegularNonlinearity);
