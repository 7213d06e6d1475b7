/**
 * A tiny WebAssembly module (SIMD, 128-bit) with the inner loops of the aggregation kernel, run
 * directly on the tfjs wasm backend's heap (it imports that backend's memory).
 *
 * Why hand-assembled: the loops are a few dozen instructions, and a toolchain (emscripten, wabt,
 * AssemblyScript) would add a build step and a generated artefact for them. The bytes are built
 * here, at run time, from the instruction list below, and validated by `WebAssembly.validate`.
 *
 * Both functions walk the edges in CSR order (sorted by receiving vertex p) and take a table of
 * K targets, each `(base address, row stride in bytes)`: target k's row of vertex p starts at
 * `base_k + p · stride_k`.
 * - `accumulate(V, offsets, rows, dim, coefficients, K, targets)`:
 *   `target_k[p][0..dim) += coefficients[e·K + k] · rows[e][0..dim)` for every edge e into p;
 * - `gather(V, offsets, rows, dim, coefficients, K, targets)`:
 *   `rows[e][0..dim) += coefficients[e·K + k] · target_k[p][0..dim)` (its transpose).
 * `offsets` are `V + 1` u32, `rows` is `[E × dim]` f32, `coefficients` `[E × K]` f32.
 */

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Instruction encoders (only those the kernels use). */
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsignedLeb(depth)],
  brIf: (depth: number) => [0x0d, ...unsignedLeb(depth)],
  get: (local: number) => [0x20, ...unsignedLeb(local)],
  set: (local: number) => [0x21, ...unsignedLeb(local)],
  i32: (value: number) => [0x41, ...signedLeb(value)],
  i32Load: (offset = 0) => [0x28, 2, ...unsignedLeb(offset)],
  f32Load: [0x2a, 2, 0],
  f32Store: [0x38, 2, 0],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  f32Add: [0x92],
  f32Mul: [0x94],
  v128Load: [0xfd, 0x00, 4, 0],
  v128Store: [0xfd, 0x0b, 4, 0],
  f32x4Splat: [0xfd, 0x13],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
};

// Parameters.
const V = 0;
const OFFSETS = 1;
const ROWS = 2;
const DIM = 3;
const COEFFICIENTS = 4;
const K = 5;
const TARGETS = 6;
// i32 locals.
const P = 7;
const E = 8;
const E_END = 9;
const KK = 10;
const ROW = 11;
const COEF_ROW = 12;
const TARGET = 13;
const J = 14;
const DIM_BYTES = 15;
const DIM_VECTOR_BYTES = 16;
// f32 and v128 locals.
const KAPPA = 17;
const KAPPA4 = 18;

/** `counter += step` */
const increment = (local: number, step: number) => [
  ...op.get(local),
  ...op.i32(step),
  ...op.i32Add,
  ...op.set(local),
];

/**
 * One function: `direction` "accumulate" adds κ·rows into the targets, "gather" adds κ·targets
 * into the rows. The inner loop runs over four floats at a time, then one at a time for the rest.
 */
function kernelBody(direction: "accumulate" | "gather"): number[] {
  const [destination, source] = direction === "accumulate" ? [TARGET, ROW] : [ROW, TARGET];
  const fmaVector = [
    ...op.get(destination),
    ...op.get(J),
    ...op.i32Add,
    ...op.get(destination),
    ...op.get(J),
    ...op.i32Add,
    ...op.v128Load,
    ...op.get(KAPPA4),
    ...op.get(source),
    ...op.get(J),
    ...op.i32Add,
    ...op.v128Load,
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...op.v128Store,
  ];
  const fmaScalar = [
    ...op.get(destination),
    ...op.get(J),
    ...op.i32Add,
    ...op.get(destination),
    ...op.get(J),
    ...op.i32Add,
    ...op.f32Load,
    ...op.get(KAPPA),
    ...op.get(source),
    ...op.get(J),
    ...op.i32Add,
    ...op.f32Load,
    ...op.f32Mul,
    ...op.f32Add,
    ...op.f32Store,
  ];
  /** `block loop (exit when a ≥ b) body (br loop) end end` */
  const whileLess = (a: number, b: number, body: number[]) => [
    ...op.block,
    ...op.loop,
    ...op.get(a),
    ...op.get(b),
    ...op.i32GeU,
    ...op.brIf(1),
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const perCoefficient = [
    // κ = coefficients[e·K + k]; target = base_k + p · stride_k
    ...op.get(COEF_ROW),
    ...op.get(KK),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.f32Load,
    ...op.set(KAPPA),
    ...op.get(KAPPA),
    ...op.f32x4Splat,
    ...op.set(KAPPA4),
    ...op.get(TARGETS),
    ...op.get(KK),
    ...op.i32(8),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(TARGET),
    ...op.get(TARGET),
    ...op.i32Load(0),
    ...op.get(P),
    ...op.get(TARGET),
    ...op.i32Load(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(TARGET),
    ...op.i32(0),
    ...op.set(J),
    ...whileLess(J, DIM_VECTOR_BYTES, [...fmaVector, ...increment(J, 16)]),
    ...whileLess(J, DIM_BYTES, [...fmaScalar, ...increment(J, 4)]),
    ...increment(KK, 1),
  ];
  const perEdge = [
    // row = rows + e · dim · 4; coefRow = coefficients + e · K · 4
    ...op.get(ROWS),
    ...op.get(E),
    ...op.get(DIM_BYTES),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(ROW),
    ...op.get(COEFFICIENTS),
    ...op.get(E),
    ...op.get(K),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(COEF_ROW),
    ...op.i32(0),
    ...op.set(KK),
    ...whileLess(KK, K, perCoefficient),
    ...increment(E, 1),
  ];
  const perVertex = [
    ...op.get(OFFSETS),
    ...op.get(P),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(TARGET),
    ...op.get(TARGET),
    ...op.i32Load(0),
    ...op.set(E),
    ...op.get(TARGET),
    ...op.i32Load(4),
    ...op.set(E_END),
    ...whileLess(E, E_END, perEdge),
    ...increment(P, 1),
  ];
  const body = [
    // dimBytes = dim · 4; dimVectorBytes = (dim − dim mod 4) · 4
    ...op.get(DIM),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.set(DIM_BYTES),
    ...op.get(DIM_BYTES),
    ...op.i32(-16),
    0x71, // i32.and
    ...op.set(DIM_VECTOR_BYTES),
    ...op.i32(0),
    ...op.set(P),
    ...whileLess(P, V, perVertex),
    ...op.end,
  ];
  // Locals: 10 i32, 1 f32, 1 v128.
  const locals = [3, ...unsignedLeb(10), 0x7f, 1, 0x7d, 1, 0x7b];
  const code = [...locals, ...body];
  return [...unsignedLeb(code.length), ...code];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...unsignedLeb(bytes.length), ...bytes];
}

/** The module's bytes: imports `env.memory`, exports `accumulate` and `gather`. */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  const i32 = 0x7f;
  const functionType = [0x60, 7, i32, i32, i32, i32, i32, i32, i32, 0];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, ...functionType]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name("accumulate"), 0x00, 0, ...name("gather"), 0x00, 1]),
    ...section(10, [2, ...kernelBody("accumulate"), ...kernelBody("gather")]),
  ]);
}

export interface SimdKernels {
  accumulate(...args: [number, number, number, number, number, number, number]): void;
  gather(...args: [number, number, number, number, number, number, number]): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The kernels bound to `memory`, or `null` where WebAssembly SIMD is unavailable or the memory is
 * shared (the multi-threaded tfjs build), in which case the JavaScript loops are used.
 */
export function simdKernels(memory: WebAssembly.Memory): SimdKernels | null {
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = null;
    const bytes = simdModuleBytes();
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    if (!shared && typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes)) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    }
    instances.set(memory, kernels);
  }
  return kernels;
}
