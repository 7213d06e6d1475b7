import { SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, icosphere, type TriangleMeshData } from "@gemcnn/geometry";
import { buildGemCorrespondence, buildGemSegmenter, type GemModelConfig, initBackend } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import type { PerVertexDescription } from "../classifier/description.js";
import type { ModelArtifacts } from "../classifier/model-files.js";
import { MeshModel } from "../model/mesh-model.js";
import { TrainedPerVertexModel } from "./per-vertex-model.js";

const INPUT_TYPE = "5x0+2x1+1x2";
const PREPROCESS = {
  features: {
    kinds: ["moments", "curvature"] as ("moments" | "curvature")[],
    hksEigenpairs: 128,
    hksTimeCount: 1,
  },
  repair: false,
  largestComponentOnly: true,
};
/** Moments and curvature, normalised by non-trivial constants. */
const INPUT = {
  fieldType: INPUT_TYPE,
  channels: Array.from({ length: 11 }, (_, i) => `c${i}`),
  scalarCenter: [0.1, -0.2, 0.3, 0, 0.05],
  scalarScale: [0.5, 2, 1, 0.7, 1.5],
  copyScale: [3, 0.5, 2],
  clip: 5,
};
const SEGMENTATION: PerVertexDescription = {
  task: "segmentation",
  classes: ["a", "b", "c"],
  labelsFrom: "vertex",
  preprocess: PREPROCESS,
  input: INPUT,
};
const CONFIG: GemModelConfig = {
  inputType: INPUT_TYPE,
  blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "4x0+2x1+2x2", pool: true }],
  classes: 3,
};

/** The in-memory files of a model (what `saveModel` writes), with random non-zero weights and biases (positive: the normalisations hold variances). */
async function artifactsOf(model: tf.LayersModel, seed = 1): Promise<ModelArtifacts> {
  const random = new SeededRandom(seed);
  model.setWeights(
    model.weights.map((w) => {
      const size = w.shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1) ?? 1;
      return tf.tensor(
        Float32Array.from({ length: size }, () => random.uniform(0.1, 0.6)),
        w.shape as number[],
      );
    }),
  );
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  model.dispose();
  return saved as unknown as ModelArtifacts;
}

/** Two spheres apart: the preprocessing keeps the larger (the first 162 vertices). */
function twoSpheres(): TriangleMeshData {
  const [a, b] = [icosphere(2), icosphere(1)];
  const na = a.positions.length / 3;
  return {
    positions: Float64Array.from([...a.positions, ...b.positions.map((x, i) => (i % 3 === 0 ? x + 5 : x))]),
    triangles: Uint32Array.from([...a.triangles, ...b.triangles.map((v) => v + na)]),
  };
}

describe("TrainedPerVertexModel", () => {
  let segmenter: TrainedPerVertexModel;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    segmenter = await TrainedPerVertexModel.create(
      await artifactsOf(buildGemSegmenter(CONFIG)),
      SEGMENTATION,
      "seg",
    );
  });

  /**
   * Float32 logits from inputs computed in two gauges agree to about 1e-6 of their size (see the
   * classifier's test); 1e-4 on probabilities leaves a wide margin, and features left in the old
   * gauge move them by 1e-2 or more.
   */
  test("labels and probabilities stay after a gauge change; features left in the old gauge change them", () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere());
    const reference = segmenter.predict(mesh);
    // Not a constant output: the probabilities vary over the surface.
    expect(Math.max(...reference.probability) - Math.min(...reference.probability)).toBeGreaterThan(1e-2);
    mesh.changeGauge({ seed: 3 });
    const turned = segmenter.predict(mesh);
    let change = 0;
    for (let v = 0; v < mesh.nVertices; v++)
      change = Math.max(change, Math.abs(turned.probability[v] - reference.probability[v]));
    expect(change).toBeLessThan(1e-4);
    mesh.changeGauge({ seed: 4, transformFields: false });
    const broken = segmenter.predict(mesh);
    let moved = 0;
    for (let v = 0; v < mesh.nVertices; v++)
      moved = Math.max(moved, Math.abs(broken.probability[v] - reference.probability[v]));
    expect(moved).toBeGreaterThan(1e-2);
  });

  test("vertices the preprocessing drops (a smaller component) are labelled −1", () => {
    const mesh = MeshModel.open("two spheres", twoSpheres());
    const result = segmenter.predict(mesh);
    expect(result.labels.slice(0, 162).every((l) => l >= 0 && l < 3)).toBe(true);
    expect(result.labels.slice(162).every((l) => l === -1)).toBe(true);
    expect(result.notes.join()).toContain("largest connected component (162 of 204 vertices)");
  });

  test("a model of another task or output count is refused, naming the model", async () => {
    const correspondence: PerVertexDescription = {
      task: "correspondence",
      classes: [],
      template: { file: "template.ply", vertexCount: 3 },
      preprocess: PREPROCESS,
      input: INPUT,
    };
    await expect(
      TrainedPerVertexModel.create(await artifactsOf(buildGemSegmenter(CONFIG)), correspondence, "m"),
    ).rejects.toThrow(
      "m: gemcnn.json describes a correspondence model, but model.json holds a gemcnn segmenter",
    );
    await expect(
      TrainedPerVertexModel.create(
        await artifactsOf(buildGemCorrespondence({ ...CONFIG, classes: 5, embedding: 4 })),
        correspondence,
        "m",
      ),
    ).rejects.toThrow("m: the model has 5 outputs per vertex, but its template has 3 vertices");
    await expect(
      TrainedPerVertexModel.create(
        await artifactsOf(buildGemSegmenter({ ...CONFIG, classes: 4 })),
        SEGMENTATION,
        "m",
      ),
    ).rejects.toThrow("m: the model has 4 outputs per vertex, but its description names 3 parts");
  });
});
