import { type SimdKernels, simdKernels } from "./simd-module.js";

/**
 * A private WebAssembly memory for the SIMD kernels on backends whose tensors do not live in a
 * wasm heap (tfjs-node, cpu, webgl): each kernel call copies its inputs in, runs, and copies its
 * outputs out. Allocation is a bump pointer reset at the start of every call; the memory grows
 * when needed and is reused, so the copies touch no fresh pages after the first calls.
 */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly kernels: SimdKernels;
  private top = 0;

  constructor(memory: WebAssembly.Memory, kernels: SimdKernels) {
    this.memory = memory;
    this.kernels = kernels;
  }

  /** Forgets every allocation (the next call's data overwrites them). */
  reset(): void {
    this.top = 0;
  }

  /** Reserves `bytes` (16-byte aligned) and returns the address; may grow (and move) the memory. */
  alloc(bytes: number): number {
    const address = this.top;
    this.top = address + Math.ceil(bytes / 16) * 16;
    const missing = this.top - this.memory.buffer.byteLength;
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    return address;
  }

  /** Copies `data` in and returns its address. */
  put(data: Float32Array | Uint32Array): number {
    const address = this.alloc(data.byteLength);
    new Uint8Array(this.memory.buffer, address, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return address;
  }
}

let arena: WasmArena | null | undefined;

/** The shared arena, or `null` where WebAssembly SIMD is unavailable. */
export function wasmArena(): WasmArena | null {
  if (arena === undefined) {
    arena = null;
    if (typeof WebAssembly !== "undefined") {
      const memory = new WebAssembly.Memory({ initial: 16 });
      const kernels = simdKernels(memory);
      if (kernels !== null) arena = new WasmArena(memory, kernels);
    }
  }
  return arena;
}
