import { compileOrNull, FunctionBuilder, type Local, moduleBytes, V128, wasm } from "./wasm-assembler.js";

/**
 * The triangular solves of a supernodal factor with `width` right-hand sides stored
 * interleaved (row i's `width` values together). A supernode's block of L is column-major with
 * leading dimension `ld` (in doubles): its first `ns` rows are the unit lower triangle of its
 * own columns, the `nu` rows below correspond to the global rows listed (int32) at `rows`.
 * `xs` is the address of the supernode's own rows of the right-hand sides, `x` of row 0.
 * Addresses are byte offsets into the factor's memory.
 */
export interface SolveKernels {
  /** xs ← L₁₁⁻¹ xs (unit lower triangle, columns in order). */
  lowerSolve(block: number, ld: number, ns: number, xs: number): void;
  /** x[rows[r]] −= Σ_j L₂₁[r, j] xs[j] for r < nu (`below` is the block's row ns). */
  scatterUpdate(below: number, ld: number, ns: number, nu: number, rows: number, xs: number, x: number): void;
  /** xs[j] −= Σ_r L₂₁[r, j] x[rows[r]] for j < ns. */
  gatherUpdate(below: number, ld: number, ns: number, nu: number, rows: number, xs: number, x: number): void;
  /** xs ← L₁₁⁻ᵀ xs. */
  upperSolve(block: number, ld: number, ns: number, xs: number): void;
}

/** The solve kernels in plain JavaScript, on the memory's current buffer. */
export function javascriptSolveKernels(memory: WebAssembly.Memory, width: number): SolveKernels {
  let buffer = memory.buffer;
  let f64 = new Float64Array(buffer);
  let i32 = new Int32Array(buffer);
  const view = () => {
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      f64 = new Float64Array(buffer);
      i32 = new Int32Array(buffer);
    }
    return f64;
  };
  const w = width;
  return {
    lowerSolve(block, ld, ns, xs) {
      const h = view();
      const L = block >> 3;
      const X = xs >> 3;
      for (let j = 0; j < ns; j++) {
        const column = L + j * ld;
        const xj = X + j * w;
        for (let r = j + 1; r < ns; r++) {
          const l = h[column + r];
          if (l === 0) continue;
          const xr = X + r * w;
          for (let c = 0; c < w; c++) h[xr + c] -= l * h[xj + c];
        }
      }
    },
    scatterUpdate(below, ld, ns, nu, rows, xs, x) {
      const h = view();
      const L = below >> 3;
      const X = xs >> 3;
      const base = x >> 3;
      const R = rows >> 2;
      for (let j = 0; j < ns; j++) {
        const column = L + j * ld;
        const xj = X + j * w;
        for (let r = 0; r < nu; r++) {
          const l = h[column + r];
          if (l === 0) continue;
          const target = base + i32[R + r] * w;
          for (let c = 0; c < w; c++) h[target + c] -= l * h[xj + c];
        }
      }
    },
    gatherUpdate(below, ld, ns, nu, rows, xs, x) {
      const h = view();
      const L = below >> 3;
      const X = xs >> 3;
      const base = x >> 3;
      const R = rows >> 2;
      for (let j = 0; j < ns; j++) {
        const column = L + j * ld;
        const xj = X + j * w;
        for (let r = 0; r < nu; r++) {
          const l = h[column + r];
          if (l === 0) continue;
          const source = base + i32[R + r] * w;
          for (let c = 0; c < w; c++) h[xj + c] -= l * h[source + c];
        }
      }
    },
    upperSolve(block, ld, ns, xs) {
      const h = view();
      const L = block >> 3;
      const X = xs >> 3;
      for (let j = ns - 1; j >= 0; j--) {
        const column = L + j * ld;
        const xj = X + j * w;
        for (let r = j + 1; r < ns; r++) {
          const l = h[column + r];
          if (l === 0) continue;
          const xr = X + r * w;
          for (let c = 0; c < w; c++) h[xj + c] -= l * h[xr + c];
        }
      }
    },
  };
}

type Code = number[];

/** The four kernels for an even `width`, unrolled over its `width / 2` lanes of two doubles. */
function solveFunctions(width: number): { builder: FunctionBuilder; body: Code[] }[] {
  const lanes = width / 2;
  const rowBytes = width * 8;
  const { get, set, add, sub, mul, shl, forRange, load, store, loadSplat, vAdd, vSub, vMul, vZero, i32Load } =
    wasm;
  const i32 = wasm.i32;
  /** `address + r · rowBytes` */
  const row = (address: Local, r: Code): Code => add(get(address), mul(r, i32(rowBytes)));

  const lower = (name: "lowerSolve" | "upperSolve"): { builder: FunctionBuilder; body: Code[] } => {
    const f = new FunctionBuilder(name);
    const [BLOCK, LD, NS, XS] = [f.param(), f.param(), f.param(), f.param()];
    const [t, j, r, column, xj, xr, ldBytes] = f.locals32(7);
    const value = f.vectors(lanes);
    const l = f.local(V128);
    const body: Code[] = [set(ldBytes, shl(get(LD), 3))];
    if (name === "lowerSolve") {
      // For each column j: the rows below it (in the block) lose L[r, j] · xs[j].
      body.push(
        forRange(j, i32(0), get(NS), 1, [
          set(column, add(get(BLOCK), mul(get(j), get(ldBytes)))),
          set(xj, row(XS, get(j))),
          ...value.map((v, c) => set(v, load(get(xj), 16 * c))),
          forRange(r, add(get(j), i32(1)), get(NS), 1, [
            set(l, loadSplat(add(get(column), shl(get(r), 3)))),
            set(xr, row(XS, get(r))),
            ...value.map((v, c) => store(get(xr), vSub(load(get(xr), 16 * c), vMul(get(v), get(l))), 16 * c)),
          ]),
        ]),
      );
    } else {
      // Columns from the last: xs[j] loses Σ_{r > j} L[r, j] · xs[r].
      body.push(
        forRange(t, i32(0), get(NS), 1, [
          set(j, sub(sub(get(NS), i32(1)), get(t))),
          set(column, add(get(BLOCK), mul(get(j), get(ldBytes)))),
          ...value.map((v) => set(v, vZero())),
          forRange(r, add(get(j), i32(1)), get(NS), 1, [
            set(l, loadSplat(add(get(column), shl(get(r), 3)))),
            set(xr, row(XS, get(r))),
            ...value.map((v, c) => set(v, vAdd(get(v), vMul(load(get(xr), 16 * c), get(l))))),
          ]),
          set(xj, row(XS, get(j))),
          ...value.map((v, c) => store(get(xj), vSub(load(get(xj), 16 * c), get(v)), 16 * c)),
        ]),
      );
    }
    return { builder: f, body };
  };

  // Two rows (scatter) or two columns (gather) at a time while the accumulators fit in sixteen
  // registers, else one.
  const pair = lanes <= 4 ? 2 : 1;

  const scatter = (): { builder: FunctionBuilder; body: Code[] } => {
    const f = new FunctionBuilder("scatterUpdate");
    const [BELOW, LD, NS, NU, ROWS, XS, X] = Array.from({ length: 7 }, () => f.param());
    const [r, j, nuPaired, ldBytes, target, entry] = f.locals32(6);
    const acc = f.vectors(lanes * pair);
    const ls = f.vectors(pair);
    const v = f.local(V128);
    const block = (count: number): Code[] => [
      ...acc.slice(0, lanes * count).map((a) => set(a, vZero())),
      set(entry, add(get(BELOW), shl(get(r), 3))),
      forRange(j, i32(0), get(NS), 1, [
        ...Array.from({ length: count }, (_, k) => set(ls[k], loadSplat(get(entry), 8 * k))),
        ...Array.from(
          { length: lanes },
          (_, c): Code => [
            ...set(v, load(row(XS, get(j)), 16 * c)),
            ...Array.from({ length: count }, (_, k) =>
              set(acc[k * lanes + c], vAdd(get(acc[k * lanes + c]), vMul(get(v), get(ls[k])))),
            ).flat(),
          ],
        ),
        set(entry, add(get(entry), get(ldBytes))),
      ]),
      ...Array.from(
        { length: count },
        (_, k): Code => [
          ...set(target, row(X, i32Load(add(get(ROWS), shl(add(get(r), i32(k)), 2))))),
          ...Array.from({ length: lanes }, (_, c) =>
            store(get(target), vSub(load(get(target), 16 * c), get(acc[k * lanes + c])), 16 * c),
          ).flat(),
        ],
      ),
    ];
    const body: Code[] = [
      set(ldBytes, shl(get(LD), 3)),
      set(nuPaired, pair === 2 ? [...get(NU), ...i32(-2), 0x71] : get(NU)),
      forRange(r, i32(0), get(nuPaired), pair, block(pair)),
    ];
    if (pair === 2) body.push(forRange(r, get(nuPaired), get(NU), 1, block(1)));
    return { builder: f, body };
  };

  const gather = (): { builder: FunctionBuilder; body: Code[] } => {
    const f = new FunctionBuilder("gatherUpdate");
    const [BELOW, LD, NS, NU, ROWS, XS, X] = Array.from({ length: 7 }, () => f.param());
    const [j, r, nsPaired, ldBytes, column, source, xj] = f.locals32(7);
    const acc = f.vectors(lanes * pair);
    const ls = f.vectors(pair);
    const v = f.local(V128);
    const block = (count: number): Code[] => [
      ...acc.slice(0, lanes * count).map((a) => set(a, vZero())),
      set(column, add(get(BELOW), mul(get(j), get(ldBytes)))),
      forRange(r, i32(0), get(NU), 1, [
        set(source, row(X, i32Load(add(get(ROWS), shl(get(r), 2))))),
        ...Array.from({ length: count }, (_, k) =>
          set(ls[k], loadSplat(add(add(get(column), shl(get(r), 3)), k === 0 ? i32(0) : get(ldBytes)))),
        ),
        ...Array.from(
          { length: lanes },
          (_, c): Code => [
            ...set(v, load(get(source), 16 * c)),
            ...Array.from({ length: count }, (_, k) =>
              set(acc[k * lanes + c], vAdd(get(acc[k * lanes + c]), vMul(get(v), get(ls[k])))),
            ).flat(),
          ],
        ),
      ]),
      ...Array.from(
        { length: count },
        (_, k): Code => [
          ...set(xj, row(XS, add(get(j), i32(k)))),
          ...Array.from({ length: lanes }, (_, c) =>
            store(get(xj), vSub(load(get(xj), 16 * c), get(acc[k * lanes + c])), 16 * c),
          ).flat(),
        ],
      ),
    ];
    const body: Code[] = [
      set(ldBytes, shl(get(LD), 3)),
      set(nsPaired, pair === 2 ? [...get(NS), ...i32(-2), 0x71] : get(NS)),
      forRange(j, i32(0), get(nsPaired), pair, block(pair)),
    ];
    if (pair === 2) body.push(forRange(j, get(nsPaired), get(NS), 1, block(1)));
    return { builder: f, body };
  };

  return [lower("lowerSolve"), scatter(), gather(), lower("upperSolve")];
}

const modules = new Map<number, WebAssembly.Module | null>();

/**
 * The solve kernels for `width` (even) right-hand sides bound to `memory`, or null where
 * WebAssembly SIMD is missing. Modules are compiled once per width.
 */
export function simdSolveKernels(memory: WebAssembly.Memory, width: number): SolveKernels | null {
  if (width % 2 !== 0 || width > 64 || typeof WebAssembly === "undefined") return null;
  let module = modules.get(width);
  if (module === undefined) {
    const bytes = moduleBytes(solveFunctions(width));
    module = WebAssembly.validate(bytes) ? compileOrNull(bytes) : null;
    modules.set(width, module);
  }
  if (module === null) return null;
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SolveKernels;
}
