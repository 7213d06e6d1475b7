// Throwaway measurement of three message-passing designs (see README "Speed design").
import * as tf from "@tensorflow/tfjs-core";
import { SurfaceMesh } from "@gemcnn/geometry";
import { initBackend } from "../src/backend.js";
import { geodesicSphere } from "./geodesic-sphere.js";

const report = await initBackend();
console.log(report.reason);

const mesh0 = geodesicSphere(26);
const nV = mesh0.positions.length / 3;
const mesh = SurfaceMesh.fromTriangles(nV, mesh0.triangles);
// CSR by target p: neighbours q (no self).
const deg = new Uint32Array(nV);
for (let h = 0; h < mesh.nHalfedges; h++) deg[mesh.tail(h)]++;
const offsets = new Uint32Array(nV + 1);
for (let p = 0; p < nV; p++) offsets[p + 1] = offsets[p] + deg[p];
const nE = offsets[nV];
const src = new Uint32Array(nE);
const fill = offsets.slice(0, nV);
for (let h = 0; h < mesh.nHalfedges; h++) src[fill[mesh.tail(h)]++] = mesh.head(h);
let D = 0;
for (let p = 0; p < nV; p++) D = Math.max(D, deg[p]);
const L = 2;
const C = 16;
const R = 2;
const dim = C * (2 * L + 1);
const termOffset = [0, C, 3 * C]; // order n starts here
const termDim = [C, 2 * C, 2 * C];
const rand = (() => {
  let s = 12345;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
})();
// Per edge: cos/sin(nα), cos/sin(mθ), ring weights (mean scaling folded in).
const trigA = new Float32Array(nE * 2 * L);
const trigT = new Float32Array(nE * 2 * L);
const ringW = new Float32Array(nE * R);
for (let p = 0; p < nV; p++) {
  for (let e = offsets[p]; e < offsets[p + 1]; e++) {
    const alpha = rand() * 2 * Math.PI;
    const theta = rand() * 2 * Math.PI;
    for (let n = 1; n <= L; n++) {
      trigA[e * 2 * L + 2 * (n - 1)] = Math.cos(n * alpha);
      trigA[e * 2 * L + 2 * (n - 1) + 1] = Math.sin(n * alpha);
      trigT[e * 2 * L + 2 * (n - 1)] = Math.cos(n * theta);
      trigT[e * 2 * L + 2 * (n - 1) + 1] = Math.sin(n * theta);
    }
    const t = rand();
    const s = 1 / (deg[p] + 1);
    ringW[e * R] = (1 - t) * s;
    ringW[e * R + 1] = t * s;
  }
}
console.log(`V=${nV} E=${nE} maxDeg=${D}`);

/** y = ρ(sign·α) x_q for one edge, into y[0..dim). */
function rotateInto(y: Float32Array, x: Float32Array | Float64Array, xo: number, e: number, sign: number) {
  for (let c = 0; c < C; c++) y[c] = x[xo + c];
  for (let n = 1; n <= L; n++) {
    const co = trigA[e * 2 * L + 2 * (n - 1)];
    const si = sign * trigA[e * 2 * L + 2 * (n - 1) + 1];
    const base = termOffset[n];
    for (let c = 0; c < C; c++) {
      const a = x[xo + base + 2 * c];
      const b = x[xo + base + 2 * c + 1];
      y[base + 2 * c] = co * a - si * b;
      y[base + 2 * c + 1] = si * a + co * b;
    }
  }
}

// Coefficients per edge for k = (m, c, r): 10 of them.
const K = R * (2 * L + 1);
const coef = new Float32Array(nE * K);
for (let e = 0; e < nE; e++) {
  let k = 0;
  for (let m = 0; m <= L; m++) {
    for (let c = 0; c < (m === 0 ? 1 : 2); c++) {
      const trig = m === 0 ? 1 : trigT[e * 2 * L + 2 * (m - 1) + c];
      for (let r = 0; r < R; r++) coef[e * K + k++] = trig * ringW[e * R + r];
    }
  }
}

// ---------- Design H: JS gather+rotate into [V, D, dim], batched matMul with coefficients.
const Tcoef = new Float32Array(nV * K * D);
for (let p = 0; p < nV; p++) {
  for (let e = offsets[p]; e < offsets[p + 1]; e++) {
    const s = e - offsets[p];
    for (let k = 0; k < K; k++) Tcoef[(p * K + k) * D + s] = coef[e * K + k];
  }
}
const T = tf.tensor3d(Tcoef, [nV, K, D]);
const gatherRotate = tf.customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const xs = x.dataSync() as Float32Array;
  const z = new Float32Array(nV * D * dim);
  const y = new Float32Array(dim);
  for (let p = 0; p < nV; p++) {
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      rotateInto(y, xs, src[e] * dim, e, 1);
      z.set(y, (p * D + e - offsets[p]) * dim);
    }
  }
  save([]);
  return {
    value: tf.tensor3d(z, [nV, D, dim]),
    gradFunc: (dz: tf.Tensor) => {
      const dzs = dz.dataSync() as Float32Array;
      const dx = new Float32Array(nV * dim);
      const yy = new Float32Array(dim);
      for (let p = 0; p < nV; p++) {
        for (let e = offsets[p]; e < offsets[p + 1]; e++) {
          rotateInto(yy, dzs, (p * D + e - offsets[p]) * dim, e, -1);
          const qo = src[e] * dim;
          for (let j = 0; j < dim; j++) dx[qo + j] += yy[j];
        }
      }
      return tf.tensor2d(dx, [nV, dim]);
    },
  };
});

// Output weights per output order m: [(c, r, in), out_m].
const M = [0, 1, 2].map((m) =>
  tf.variable(tf.randomNormal([(m === 0 ? 1 : 2) * R * dim, termDim[m]], 0, 0.05)),
);
const colStart = [0, R * dim, 3 * R * dim];
function convH(x: tf.Tensor2D): tf.Tensor2D {
  const z = gatherRotate(x) as tf.Tensor3D;
  const a = tf.matMul(T, z).reshape([nV, K * dim]) as tf.Tensor2D;
  const outs = [0, 1, 2].map((m) =>
    tf.matMul(a.slice([0, colStart[m]], [nV, M[m].shape[0]]), M[m] as tf.Tensor2D),
  );
  return tf.concat(outs, 1);
}

// ---------- Design J: pure JS aggregate into [V, K·dim], then the same per-order matMuls.
const aggregate = tf.customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const xs = x.dataSync() as Float32Array;
  const a = new Float32Array(nV * K * dim);
  const y = new Float32Array(dim);
  for (let p = 0; p < nV; p++) {
    const ao = p * K * dim;
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      rotateInto(y, xs, src[e] * dim, e, 1);
      for (let k = 0; k < K; k++) {
        const c = coef[e * K + k];
        const o = ao + k * dim;
        for (let j = 0; j < dim; j++) a[o + j] += c * y[j];
      }
    }
  }
  save([]);
  return {
    value: tf.tensor2d(a, [nV, K * dim]),
    gradFunc: (da: tf.Tensor) => {
      const das = da.dataSync() as Float32Array;
      const dx = new Float32Array(nV * dim);
      const dy = new Float32Array(dim);
      const yy = new Float32Array(dim);
      for (let p = 0; p < nV; p++) {
        const ao = p * K * dim;
        for (let e = offsets[p]; e < offsets[p + 1]; e++) {
          dy.fill(0);
          for (let k = 0; k < K; k++) {
            const c = coef[e * K + k];
            const o = ao + k * dim;
            for (let j = 0; j < dim; j++) dy[j] += c * das[o + j];
          }
          rotateInto(yy, dy, 0, e, -1);
          const qo = src[e] * dim;
          for (let j = 0; j < dim; j++) dx[qo + j] += yy[j];
        }
      }
      return tf.tensor2d(dx, [nV, dim]);
    },
  };
});
function convJ(x: tf.Tensor2D): tf.Tensor2D {
  const a = aggregate(x) as tf.Tensor2D;
  const outs = [0, 1, 2].map((m) =>
    tf.matMul(a.slice([0, colStart[m]], [nV, M[m].shape[0]]), M[m] as tf.Tensor2D),
  );
  return tf.concat(outs, 1);
}

// ---------- Design E: edge-side. JS gather+rotate+ring weights [E, R·dim], matMul W, rotate by θ and sum.
const Wedge = tf.variable(tf.randomNormal([R * dim, dim], 0, 0.05));
const gatherEdges = tf.customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const xs = x.dataSync() as Float32Array;
  const z = new Float32Array(nE * R * dim);
  const y = new Float32Array(dim);
  for (let e = 0; e < nE; e++) {
    rotateInto(y, xs, src[e] * dim, e, 1);
    for (let r = 0; r < R; r++) {
      const w = ringW[e * R + r];
      const o = (e * R + r) * dim;
      for (let j = 0; j < dim; j++) z[o + j] = w * y[j];
    }
  }
  save([]);
  return {
    value: tf.tensor2d(z, [nE, R * dim]),
    gradFunc: (dz: tf.Tensor) => {
      const dzs = dz.dataSync() as Float32Array;
      const dx = new Float32Array(nV * dim);
      const dy = new Float32Array(dim);
      const yy = new Float32Array(dim);
      for (let e = 0; e < nE; e++) {
        dy.fill(0);
        for (let r = 0; r < R; r++) {
          const w = ringW[e * R + r];
          const o = (e * R + r) * dim;
          for (let j = 0; j < dim; j++) dy[j] += w * dzs[o + j];
        }
        rotateInto(yy, dy, 0, e, -1);
        const qo = src[e] * dim;
        for (let j = 0; j < dim; j++) dx[qo + j] += yy[j];
      }
      return tf.tensor2d(dx, [nV, dim]);
    },
  };
});
function rotateOutInto(y: Float32Array, m: Float32Array, mo: number, e: number, sign: number) {
  for (let c = 0; c < C; c++) y[c] = m[mo + c];
  for (let n = 1; n <= L; n++) {
    const co = trigT[e * 2 * L + 2 * (n - 1)];
    const si = sign * trigT[e * 2 * L + 2 * (n - 1) + 1];
    const base = termOffset[n];
    for (let c = 0; c < C; c++) {
      const a = m[mo + base + 2 * c];
      const b = m[mo + base + 2 * c + 1];
      y[base + 2 * c] = co * a - si * b;
      y[base + 2 * c + 1] = si * a + co * b;
    }
  }
}
const scatterEdges = tf.customGrad((msg: tf.Tensor, save: tf.GradSaveFunc) => {
  const ms = msg.dataSync() as Float32Array;
  const out = new Float32Array(nV * dim);
  const y = new Float32Array(dim);
  for (let p = 0; p < nV; p++) {
    for (let e = offsets[p]; e < offsets[p + 1]; e++) {
      rotateOutInto(y, ms, e * dim, e, 1);
      for (let j = 0; j < dim; j++) out[p * dim + j] += y[j];
    }
  }
  save([]);
  return {
    value: tf.tensor2d(out, [nV, dim]),
    gradFunc: (dout: tf.Tensor) => {
      const ds = dout.dataSync() as Float32Array;
      const dm = new Float32Array(nE * dim);
      const yy = new Float32Array(dim);
      for (let p = 0; p < nV; p++) {
        for (let e = offsets[p]; e < offsets[p + 1]; e++) {
          rotateOutInto(yy, ds, p * dim, e, -1);
          dm.set(yy, e * dim);
        }
      }
      return tf.tensor2d(dm, [nE, dim]);
    },
  };
});
function convE(x: tf.Tensor2D): tf.Tensor2D {
  return scatterEdges(tf.matMul(gatherEdges(x) as tf.Tensor2D, Wedge)) as tf.Tensor2D;
}

const x = tf.randomNormal([nV, dim]) as tf.Tensor2D;
function median(a: number[]) {
  const s = [...a].sort((u, v) => u - v);
  return s[s.length >> 1];
}
function time(fn: () => void, reps = 10, warm = 3) {
  for (let i = 0; i < warm; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts).toFixed(1);
}
const designs: [string, (x: tf.Tensor2D) => tf.Tensor2D, tf.Variable[]][] = [
  ["H batched", convH, M],
  ["J js-aggregate", convJ, M],
  ["E edge-side", convE, [Wedge]],
];
for (const [name, conv, vars] of designs) {
  const fwd = time(() => tf.tidy(() => conv(x).dataSync()));
  const fb = time(() =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(conv(x))) as tf.Scalar, vars);
      for (const g of Object.values(grads)) g.dataSync();
    }),
  );
  const fbx = time(() =>
    tf.tidy(() => {
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(conv(xx as tf.Tensor2D))))(x);
      g.dataSync();
    }),
  );
  console.log(`${name}: forward ${fwd} ms, fwd+bwd(W) ${fb} ms, fwd+bwd(x) ${fbx} ms`);
}
