import { compileOrNull, FunctionBuilder, moduleBytes, wasm } from "./wasm-assembler.js";

/**
 * Dense products over column-major blocks in one memory: the orthogonalisation, Ritz vectors and
 * factorisation updates of the sparse solver. Addresses are byte offsets into the memory, leading
 * dimensions are in doubles, `rows` must be even (the SIMD kernels take two rows at a time; the
 * callers pad their columns to an even length).
 */
export interface DenseKernels {
  /** `C[j·ldc + q] += Σ_{i<rows} A[j·lda + i] B[q·ldb + i]` for `j < m`, `q < nb`: C += AᵀB. */
  gemmTN(
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    rows: number,
    m: number,
    nb: number,
  ): void;
  /** `Y[q·ldy + i] += Σ_{l<m} A[l·lda + i] C[l·ldc + q]` for `i < rows`, `q < nb`: Y += AC. */
  gemmNN(
    y: number,
    ldy: number,
    a: number,
    lda: number,
    c: number,
    ldc: number,
    rows: number,
    m: number,
    nb: number,
  ): void;
}

/** Plain JavaScript kernels on the memory's current buffer (where WebAssembly SIMD is missing). */
export function javascriptKernels(memory: { readonly buffer: ArrayBufferLike }): DenseKernels {
  let buffer = memory.buffer;
  let f64 = new Float64Array(buffer);
  const view = () => {
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      f64 = new Float64Array(buffer);
    }
    return f64;
  };
  return {
    gemmTN(a, lda, b, ldb, c, ldc, rows, m, nb) {
      const x = view();
      const A = a >> 3;
      const B = b >> 3;
      const C = c >> 3;
      // Two columns of A against four of B: eight running sums.
      let j = 0;
      for (; j + 2 <= m; j += 2) {
        const a0 = A + j * lda;
        const a1 = a0 + lda;
        let q = 0;
        for (; q + 4 <= nb; q += 4) {
          const b0 = B + q * ldb;
          const b1 = b0 + ldb;
          const b2 = b1 + ldb;
          const b3 = b2 + ldb;
          let s00 = 0;
          let s01 = 0;
          let s02 = 0;
          let s03 = 0;
          let s10 = 0;
          let s11 = 0;
          let s12 = 0;
          let s13 = 0;
          for (let i = 0; i < rows; i++) {
            const u = x[a0 + i];
            const v = x[a1 + i];
            const y0 = x[b0 + i];
            const y1 = x[b1 + i];
            const y2 = x[b2 + i];
            const y3 = x[b3 + i];
            s00 += u * y0;
            s01 += u * y1;
            s02 += u * y2;
            s03 += u * y3;
            s10 += v * y0;
            s11 += v * y1;
            s12 += v * y2;
            s13 += v * y3;
          }
          const c0 = C + j * ldc + q;
          const c1 = c0 + ldc;
          x[c0] += s00;
          x[c0 + 1] += s01;
          x[c0 + 2] += s02;
          x[c0 + 3] += s03;
          x[c1] += s10;
          x[c1 + 1] += s11;
          x[c1 + 2] += s12;
          x[c1 + 3] += s13;
        }
        for (; q < nb; q++) {
          const b0 = B + q * ldb;
          let s0 = 0;
          let s1 = 0;
          for (let i = 0; i < rows; i++) {
            const y = x[b0 + i];
            s0 += x[a0 + i] * y;
            s1 += x[a1 + i] * y;
          }
          x[C + j * ldc + q] += s0;
          x[C + (j + 1) * ldc + q] += s1;
        }
      }
      for (; j < m; j++) {
        const a0 = A + j * lda;
        for (let q = 0; q < nb; q++) {
          const b0 = B + q * ldb;
          let s = 0;
          for (let i = 0; i < rows; i++) s += x[a0 + i] * x[b0 + i];
          x[C + j * ldc + q] += s;
        }
      }
    },
    gemmNN(y, ldy, a, lda, c, ldc, rows, m, nb) {
      const x = view();
      const Y = y >> 3;
      const A = a >> 3;
      const C = c >> 3;
      // Two output columns by four columns of A: eight coefficients held in locals.
      let q = 0;
      for (; q + 2 <= nb; q += 2) {
        const y0 = Y + q * ldy;
        const y1 = y0 + ldy;
        let l = 0;
        for (; l + 4 <= m; l += 4) {
          const a0 = A + l * lda;
          const a1 = a0 + lda;
          const a2 = a1 + lda;
          const a3 = a2 + lda;
          const r0 = C + l * ldc + q;
          const r1 = r0 + ldc;
          const r2 = r1 + ldc;
          const r3 = r2 + ldc;
          const c00 = x[r0];
          const c01 = x[r0 + 1];
          const c10 = x[r1];
          const c11 = x[r1 + 1];
          const c20 = x[r2];
          const c21 = x[r2 + 1];
          const c30 = x[r3];
          const c31 = x[r3 + 1];
          for (let i = 0; i < rows; i++) {
            const u0 = x[a0 + i];
            const u1 = x[a1 + i];
            const u2 = x[a2 + i];
            const u3 = x[a3 + i];
            x[y0 + i] += u0 * c00 + u1 * c10 + u2 * c20 + u3 * c30;
            x[y1 + i] += u0 * c01 + u1 * c11 + u2 * c21 + u3 * c31;
          }
        }
        for (; l < m; l++) {
          const a0 = A + l * lda;
          const c0 = x[C + l * ldc + q];
          const c1 = x[C + l * ldc + q + 1];
          for (let i = 0; i < rows; i++) {
            const u = x[a0 + i];
            x[y0 + i] += u * c0;
            x[y1 + i] += u * c1;
          }
        }
      }
      for (; q < nb; q++) {
        const y0 = Y + q * ldy;
        for (let l = 0; l < m; l++) {
          const a0 = A + l * lda;
          const c0 = x[C + l * ldc + q];
          if (c0 === 0) continue;
          for (let i = 0; i < rows; i++) x[y0 + i] += x[a0 + i] * c0;
        }
      }
    },
  };
}

/** gemmTN: C += AᵀB, register tiles of 2 × 4, 2 × 1, 1 × 4 and 1 × 1 columns, two rows per step. */
function gemmTNFunction(): { builder: FunctionBuilder; body: number[][] } {
  const f = new FunctionBuilder("gemmTN");
  const [A, LDA, B, LDB, C, LDC, ROWS, M, NB] = Array.from({ length: 9 }, () => f.param());
  const [j, q, i, rowBytes, ldaB, ldbB, ldcB, mEven, nbQuad] = f.locals32(9);
  const pa = f.locals32(2);
  const pb = f.locals32(4);
  const acc = f.vectors(8);
  const va = f.vectors(2);
  const vb = f.local(0x7b);
  const { get, set, add, mul, shl, forRange, load, lane, vAdd, vMul, vZero, f64Load, f64Store, f64Add } =
    wasm;

  const tile = (jr: number, qr: number): number[][] => {
    const code: number[][] = [];
    for (let l = 0; l < qr; l++) code.push(set(pb[l], add(get(B), mul(add(get(q), wasm.i32(l)), get(ldbB)))));
    for (let t = 0; t < jr * qr; t++) code.push(set(acc[t], vZero()));
    const inner: number[][] = [];
    for (let k = 0; k < jr; k++) inner.push(set(va[k], load(add(get(pa[k]), get(i)))));
    for (let l = 0; l < qr; l++) {
      inner.push(set(vb, load(add(get(pb[l]), get(i)))));
      for (let k = 0; k < jr; k++)
        inner.push(set(acc[k * qr + l], vAdd(get(acc[k * qr + l]), vMul(get(va[k]), get(vb)))));
    }
    code.push(forRange(i, wasm.i32(0), get(rowBytes), 16, inner));
    for (let k = 0; k < jr; k++) {
      for (let l = 0; l < qr; l++) {
        const address = add(
          add(get(C), mul(add(get(j), wasm.i32(k)), get(ldcB))),
          shl(add(get(q), wasm.i32(l)), 3),
        );
        const sum = f64Add(lane(get(acc[k * qr + l]), 0), lane(get(acc[k * qr + l]), 1));
        code.push(f64Store(address, f64Add(f64Load(address), sum)));
      }
    }
    return code;
  };
  const columns = (jr: number): number[][] => [
    ...Array.from({ length: jr }, (_, k) =>
      set(pa[k], add(get(A), mul(add(get(j), wasm.i32(k)), get(ldaB)))),
    ),
    forRange(q, wasm.i32(0), get(nbQuad), 4, tile(jr, 4)),
    forRange(q, get(nbQuad), get(NB), 1, tile(jr, 1)),
  ];
  const body = [
    set(rowBytes, shl(get(ROWS), 3)),
    set(ldaB, shl(get(LDA), 3)),
    set(ldbB, shl(get(LDB), 3)),
    set(ldcB, shl(get(LDC), 3)),
    set(mEven, [...get(M), ...wasm.i32(-2), 0x71]),
    set(nbQuad, [...get(NB), ...wasm.i32(-4), 0x71]),
    forRange(j, wasm.i32(0), get(mEven), 2, columns(2)),
    forRange(j, get(mEven), get(M), 1, columns(1)),
  ];
  return { builder: f, body };
}

/** gemmNN: Y += AC, register tiles of 4 × 2, 1 × 2, 4 × 1 and 1 × 1 (A columns × Y columns). */
function gemmNNFunction(): { builder: FunctionBuilder; body: number[][] } {
  const f = new FunctionBuilder("gemmNN");
  const [Y, LDY, A, LDA, C, LDC, ROWS, M, NB] = Array.from({ length: 9 }, () => f.param());
  const [q, l, i, rowBytes, ldyB, ldaB, ldcB, mQuad, nbEven] = f.locals32(9);
  const py = f.locals32(2);
  const pa = f.locals32(4);
  const coefficient = f.vectors(8);
  const vy = f.vectors(2);
  const va = f.local(0x7b);
  const { get, set, add, mul, shl, forRange, load, store, loadSplat, vAdd, vMul } = wasm;

  const tile = (lr: number, qr: number): number[][] => {
    const code: number[][] = [];
    for (let k = 0; k < lr; k++) {
      code.push(set(pa[k], add(get(A), mul(add(get(l), wasm.i32(k)), get(ldaB)))));
      for (let t = 0; t < qr; t++) {
        code.push(
          set(
            coefficient[k * qr + t],
            loadSplat(
              add(add(get(C), mul(add(get(l), wasm.i32(k)), get(ldcB))), shl(add(get(q), wasm.i32(t)), 3)),
            ),
          ),
        );
      }
    }
    const inner: number[][] = [];
    for (let t = 0; t < qr; t++) inner.push(set(vy[t], load(add(get(py[t]), get(i)))));
    for (let k = 0; k < lr; k++) {
      inner.push(set(va, load(add(get(pa[k]), get(i)))));
      for (let t = 0; t < qr; t++)
        inner.push(set(vy[t], vAdd(get(vy[t]), vMul(get(va), get(coefficient[k * qr + t])))));
    }
    for (let t = 0; t < qr; t++) inner.push(store(add(get(py[t]), get(i)), get(vy[t])));
    code.push(forRange(i, wasm.i32(0), get(rowBytes), 16, inner));
    return code;
  };
  const outputs = (qr: number): number[][] => [
    ...Array.from({ length: qr }, (_, t) =>
      set(py[t], add(get(Y), mul(add(get(q), wasm.i32(t)), get(ldyB)))),
    ),
    forRange(l, wasm.i32(0), get(mQuad), 4, tile(4, qr)),
    forRange(l, get(mQuad), get(M), 1, tile(1, qr)),
  ];
  const body = [
    set(rowBytes, shl(get(ROWS), 3)),
    set(ldyB, shl(get(LDY), 3)),
    set(ldaB, shl(get(LDA), 3)),
    set(ldcB, shl(get(LDC), 3)),
    set(mQuad, [...get(M), ...wasm.i32(-4), 0x71]),
    set(nbEven, [...get(NB), ...wasm.i32(-2), 0x71]),
    forRange(q, wasm.i32(0), get(nbEven), 2, outputs(2)),
    forRange(q, get(nbEven), get(NB), 1, outputs(1)),
  ];
  return { builder: f, body };
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly or its SIMD extension is missing. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    if (typeof WebAssembly !== "undefined") {
      const bytes = moduleBytes([gemmTNFunction(), gemmNNFunction()]);
      if (WebAssembly.validate(bytes)) compiled = compileOrNull(bytes);
    }
  }
  return compiled;
}

/** Whether the WebAssembly SIMD kernels can run here. */
export function simdAvailable(): boolean {
  return kernelModule() !== null;
}

/** The SIMD kernels bound to `memory`, or null where they cannot run. */
export function simdKernels(memory: WebAssembly.Memory): DenseKernels | null {
  const module = kernelModule();
  if (module === null) return null;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as DenseKernels;
}
