import { type BackendReport, initBackend, parseBackendName } from "@gemcnn/nn";
// The tfjs wasm binaries, emitted by Vite as assets of the build (and served from node_modules by
// the dev server): the page hands their URLs to tfjs instead of relying on a CDN.
import plainWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import threadedSimdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

/** The wasm file names tfjs asks for, mapped to where the page serves them. */
export const WASM_PATHS: Record<string, string> = {
  "tfjs-backend-wasm.wasm": plainWasm,
  "tfjs-backend-wasm-simd.wasm": simdWasm,
  "tfjs-backend-wasm-threaded-simd.wasm": threadedSimdWasm,
};

let chosen: Promise<BackendReport> | undefined;

/**
 * The page's one tfjs backend, set up on first use by nn's `initBackend` in its browser order:
 * wasm (SIMD where the browser has it) with the binaries above, because gemcnn's message-passing
 * kernels read tensors back to JS on every call, which is cheap from wasm memory and costly from a
 * WebGL texture; then webgl, then the pure-JS cpu backend. `?backend=cpu|wasm|webgl` in the page's
 * address forces one (to compare them); an unknown name rejects with a `BackendError`.
 */
export function pageBackend(): Promise<BackendReport> {
  chosen ??= (async () => {
    const forced = new URLSearchParams(window.location.search).get("backend");
    const backend = forced === null ? "auto" : parseBackendName(forced, "the page's ?backend= parameter");
    return initBackend({ backend, wasmPaths: WASM_PATHS });
  })();
  return chosen;
}
