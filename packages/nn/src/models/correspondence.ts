import { FieldType } from "@gemcnn/gauge";
import * as tf from "@tensorflow/tfjs";
import { GemConv } from "../layers/gem-conv.js";
import { check, encoderDecoder, type GemModelConfig, ModelConfigError, withInfo } from "./builders.js";

/** Name of the per-vertex embedding layer of a correspondence model. */
export const EMBEDDING_LAYER = "embedding";
/** Name of the dense head (template table) of a correspondence model, and of a segmenter's logits. */
export const LOGITS_LAYER = "logits";

/**
 * A dense correspondence model (a label per vertex among many classes: the vertices of a template,
 * as in FAUST) as a tfjs `LayersModel`: the segmenter's encoder-decoder (`buildGemSegmenter`), a
 * GemConv to `embedding` scalars per vertex (`D`, default 64; layer `"embedding"`), and a shared
 * dense head to `classes` logits (layer `"logits"`: kernel `[D × classes]` and a bias, the same for
 * every vertex). Output `[vertices × classes]`.
 *
 * The head is the segmenter's final GemConv to `classes` logits factored through `D` invariant
 * scalars: column `c` of the kernel is a learned embedding of template vertex `c`, and a logit is
 * a dot product. That keeps the weights at `D·classes` (441k for FAUST's 6,890 classes with
 * D = 64; the unfactored GemConv has `(rings · basis) · classes` ≈ 847k in the example)
 * and, above all, lets training avoid the `[vertices × classes]` logits: `perVertexTrainStep`
 * with `sampledClasses` computes the softmax over a uniform sample of the template, and
 * `predictPerVertex` computes the arg max in row chunks. Invariant to gauge changes, and to rigid
 * motions and relabelling with invariant inputs, as the segmenter.
 */
export function buildGemCorrespondence(config: GemModelConfig): tf.LayersModel {
  const builder = "buildGemCorrespondence";
  const checked = check(config, builder);
  const width = config.embedding ?? 64;
  if (!Number.isSafeInteger(width) || width < 1) {
    throw new ModelConfigError(`${builder}: embedding must be a positive integer, got ${config.embedding}`);
  }
  const input = tf.input({ shape: [checked.inputType.dim], name: "features" });
  const { tensor, type } = encoderDecoder(config, checked, input);
  const embedding = new GemConv({
    inType: type,
    outType: FieldType.scalars(width),
    rings: config.rings,
    aggregation: config.aggregation,
    maxFrequency: config.maxFrequency,
    name: EMBEDDING_LAYER,
  }).apply(tensor) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: config.classes, name: LOGITS_LAYER })
    .apply(embedding) as tf.SymbolicTensor;
  return withInfo(
    tf.model({ inputs: input, outputs: logits, name: "gem_correspondence" }),
    "correspondence",
    config,
    checked,
  );
}
