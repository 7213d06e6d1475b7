import type { SparseMatrix } from "@gemcnn/geometry";

/**
 * Mean curvature per vertex, `H_i = (L x)_i · n_i / (2 m_i)` from the cotangent Laplacian `L`
 * (geometry's `MeshGeometry.cotanLaplacian`, positive semi-definite: `Δx = −2H n`) and the
 * barycentric vertex areas `m` (`vertexAreas`), positive where the surface bends away from its
 * outward normal (`1/R` on a sphere of radius `R`); 0 at a vertex of zero area. Units 1/length.
 */
export function meanCurvature(
  laplacian: SparseMatrix,
  vertexAreas: Float64Array,
  positions: Float64Array,
  normals: Float64Array,
): Float64Array {
  const { rowOffsets, columnIndices, values } = laplacian;
  const h = new Float64Array(laplacian.nRows);
  for (let i = 0; i < h.length; i++) {
    const m = vertexAreas[i];
    if (!(m > 0)) continue;
    // (L x)_i for the three coordinates at once, from row i of the CSR matrix.
    let x = 0;
    let y = 0;
    let z = 0;
    for (let p = rowOffsets[i]; p < rowOffsets[i + 1]; p++) {
      const j = 3 * columnIndices[p];
      const w = values[p];
      x += w * positions[j];
      y += w * positions[j + 1];
      z += w * positions[j + 2];
    }
    h[i] = (x * normals[3 * i] + y * normals[3 * i + 1] + z * normals[3 * i + 2]) / (2 * m);
  }
  return h;
}

/**
 * Gaussian curvature per vertex as angle defect per barycentric area, `K_i = defect_i / m_i`
 * (`1/R²` on a sphere of radius `R`); 0 at a vertex of zero area. Units 1/length².
 */
export function gaussianCurvature(angleDefects: Float64Array, vertexAreas: Float64Array): Float64Array {
  const k = new Float64Array(angleDefects.length);
  for (let i = 0; i < k.length; i++) k[i] = vertexAreas[i] > 0 ? angleDefects[i] / vertexAreas[i] : 0;
  return k;
}
