import * as tf from "@tensorflow/tfjs";

/** Names of the tfjs backends gemcnn knows how to set up (`tensorflow` is tfjs-node's native one). */
export const BACKEND_NAMES = ["tensorflow", "wasm", "webgl", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Environment variable that forces a backend, e.g. `GEMCNN_BACKEND=cpu`. */
export const BACKEND_ENV_VAR = "GEMCNN_BACKEND";

/** One backend that `initBackend` tried, in order. */
export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  /** Why it could not be used (the loader's error message). */
  readonly error?: string;
}

/** What `initBackend` chose and why. */
export interface BackendReport {
  readonly backend: BackendName;
  /** Who forced the choice: the `backend` option, the `GEMCNN_BACKEND` variable, or nobody (auto). */
  readonly forcedBy: "option" | "env" | null;
  /** One sentence for logs: the backend and why it was chosen. */
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  /** wasm only: whether the SIMD build is running. */
  readonly simd?: boolean;
  /** wasm only: whether the multi-threaded build is running (never in Node). */
  readonly multiThread?: boolean;
  readonly environment: "node" | "browser";
}

export class BackendError extends Error {
  override name = "BackendError";
}

export interface InitBackendOptions {
  /** Backend to use; `auto` (the default) tries them in order. Takes precedence over the variable. */
  readonly backend?: BackendName | "auto";
  /**
   * Where the tfjs wasm binaries are served from (a URL prefix ending in `/`, or a file map), passed
   * to `setWasmPaths`. In Node the package's own `dist/` folder is used when this is absent.
   */
  readonly wasmPaths?: string | Record<string, string>;
  /** Environment to read `GEMCNN_BACKEND` from; `process.env` in Node by default. */
  readonly env?: Record<string, string | undefined>;
  /**
   * @internal Replaces the loaders that import and register each backend, for tests of the
   * selection logic. A loader throws when its backend is unavailable.
   */
  readonly loaders?: Partial<Record<BackendName, () => Promise<void>>>;
}

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;

/**
 * Auto order. Node: the native backend when tfjs-node is installed and built, then wasm (SIMD),
 * then the slow pure-JS cpu backend. Browser: wasm before webgl, because the message-passing
 * kernels read their inputs back to JS every call, which is cheap from wasm memory and costly
 * from a GPU texture.
 */
const AUTO_ORDER: Record<"node" | "browser", readonly BackendName[]> = {
  node: ["tensorflow", "wasm", "cpu"],
  browser: ["wasm", "webgl", "cpu"],
};

let currentReport: BackendReport | null = null;

/** The report of the last successful `initBackend`, or `null` before it ran. */
export function backendReport(): BackendReport | null {
  return currentReport;
}

/** Parses a backend name from an option or the environment; throws naming the source when invalid. */
export function parseBackendName(value: string, source: string): BackendName | "auto" {
  const name = value.trim().toLowerCase();
  if (name === "auto" || name === "") return "auto";
  if (name === "node" || name === "tfjs-node") return "tensorflow";
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new BackendError(
    `${source}: unknown backend "${value}"; expected one of auto, ${BACKEND_NAMES.join(", ")}`,
  );
}

/**
 * Chooses and initialises the tfjs backend: tfjs-node when it is installed and loads, otherwise wasm
 * with SIMD, otherwise cpu. `options.backend` or the `GEMCNN_BACKEND` variable forces one; a forced
 * backend that fails throws a `BackendError` instead of falling back. Returns (and remembers, see
 * `backendReport`) what was chosen and why.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const environment = isNode ? "node" : "browser";
  const env = options.env ?? (isNode ? process.env : {});
  let requested: BackendName | "auto" = "auto";
  let forcedBy: BackendReport["forcedBy"] = null;
  if (options.backend !== undefined && options.backend !== "auto") {
    requested = parseBackendName(options.backend, "initBackend({ backend })");
    forcedBy = "option";
  } else if (options.backend === undefined && env[BACKEND_ENV_VAR] !== undefined) {
    requested = parseBackendName(env[BACKEND_ENV_VAR]!, `environment variable ${BACKEND_ENV_VAR}`);
    if (requested !== "auto") forcedBy = "env";
  }
  const candidates = requested === "auto" ? AUTO_ORDER[environment] : [requested];
  const loaders = { ...defaultLoaders(options), ...options.loaders };
  const attempts: BackendAttempt[] = [];
  for (const backend of candidates) {
    try {
      await loaders[backend]();
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend("${backend}") returned false`);
      await tf.ready();
      attempts.push({ backend, ok: true });
    } catch (error) {
      attempts.push({ backend, ok: false, error: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const report = describe(backend, forcedBy, attempts, environment, await wasmFlags(backend));
    currentReport = report;
    return report;
  }
  const tried = attempts.map((a) => `${a.backend}: ${a.error}`).join("; ");
  throw new BackendError(
    forcedBy === null
      ? `no tfjs backend could be initialised (${tried})`
      : `backend "${requested}" forced by ${forcedBy === "env" ? BACKEND_ENV_VAR : "initBackend({ backend })"} could not be initialised (${tried})`,
  );
}

function describe(
  backend: BackendName,
  forcedBy: BackendReport["forcedBy"],
  attempts: BackendAttempt[],
  environment: "node" | "browser",
  flags: { simd?: boolean; multiThread?: boolean },
): BackendReport {
  // First line only: tfjs-node's load error goes on for a paragraph.
  const failed = attempts
    .filter((a) => !a.ok)
    .map((a) => `${a.backend} unavailable: ${a.error?.split("\n")[0].trim()}`);
  const how =
    forcedBy === "option"
      ? "forced by initBackend({ backend })"
      : forcedBy === "env"
        ? `forced by ${BACKEND_ENV_VAR}`
        : failed.length === 0
          ? "first choice"
          : `fallback (${failed.join("; ")})`;
  const detail =
    flags.simd === undefined
      ? ""
      : ` (SIMD ${flags.simd ? "on" : "off"}, ${flags.multiThread ? "multi" : "single"}-threaded)`;
  return { backend, forcedBy, reason: `${backend}${detail}: ${how}`, attempts, environment, ...flags };
}

async function wasmFlags(backend: BackendName): Promise<{ simd?: boolean; multiThread?: boolean }> {
  if (backend !== "wasm") return {};
  return {
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    multiThread: Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")),
  };
}

// Module names held in variables so that browser bundlers do not try to resolve tfjs-node.
const TFJS_NODE = "@tensorflow/tfjs-node";
const NODE_MODULE = "node:module";

let wasmPathsSet = false;

function defaultLoaders(options: InitBackendOptions): Record<BackendName, () => Promise<void>> {
  return {
    tensorflow: async () => {
      if (!isNode) throw new Error("tfjs-node runs only in Node");
      // Throws when the package is absent or its native binding was never built.
      await import(/* @vite-ignore */ TFJS_NODE);
      if (tf.findBackend("tensorflow") === null) throw new Error(`${TFJS_NODE} did not register its backend`);
    },
    wasm: async () => {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      if (options.wasmPaths !== undefined) {
        wasm.setWasmPaths(options.wasmPaths);
        wasmPathsSet = true;
      } else if (isNode && !wasmPathsSet) {
        const { createRequire } = (await import(
          /* @vite-ignore */ NODE_MODULE
        )) as typeof import("node:module");
        const main = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
        wasm.setWasmPaths(main.slice(0, main.lastIndexOf("/") + 1));
        wasmPathsSet = true;
      }
    },
    // @tensorflow/tfjs registers webgl and cpu when it loads.
    webgl: async () => {
      if (isNode) throw new Error("webgl needs a browser");
    },
    cpu: async () => {},
  };
}
