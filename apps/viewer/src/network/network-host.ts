import type { MeshModel } from "../model/mesh-model.js";
import type { NetworkFeatures, RandomGemConv } from "./random-gem-conv.js";

/** Where the network stands: not yet asked for, loading, ready, or failed (with the reason). */
export type NetworkStatus =
  | { readonly status: "absent" }
  | { readonly status: "loading" }
  | { readonly status: "ready"; readonly layer: RandomGemConv }
  | { readonly status: "failed"; readonly message: string };

/**
 * Loads the network on first use and computes its features on the open mesh. tfjs is a large
 * download, so `random-gem-conv.js` (and tfjs with it) is imported only when the features are
 * first asked for; until it is ready, `features` returns undefined and `onReady` fires once it is.
 */
export class NetworkHost {
  state: NetworkStatus = { status: "absent" };
  private cache: { model: MeshModel; version: number; features: NetworkFeatures } | undefined;
  private readonly handlers: {
    onReady(): void;
    onStatus(text: string): void;
    onError(message: string): void;
  };

  constructor(handlers: NetworkHost["handlers"]) {
    this.handlers = handlers;
  }

  /**
   * The network's features on `model` in its current gauge (recomputed after every gauge change,
   * from the turned frames and the transformed inputs), or undefined while the network loads.
   */
  features(model: MeshModel): NetworkFeatures | undefined {
    if (this.state.status !== "ready") {
      this.load();
      return undefined;
    }
    const cache = this.cache;
    if (cache?.model === model && cache.version === model.gaugeVersion) return cache.features;
    const features = this.state.layer.apply(model);
    this.cache = { model, version: model.gaugeVersion, features };
    return features;
  }

  private load(): void {
    if (this.state.status !== "absent") return;
    this.state = { status: "loading" };
    this.handlers.onStatus("loading the network (tfjs)…");
    Promise.all([import("./random-gem-conv.js"), import("./page-backend.js")])
      .then(async ([{ NETWORK_INPUT_TYPE, NETWORK_OUTPUT_TYPE, RandomGemConv }, { pageBackend }]) => {
        const backend = await pageBackend();
        const layer = new RandomGemConv(1);
        this.state = { status: "ready", layer };
        this.handlers.onStatus(
          `network: one GemConv layer ${NETWORK_INPUT_TYPE} → ${NETWORK_OUTPUT_TYPE}, ` +
            `random weights (seed ${layer.seed}), tfjs ${backend.reason}`,
        );
        this.handlers.onReady();
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.state = { status: "failed", message };
        this.handlers.onStatus("the network could not be loaded");
        this.handlers.onError(`network: ${message}`);
      });
  }
}
