import {
  computeFeatures,
  declarationColumns,
  type FieldDeclaration,
  networkInput,
  normalizeInput,
  type PreprocessOptions,
  prepareMesh,
  vertexFieldsFromColumns,
} from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import {
  batchMeshes,
  buildMeshHierarchy,
  type GemModelInfo,
  gemModelInfo,
  meshOptionsOf,
  withMeshBatch,
} from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import type { MeshModel } from "../model/mesh-model.js";
import { classifierInput } from "./classifier-input.js";
import type { ClassifierDescription } from "./description.js";
import { type ModelArtifacts, ModelFilesError } from "./model-files.js";

/**
 * Meshes with more vertices are refused: preprocessing, the multiscale hierarchy and the network
 * run on the page's main thread, and beyond this the page stops answering for seconds.
 */
export const MAX_CLASSIFIER_VERTICES = 20_000;

/** A mesh the loaded classifier cannot run on (too large, too small, features out of reach). */
export class ClassifierInputError extends Error {
  override name = "ClassifierInputError";
}

/** An intermediate layer whose output can be drawn: a residual block on the input mesh's vertices. */
export interface FeatureLayer {
  /** The layer's name in the model (`block0`, …). */
  readonly name: string;
  readonly fieldType: FieldType;
}

/** The classifier's answer for one mesh in one gauge. */
export interface ClassifierPrediction {
  readonly mesh: string;
  readonly gaugeVersion: number;
  /** The model's outputs, one per class (float32 values). */
  readonly logits: Float64Array;
  /** Softmax of the logits (computed in float64). */
  readonly probabilities: Float64Array;
  /** Index of the most probable class. */
  readonly best: number;
  /**
   * Output of each `FeatureLayer`, packed `[V × dim]` over the open mesh's vertices (layout of
   * docs/conventions.md) in its current gauge; rows of vertices the preprocessing dropped are 0.
   */
  readonly layerOutputs: ReadonlyMap<string, Float32Array>;
  /** What the preprocessing did to the mesh, one line each. */
  readonly notes: readonly string[];
  /** Time per stage, in milliseconds. */
  readonly milliseconds: { readonly features: number; readonly hierarchy: number; readonly network: number };
}

/** The input field type that `options` produce, found by computing them on a small sphere (42 vertices). */
export function featureFieldType(options: PreprocessOptions): string {
  return computeFeatures(prepareMesh(icosphere(1), "probe"), options.features).fieldType;
}

/**
 * Builds the tfjs model of `artifacts` and reads nn's record of it, for every model the page
 * loads. Errors are `ModelFilesError`s naming `label`.
 */
export async function loadGemModel(
  artifacts: ModelArtifacts,
  label: string,
): Promise<{ model: tf.LayersModel; info: GemModelInfo }> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
  } catch (error) {
    throw new ModelFilesError(
      `${label}: tfjs could not build the model in model.json (${(error as Error).message})`,
    );
  }
  const info = gemModelInfo(model);
  if (info === undefined) {
    model.dispose();
    throw new ModelFilesError(`${label}: model.json has no gemcnn record; it was not saved by gemcnn`);
  }
  return { model, info };
}

/**
 * `loadGemModel`, then the checks that every model kind needs against its description: first the
 * kind's own (`problem`: the first thing wrong, or undefined), then `inputTypeMismatch`. On a
 * problem the model is disposed and a `ModelFilesError` naming `label` is thrown.
 */
export async function loadCheckedGemModel(
  artifacts: ModelArtifacts,
  label: string,
  description: Parameters<typeof inputTypeMismatch>[1],
  problem: (model: tf.LayersModel, info: GemModelInfo) => string | undefined,
): Promise<{ model: tf.LayersModel; info: GemModelInfo }> {
  const { model, info } = await loadGemModel(artifacts, label);
  const found = problem(model, info) ?? inputTypeMismatch(info, description);
  if (found !== undefined) {
    model.dispose();
    throw new ModelFilesError(`${label}: ${found}`);
  }
  return { model, info };
}

/**
 * The input field type that a regression model's description produces: features' `networkInput`
 * of the preprocessing's features (none when `kinds` is empty) and the declared input fields
 * (constant probe values), on a small sphere (42 vertices).
 */
export function networkInputFieldType(
  options: PreprocessOptions,
  inputFields: readonly FieldDeclaration[],
): string {
  const prepared = prepareMesh(icosphere(1), "probe");
  const features =
    options.features.kinds.length > 0 ? computeFeatures(prepared, options.features) : undefined;
  if (inputFields.length === 0) return networkInput(features, undefined).fieldType;
  // Probe columns: a scalar 1, a vector along every frame's e1 (in the tangent plane by construction).
  const nVertices = prepared.geometry.nVertices;
  const { e1 } = prepared.frames;
  const columns = new Map<string, Float64Array>();
  for (const declaration of inputFields) {
    declarationColumns(declaration).forEach((name, k) => {
      const scalar = declaration.kind === "scalar" || k === 3; // k = 3: a direction's magnitude
      columns.set(
        name,
        Float64Array.from({ length: nVertices }, (_, v) => (scalar ? 1 : e1[3 * v + k])),
      );
    });
  }
  const user = vertexFieldsFromColumns({ source: "probe", nVertices, columns }, inputFields, prepared.frames);
  return networkInput(features, user).fieldType;
}

/**
 * Why the model of `info` cannot read the inputs that `description` prepares (its normalisation
 * or its preprocessing options, with a regression model's input fields, give another field
 * type), or undefined when it can.
 */
export function inputTypeMismatch(
  info: GemModelInfo,
  description: {
    readonly preprocess: PreprocessOptions;
    readonly input: { readonly fieldType: string };
    readonly fields?: { readonly input: readonly FieldDeclaration[] };
  },
): string | undefined {
  const expected = FieldType.parse(info.config.inputType);
  if (!FieldType.parse(description.input.fieldType).equals(expected)) {
    return `the model reads features of type ${expected}, but gemcnn.json normalises ${description.input.fieldType}`;
  }
  let produced: string;
  try {
    produced =
      description.fields === undefined
        ? featureFieldType(description.preprocess)
        : networkInputFieldType(description.preprocess, description.fields.input);
  } catch (error) {
    return `its preprocessing options fail on a 42-vertex sphere: ${(error as Error).message}`;
  }
  if (!FieldType.parse(produced).equals(expected)) {
    const what =
      description.fields === undefined
        ? "its preprocessing options give"
        : "its preprocessing options and input fields give";
    return `the model reads features of type ${expected}, but ${what} ${produced} here`;
  }
  return undefined;
}

/**
 * A classifier trained and saved by the command line, loaded in the page: nn's tfjs model (its
 * layers registered by importing `@gemcnn/nn`) and the command line's description. Predicts the
 * class of an open mesh in its current gauge, and hands out the outputs of the residual blocks
 * that run on the input mesh.
 */
export class TrainedClassifier {
  readonly label: string;
  readonly description: ClassifierDescription;
  readonly info: GemModelInfo;
  readonly inputType: FieldType;
  readonly featureLayers: readonly FeatureLayer[];
  readonly parameterCount: number;
  /** Meshes with more vertices are refused (`MAX_CLASSIFIER_VERTICES` unless set). */
  readonly maxVertices: number;
  private readonly model: tf.LayersModel;
  /** The model with the feature layers' outputs added in front of the logits. */
  private readonly withFeatures: tf.LayersModel;

  private constructor(
    label: string,
    model: tf.LayersModel,
    info: GemModelInfo,
    description: ClassifierDescription,
    maxVertices: number,
  ) {
    this.label = label;
    this.maxVertices = maxVertices;
    this.model = model;
    this.info = info;
    this.description = description;
    this.inputType = FieldType.parse(info.config.inputType);
    // nn's builders name the residual blocks block0, block1, …; those before the first pooling run
    // on the input mesh, whose vertices the page draws on.
    let level = 0;
    const layers: FeatureLayer[] = [];
    info.config.blocks.forEach((block, i) => {
      if (block.pool) level++;
      if (level === 0) layers.push({ name: `block${i}`, fieldType: FieldType.parse(block.fieldType) });
    });
    this.featureLayers = layers.filter((layer) => {
      try {
        return model.getLayer(layer.name) !== undefined;
      } catch {
        return false;
      }
    });
    this.withFeatures = tf.model({
      inputs: model.inputs,
      outputs: [
        ...this.featureLayers.map((layer) => model.getLayer(layer.name).output as tf.SymbolicTensor),
        model.outputs[0],
      ],
    });
    this.parameterCount = model.countParams();
  }

  /**
   * Builds the model of `artifacts` with tfjs and checks it against `description`: a gemcnn
   * classifier (nn's metadata record), one output per class name, and input features that the
   * saved preprocessing options produce. Errors are `ModelFilesError`s naming `label`.
   */
  static async create(
    artifacts: ModelArtifacts,
    description: ClassifierDescription,
    label: string,
    options: { maxVertices?: number } = {},
  ): Promise<TrainedClassifier> {
    const { model, info } = await loadCheckedGemModel(artifacts, label, description, (model, info) => {
      if (info.kind !== "classifier")
        return `a gemcnn ${info.kind}, but the page shows mesh classifiers only`;
      const outputs = model.outputs[0].shape.at(-1);
      if (outputs !== description.classes.length)
        return `the model has ${outputs} outputs, but its description names ${description.classes.length} classes`;
      return undefined;
    });
    return new TrainedClassifier(
      label,
      model,
      info,
      description,
      options.maxVertices ?? MAX_CLASSIFIER_VERTICES,
    );
  }

  /** Class names, in output order. */
  get classes(): readonly string[] {
    return this.description.classes;
  }

  /**
   * The class probabilities of `mesh` in its current gauge, and the feature layers' outputs.
   * Throws `ClassifierInputError` for a mesh the model cannot run on.
   */
  predict(mesh: MeshModel): ClassifierPrediction {
    if (mesh.nVertices > this.maxVertices) {
      throw new ClassifierInputError(
        `${mesh.name}: ${mesh.nVertices} vertices, more than the ${this.maxVertices} the page classifies ` +
          "(simplify the mesh, or use `gemcnn predict` on the command line)",
      );
    }
    const t0 = performance.now();
    let input: ReturnType<typeof classifierInput>;
    try {
      input = classifierInput(mesh, this.description);
    } catch (error) {
      throw new ClassifierInputError(
        `${mesh.name}: the classifier's input features cannot be computed: ${(error as Error).message}`,
      );
    }
    const t1 = performance.now();
    const prepared = input.mesh;
    const geometry = MeshGeometry.fromData(
      { positions: prepared.positions, triangles: prepared.triangles },
      { source: mesh.name },
    );
    const options = meshOptionsOf(this.model);
    const coarsest = options.coarsening?.length ?? 0;
    let hierarchy: ReturnType<typeof buildMeshHierarchy>;
    try {
      hierarchy = buildMeshHierarchy(geometry, {
        ...options,
        frames: input.frames,
      });
    } catch (error) {
      throw new ClassifierInputError(
        `${mesh.name}: the model's ${coarsest + 1} mesh levels cannot be built on it: ${(error as Error).message}`,
      );
    }
    const batch = batchMeshes([hierarchy]);
    const t2 = performance.now();
    const outputs = tf.tidy(() => {
      const x = tf.tensor2d(normalizeInput(prepared, this.description.input), [
        prepared.nVertices,
        this.inputType.dim,
      ]);
      const result = withMeshBatch(batch, () => this.withFeatures.apply(x, { training: false })) as
        | tf.Tensor
        | tf.Tensor[];
      return (Array.isArray(result) ? result : [result]).map((tensor) => tensor.dataSync() as Float32Array);
    });
    const t3 = performance.now();
    const logits = Float64Array.from(outputs[outputs.length - 1]);
    const probabilities = softmax(logits);
    const layerOutputs = new Map<string, Float32Array>();
    this.featureLayers.forEach((layer, i) => {
      const dim = layer.fieldType.dim;
      const rows = new Float32Array(mesh.nVertices * dim);
      input.vertices.forEach((v, row) => {
        rows.set(outputs[i].subarray(row * dim, (row + 1) * dim), v * dim);
      });
      layerOutputs.set(layer.name, rows);
    });
    return {
      mesh: mesh.name,
      gaugeVersion: mesh.gaugeVersion,
      logits,
      probabilities,
      best: probabilities.indexOf(Math.max(...probabilities)),
      layerOutputs,
      notes: input.notes,
      milliseconds: { features: t1 - t0, hierarchy: t2 - t1, network: t3 - t2 },
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Softmax in float64, shifted by the largest logit so that no exponential overflows. */
export function softmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
