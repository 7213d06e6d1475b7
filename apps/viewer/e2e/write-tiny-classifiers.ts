/**
 * `node --conditions=source --import tsx e2e/write-tiny-classifiers.ts <root> <baseUrl>`: writes the
 * browser tests' classifiers, per-vertex and regression models under `<root>` (see
 * tiny-classifier.ts, per-vertex-models.ts and regression-models.ts) and prints what the tests need
 * to know as one line of JSON. The global setup runs it as a child process: plain Node with tsx
 * loads the command line's library and tfjs in a second or two, several times faster than
 * vitest's module runner, and it trains on the other core while the page builds.
 */
import { writePerVertexModels } from "./per-vertex-models.js";
import { writeRegressionModels } from "./regression-models.js";
import { writeTinyClassifiers } from "./tiny-classifier.js";

const [root, baseUrl] = process.argv.slice(2);
if (!root || !baseUrl) throw new Error("usage: write-tiny-classifiers.ts <root> <baseUrl>");
const tinyClassifier = await writeTinyClassifiers(root, baseUrl);
const perVertexModels = await writePerVertexModels(root, baseUrl);
const regressionModels = await writeRegressionModels(root, baseUrl);
console.log(JSON.stringify({ tinyClassifier, perVertexModels, regressionModels }));
