import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it } from "vitest";
import { BackendError, backendReport, initBackend, parseBackendName } from "./backend.js";

const unavailable = (message: string) => async () => {
  throw new Error(message);
};

describe("initBackend", () => {
  afterAll(() => {
    if (tf.findBackend("tensorflow") !== null) tf.removeBackend("tensorflow");
  });

  it("falls back from tfjs-node to wasm with SIMD and says why", async () => {
    const report = await initBackend({ env: {}, loaders: { tensorflow: unavailable("no native addon") } });
    expect(report.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(report.forcedBy).toBeNull();
    expect(report.simd).toBe(true);
    expect(report.multiThread).toBe(false);
    expect(report.attempts).toEqual([
      { backend: "tensorflow", ok: false, error: "no native addon" },
      { backend: "wasm", ok: true },
    ]);
    expect(report.reason).toContain("fallback (tensorflow unavailable: no native addon)");
    expect(backendReport()).toBe(report);
  });

  it("takes tfjs-node first when it loads", async () => {
    const loadFakeNative = async () => {
      if (tf.findBackend("tensorflow") === null) {
        // A stand-in for tfjs-node's native backend: a second cpu backend under its name.
        tf.registerBackend("tensorflow", () => tf.findBackendFactory("cpu")!());
      }
    };
    const report = await initBackend({ env: {}, loaders: { tensorflow: loadFakeNative } });
    expect(report.backend).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    expect(report.reason).toBe("tensorflow: first choice");
    expect(report.simd).toBeUndefined();
  });

  it("uses the real loaders: tfjs-node when it is built, else wasm", async () => {
    const report = await initBackend({ env: {} });
    expect(report.attempts.at(-1)).toEqual({ backend: report.backend, ok: true });
    if (report.backend === "wasm") {
      expect(report.attempts[0].backend).toBe("tensorflow");
      expect(report.attempts[0].ok).toBe(false);
    } else {
      expect(report.backend).toBe("tensorflow");
    }
  });

  it("is forced by GEMCNN_BACKEND", async () => {
    const report = await initBackend({ env: { GEMCNN_BACKEND: "cpu" } });
    expect(report.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.forcedBy).toBe("env");
    expect(report.attempts).toEqual([{ backend: "cpu", ok: true }]);
    expect(report.reason).toBe("cpu: forced by GEMCNN_BACKEND");
  });

  it("lets the option win over the variable", async () => {
    const report = await initBackend({ backend: "wasm", env: { GEMCNN_BACKEND: "cpu" } });
    expect(report.backend).toBe("wasm");
    expect(report.forcedBy).toBe("option");
  });

  it("treats GEMCNN_BACKEND=auto as no choice", async () => {
    const report = await initBackend({
      env: { GEMCNN_BACKEND: "auto" },
      loaders: { tensorflow: unavailable("absent") },
    });
    expect(report.backend).toBe("wasm");
    expect(report.forcedBy).toBeNull();
  });

  it("does not fall back from a forced backend that fails", async () => {
    await expect(
      initBackend({ env: { GEMCNN_BACKEND: "tensorflow" }, loaders: { tensorflow: unavailable("absent") } }),
    ).rejects.toThrow(
      /backend "tensorflow" forced by GEMCNN_BACKEND could not be initialised \(tensorflow: absent\)/,
    );
    await expect(initBackend({ backend: "webgl", env: {} })).rejects.toThrow(BackendError);
  });

  it("rejects unknown names, naming where they came from", async () => {
    await expect(initBackend({ env: { GEMCNN_BACKEND: "cuda" } })).rejects.toThrow(
      /environment variable GEMCNN_BACKEND: unknown backend "cuda"/,
    );
    expect(() => parseBackendName("tpu", "--backend")).toThrow(/--backend: unknown backend "tpu"/);
    expect(parseBackendName(" Node ", "x")).toBe("tensorflow");
  });

  it("reports failure when nothing loads", async () => {
    await expect(
      initBackend({
        env: {},
        loaders: { tensorflow: unavailable("a"), wasm: unavailable("b"), cpu: unavailable("c") },
      }),
    ).rejects.toThrow("no tfjs backend could be initialised (tensorflow: a; wasm: b; cpu: c)");
  });
});
