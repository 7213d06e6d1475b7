import assert from "node:assert/strict";
import {
  applyRegularNonlinearity,
  assertRelativelyClose,
  FieldType,
  kernelBasis,
  randomField,
  randomGaugeAngles,
  ringWeights,
  SeededRandom,
  selfInteractionBasis,
} from "@gemcnn/gauge";

// A field type: 4 scalars, 2 vectors (order 1), 1 order-2 field; 4 + 4 + 2 = 10 numbers per vertex.
const type = FieldType.parse("4x0 + 2x1 + 1x2");
console.log(`${type} has dim ${type.dim}; copies at offsets ${type.copies().map((c) => c.offset)}`);

// A random field on 3 vertices, and the same field seen in frames turned counter-clockwise by φ_v.
const rng = new SeededRandom(1);
const field = randomField(type, 3, rng) as Float64Array;
const phi = randomGaugeAngles(3, rng);
const inNewFrames = type.changeGauge(field, phi); // x'_v = ρ(−φ_v) x_v
assertRelativelyClose(type.actOnField(inNewFrames, phi), field, { label: "changing back" });

// The neighbour-kernel basis from `type` to 3 vectors, band-limited to frequency 2.
const basis = kernelBasis(type, FieldType.parse("3x1"), { maxFrequency: 2 });
for (const block of basis.blocks) {
  const elements = block.elements.map((e) => `${e.kind}/${e.part} f=${e.frequency}`).join(", ");
  console.log(`block ${block.inOrder}→${block.outOrder}: ${block.weightCount} weights [${elements}]`);
}
const weights = Float64Array.from({ length: basis.nWeights }, () => rng.gaussian());

// The kernel constraint K(θ − φ) = ρ_out(−φ) K(θ) ρ_in(φ), checked at one neighbour angle θ.
const theta = 0.8;
const gauge = 0.3;
const K = basis.assemble(weights, theta);
const lhs = basis.assemble(weights, theta - gauge);
const outRep = FieldType.parse("3x1").representation(-gauge);
const inRep = type.representation(gauge);
const rhs = multiply(multiply(outRep, K, 6, 6, 10), inRep, 6, 10, 10);
assertRelativelyClose(lhs, rhs, { label: "kernel constraint" });

// Self-interaction weights, ring profile of two neighbours, and a regular nonlinearity.
console.log(`self-interaction weights: ${selfInteractionBasis(type, type).nWeights}`);
console.log(
  `ring weights at r = 0.25, 1.2: ${Array.from(ringWeights([0.25, 1.2], { rings: 3, maxRadius: 1 }))}`,
);
const regular = FieldType.regular(2, 4); // "4x0+4x1+4x2": 4 channels of regular(2)
const activated = applyRegularNonlinearity(randomField(regular, 3, rng), regular, (x) => Math.max(0, x), 7);
assert.equal(activated.length, 3 * regular.dim);
console.log("ok");

/** Row-major `[rows × inner] · [inner × cols]`. */
function multiply(a: Float64Array, b: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++)
      for (let j = 0; j < cols; j++) out[i * cols + j] += a[i * inner + k] * b[k * cols + j];
  }
  return out;
}
