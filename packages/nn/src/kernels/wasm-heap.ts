import * as tf from "@tensorflow/tfjs";
import { type SimdKernels, simdKernels } from "./simd-module.js";

/**
 * The tfjs wasm backend's heap, for kernels that run their own WebAssembly on it: its memory,
 * `malloc`/`free`, and scratch regions that grow on demand. Allocation may grow the heap, so
 * callers allocate before they take any view of it.
 */
interface EmscriptenModule {
  asm?: { memory?: WebAssembly.Memory };
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

export interface WasmHeap {
  readonly module: EmscriptenModule;
  readonly memory: WebAssembly.Memory;
  readonly kernels: SimdKernels;
  /** Returns the address of scratch region `slot`, at least `bytes` long (its contents are not kept). */
  scratch(slot: string, bytes: number): number;
  /**
   * A region filled once with `data()` that lives as long as `owner` (freed once `owner` is
   * collected); later calls with the same owner and slot return it without calling `data`.
   */
  constant(owner: object, slot: string, data: () => Uint32Array | Float32Array): number;
}

const heaps = new WeakMap<object, WasmHeap | null>();

/** The heap of the active backend when it is wasm and the SIMD kernels can run on it, else `null`. */
export function activeWasmHeap(): WasmHeap | null {
  if (tf.getBackend() !== "wasm") return null;
  const backend = tf.backend() as unknown as { wasm: EmscriptenModule };
  let heap = heaps.get(backend);
  if (heap === undefined) {
    const memory = backend.wasm.asm?.memory;
    const kernels = memory instanceof WebAssembly.Memory ? simdKernels(memory) : null;
    heap = memory !== undefined && kernels !== null ? makeHeap(backend.wasm, memory, kernels) : null;
    heaps.set(backend, heap);
  }
  return heap;
}

function makeHeap(module: EmscriptenModule, memory: WebAssembly.Memory, kernels: SimdKernels): WasmHeap {
  const scratch = new Map<string, { pointer: number; bytes: number }>();
  const constants = new WeakMap<object, Map<string, number>>();
  const release = new FinalizationRegistry<number[]>((pointers) => {
    for (const p of pointers) module._free(p);
  });
  return {
    module,
    memory,
    kernels,
    scratch(slot, bytes) {
      const region = scratch.get(slot);
      if (region !== undefined && region.bytes >= bytes) return region.pointer;
      if (region !== undefined) module._free(region.pointer);
      // Grow by half again to avoid reallocating for slightly larger meshes.
      const size = Math.max(64, Math.ceil(bytes * 1.5));
      const pointer = module._malloc(size);
      scratch.set(slot, { pointer, bytes: size });
      return pointer;
    },
    constant(owner, slot, data) {
      let regions = constants.get(owner);
      if (regions === undefined) {
        regions = new Map();
        constants.set(owner, regions);
      }
      let pointer = regions.get(slot);
      if (pointer === undefined) {
        const values = data();
        pointer = module._malloc(Math.max(4, values.byteLength));
        module.HEAPU8.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), pointer);
        regions.set(slot, pointer);
        release.register(owner, [pointer]);
      }
      return pointer;
    },
  };
}
