// File names inside a saved model directory, in a module without tfjs so that a page can look
// for them (`@gemcnn/nn/file-names`) before it loads tfjs.

/** The tfjs layers-model file of a saved model: topology, weights manifest, gemcnn metadata. */
export const MODEL_JSON = "model.json";
/** The weights of a saved model, as `saveModel` writes them. */
export const WEIGHTS_BIN = "weights.bin";
