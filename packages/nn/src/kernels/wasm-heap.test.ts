import { describe, expect, it } from "vitest";
import type { SimdKernels } from "./simd-module.js";
import {
  type EmscriptenModule,
  heapAddress,
  makeHeap,
  releaseWasmTables,
  WasmHeapError,
  wasmTableBytes,
} from "./wasm-heap.js";

describe("heapAddress", () => {
  it("reads wasm32 pointers as unsigned, also at and beyond 2 GiB", () => {
    expect(heapAddress(0)).toBe(0);
    expect(heapAddress(16)).toBe(16);
    expect(heapAddress(2 ** 31 - 16)).toBe(2 ** 31 - 16);
    // What an i32 result of 2 GiB, 3 GiB and 4 GiB − 16 looks like in JavaScript.
    expect(heapAddress(-(2 ** 31))).toBe(2 ** 31);
    expect(heapAddress(-(2 ** 30))).toBe(3 * 2 ** 30);
    expect(heapAddress(-16)).toBe(2 ** 32 - 16);
    // Already unsigned (a heap that returns them so) stays as it is.
    expect(heapAddress(3 * 2 ** 30)).toBe(3 * 2 ** 30);
  });
});

/**
 * A stand-in for the backend's module: `_malloc` hands out addresses as a wasm i32 result would
 * reach JavaScript (signed: from 2 GiB on they are negative), and every write and free is
 * recorded, so the heap's use of the addresses can be checked without 2 GiB of memory.
 */
function fakeModule(firstAddress: number) {
  let next = firstAddress;
  const live = new Map<number, number>();
  const writes: number[] = [];
  const freed: number[] = [];
  let failNext = false;
  const module: EmscriptenModule = {
    HEAPU8: {
      set: (_data: ArrayLike<number>, offset: number) => {
        if (!(offset >= 0)) throw new RangeError(`offset ${offset} is out of bounds`);
        writes.push(offset);
      },
    } as unknown as Uint8Array,
    _malloc(bytes) {
      if (failNext) return 0;
      const address = next;
      next += Math.ceil(bytes / 16) * 16;
      live.set(address, bytes);
      return address | 0;
    },
    _free(pointer) {
      const address = pointer >>> 0;
      if (!live.has(address)) throw new Error(`free of ${address}, which is not allocated (double free?)`);
      live.delete(address);
      freed.push(address);
    },
  };
  return {
    module,
    live,
    writes,
    freed,
    failMallocs: () => {
      failNext = true;
    },
  };
}

const memory = new WebAssembly.Memory({ initial: 1 });
const kernels = {} as SimdKernels;

describe("wasm heap tables", () => {
  it("uses addresses past 2 GiB as unsigned for tables and scratch", () => {
    const fake = fakeModule(2 ** 31 - 32);
    const heap = makeHeap(fake.module, memory, kernels);
    const owner = {};
    const below = heap.constant(owner, "a", () => new Float32Array(4));
    const above = heap.constant(owner, "b", () => new Uint32Array(8));
    const scratch = heap.scratch("s", 100);
    expect(below).toBe(2 ** 31 - 32);
    expect(above).toBe(2 ** 31 - 16);
    expect(scratch).toBeGreaterThanOrEqual(2 ** 31);
    expect(fake.writes).toEqual([2 ** 31 - 32, 2 ** 31 - 16]);
    heap.release(owner);
    expect(fake.freed).toEqual([2 ** 31 - 32, 2 ** 31 - 16]);
  });

  it("frees an owner's tables on release, once: releasing again or an unknown owner is harmless", () => {
    const fake = fakeModule(1024);
    const heap = makeHeap(fake.module, memory, kernels);
    const owner = {};
    const other = {};
    const a = heap.constant(owner, "a", () => new Float32Array(10));
    expect(heap.constant(owner, "a", () => new Float32Array(99))).toBe(a);
    heap.constant(owner, "b", () => new Uint32Array(3));
    heap.constant(other, "a", () => new Float32Array(1));
    expect(heap.tableBytes).toBe(40 + 12 + 4);
    heap.release(owner);
    expect(heap.tableBytes).toBe(4);
    expect(fake.freed).toHaveLength(2);
    heap.release(owner);
    heap.release({});
    expect(fake.freed).toHaveLength(2);
    // A released owner that comes back gets new tables (the graph layer refuses disposed graphs).
    expect(heap.constant(owner, "a", () => new Float32Array(10))).not.toBe(a);
    heap.release(owner);
    heap.release(other);
    expect(heap.tableBytes).toBe(0);
    expect(fake.live.size).toBe(0);
  });

  it("releases an owner's tables in every heap that holds some (releaseWasmTables), once", () => {
    const one = fakeModule(1024);
    const two = fakeModule(4096);
    const heaps = [makeHeap(one.module, memory, kernels), makeHeap(two.module, memory, kernels)];
    const owner = {};
    const before = wasmTableBytes();
    for (const heap of heaps) heap.constant(owner, "a", () => new Float32Array(8));
    expect(wasmTableBytes()).toBe(before + 64);
    releaseWasmTables(owner);
    releaseWasmTables(owner);
    expect(wasmTableBytes()).toBe(before);
    expect([one.freed, two.freed]).toEqual([[1024], [4096]]);
  });

  it("says so when malloc fails instead of writing at address 0", () => {
    const fake = fakeModule(1024);
    const heap = makeHeap(fake.module, memory, kernels);
    fake.failMallocs();
    expect(() => heap.constant({}, "coefficients", () => new Float32Array(4))).toThrow(WasmHeapError);
    expect(() => heap.scratch("rows", 64)).toThrow(/wasm heap cannot hold .* for scratch "rows".*dispose/);
    expect(fake.writes).toEqual([]);
  });
});
