// A GemConv layer on an icosphere, and a check of its gauge equivariance.
// Run: pnpm --filter @gemcnn/nn example
import { icosphere, MeshGeometry } from "@gemcnn/geometry";
import { assertGaugeEquivariant, buildConvGraph, initBackend, layers } from "@gemcnn/nn";
import * as tf from "@tensorflow/tfjs";

export async function quickStart(): Promise<{ shape: number[]; equivarianceError: number }> {
  // tfjs-node when it is installed and loads, else wasm with SIMD, else cpu (GEMCNN_BACKEND forces one).
  const report = await initBackend();
  console.log(`backend: ${report.reason.split(":")[0]}`);

  // Neighbourhoods, log map, transport and ring weights, computed once and cached per mesh.
  const geometry = MeshGeometry.fromData(icosphere(3));
  const graph = buildConvGraph(geometry, { rings: 2 });

  // 8 scalars in; 8 scalars, 8 vectors and 8 order-2 fields out.
  const conv = layers.gemConv({ inType: "8x0", outType: "8x0+8x1+8x2" });
  const x = tf.randomNormal([graph.nVertices, conv.inType.dim]);
  const y = conv.apply(x, { graph }) as tf.Tensor;
  console.log(`output: ${y.shape.join(" × ")} ("${conv.outType}" on ${graph.nVertices} vertices)`);

  // conv(ρ_in(−φ) x) = ρ_out(−φ) conv(x) for a random gauge change φ, geometry recomputed.
  const equivarianceError = assertGaugeEquivariant(
    (input, g) => conv.apply(input, { graph: g }) as tf.Tensor2D,
    {
      geometry,
      inType: conv.inType,
      outType: conv.outType,
    },
  );
  console.log(`gauge equivariance: relative error ${equivarianceError.toExponential(1)}`);
  return { shape: y.shape, equivarianceError };
}

if (process.argv[1]?.endsWith("quick-start.ts")) await quickStart();
