import * as tf from "@tensorflow/tfjs";
import { type SimdKernels, simdKernels } from "./simd-module.js";

/**
 * The tfjs wasm backend's heap, for kernels that run their own WebAssembly on it: its memory,
 * `malloc`/`free`, scratch regions that grow on demand, and tables owned by an object (a kernel
 * plan). Allocation may grow the heap, so callers allocate before they take any view of it.
 */
export interface EmscriptenModule {
  asm?: { memory?: WebAssembly.Memory };
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** The wasm heap cannot give a kernel the memory it needs. */
export class WasmHeapError extends Error {
  override name = "WasmHeapError";
}

/**
 * A pointer returned by wasm (`_malloc`) as a byte address. wasm32 pointers are unsigned, but a
 * wasm `i32` result reaches JavaScript as a signed number: past 2 GiB of heap it is negative, and
 * a typed-array view or `set` at it would throw a RangeError or, after arithmetic, touch the wrong
 * memory. Every address from wasm goes through here. (Passing it back needs no conversion: wasm
 * reads the same 32 bits either way.)
 */
export function heapAddress(pointer: number): number {
  return pointer >>> 0;
}

export interface WasmHeap {
  readonly module: EmscriptenModule;
  readonly memory: WebAssembly.Memory;
  readonly kernels: SimdKernels;
  /** Returns the address of scratch region `slot`, at least `bytes` long (its contents are not kept). */
  scratch(slot: string, bytes: number): number;
  /**
   * A region filled once with `data()` that belongs to `owner` until `release(owner)` (or, as a
   * safety net, until `owner` is collected); later calls with the same owner and slot return it
   * without calling `data`.
   */
  constant(owner: object, slot: string, data: () => Uint32Array | Float32Array): number;
  /** Frees every region of `owner` now; harmless when it has none (or was released already). */
  release(owner: object): void;
  /** Bytes held by owned regions (not the scratch), for tests and benchmarks. */
  readonly tableBytes: number;
}

/** One owner's regions. It never refers to the owner, so that the owner can be collected. */
interface OwnedRegions {
  readonly pointers: Map<string, { readonly pointer: number; readonly bytes: number }>;
}

const heaps = new WeakMap<object, WasmHeap | null>();
/** The heaps that hold tables of an owner (tables may have been made under several backends). */
const ownerHeaps = new WeakMap<object, Set<WasmHeap>>();
/** Every heap made, weakly: a removed backend's heap is not kept alive for `wasmTableBytes`. */
const allHeaps = new Set<WeakRef<WasmHeap>>();

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

/** Frees the regions of `owner` in every heap that has some; harmless when none has. */
export function releaseWasmTables(owner: object): void {
  const holders = ownerHeaps.get(owner);
  if (holders === undefined) return;
  ownerHeaps.delete(owner);
  for (const heap of holders) heap.release(owner);
}

/** Bytes of kernel tables now allocated in every wasm heap (for tests and benchmarks). */
export function wasmTableBytes(): number {
  let bytes = 0;
  for (const ref of allHeaps) {
    const heap = ref.deref();
    if (heap === undefined) allHeaps.delete(ref);
    else bytes += heap.tableBytes;
  }
  return bytes;
}

/**
 * A heap over an Emscripten module's `malloc`/`free` (the backend's, or a test's stand-in).
 * Exported for tests only; kernels use `activeWasmHeap`.
 */
export function makeHeap(
  module: EmscriptenModule,
  memory: WebAssembly.Memory,
  kernels: SimdKernels,
): WasmHeap {
  const scratch = new Map<string, { pointer: number; bytes: number }>();
  const owned = new WeakMap<object, OwnedRegions>();
  let tableBytes = 0;
  const allocate = (bytes: number, what: string): number => {
    const pointer = heapAddress(module._malloc(bytes));
    if (pointer === 0) {
      throw new WasmHeapError(
        `GemConv kernels: the wasm heap cannot hold ${bytes} more bytes for ${what} (${memory.buffer.byteLength} bytes in use); dispose batches and graphs that are no longer needed (disposeMeshBatch, disposeConvGraph)`,
      );
    }
    return pointer;
  };
  const freeAll = (regions: OwnedRegions) => {
    for (const { pointer, bytes } of regions.pointers.values()) {
      module._free(pointer);
      tableBytes -= bytes;
    }
    // Emptied, so that neither a later release nor the finalizer frees these pointers again.
    regions.pointers.clear();
  };
  // The safety net for owners nobody releases; its callbacks run only between tasks, so a loop
  // that never yields relies on `release`.
  const finalizer = new FinalizationRegistry<OwnedRegions>(freeAll);
  const heap: WasmHeap = {
    module,
    memory,
    kernels,
    get tableBytes() {
      return tableBytes;
    },
    scratch(slot, bytes) {
      const region = scratch.get(slot);
      if (region !== undefined && region.bytes >= bytes) return region.pointer;
      if (region !== undefined) {
        module._free(region.pointer);
        scratch.delete(slot);
      }
      // Grow by half again to avoid reallocating for slightly larger meshes.
      const size = Math.max(64, Math.ceil(bytes * 1.5));
      const pointer = allocate(size, `scratch "${slot}"`);
      scratch.set(slot, { pointer, bytes: size });
      return pointer;
    },
    constant(owner, slot, data) {
      let regions = owned.get(owner);
      if (regions === undefined) {
        regions = { pointers: new Map() };
        owned.set(owner, regions);
        finalizer.register(owner, regions, owner);
        let holders = ownerHeaps.get(owner);
        if (holders === undefined) {
          holders = new Set();
          ownerHeaps.set(owner, holders);
        }
        holders.add(heap);
      }
      const region = regions.pointers.get(slot);
      if (region !== undefined) return region.pointer;
      const values = data();
      const bytes = Math.max(4, values.byteLength);
      const pointer = allocate(bytes, `table "${slot}"`);
      module.HEAPU8.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), pointer);
      regions.pointers.set(slot, { pointer, bytes });
      tableBytes += bytes;
      return pointer;
    },
    release(owner) {
      const regions = owned.get(owner);
      if (regions === undefined) return;
      owned.delete(owner);
      finalizer.unregister(owner);
      freeAll(regions);
    },
  };
  allHeaps.add(new WeakRef(heap));
  return heap;
}
