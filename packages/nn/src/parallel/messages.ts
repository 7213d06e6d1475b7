import type { BackendName } from "../backend.js";
import type { ReplicaSample, ReplicaStepTimings, WeightLayout } from "./replica.js";
import type { OsThread } from "./thread-cpu.js";

/** What `ReplicaPool` and its workers say to each other (see replica-pool.ts, replica-worker.ts). */
export type ToReplica =
  | {
      readonly type: "init";
      /** The model without its weights' values (they come through `weights`). */
      readonly artifacts: {
        readonly modelTopology: unknown;
        readonly weightSpecs: unknown;
        readonly weightData: ArrayBuffer;
        readonly userDefinedMetadata?: unknown;
      };
      readonly backend: BackendName | "auto";
      readonly layout: WeightLayout;
      readonly rank: number;
      readonly maxReplicas: number;
      readonly capacity: number;
      readonly weights: SharedArrayBuffer;
      readonly gradients: SharedArrayBuffer;
      readonly collective: SharedArrayBuffer;
      /** Whether step timings include the worker thread's CPU time. */
      readonly profile: boolean;
    }
  | {
      readonly type: "train";
      readonly id: number;
      readonly samples: readonly (readonly [number, ReplicaSample])[];
      readonly indices: readonly number[];
      readonly labels: readonly number[];
      readonly batchSize: number;
      readonly replicas: number;
      readonly seed: number;
    }
  | {
      readonly type: "infer";
      readonly id: number;
      readonly samples: readonly (readonly [number, ReplicaSample])[];
      readonly chunks: readonly (readonly number[])[];
    };

export type FromReplica =
  | {
      readonly type: "ready";
      /** The worker's operating-system thread (Linux), which the calling thread checks while it waits. */
      readonly thread?: OsThread;
    }
  | {
      readonly type: "trained";
      readonly id: number;
      readonly logits: Float32Array;
      readonly loss: number;
      readonly hasGradient: boolean[];
      /** Rank 0 only: the non-trainable weights after the step (normalisation statistics). */
      readonly nonTrainable?: Float32Array;
      /** Where the worker's time went (see `ReplicaStepTimings`). */
      readonly timings: ReplicaStepTimings;
    }
  | { readonly type: "inferred"; readonly id: number; readonly logits: Float32Array }
  | {
      readonly type: "failed";
      readonly id: number | null;
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string };
    };
