/**
 * A minimal WebAssembly assembler for the sparse solver's SIMD kernels: the instructions they
 * use, structured loops, and a module that imports one memory and exports functions whose
 * parameters are all i32 (addresses in bytes, counts).
 *
 * Why hand-assembled, as `@gemcnn/nn`'s kernels are (nn/src/kernels/simd-module.ts): no
 * maintained npm package offers these products in WebAssembly SIMD for Node and the browser
 * without a native build or a download. Checked: `eigen` (Eigen compiled to wasm) exposes dense
 * decompositions but no sparse factorisation nor raw block products on our memory; `mathjs` has
 * only a sparse LU on JavaScript arrays; `numeric` is unmaintained since 2012; `ml-matrix`,
 * `ml-sparse-matrix` and `@thi.ng/sparse` are plain JavaScript; `@stdlib/blas`'s WebAssembly
 * builds are level-1 routines (ddot, daxpy, …), one vector at a time, and its dgemm is
 * JavaScript. The loops are a few dozen instructions, and a toolchain (emscripten, wabt,
 * AssemblyScript) would add a build step and a generated artefact for them. Building the bytes
 * at run time also lets a kernel be specialised (unrolled) for the number of right-hand sides it
 * is asked for. Every module is checked by `WebAssembly.validate` before use, and where
 * WebAssembly SIMD is missing or compiling is refused, the same loops run in JavaScript
 * (`javascriptKernels`, `javascriptSolveKernels`), tested to agree to 1e-12.
 */

export function unsignedLeb(value: number): number[] {
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

export function signedLeb(value: number): number[] {
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

const simd = (code: number, ...immediates: number[]) => [0xfd, ...unsignedLeb(code), ...immediates];
/** Memory immediate: alignment exponent and constant offset. */
const memarg = (align: number, offset: number) => [align, ...unsignedLeb(offset)];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** A local variable of a function being assembled (parameters first). */
export interface Local {
  readonly index: number;
  readonly type: number;
}

type Code = number[];

/** Instruction encoders; expressions are byte arrays that leave their value on the stack. */
export const wasm = {
  get: (x: Local): Code => [0x20, ...unsignedLeb(x.index)],
  set: (x: Local, value: Code): Code => [...value, 0x21, ...unsignedLeb(x.index)],
  i32: (value: number): Code => [0x41, ...signedLeb(value)],
  add: (a: Code, b: Code): Code => [...a, ...b, 0x6a],
  sub: (a: Code, b: Code): Code => [...a, ...b, 0x6b],
  mul: (a: Code, b: Code): Code => [...a, ...b, 0x6c],
  shl: (a: Code, bits: number): Code => [...a, 0x41, ...signedLeb(bits), 0x74],
  i32Load: (address: Code, offset = 0): Code => [...address, 0x28, ...memarg(2, offset)],
  f64Load: (address: Code, offset = 0): Code => [...address, 0x2b, ...memarg(3, offset)],
  f64Store: (address: Code, value: Code, offset = 0): Code => [
    ...address,
    ...value,
    0x39,
    ...memarg(3, offset),
  ],
  f64Add: (a: Code, b: Code): Code => [...a, ...b, 0xa0],
  /** Two doubles at `address + offset`. */
  load: (address: Code, offset = 0): Code => [...address, ...simd(0x00, ...memarg(3, offset))],
  store: (address: Code, value: Code, offset = 0): Code => [
    ...address,
    ...value,
    ...simd(0x0b, ...memarg(3, offset)),
  ],
  /** One double at `address + offset` in both lanes. */
  loadSplat: (address: Code, offset = 0): Code => [...address, ...simd(0x0a, ...memarg(3, offset))],
  lane: (vector: Code, lane: number): Code => [...vector, ...simd(0x21, lane)],
  vAdd: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf0)],
  vSub: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf1)],
  vMul: (a: Code, b: Code): Code => [...a, ...b, ...simd(0xf2)],
  vZero: (): Code => [0xfd, 0x0c, ...new Array(16).fill(0)],
  /** `for (i = from; i < to; i += step) body` with unsigned comparison. */
  forRange: (i: Local, from: Code, to: Code, step: number, body: Code[]): Code => [
    ...from,
    0x21,
    ...unsignedLeb(i.index),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    0x20,
    ...unsignedLeb(i.index),
    ...to,
    0x4f, // i32.ge_u
    0x0d,
    1, // br_if out of the block
    ...body.flat(),
    0x20,
    ...unsignedLeb(i.index),
    0x41,
    ...signedLeb(step),
    0x6a,
    0x21,
    ...unsignedLeb(i.index),
    0x0c,
    0, // br to the loop
    0x0b,
    0x0b,
  ],
};

/** A function under construction: `param(name)` for each parameter first, then locals. */
export class FunctionBuilder {
  readonly name: string;
  private readonly params: Local[] = [];
  private readonly locals: Local[] = [];
  private next = 0;
  private sealed = false;

  constructor(name: string) {
    this.name = name;
  }

  param(): Local {
    if (this.sealed) throw new Error("parameters come before locals");
    const local = { index: this.next++, type: I32 };
    this.params.push(local);
    return local;
  }

  local(type: number): Local {
    this.sealed = true;
    const local = { index: this.next++, type };
    this.locals.push(local);
    return local;
  }

  locals32(count: number): Local[] {
    return Array.from({ length: count }, () => this.local(I32));
  }

  vectors(count: number): Local[] {
    return Array.from({ length: count }, () => this.local(V128));
  }

  get parameterCount(): number {
    return this.params.length;
  }

  /** The code section entry for `body`. */
  encode(body: Code[]): number[] {
    // One local declaration per local keeps the encoding simple (a few bytes more).
    const declarations = [...unsignedLeb(this.locals.length), ...this.locals.flatMap((l) => [1, l.type])];
    const code = [...declarations, ...body.flat(), 0x0b];
    return [...unsignedLeb(code.length), ...code];
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function utf8(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...unsignedLeb(bytes.length), ...bytes];
}

/** A module importing `env.memory` and exporting each function under its name. */
export function moduleBytes(
  functions: { builder: FunctionBuilder; body: Code[] }[],
): Uint8Array<ArrayBuffer> {
  const types = functions.flatMap(({ builder }) => [
    0x60,
    ...unsignedLeb(builder.parameterCount),
    ...new Array(builder.parameterCount).fill(I32),
    0,
  ]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [...unsignedLeb(functions.length), ...types]),
    ...section(2, [1, ...utf8("env"), ...utf8("memory"), 0x02, 0x00, 0x01]),
    ...section(3, [...unsignedLeb(functions.length), ...functions.map((_, i) => i)]),
    ...section(7, [
      ...unsignedLeb(functions.length),
      ...functions.flatMap(({ builder }, i) => [...utf8(builder.name), 0x00, i]),
    ]),
    ...section(10, [
      ...unsignedLeb(functions.length),
      ...functions.flatMap(({ builder, body }) => builder.encode(body)),
    ]),
  ]);
}

/**
 * The module, or null where compiling is refused: a page whose Content-Security-Policy lacks
 * 'wasm-unsafe-eval' throws here, and the JavaScript kernels serve instead.
 */
export function compileOrNull(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}
