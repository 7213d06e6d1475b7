import { SeededRandom } from "@gemcnn/gauge";
import { bumpySphere, icosphere } from "@gemcnn/geometry";
import { buildGemClassifier, type GemModelConfig, initBackend } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { fieldGlyphVectors } from "../model/fields.js";
import { MeshModel } from "../model/mesh-model.js";
import type { ClassifierDescription } from "./description.js";
import { tangentChannel } from "./layer-channels.js";
import type { ModelArtifacts } from "./model-files.js";
import { ClassifierInputError, TrainedClassifier } from "./trained-classifier.js";

const INPUT_TYPE = "5x0+2x1+1x2";

/** Moments and curvature (5 scalars, 2 vectors, 1 order-2 copy), normalised by non-trivial constants. */
const DESCRIPTION: ClassifierDescription = {
  classes: ["a", "b", "c"],
  preprocess: {
    features: { kinds: ["moments", "curvature"], hksEigenpairs: 128, hksTimeCount: 1 },
    repair: false,
    largestComponentOnly: true,
  },
  input: {
    fieldType: INPUT_TYPE,
    channels: Array.from({ length: 11 }, (_, i) => `c${i}`),
    scalarCenter: [0.1, -0.2, 0.3, 0, 0.05],
    scalarScale: [0.5, 2, 1, 0.7, 1.5],
    copyScale: [3, 0.5, 2],
    clip: 5,
  },
};

const CONFIG: GemModelConfig = {
  inputType: INPUT_TYPE,
  blocks: [{ fieldType: "4x0+2x1+2x2" }, { fieldType: "4x0+2x1+2x2", pool: true }],
  classes: 3,
  head: [8],
};

/** The in-memory files of `model` (what `saveModel` writes), with random non-zero weights and biases. */
async function artifactsOf(config: GemModelConfig, seed = 1): Promise<ModelArtifacts> {
  const model = buildGemClassifier(config);
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

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe("TrainedClassifier", () => {
  let classifier: TrainedClassifier;
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
    classifier = await TrainedClassifier.create(await artifactsOf(CONFIG), DESCRIPTION, "test model");
  });

  /**
   * Logits are float32 sums over a few hundred terms on inputs computed in two gauges (float64
   * features rounded to float32): they agree to about 1e-6 of their size. 1e-4 on probabilities
   * and on glyphs of the size of 1 leaves a wide margin; the negative control moves them by 1e-3
   * or more.
   */
  const TOLERANCE = 1e-4;

  test("predicts probabilities that sum to 1 and offers the input-level block's channels", () => {
    const prediction = classifier.predict(MeshModel.open("bumpy sphere", bumpySphere({ level: 2 })));
    expect(prediction.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(prediction.probabilities[prediction.best]).toBe(Math.max(...prediction.probabilities));
    expect(classifier.featureLayers.map((layer) => `${layer.name} ${layer.fieldType}`)).toEqual([
      "block0 4x0+2x1+2x2",
    ]);
    expect(prediction.layerOutputs.get("block0")!.length).toBe(162 * 12);
  });

  test("a gauge change leaves the probabilities and the drawn layer channels unchanged", () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere({ level: 2 }));
    const before = classifier.predict(mesh);
    const drawn = (prediction: typeof before) =>
      fieldGlyphVectors(
        tangentChannel(prediction.layerOutputs.get("block0")!, classifier.featureLayers[0].fieldType, 1, 1)!,
        mesh.frames,
        1,
      );
    const glyphsBefore = drawn(before);
    mesh.changeGauge({ seed: 7 });
    const after = classifier.predict(mesh);
    expect(after.gaugeVersion).toBe(1);
    expect(maxAbsDifference(before.probabilities, after.probabilities)).toBeLessThan(TOLERANCE);
    const size = Math.max(...glyphsBefore.map(Math.abs));
    expect(size).toBeGreaterThan(0.01);
    expect(maxAbsDifference(glyphsBefore, drawn(after))).toBeLessThan(TOLERANCE * size);
    // The coefficients themselves did change: the frames turned under them.
    expect(
      maxAbsDifference(before.layerOutputs.get("block0")!, after.layerOutputs.get("block0")!),
    ).toBeGreaterThan(0.01);
  });

  test("negative control: features left in the old gauge while the graph turns change the logits", () => {
    const mesh = MeshModel.open("bumpy sphere", bumpySphere({ level: 2 }));
    const before = classifier.predict(mesh);
    mesh.changeGauge({ seed: 7, transformFields: false });
    const after = classifier.predict(mesh);
    expect(maxAbsDifference(before.logits, after.logits)).toBeGreaterThan(1e-3);
  });

  test("refuses models that do not match their description", async () => {
    await expect(
      TrainedClassifier.create(await artifactsOf({ ...CONFIG, classes: 4 }), DESCRIPTION, "four"),
    ).rejects.toThrow("four: the model has 4 outputs, but its description names 3 classes");
    await expect(
      TrainedClassifier.create(
        await artifactsOf({ ...CONFIG, inputType: "6x0+2x1+1x2" }),
        DESCRIPTION,
        "wide",
      ),
    ).rejects.toThrow(
      "wide: the model reads features of type 6x0+2x1+1x2, but gemcnn.json normalises 5x0+2x1+1x2",
    );
    const hks = {
      ...DESCRIPTION.preprocess,
      features: { ...DESCRIPTION.preprocess.features, kinds: ["hks" as const] },
    };
    await expect(
      TrainedClassifier.create(await artifactsOf(CONFIG), { ...DESCRIPTION, preprocess: hks }, "hks"),
    ).rejects.toThrow(
      "hks: the model reads features of type 5x0+2x1+1x2, but its preprocessing options give 1x0 here",
    );
    const artifacts = await artifactsOf(CONFIG);
    const foreign = { ...artifacts, userDefinedMetadata: undefined };
    await expect(TrainedClassifier.create(foreign, DESCRIPTION, "plain")).rejects.toThrow(
      "plain: model.json has no gemcnn record",
    );
  });

  test("refuses meshes above its size limit, and meshes its features cannot be computed on", async () => {
    const small = await TrainedClassifier.create(await artifactsOf(CONFIG), DESCRIPTION, "small", {
      maxVertices: 100,
    });
    const mesh = MeshModel.open("bumpy sphere", bumpySphere({ level: 2 }));
    expect(() => small.predict(mesh)).toThrow(
      new ClassifierInputError(
        "bumpy sphere: 162 vertices, more than the 100 the page classifies (simplify the mesh, or use `gemcnn predict` on the command line)",
      ),
    );
    // A model with heat-kernel features takes any mesh below the page's limit; one whose
    // features cannot be computed on the open mesh says why: with every component kept and 5
    // eigenpairs, a mesh of 5 components leaves the heat kernel only zero eigenvalues.
    const withHks = (hksEigenpairs: number, largestComponentOnly = true): ClassifierDescription => ({
      ...DESCRIPTION,
      preprocess: {
        ...DESCRIPTION.preprocess,
        largestComponentOnly,
        features: { kinds: ["moments", "curvature", "hks"], hksEigenpairs, hksTimeCount: 1 },
      },
      input: {
        ...DESCRIPTION.input,
        fieldType: "6x0+2x1+1x2",
        scalarCenter: [0, 0, 0, 0, 0, 0],
        scalarScale: [1, 1, 1, 1, 1, 1],
      },
    });
    const hksArtifacts = await artifactsOf({ ...CONFIG, inputType: "6x0+2x1+1x2" });
    const hks = await TrainedClassifier.create(hksArtifacts, withHks(128), "hks");
    const larger = MeshModel.open("bumpy sphere 642", bumpySphere({ level: 3 }));
    const answer = hks.predict(larger);
    expect(answer.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const unusable = await TrainedClassifier.create(hksArtifacts, withHks(5, false), "hks-5");
    const sphere = icosphere(1);
    const five = MeshModel.open("five spheres", {
      positions: Float64Array.from(
        { length: 5 * 126 },
        (_, i) => sphere.positions[i % 126] + 3 * Math.floor(i / 126),
      ),
      triangles: Uint32Array.from(
        { length: 5 * 240 },
        (_, i) => sphere.triangles[i % 240] + 42 * Math.floor(i / 240),
      ),
    });
    expect(() => unusable.predict(five)).toThrow(
      /^five spheres: the classifier's input features cannot be computed: .*no time scale/,
    );
  });
});
