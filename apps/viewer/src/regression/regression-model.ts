import {
  declarationColumns,
  namedFieldTypeOf,
  networkInput,
  normalizeInput,
  type PreprocessedMesh,
  unscaleTarget,
  type VertexFields,
  vertexFieldsFromColumns,
  vertexFieldsToColumns,
} from "@gemcnn/features";
import { FieldType, type NamedFieldType } from "@gemcnn/gauge";
import { MeshGeometry, type TangentFrames, type VertexColumns } from "@gemcnn/geometry";
import {
  batchMeshes,
  buildMeshHierarchy,
  type GemModelInfo,
  meshOptionsOf,
  predictPerVertexFields,
} from "@gemcnn/nn";
import type * as tf from "@tensorflow/tfjs";
import { type ClassifierInput, classifierInput } from "../classifier/classifier-input.js";
import type { RegressionDescription } from "../classifier/description.js";
import type { ModelArtifacts } from "../classifier/model-files.js";
import {
  ClassifierInputError,
  loadCheckedGemModel,
  MAX_CLASSIFIER_VERTICES,
} from "../classifier/trained-classifier.js";
import type { MeshModel } from "../model/mesh-model.js";
import type { FieldPredictor } from "../user-fields/user-fields.js";

/** A regression model's answer for one mesh in one gauge. */
export interface RegressionPrediction {
  readonly mesh: string;
  readonly gaugeVersion: number;
  /** The target fields' named type (the copies the description's `fields.target` declares). */
  readonly type: NamedFieldType;
  /**
   * Packed `[V × dim]` over the open mesh's vertices, in the target's units (unscaled) and in the
   * frames `predict` was given; a vertex the preprocessing dropped has NaN scalars and zero vectors.
   */
  readonly values: Float64Array;
  /**
   * The same prediction in the mesh's coordinates, by the target declarations' columns (e.g.
   * `wind_x`, `wind_y`, `wind_z`; as `gemcnn predict` writes them without `_pred`), one number per
   * open-mesh vertex, NaN where the preprocessing dropped the vertex. Independent of the gauge.
   */
  readonly ambient: ReadonlyMap<string, Float64Array>;
  readonly notes: readonly string[];
  readonly milliseconds: { readonly features: number; readonly hierarchy: number; readonly network: number };
}

/** A regression model's `FieldPredictor` on one mesh, which keeps its last prediction. */
export interface RegressionPredictor extends FieldPredictor {
  last?: RegressionPrediction;
}

/** The rows `vertices` of a packed `[V × width]` array. */
function rowsOf(values: Float64Array, vertices: Uint32Array, width: number): Float64Array {
  const out = new Float64Array(vertices.length * width);
  vertices.forEach((v, row) => {
    out.set(values.subarray(v * width, (v + 1) * width), row * width);
  });
  return out;
}

function framesOf(frames: TangentFrames, vertices: Uint32Array): TangentFrames {
  return {
    e1: rowsOf(frames.e1, vertices, 3),
    e2: rowsOf(frames.e2, vertices, 3),
    n: rowsOf(frames.n, vertices, 3),
  };
}

/**
 * The columns of `declarations` that `columns` lacks, each once, in declaration order; the page
 * names them all at once rather than the first one the reader meets.
 */
export function missingColumns(
  columns: VertexColumns,
  declarations: RegressionDescription["fields"]["input"],
): string[] {
  const missing = declarations.flatMap(declarationColumns).filter((name) => !columns.columns.has(name));
  return [...new Set(missing)];
}

/**
 * A regression model saved by the command line (gemcnn.json version 3, task "regression"), loaded
 * in the page: nn's tfjs regressor, checked against its description, predicting the target fields
 * of the open mesh from its geometric features and the user's input fields (the columns of the
 * field file opened on it), built as the command line builds them: features' `networkInput`,
 * the saved `InputNormalization`, nn's `predictPerVertexFields`, features' `unscaleTarget`.
 */
export class TrainedRegressionModel {
  readonly label: string;
  readonly description: RegressionDescription;
  readonly info: GemModelInfo;
  readonly inputType: FieldType;
  /** The target fields' named type, from the description's declarations. */
  readonly targetType: NamedFieldType;
  readonly parameterCount: number;
  readonly maxVertices: number;
  private readonly model: tf.LayersModel;

  private constructor(
    label: string,
    model: tf.LayersModel,
    info: GemModelInfo,
    description: RegressionDescription,
    maxVertices: number,
  ) {
    this.label = label;
    this.model = model;
    this.info = info;
    this.description = description;
    this.maxVertices = maxVertices;
    this.inputType = FieldType.parse(info.config.inputType);
    this.targetType = namedFieldTypeOf(description.fields.target);
    this.parameterCount = model.countParams();
  }

  /**
   * Builds the model of `artifacts` with tfjs and checks it against `description`: nn's record of
   * a regressor, whose output type is the declared target's (and whose output names, when the
   * record has them, are the declared fields'), reading the input that the saved preprocessing
   * and input fields produce. Errors are `ModelFilesError`s naming `label`.
   */
  static async create(
    artifacts: ModelArtifacts,
    description: RegressionDescription,
    label: string,
    options: { maxVertices?: number } = {},
  ): Promise<TrainedRegressionModel> {
    const { model, info } = await loadCheckedGemModel(artifacts, label, description, (_, info) => {
      if (info.kind !== "regressor")
        return `gemcnn.json describes a regression model, but model.json holds a gemcnn ${info.kind} (a model of another task)`;
      const target = namedFieldTypeOf(description.fields.target);
      const output = info.config.outputType;
      if (output === undefined || !FieldType.parse(output).equals(target.type))
        return `the model outputs fields of type ${output}, but gemcnn.json declares the target ${target}`;
      const names = info.config.outputFields?.names;
      if (names !== undefined && names.join() !== target.names.join())
        return `the model's output fields are ${names.join(", ")}, but gemcnn.json declares ${target.names.join(", ")}`;
      return undefined;
    });
    return new TrainedRegressionModel(
      label,
      model,
      info,
      description,
      options.maxVertices ?? MAX_CLASSIFIER_VERTICES,
    );
  }

  /** Names of the user's input fields the model reads (empty when it reads geometry alone). */
  get inputFieldNames(): string[] {
    return this.description.fields.input.map((d) => d.name);
  }

  /**
   * The target fields of `mesh` in its current gauge, returned in `frames` (the frames the page
   * draws the field file in), from `columns` (the field file's, one row per vertex of the open
   * mesh) where the model reads input fields. Throws a `ClassifierInputError` for a mesh the model
   * cannot run on: too large, features or mesh levels out of reach, input columns missing (all
   * named), input values the readers refuse.
   */
  predict(mesh: MeshModel, columns: VertexColumns | undefined, frames: TangentFrames): RegressionPrediction {
    if (mesh.nVertices > this.maxVertices) {
      throw new ClassifierInputError(
        `${mesh.name}: ${mesh.nVertices} vertices, more than the ${this.maxVertices} the page runs a model on ` +
          "(simplify the mesh, or use `gemcnn predict` on the command line)",
      );
    }
    const declarations = this.description.fields.input;
    if (declarations.length > 0) {
      const fields = declarations.map((d) => `${d.name} (${d.kind})`).join(", ");
      if (columns === undefined) {
        throw new ClassifierInputError(
          `${this.label}: the model reads the input field(s) ${fields}; open the mesh's field file with their columns`,
        );
      }
      const missing = missingColumns(columns, declarations);
      if (missing.length > 0) {
        throw new ClassifierInputError(
          `${columns.source}: no column(s) ${missing.map((c) => JSON.stringify(c)).join(", ")}, which ${this.label} reads as its input field(s) ${fields}`,
        );
      }
    }
    const t0 = performance.now();
    const withoutFeatures = this.description.preprocess.features.kinds.length === 0;
    let input: ClassifierInput;
    try {
      // Without geometric features the mesh is still prepared (unit area, frames); the cheapest
      // feature kind stands in, since the preprocessing computes at least one, and is not used.
      const description = withoutFeatures
        ? {
            ...this.description,
            preprocess: {
              ...this.description.preprocess,
              features: { ...this.description.preprocess.features, kinds: ["ones" as const] },
            },
          }
        : this.description;
      input = classifierInput(mesh, description);
    } catch (error) {
      throw new ClassifierInputError(
        `${mesh.name}: the model's input features cannot be computed: ${(error as Error).message}`,
      );
    }
    const prepared = input.mesh;
    const vertices = input.vertices;
    // The features' frames (the mesh's field gauge), which the user's fields must share.
    const featureFrames: TangentFrames = { e1: prepared.e1, e2: prepared.e2, n: prepared.normals };
    let userFields: VertexFields | undefined;
    const notes = [...input.notes];
    if (declarations.length > 0 && columns !== undefined) {
      const kept: VertexColumns =
        vertices.length === columns.nVertices
          ? columns
          : {
              source: columns.source,
              nVertices: vertices.length,
              columns: new Map(
                [...columns.columns].map(([name, values]) => [name, rowsOf(values, vertices, 1)]),
              ),
              lines: columns.lines && Int32Array.from(vertices, (v) => columns.lines![v]),
            };
      try {
        userFields = vertexFieldsFromColumns(kept, declarations, featureFrames, {
          onNormalComponent: "report",
        });
      } catch (error) {
        throw new ClassifierInputError((error as Error).message);
      }
      notes.push(...userFields.notes);
    }
    const combined = networkInput(
      withoutFeatures
        ? undefined
        : { fieldType: prepared.fieldType, channels: prepared.channels, values: prepared.features },
      userFields,
      mesh.name,
    );
    const packed: PreprocessedMesh = {
      ...prepared,
      features: combined.values,
      fieldType: combined.fieldType,
      channels: combined.channels,
    };
    const normalized = normalizeInput(packed, this.description.input);
    const t1 = performance.now();
    const geometry = MeshGeometry.fromData(
      { positions: prepared.positions, triangles: prepared.triangles },
      { source: mesh.name },
    );
    let batch: ReturnType<typeof batchMeshes>;
    try {
      batch = batchMeshes([
        buildMeshHierarchy(geometry, { ...meshOptionsOf(this.model), frames: input.frames }),
      ]);
    } catch (error) {
      throw new ClassifierInputError(
        `${mesh.name}: the model's mesh levels cannot be built on it: ${(error as Error).message}`,
      );
    }
    const t2 = performance.now();
    const [scaled] = predictPerVertexFields(this.model, batch, [normalized], { meshNames: [mesh.name] });
    const t3 = performance.now();
    const { values, ambient } = this.inTheseFrames(
      unscaleTarget(scaled, this.description.target),
      input,
      frames,
      mesh.nVertices,
    );
    if (vertices.length < mesh.nVertices) {
      notes.push(
        `${mesh.nVertices - vertices.length} vertices outside the largest component have no prediction (scalars blank, vectors zero)`,
      );
    }
    return {
      mesh: mesh.name,
      gaugeVersion: mesh.gaugeVersion,
      type: this.targetType,
      values,
      ambient,
      notes,
      milliseconds: { features: t1 - t0, hierarchy: t2 - t1, network: t3 - t2 },
    };
  }

  /**
   * The prediction (in the network's frames, for the kept vertices) in `frames` for every vertex
   * of the open mesh: through the mesh's coordinates by features' `vertexFieldsToColumns` and
   * `vertexFieldsFromColumns` with the target declarations (vectors exact, directions by their
   * representative), so that the answer does not depend on which frames the network ran in.
   */
  private inTheseFrames(
    values: Float64Array,
    input: ClassifierInput,
    frames: TangentFrames,
    nVertices: number,
  ): { values: Float64Array; ambient: Map<string, Float64Array> } {
    const type = this.targetType;
    const declarations = this.description.fields.target;
    const kept = vertexFieldsToColumns(type, values, input.frames, declarations);
    const columns: VertexColumns = { source: this.label, nVertices: input.vertices.length, columns: kept };
    const turned = vertexFieldsFromColumns(columns, declarations, framesOf(frames, input.vertices), {
      onNormalComponent: "report",
    }).values;
    if (input.vertices.length === nVertices) return { values: turned, ambient: kept };
    const ambient = new Map<string, Float64Array>();
    for (const [name, column] of kept) {
      const full = new Float64Array(nVertices).fill(Number.NaN);
      input.vertices.forEach((v, row) => {
        full[v] = column[row];
      });
      ambient.set(name, full);
    }
    const out = new Float64Array(nVertices * type.dim);
    const scalarOffsets = type
      .copies()
      .filter((c) => c.dim === 1)
      .map((c) => c.offset);
    for (let v = 0; v < nVertices; v++) for (const o of scalarOffsets) out[v * type.dim + o] = Number.NaN;
    input.vertices.forEach((v, row) => {
      out.set(turned.subarray(row * type.dim, (row + 1) * type.dim), v * type.dim);
    });
    return { values: out, ambient };
  }

  /** The `FieldPredictor` of this model on `mesh` (for `ViewerApp.setFieldPredictor`). */
  predictorFor(mesh: MeshModel): RegressionPredictor {
    const predictor: RegressionPredictor = {
      label: this.label,
      predict: (frames, columns) => {
        const prediction = this.predict(mesh, columns, frames);
        predictor.last = prediction;
        const { features, hierarchy, network } = prediction.milliseconds;
        return {
          type: prediction.type,
          values: prediction.values,
          notes: [
            `features ${features.toFixed(0)} ms, mesh levels ${hierarchy.toFixed(0)} ms, network ${network.toFixed(0)} ms`,
            ...prediction.notes,
          ],
        };
      },
    };
    return predictor;
  }

  dispose(): void {
    this.model.dispose();
  }
}
