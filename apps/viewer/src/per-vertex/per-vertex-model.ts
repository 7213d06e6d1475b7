import { normalizeInput } from "@gemcnn/features";
import { FieldType } from "@gemcnn/gauge";
import { MeshGeometry } from "@gemcnn/geometry";
import {
  batchMeshes,
  buildMeshHierarchy,
  type GemModelInfo,
  meshOptionsOf,
  predictPerVertex,
} from "@gemcnn/nn";
import type * as tf from "@tensorflow/tfjs";
import { classifierInput } from "../classifier/classifier-input.js";
import type { PerVertexDescription } from "../classifier/description.js";
import type { ModelArtifacts } from "../classifier/model-files.js";
import {
  ClassifierInputError,
  loadCheckedGemModel,
  MAX_CLASSIFIER_VERTICES,
} from "../classifier/trained-classifier.js";
import type { MeshModel } from "../model/mesh-model.js";

/** The model kind in nn's record that each per-vertex task's description must come with. */
const KIND_OF_TASK = { segmentation: "segmenter", correspondence: "correspondence" } as const;

/** A per-vertex model's answer for one mesh in one gauge. */
export interface PerVertexResult {
  readonly mesh: string;
  readonly gaugeVersion: number;
  /**
   * The most likely class of every vertex of the open mesh (a part, or a template vertex), −1
   * where the preprocessing dropped the vertex (a component other than the largest).
   */
  readonly labels: Int32Array;
  /** Its softmax probability (0 where dropped). */
  readonly probability: Float32Array;
  readonly notes: readonly string[];
  readonly milliseconds: { readonly features: number; readonly hierarchy: number; readonly network: number };
}

/**
 * A segmentation or correspondence model saved by the command line (gemcnn.json version 3),
 * loaded in the page: nn's tfjs model, checked against its description, predicting a class for
 * every vertex of the open mesh in its current gauge with nn's `predictPerVertex` (for a
 * correspondence model, the template logits in row chunks, never all at once).
 */
export class TrainedPerVertexModel {
  readonly label: string;
  readonly description: PerVertexDescription;
  readonly info: GemModelInfo;
  readonly inputType: FieldType;
  /** Logits per vertex: the part count, or the template's vertex count. */
  readonly classCount: number;
  readonly parameterCount: number;
  readonly maxVertices: number;
  private readonly model: tf.LayersModel;

  private constructor(
    label: string,
    model: tf.LayersModel,
    info: GemModelInfo,
    description: PerVertexDescription,
    classCount: number,
    maxVertices: number,
  ) {
    this.label = label;
    this.model = model;
    this.info = info;
    this.description = description;
    this.classCount = classCount;
    this.maxVertices = maxVertices;
    this.inputType = FieldType.parse(info.config.inputType);
    this.parameterCount = model.countParams();
  }

  /**
   * Builds the model of `artifacts` with tfjs and checks it against `description`: nn's record of
   * the kind the task needs (a segmenter, a correspondence model), one logit per part or per
   * template vertex, and input features that the saved preprocessing produces. Errors are
   * `ModelFilesError`s naming `label`.
   */
  static async create(
    artifacts: ModelArtifacts,
    description: PerVertexDescription,
    label: string,
    options: { maxVertices?: number } = {},
  ): Promise<TrainedPerVertexModel> {
    const classCount =
      description.task === "segmentation" ? description.classes.length : description.template.vertexCount;
    const { model, info } = await loadCheckedGemModel(artifacts, label, description, (model, info) => {
      if (info.kind !== KIND_OF_TASK[description.task])
        return `gemcnn.json describes a ${description.task} model, but model.json holds a gemcnn ${info.kind} (a model of another task)`;
      const outputs = model.outputs[0].shape.at(-1);
      if (outputs === classCount) return undefined;
      return description.task === "segmentation"
        ? `the model has ${outputs} outputs per vertex, but its description names ${classCount} parts`
        : `the model has ${outputs} outputs per vertex, but its template has ${classCount} vertices`;
    });
    return new TrainedPerVertexModel(
      label,
      model,
      info,
      description,
      classCount,
      options.maxVertices ?? MAX_CLASSIFIER_VERTICES,
    );
  }

  /**
   * The most likely class of every vertex of `mesh` in its current gauge. Throws
   * `ClassifierInputError` for a mesh the model cannot run on (too large, features out of reach,
   * mesh levels that cannot be built).
   */
  predict(mesh: MeshModel): PerVertexResult {
    if (mesh.nVertices > this.maxVertices) {
      throw new ClassifierInputError(
        `${mesh.name}: ${mesh.nVertices} vertices, more than the ${this.maxVertices} the page runs a model on ` +
          "(simplify the mesh, or use `gemcnn predict` on the command line)",
      );
    }
    const t0 = performance.now();
    let input: ReturnType<typeof classifierInput>;
    try {
      input = classifierInput(mesh, this.description);
    } catch (error) {
      throw new ClassifierInputError(
        `${mesh.name}: the model's input features cannot be computed: ${(error as Error).message}`,
      );
    }
    const t1 = performance.now();
    const prepared = input.mesh;
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
    const predicted = predictPerVertex(
      this.model,
      batch,
      [normalizeInput(prepared, this.description.input)],
      {
        meshNames: [mesh.name],
      },
    );
    const t3 = performance.now();
    const labels = new Int32Array(mesh.nVertices).fill(-1);
    const probability = new Float32Array(mesh.nVertices);
    input.vertices.forEach((v, row) => {
      labels[v] = predicted.labels[0][row];
      probability[v] = predicted.probability[0][row];
    });
    return {
      mesh: mesh.name,
      gaugeVersion: mesh.gaugeVersion,
      labels,
      probability,
      notes: input.notes,
      milliseconds: { features: t1 - t0, hierarchy: t2 - t1, network: t3 - t2 },
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
