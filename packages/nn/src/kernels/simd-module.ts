/**
 * A tiny WebAssembly module (SIMD, 128-bit) with the per-edge loops of the aggregation kernel,
 * run directly on the tfjs wasm backend's heap (it imports that backend's memory): the
 * coefficient multiply-adds below, and the transport of rows (`transportBody`).
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
  f32LoadAt: (offset: number) => [0x2a, 2, ...unsignedLeb(offset)],
  f32Store: [0x38, 2, 0],
  f32StoreAt: (offset: number) => [0x38, 2, ...unsignedLeb(offset)],
  if: [0x04, 0x40],
  else: [0x05],
  i32LtS: [0x48],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  f32Neg: [0x8c],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  v128Const: (values: number[]) => [0xfd, 0x0c, ...new Uint8Array(Float32Array.from(values).buffer)],
  /** Swaps the two floats of each pair: lanes (1, 0, 3, 2). */
  swapPairs: [0xfd, 0x0d, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11],
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
    ...op.i32And,
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

/** `block loop (exit when a ≥ b) body (br loop) end end` */
function whileLess(a: number, b: number, body: number[]): number[] {
  return [
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
}

/**
 * The transport of rows between vertices and edges, term by term: scalars are copied, each
 * 2-dimensional copy of order n is rotated by `ρ_n(±α_e)` using the edge's `cos nα, sin nα`.
 * - `gatherTransported(E, sources, x, dim, trig, trigStride, terms, nTerms, rows)`:
 *   `rows[e] = ρ(α_e) x[sources[e]]`;
 * - `scatterTransported(E, sources, dx, dim, trig, trigStride, terms, nTerms, rows)`:
 *   `dx[sources[e]] += ρ(−α_e) rows[e]`.
 * `trig` is `[E × trigStride bytes]` f32; `terms` is `nTerms` triples of i32: byte offset of the
 * term's `cos` in a trig row (−1 for scalars), first and one-past-last byte of the term in a row.
 */
function transportBody(direction: "gather" | "scatter"): number[] {
  const [EDGES, SOURCES, VERTEX, DIM, TRIG, TSTRIDE, TERMS, NTERMS, ROWS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [EI, VROW, EROW, TROW, TI, TEND, J, JEND, JVEND, TOFF, SRC, DST, DIMB] = [
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
  ];
  const [C, S, A, B] = [22, 23, 24, 25];
  const [C4, S4, VEC] = [26, 27, 28];
  const add = direction === "scatter";
  const at = (base: number) => [...op.get(base), ...op.get(J), ...op.i32Add];
  /** Stores the value on the stack at DST + J (+ offset), added to what is there when scattering. */
  const storeF32 = (offset: number, value: number[]) => [
    ...at(DST),
    ...value,
    ...(add ? [...at(DST), ...op.f32LoadAt(offset), ...op.f32Add] : []),
    ...op.f32StoreAt(offset),
  ];
  const copyScalars = [
    ...whileLess(J, JVEND, [
      ...at(DST),
      ...at(SRC),
      ...op.v128Load,
      ...(add ? [...at(DST), ...op.v128Load, ...op.f32x4Add] : []),
      ...op.v128Store,
      ...increment(J, 16),
    ]),
    ...whileLess(J, JEND, [...storeF32(0, [...at(SRC), ...op.f32Load]), ...increment(J, 4)]),
  ];
  const rotatePairs = [
    ...op.get(TROW),
    ...op.get(TOFF),
    ...op.i32Add,
    ...op.f32Load,
    ...op.set(C),
    ...op.get(TROW),
    ...op.get(TOFF),
    ...op.i32Add,
    ...op.f32LoadAt(4),
    ...(add ? op.f32Neg : []),
    ...op.set(S),
    ...op.get(C),
    ...op.f32x4Splat,
    ...op.set(C4),
    ...op.get(S),
    ...op.f32x4Splat,
    ...op.v128Const([-1, 1, -1, 1]),
    ...op.f32x4Mul,
    ...op.set(S4),
    // Four floats (two copies) at a time: c·(a, b) + s·(−b, a).
    ...whileLess(J, JVEND, [
      ...at(DST),
      ...at(SRC),
      ...op.v128Load,
      ...op.set(VEC),
      ...op.get(C4),
      ...op.get(VEC),
      ...op.f32x4Mul,
      ...op.get(S4),
      ...op.get(VEC),
      ...op.get(VEC),
      ...op.swapPairs,
      ...op.f32x4Mul,
      ...op.f32x4Add,
      ...(add ? [...at(DST), ...op.v128Load, ...op.f32x4Add] : []),
      ...op.v128Store,
      ...increment(J, 16),
    ]),
    // A last copy: (c a − s b, s a + c b).
    ...whileLess(J, JEND, [
      ...at(SRC),
      ...op.f32Load,
      ...op.set(A),
      ...at(SRC),
      ...op.f32LoadAt(4),
      ...op.set(B),
      ...storeF32(0, [
        ...op.get(C),
        ...op.get(A),
        ...op.f32Mul,
        ...op.get(S),
        ...op.get(B),
        ...op.f32Mul,
        ...op.f32Sub,
      ]),
      ...storeF32(4, [
        ...op.get(S),
        ...op.get(A),
        ...op.f32Mul,
        ...op.get(C),
        ...op.get(B),
        ...op.f32Mul,
        ...op.f32Add,
      ]),
      ...increment(J, 8),
    ]),
  ];
  const perTerm = [
    ...op.get(TERMS),
    ...op.get(TI),
    ...op.i32Add,
    ...op.i32Load(0),
    ...op.set(TOFF),
    ...op.get(TERMS),
    ...op.get(TI),
    ...op.i32Add,
    ...op.i32Load(4),
    ...op.set(J),
    ...op.get(TERMS),
    ...op.get(TI),
    ...op.i32Add,
    ...op.i32Load(8),
    ...op.set(JEND),
    // JVEND = J + ((JEND − J) & −16)
    ...op.get(J),
    ...op.get(JEND),
    ...op.get(J),
    ...op.i32Sub,
    ...op.i32(-16),
    ...op.i32And,
    ...op.i32Add,
    ...op.set(JVEND),
    ...op.get(TOFF),
    ...op.i32(0),
    ...op.i32LtS,
    ...op.if,
    ...copyScalars,
    ...op.else,
    ...rotatePairs,
    ...op.end,
    ...increment(TI, 12),
  ];
  const [source, destination] = direction === "gather" ? [VROW, EROW] : [EROW, VROW];
  const perEdge = [
    // VROW = vertex + sources[e]·dim·4; EROW = rows + e·dim·4; TROW = trig + e·trigStride
    ...op.get(VERTEX),
    ...op.get(SOURCES),
    ...op.get(EI),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.i32Load(0),
    ...op.get(DIMB),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(VROW),
    ...op.get(ROWS),
    ...op.get(EI),
    ...op.get(DIMB),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(EROW),
    ...op.get(TRIG),
    ...op.get(EI),
    ...op.get(TSTRIDE),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(TROW),
    ...op.get(source),
    ...op.set(SRC),
    ...op.get(destination),
    ...op.set(DST),
    ...op.i32(0),
    ...op.set(TI),
    ...whileLess(TI, TEND, perTerm),
    ...increment(EI, 1),
  ];
  const body = [
    ...op.get(DIM),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.set(DIMB),
    ...op.get(NTERMS),
    ...op.i32(12),
    ...op.i32Mul,
    ...op.set(TEND),
    ...op.i32(0),
    ...op.set(EI),
    ...whileLess(EI, EDGES, perEdge),
    ...op.end,
  ];
  // Locals: 13 i32, 4 f32, 3 v128.
  const code = [3, 13, 0x7f, 4, 0x7d, 3, 0x7b, ...body];
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
  const sevenInts = [0x60, 7, ...new Array(7).fill(i32), 0];
  const nineInts = [0x60, 9, ...new Array(9).fill(i32), 0];
  const exports: [string, number][] = [
    ["accumulate", 0],
    ["gather", 1],
    ["gatherTransported", 2],
    ["scatterTransported", 3],
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [2, ...sevenInts, ...nineInts]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]),
    ...section(3, [4, 0, 0, 1, 1]),
    ...section(7, [exports.length, ...exports.flatMap(([n, index]) => [...name(n), 0x00, index])]),
    ...section(10, [
      4,
      ...kernelBody("accumulate"),
      ...kernelBody("gather"),
      ...transportBody("gather"),
      ...transportBody("scatter"),
    ]),
  ]);
}

type Addresses7 = [number, number, number, number, number, number, number];
type Addresses9 = [number, number, number, number, number, number, number, number, number];

export interface SimdKernels {
  accumulate(...args: Addresses7): void;
  gather(...args: Addresses7): void;
  gatherTransported(...args: Addresses9): void;
  scatterTransported(...args: Addresses9): void;
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
