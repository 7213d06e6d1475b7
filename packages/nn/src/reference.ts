import { GemConvError, type GemConvSpec, gemConvBases } from "./conv.js";
import type { ConvGraph } from "./graph.js";

/**
 * Plain float64 GemConv, written straight from the formula with the gauge package's dense kernel
 * `K_r(θ) = basis.assemble(weights_r, θ)` and the field type's own action for the transport:
 *
 *   out_p = s_p (Σ_q Σ_r w_r K_r(θ_pq) ρ_in(g(q→p)) x_q + S x_p) + b.
 *
 * Slow (a dense kernel per edge and ring): for checking `gemConv` and its gradients on small meshes.
 */
export function gemConvReference(
  x: Float64Array,
  graph: ConvGraph,
  weights: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  spec: GemConvSpec,
): Float64Array {
  const { neighbour, self, nWeights, nBias } = gemConvBases(spec);
  const { inType, outType, rings } = spec;
  const dimIn = inType.dim;
  const dimOut = outType.dim;
  if (x.length !== graph.nVertices * dimIn)
    throw new GemConvError("gemConvReference: x has the wrong length");
  if (weights.length !== nWeights) throw new GemConvError("gemConvReference: weights have the wrong length");
  const ringWeightVectors = Array.from({ length: rings }, (_, r) =>
    Float64Array.from({ length: neighbour.nWeights }, (_, i) => weights[r * neighbour.nWeights + i]),
  );
  const selfWeights = Float64Array.from(
    { length: self.nWeights },
    (_, i) => weights[rings * neighbour.nWeights + i],
  );
  const S = self.assemble(selfWeights);
  const out = new Float64Array(graph.nVertices * dimOut);
  const row = new Float64Array(dimIn);
  for (let p = 0; p < graph.nVertices; p++) {
    const acc = new Float64Array(dimOut);
    const begin = graph.offsets[p];
    const end = graph.offsets[p + 1];
    for (let e = begin; e < end; e++) {
      const q = graph.sources[e];
      row.set(x.subarray(q * dimIn, (q + 1) * dimIn));
      const transported = inType.actOnField(row, [graph.transport[e]]);
      for (let r = 0; r < rings; r++) {
        const w = graph.ringWeights[e * rings + r];
        if (w === 0) continue;
        const K = neighbour.assemble(ringWeightVectors[r], graph.theta[e]);
        for (let i = 0; i < dimOut; i++) {
          let sum = 0;
          for (let j = 0; j < dimIn; j++) sum += K[i * dimIn + j] * transported[j];
          acc[i] += w * sum;
        }
      }
    }
    if (graph.includesSelf) {
      for (let i = 0; i < dimOut; i++) {
        let sum = 0;
        for (let j = 0; j < dimIn; j++) sum += S[i * dimIn + j] * x[p * dimIn + j];
        acc[i] += sum;
      }
    }
    const count = end - begin + (graph.includesSelf ? 1 : 0);
    const scale = (spec.aggregation ?? "mean") === "mean" && count > 0 ? 1 / count : 1;
    for (let i = 0; i < dimOut; i++) out[p * dimOut + i] = scale * acc[i];
    if (bias !== null) {
      for (let i = 0; i < nBias; i++) out[p * dimOut + i] += bias[i];
    }
  }
  return out;
}
