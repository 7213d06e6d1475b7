import { SparseSolverError } from "./errors.js";

/** Eigen-decomposition of a dense symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Row-major `n × n`, one eigenvector per row: `vectors[j · n + i]` is component `i` of eigenvector `j`; orthonormal. */
  readonly vectors: Float64Array;
}

/**
 * All eigenpairs of the symmetric `n × n` matrix `a` (row-major; only its lower triangle is read;
 * not modified): Householder reduction to tridiagonal form with the transformations accumulated,
 * then the implicit QL iteration with Wilkinson-type shifts. O(n³).
 *
 * The Rayleigh-Ritz step of `smallestEigenpairs` solves one of these per convergence check, of a
 * few hundred rows. ml-matrix's `EigenvalueDecomposition` implements the same method through
 * `Matrix.get`/`set` and column-strided loops; this version works on flat arrays and applies the
 * QL rotations to rows, and was 1.3–2 times faster at n = 256–384 on the project's (loaded)
 * machine. The tests compare it with ml-matrix.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (!(Number.isInteger(n) && n >= 0) || a.length !== n * n) {
    throw new SparseSolverError(
      "invalid-argument",
      `symmetricEigen needs an ${n} × ${n} array, got length ${a.length}`,
    );
  }
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) {
        throw new SparseSolverError("invalid-argument", `symmetricEigen: entry (${i}, ${j}) is ${v}`);
      }
      z[i * n + j] = v;
      z[j * n + i] = v;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalise(z, n, d, e);
  // z now holds Q with A = Q T Qᵀ; rotate its transpose's rows (Q's columns) during QL.
  transposeInPlace(z, n);
  tridiagonalQL(d, e, z, n);
  const order = Array.from(d.keys()).sort((x, y) => d[x] - d[y]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    values[j] = d[order[j]];
    vectors.set(z.subarray(order[j] * n, order[j] * n + n), j * n);
  }
  return { values, vectors };
}

/** Householder tridiagonalisation in place: on return z = Q, d the diagonal, e[1..] the sub-diagonal of T. */
function tridiagonalise(z: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const rowI = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(z[rowI + k]);
      if (scale === 0) {
        e[i] = z[rowI + l];
      } else {
        for (let k = 0; k <= l; k++) {
          z[rowI + k] /= scale;
          h += z[rowI + k] * z[rowI + k];
        }
        let f = z[rowI + l];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        z[rowI + l] = f - g;
        // p = A u / h from the lower triangle, row by row: row j adds a_jk u_k to p_j and
        // a_jk u_j to p_k, so no loop strides down a column (which misses the cache each step).
        e.fill(0, 0, l + 1);
        for (let j = 0; j <= l; j++) {
          const rowJ = j * n;
          const uj = z[rowI + j];
          z[rowJ + i] = uj / h;
          g = 0;
          for (let k = 0; k < j; k++) {
            const a = z[rowJ + k];
            g += a * z[rowI + k];
            e[k] += a * uj;
          }
          e[j] += g + z[rowJ + j] * uj;
        }
        f = 0;
        for (let j = 0; j <= l; j++) {
          e[j] /= h;
          f += e[j] * z[rowI + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = z[rowI + j];
          const gj = e[j] - hh * fj;
          e[j] = gj;
          const rowJ = j * n;
          for (let k = 0; k <= j; k++) z[rowJ + k] -= fj * e[k] + gj * z[rowI + k];
        }
      }
    } else {
      e[i] = z[rowI + l];
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  const scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    if (d[i] !== 0) {
      // g_j = Σ_k z_ik z_kj, then z_kj −= g_j z_ki, both along rows.
      const g = scratch;
      g.fill(0, 0, i);
      for (let k = 0; k < i; k++) {
        const zik = z[rowI + k];
        if (zik === 0) continue;
        const rowK = k * n;
        for (let j = 0; j < i; j++) g[j] += zik * z[rowK + j];
      }
      for (let k = 0; k < i; k++) {
        const zki = z[k * n + i];
        if (zki === 0) continue;
        const rowK = k * n;
        for (let j = 0; j < i; j++) z[rowK + j] -= g[j] * zki;
      }
    }
    d[i] = z[rowI + i];
    z[rowI + i] = 1;
    for (let j = 0; j < i; j++) {
      z[j * n + i] = 0;
      z[rowI + j] = 0;
    }
  }
}

/** Implicit QL on the tridiagonal (d, e[1..]); rotations applied to rows of zt; eigenvalues left in d. */
function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  // The rotations of one QL step, c and s of the rotation of rows i and i + 1 at index i.
  const cosines = new Float64Array(n);
  const sines = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iterations > 60) {
        throw new SparseSolverError("no-convergence", "symmetricEigen: the QL iteration did not converge");
      }
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      // |g| ≤ 1/(2ε) here (e[l] failed the deflation test), so g² cannot overflow.
      let r = Math.sqrt(g * g + 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i: number;
      let underflow = false;
      for (i = m - 1; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        cosines[i] = c;
        sines[i] = s;
      }
      // The step's rotations (rows m − 1 and m first, down to the last one computed) do not
      // depend on zt, so they are applied afterwards in one pass: row i + 1 is final once the
      // rotation of rows i and i + 1 is done, and what becomes of row i is carried to the next.
      // Each entry is read and written once per step instead of once per rotation touching it.
      applyRotations(zt, n, cosines, sines, m - 1, underflow ? i + 1 : l);
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m !== l);
  }
}

/**
 * For i = from, from − 1, …, to: rows (i, i + 1) of zt (row length n) ← (c za − s zb, s za + c zb)
 * with c, s the rotation at i. Four columns at a time, their carried rows in locals.
 */
function applyRotations(
  zt: Float64Array,
  n: number,
  cosines: Float64Array,
  sines: Float64Array,
  from: number,
  to: number,
): void {
  if (from < to) return;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    let at = (from + 1) * n + k;
    let x0 = zt[at];
    let x1 = zt[at + 1];
    let x2 = zt[at + 2];
    let x3 = zt[at + 3];
    for (let i = from; i >= to; i--) {
      const c = cosines[i];
      const s = sines[i];
      const below = at;
      at -= n;
      const a0 = zt[at];
      const a1 = zt[at + 1];
      const a2 = zt[at + 2];
      const a3 = zt[at + 3];
      zt[below] = s * a0 + c * x0;
      zt[below + 1] = s * a1 + c * x1;
      zt[below + 2] = s * a2 + c * x2;
      zt[below + 3] = s * a3 + c * x3;
      x0 = c * a0 - s * x0;
      x1 = c * a1 - s * x1;
      x2 = c * a2 - s * x2;
      x3 = c * a3 - s * x3;
    }
    zt[at] = x0;
    zt[at + 1] = x1;
    zt[at + 2] = x2;
    zt[at + 3] = x3;
  }
  for (; k < n; k++) {
    let at = (from + 1) * n + k;
    let x = zt[at];
    for (let i = from; i >= to; i--) {
      const c = cosines[i];
      const s = sines[i];
      const below = at;
      at -= n;
      const a = zt[at];
      zt[below] = s * a + c * x;
      x = c * a - s * x;
    }
    zt[at] = x;
  }
}

/**
 * √(x² + y²) without overflow, scaled by the larger magnitude. V8's `Math.hypot` takes any number
 * of arguments and was the slower of the two in the QL loop, called once per rotation.
 */
function hypot(x: number, y: number): number {
  const a = Math.abs(x);
  const b = Math.abs(y);
  if (a > b) return a * Math.sqrt(1 + (b / a) * (b / a));
  return b === 0 ? 0 : b * Math.sqrt(1 + (a / b) * (a / b));
}

function transposeInPlace(z: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = z[i * n + j];
      z[i * n + j] = z[j * n + i];
      z[j * n + i] = t;
    }
  }
}
