import assert from "node:assert/strict";
import { icosphere, laplacianEigenpairs, MeshGeometry, SparseSolverError } from "@gemcnn/geometry";

// 642 vertices on the unit sphere; the operators are cached on the geometry.
const geometry = MeshGeometry.fromData(icosphere(3), { source: "icosphere(3)" });
const L = geometry.cotanLaplacian; // SparseMatrix, PSD: (L f)_i = Σ_j w_ij (f_i − f_j)
const areas = geometry.vertexAreas; // lumped mass M = diag(areas), a third of each face per corner
assert.equal(L.nRows, 642);

// The 16 smallest eigenpairs of L φ = λ M φ, eigenvectors M-orthonormal, row-major 642 × 16.
const { values, vectors } = laplacianEigenpairs(geometry, 16);
assert.equal(values[0], 0); // the constant, exactly
for (const j of [1, 2, 3]) assert.ok(Math.abs(values[j] - 2) < 0.01); // l(l + 1) = 2, three times
let norm = 0;
for (let i = 0; i < 642; i++) norm += areas[i] * vectors[i * 16 + 5] ** 2;
assert.ok(Math.abs(norm - 1) < 1e-10);

// Bad requests are SparseSolverErrors that name the mesh.
assert.throws(() => laplacianEigenpairs(geometry, 642), SparseSolverError);
console.log("ok");
