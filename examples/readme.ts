import { FieldType } from "@gemcnn/gauge";
import { bunny, MeshGeometry } from "@gemcnn/geometry";
import { assertGaugeEquivariant, buildConvGraph, initBackend, layers } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

await initBackend(); // tfjs-node if it is installed, else wasm with SIMD, else cpu

const geometry = MeshGeometry.fromData(bunny()); // validated: bad meshes throw a MeshError
const graph = buildConvGraph(geometry, { rings: 2 }); // 1-ring + self, intrinsic log map, Levi-Civita transport

const conv = layers.gemConv({ inType: "4x0", outType: "8x0+8x1+4x2" });
const x = tf.randomNormal([geometry.mesh.nVertices, FieldType.parse("4x0").dim]);
const y = conv.apply(x, { graph }) as tf.Tensor;
console.log(y.shape); // [1839, 32]: 8 scalars, 8 vectors and 4 order-2 fields per vertex

// conv(ρ_in(−φ)x) = ρ_out(−φ) conv(x) under a random gauge change φ, geometry recomputed
assertGaugeEquivariant((input, g) => conv.apply(input, { graph: g }) as tf.Tensor2D, {
  geometry,
  inType: conv.inType,
  outType: conv.outType,
});
