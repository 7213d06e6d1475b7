import { applyStiffness, type CotanLaplacian } from "./laplacian.js";

/**
 * Mean curvature per vertex, `H_i = (L x)_i · n_i / (2 m_i)` from the cotangent Laplacian
 * (`Δx = −2H n`), positive where the surface bends away from its outward normal (`1/R` on a
 * sphere of radius `R`). Units 1/length.
 */
export function meanCurvature(
  laplacian: CotanLaplacian,
  positions: Float64Array,
  normals: Float64Array,
): Float64Array {
  const lx = applyStiffness(laplacian, positions, 3);
  const h = new Float64Array(laplacian.nVertices);
  for (let i = 0; i < h.length; i++) {
    const m = laplacian.mass[i];
    if (m <= 0) continue;
    h[i] =
      (lx[3 * i] * normals[3 * i] + lx[3 * i + 1] * normals[3 * i + 1] + lx[3 * i + 2] * normals[3 * i + 2]) /
      (2 * m);
  }
  return h;
}

/**
 * Gaussian curvature per vertex as angle defect per barycentric area, `K_i = defect_i / m_i`
 * (`1/R²` on a sphere of radius `R`). Units 1/length².
 */
export function gaussianCurvature(angleDefects: Float64Array, mass: Float64Array): Float64Array {
  const k = new Float64Array(angleDefects.length);
  for (let i = 0; i < k.length; i++) k[i] = mass[i] > 0 ? angleDefects[i] / mass[i] : 0;
  return k;
}
