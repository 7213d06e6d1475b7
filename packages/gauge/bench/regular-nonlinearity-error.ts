/**
 * Prints the equivariance error of the regular nonlinearity (ReLU, regular(2)) against the
 * number of samples N, next to the GEM-CNN reference implementation's published figures.
 * Run: pnpm exec tsx packages/gauge/bench/regular-nonlinearity-error.ts
 */
import { measureRegularEquivarianceError } from "../src/index.js";

const reference: Record<number, number | undefined> = { 5: 0.18, 7: 0.054, 11: 0.019, 101: 1.9e-4 };
const relu = (x: number) => Math.max(0, x);

console.log(
  `# regular nonlinearity, ReLU, order 2, 20000 random vectors and angles (seed 1), ${new Date().toISOString()}`,
);
console.log("N\trelative error\tN² · error\tGEM-CNN reference");
for (const samples of [5, 7, 9, 11, 21, 101]) {
  const error = measureRegularEquivarianceError(2, samples, relu, { nVertices: 20000 });
  const ref = reference[samples];
  console.log(
    `${samples}\t${error.toExponential(2)}\t${(error * samples * samples).toFixed(2)}\t${ref === undefined ? "-" : ref.toExponential(1)}`,
  );
}
