import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "@gemcnn/geometry/node";
import type { AdamState, FusedAdamOptimizer } from "@gemcnn/nn";
import type * as tf from "@tensorflow/tfjs";
import { decodeRecord, encodeRecord, type RecordArray, RecordFormatError } from "../preprocess/record.js";

/**
 * `optimizer.bin`: Adam's complete state in a binary record (`meta.kind` "adam"), entries in the
 * order of tfjs's `AdamOptimizer.getWeights` — the iteration count `iter` (int32), every first
 * moment `<variable>/m`, every second moment `<variable>/v` — followed by the running powers
 * `accBeta1` and `accBeta2` (float32 scalars), which tfjs's `setWeights` would recompute with
 * `pow` (possibly one ulp off the accumulated products, so a resumed run would drift). Checkpoints
 * written before `FusedAdamOptimizer` (by tfjs's optimizer) have this very layout and resume alike.
 */
const KIND = "adam";

interface Entry {
  name: string;
  dtype: "float32" | "int32";
  shape: number[];
}

/** Writes the optimizer's complete state (moments, iteration count, running β powers) to `path`, atomically. */
export async function saveAdamState(optimizer: FusedAdamOptimizer, path: string): Promise<void> {
  const state = optimizer.state();
  const entries: Entry[] = [];
  const arrays: Record<string, RecordArray> = {};
  const add = (name: string, dtype: Entry["dtype"], shape: readonly number[], values: RecordArray) => {
    arrays[`t${entries.length}`] = values;
    entries.push({ name, dtype, shape: [...shape] });
  };
  add("iter", "int32", [], Int32Array.of(state.iterations));
  for (const m of state.moments) add(`${m.name}/m`, "float32", m.shape, m.first);
  for (const m of state.moments) add(`${m.name}/v`, "float32", m.shape, m.second);
  add("accBeta1", "float32", [], Float32Array.of(state.accBeta1));
  add("accBeta2", "float32", [], Float32Array.of(state.accBeta2));
  await writeFileAtomic(path, encodeRecord({ meta: { kind: KIND, entries }, arrays }));
}

/**
 * Restores what `saveAdamState` wrote into `optimizer` (same hyper-parameters), whose model's
 * trainable variables are `variables`. The moments are matched to the variables by name when
 * every saved name is one of theirs, else by position (a model rebuilt in another process may
 * number its variables differently), with their shapes checked either way.
 */
export async function loadAdamState(
  optimizer: FusedAdamOptimizer,
  path: string,
  variables: readonly tf.Variable[],
): Promise<void> {
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
  const meta = record.meta as { kind?: string; entries?: Entry[] };
  const entries = meta.entries;
  if (meta.kind !== KIND || !Array.isArray(entries)) {
    throw new Error(`${path}: not a saved Adam optimizer state`);
  }
  const bad = (why: string) => new Error(`${path}: not a complete Adam optimizer state (${why})`);
  const values = (k: number) => {
    const array = record.arrays[`t${k}`];
    const size = (entries[k].shape ?? []).reduce((a, b) => a * b, 1);
    if (array === undefined || array.length !== size) throw bad(`entry ${k} has no values of its shape`);
    return array;
  };
  const count = (entries.length - 3) / 2;
  if (
    !Number.isInteger(count) ||
    count < 0 ||
    entries[0]?.name !== "iter" ||
    entries.at(-2)?.name !== "accBeta1" ||
    entries.at(-1)?.name !== "accBeta2"
  ) {
    throw bad("its entries are not iter, moments, accBeta1, accBeta2");
  }
  const saved = Array.from({ length: count }, (_, k) => ({
    name: entries[1 + k].name.replace(/\/m$/, ""),
    shape: entries[1 + k].shape,
    first: Float32Array.from(values(1 + k)),
    second: Float32Array.from(values(1 + count + k)),
  }));
  const own = new Map(variables.map((v) => [v.name, v]));
  const byName = saved.every((m) => own.has(m.name));
  if (!byName && count > variables.length) {
    throw new Error(`${path}: moments of ${count} weights, but the model has ${variables.length}`);
  }
  const moments: AdamState["moments"][number][] = saved.map((m, k) => {
    const variable = byName ? own.get(m.name)! : variables[k];
    if (m.shape.join() !== variable.shape.join()) {
      throw new Error(
        `${path}: the moments of weight ${k} have shape [${m.shape}], the model's "${variable.name}" [${variable.shape}]`,
      );
    }
    return { ...m, name: variable.name };
  });
  optimizer.setState({
    iterations: values(0)[0],
    accBeta1: values(entries.length - 2)[0],
    accBeta2: values(entries.length - 1)[0],
    moments,
  });
}
