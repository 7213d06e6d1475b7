// The worker thread of a ReplicaPool: one model replica on its own tfjs backend. Every message is
// answered with a result or with the error's name and message (never an uncaught exception, which
// the tfjs wasm module would report by printing its whole minified source).
import { isMainThread, parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.js";
// The package's entry registers every gemcnn layer class, so that the replica can be deserialised.
import "../index.js";
import { abortCollective, Collective } from "./collective.js";
import type { FromReplica, ToReplica } from "./messages.js";
import {
  between,
  Replica,
  type ReplicaStepTimings,
  type WeightLayout,
  weightLayout,
  writeWeights,
} from "./replica.js";
import { osThread, stamp } from "./thread-cpu.js";

if (isMainThread || parentPort === null) {
  throw new Error("replica-worker.ts runs inside a ReplicaPool worker thread");
}
const port = parentPort;

interface State {
  readonly replica: Replica;
  readonly layout: WeightLayout;
  readonly rank: number;
  readonly maxReplicas: number;
  readonly capacity: number;
  readonly weights: Float32Array;
  readonly gradients: Float32Array;
  readonly collective: SharedArrayBuffer;
}
let state: State | undefined;

const reply = (message: FromReplica) => port.postMessage(message);

port.on("message", (message: ToReplica) => {
  handle(message).catch((error: unknown) => {
    if (state !== undefined) abortCollective(state.collective, state.rank + 1);
    const e = error instanceof Error ? error : new Error(String(error));
    reply({
      type: "failed",
      id: message.type === "init" ? null : message.id,
      error: { name: e.name, message: e.message, stack: e.stack },
    });
  });
});

async function handle(message: ToReplica): Promise<void> {
  if (message.type === "init") {
    state = await initialise(message);
    reply({ type: "ready", thread: osThread() });
    return;
  }
  const s = state;
  if (s === undefined) throw new Error("the replica received work before it was initialised");
  const { profile } = s.replica;
  const start = stamp(profile);
  for (const [index, sample] of message.samples) s.replica.addSample(index, sample);
  const { model } = s.replica;
  writeWeights(model.trainableWeights, s.layout.trainable, s.weights);
  writeWeights(model.nonTrainableWeights, s.layout.nonTrainable, s.weights);
  const weightsIn = between(start, stamp(profile));
  if (message.type === "infer") {
    reply({ type: "inferred", id: message.id, logits: s.replica.logits(message.chunks) });
    return;
  }
  const collective = new Collective(s.collective, s.maxReplicas, s.capacity, s.rank, message.replicas);
  const result = s.replica.classifierGradients(
    message.indices,
    message.labels,
    message.batchSize,
    message.seed,
    collective,
    s.gradients,
  );
  const statisticsStart = stamp(profile);
  let nonTrainable: Float32Array | undefined;
  if (s.rank === 0) {
    nonTrainable = new Float32Array(s.layout.size - s.layout.trainableSize);
    model.nonTrainableWeights.forEach((w, k) => {
      nonTrainable!.set(
        w.read().dataSync() as Float32Array,
        s.layout.nonTrainable[k].offset - s.layout.trainableSize,
      );
    });
  }
  const end = stamp(profile);
  const statistics = between(statisticsStart, end);
  const timings: ReplicaStepTimings = {
    phases: {
      ...result.timings,
      weightsIn,
      gradientsOut: {
        wall: result.timings.gradientsOut.wall + statistics.wall,
        cpu: result.timings.gradientsOut.cpu + statistics.cpu,
      },
      total: between(start, end),
    },
    collectiveWait: collective.waitMs,
  };
  reply({ type: "trained", id: message.id, ...result, nonTrainable, timings });
}

async function initialise(message: Extract<ToReplica, { type: "init" }>): Promise<State> {
  await initBackend({ backend: message.backend });
  const model = await tf.loadLayersModel(
    tf.io.fromMemory(message.artifacts as unknown as tf.io.ModelArtifacts),
  );
  const own = weightLayout(model);
  const same = (a: WeightLayout["trainable"], b: WeightLayout["trainable"]) =>
    a.length === b.length && a.every((slot, k) => slot.name === b[k].name && slot.size === b[k].size);
  if (
    !same(own.trainable, message.layout.trainable) ||
    !same(own.nonTrainable, message.layout.nonTrainable)
  ) {
    throw new Error("the replica's weights are not laid out like the model's (names or sizes differ)");
  }
  const { layout, rank } = message;
  return {
    replica: new Replica(model, { profile: message.profile }),
    layout,
    rank,
    maxReplicas: message.maxReplicas,
    capacity: message.capacity,
    weights: new Float32Array(message.weights, 0, layout.size),
    gradients: new Float32Array(message.gradients, rank * layout.trainableSize * 4, layout.trainableSize),
    collective: message.collective,
  };
}
