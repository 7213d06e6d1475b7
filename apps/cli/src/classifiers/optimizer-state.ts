import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import * as tf from "@tensorflow/tfjs";
import { decodeRecord, encodeRecord, type RecordArray, RecordFormatError } from "../preprocess/record.js";

/**
 * The parts of tfjs's `AdamOptimizer` that `getWeights`/`setWeights` do not carry: the running
 * powers `β1^(t+1)` and `β2^(t+1)`. `setWeights` recomputes them with `pow`, which can differ in
 * the last bit from the product that training accumulated, so a resumed run would drift from an
 * uninterrupted one; they are saved and restored as they are. (Private fields, read by name.)
 */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Writes the optimizer's complete state (moments, iteration count, running β powers) to `path`, atomically. */
export async function saveAdamState(optimizer: tf.AdamOptimizer, path: string): Promise<void> {
  const named = await optimizer.getWeights();
  const internals = optimizer as unknown as AdamInternals;
  const entries = [
    ...named,
    { name: "accBeta1", tensor: internals.accBeta1 as tf.Tensor },
    { name: "accBeta2", tensor: internals.accBeta2 as tf.Tensor },
  ];
  const arrays: Record<string, RecordArray> = {};
  const layout = entries.map((entry, i) => {
    const values = entry.tensor.dataSync();
    arrays[`t${i}`] =
      entry.tensor.dtype === "int32" ? Int32Array.from(values) : Float32Array.from(values as Float32Array);
    return { name: entry.name, dtype: entry.tensor.dtype, shape: entry.tensor.shape };
  });
  await writeFileAtomic(path, encodeRecord({ meta: { kind: "adam", entries: layout }, arrays }));
}

/** Restores what `saveAdamState` wrote into a fresh optimizer with the same hyper-parameters. */
export async function loadAdamState(optimizer: tf.AdamOptimizer, path: string): Promise<void> {
  let record: ReturnType<typeof decodeRecord>;
  try {
    record = decodeRecord(new Uint8Array(await readFile(path)));
  } catch (error) {
    const why =
      error instanceof RecordFormatError
        ? `corrupt or truncated (${error.message})`
        : (error as Error).message;
    throw new Error(`${path}: ${why}`, { cause: error });
  }
  const meta = record.meta as {
    kind?: string;
    entries?: { name: string; dtype: "float32" | "int32"; shape: number[] }[];
  };
  if (meta.kind !== "adam" || !Array.isArray(meta.entries)) {
    throw new Error(`${path}: not a saved Adam optimizer state`);
  }
  const tensors = meta.entries.map((entry, i) => ({
    name: entry.name,
    tensor: tf.tensor(record.arrays[`t${i}`] as Float32Array | Int32Array, entry.shape, entry.dtype),
  }));
  const betas = tensors.splice(-2, 2);
  await optimizer.setWeights(tensors);
  const internals = optimizer as unknown as AdamInternals;
  internals.accBeta1.assign(betas[0].tensor);
  internals.accBeta2.assign(betas[1].tensor);
  // setWeights made variables of the moment tensors (copies); the originals are no longer needed.
  tf.dispose([...tensors, ...betas].map((t) => t.tensor));
}
