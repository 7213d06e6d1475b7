import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { describe, expect, test } from "vitest";
import { relativeError } from "./equivariance.js";
import { FieldType } from "./field-type.js";
import { irrepDim, irrepMatrix } from "./irrep.js";
import {
  irrepKernelBasis,
  irrepSelfInteractionBasis,
  type KernelBasisElement,
  kernelBasis,
  selfInteractionBasis,
} from "./kernel-basis.js";
import { SeededRandom } from "./random.js";

/** Row-major `a · b` through ml-matrix, an implementation independent of the package's own loops. */
function mul(
  a: ArrayLike<number>,
  aRows: number,
  aCols: number,
  b: ArrayLike<number>,
  bCols: number,
): Float64Array {
  const product = Matrix.from1DArray(aRows, aCols, Array.from(a)).mmul(
    Matrix.from1DArray(aCols, bCols, Array.from(b)),
  );
  return Float64Array.from(product.to1DArray());
}

/** `‖K(θ − φ) − ρ_m(−φ) K(θ) ρ_n(φ)‖ / ‖K(θ)‖` for a kernel given as a function of θ. */
function constraintResidual(
  kernel: (theta: number) => ArrayLike<number>,
  n: number,
  m: number,
  theta: number,
  phi: number,
): number {
  const dIn = irrepDim(n);
  const dOut = irrepDim(m);
  const rhs = mul(
    mul(irrepMatrix(m, -phi), dOut, dOut, kernel(theta), dIn),
    dOut,
    dIn,
    irrepMatrix(n, phi),
    dIn,
  );
  return relativeError(kernel(theta - phi), rhs);
}

/** Number of singular values below `relativeTolerance · σ_max` plus missing columns: the null space dimension. */
function nullity(rows: number[][], columns: number, relativeTolerance = 1e-9): number {
  const svd = new SingularValueDecomposition(new Matrix(rows), { autoTranspose: true });
  const sigma = svd.diagonal;
  const largest = Math.max(...sigma);
  const small = sigma.filter((s) => s <= relativeTolerance * largest).length;
  return small + (columns - sigma.length);
}

function rank(rows: number[][], relativeTolerance = 1e-9): number {
  const svd = new SingularValueDecomposition(new Matrix(rows), { autoTranspose: true });
  const largest = Math.max(...svd.diagonal);
  return svd.diagonal.filter((s) => s > relativeTolerance * largest).length;
}

describe("irrep-pair kernel basis", () => {
  test("has one element for 0→0, two for n→0 and 0→m, four for n→m, with the stated frequencies", () => {
    for (let n = 0; n <= 5; n++) {
      for (let m = 0; m <= 5; m++) {
        const basis = irrepKernelBasis(n, m);
        expect(basis.length).toBe(irrepDim(n) * irrepDim(m));
        const summary = basis.map((e) => `${e.kind}:${e.part}:${e.frequency}`);
        if (n === 0 && m === 0) expect(summary).toEqual(["scalar:real:0"]);
        else if (n === 0 || m === 0)
          expect(summary).toEqual([`scalar:real:${n + m}`, `scalar:imaginary:${n + m}`]);
        else {
          const d = Math.abs(m - n);
          const s = m + n;
          expect(summary).toEqual([
            `difference:real:${d}`,
            `difference:imaginary:${d}`,
            `sum:real:${s}`,
            `sum:imaginary:${s}`,
          ]);
        }
        basis.forEach((e, i) => {
          expect(e.index).toBe(i);
          expect([e.inOrder, e.outOrder, e.W.length]).toEqual([n, m, irrepDim(n) * irrepDim(m)]);
        });
      }
    }
  });

  test("every element solves the kernel constraint to 1e-12 for random θ, φ and all n, m ≤ 5", () => {
    const rng = new SeededRandom(31);
    let worst = 0;
    for (let n = 0; n <= 5; n++) {
      for (let m = 0; m <= 5; m++) {
        for (const element of irrepKernelBasis(n, m)) {
          for (let trial = 0; trial < 10; trial++) {
            const theta = rng.uniform(-10, 10);
            const phi = rng.uniform(-10, 10);
            worst = Math.max(
              worst,
              constraintResidual((t) => element.evaluate(t), n, m, theta, phi),
            );
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  test("negative controls: a perturbed kernel or the factored form with the wrong sign violates the constraint", () => {
    const rng = new SeededRandom(32);
    for (let n = 0; n <= 3; n++) {
      for (let m = 0; m <= 3; m++) {
        if (n === 0 && m === 0) continue; // every 1×1 constant kernel is a solution
        const element = irrepKernelBasis(n, m)[0];
        const size = irrepDim(n) * irrepDim(m);
        const perturbation = Float64Array.from({ length: size }, () => rng.gaussian());
        const perturbed = (t: number) =>
          element.evaluate(t).map((x, i) => x + 0.05 * perturbation[i] * Math.cos(t));
        const theta = rng.angle();
        const phi = 1 + rng.uniform(); // away from multiples of π
        expect(constraintResidual(perturbed, n, m, theta, phi)).toBeGreaterThan(1e-3);
      }
    }
    // ρ_m(−θ) W ρ_n(θ) is the factored form with the sign flipped: it fails whenever m + n ≥ 1 and the frequency is not 0.
    const sumElement = irrepKernelBasis(1, 2)[2];
    const wrongSign = (t: number) => sumElement.evaluate(-t);
    expect(constraintResidual(wrongSign, 1, 2, 0.3, 1.1)).toBeGreaterThan(0.1);
  });

  test("each kernel has the single angular frequency it declares", () => {
    for (let n = 0; n <= 4; n++) {
      for (let m = 0; m <= 4; m++) {
        for (const element of irrepKernelBasis(n, m)) {
          const samples = 32; // > 2 · (n + m), so the DFT below resolves every frequency present
          const spectrum = new Float64Array(samples / 2 + 1);
          for (let entry = 0; entry < element.W.length; entry++) {
            for (let f = 0; f <= samples / 2; f++) {
              let re = 0;
              let im = 0;
              for (let k = 0; k < samples; k++) {
                const t = (2 * Math.PI * k) / samples;
                const value = element.evaluate(t)[entry];
                re += value * Math.cos(f * t);
                im += value * Math.sin(f * t);
              }
              spectrum[f] += re * re + im * im;
            }
          }
          const total = spectrum.reduce((a, b) => a + b, 0);
          expect(spectrum[element.frequency] / total).toBeGreaterThan(1 - 1e-12);
        }
      }
    }
  });

  test("completeness: the basis spans the null space of the constraint sampled at many angles (SVD), n, m ≤ 4", () => {
    const rng = new SeededRandom(33);
    for (let n = 0; n <= 4; n++) {
      for (let m = 0; m <= 4; m++) {
        const dIn = irrepDim(n);
        const dOut = irrepDim(m);
        const entries = dIn * dOut;
        // Every solution is K(θ) = ρ_m(θ) K(0) ρ_n(−θ), of frequency ≤ n + m, so it lies in the
        // space of trigonometric polynomials of degree F ≥ n + m; F = n + m + 2 leaves room for
        // spurious solutions, which the sampled constraint must rule out.
        const F = n + m + 2;
        const harmonics = 2 * F + 1;
        const unknowns = entries * harmonics;
        const harmonic = (j: number, t: number) =>
          j === 0 ? 1 : j % 2 === 1 ? Math.cos(((j + 1) / 2) * t) : Math.sin((j / 2) * t);
        const rows: number[][] = [];
        for (let sample = 0; sample < 3 * harmonics; sample++) {
          const theta = rng.angle();
          const phi = rng.angle();
          const left = irrepMatrix(m, -phi);
          const right = irrepMatrix(n, phi);
          for (let r = 0; r < dOut; r++) {
            for (let c = 0; c < dIn; c++) {
              const row = new Array<number>(unknowns).fill(0);
              for (let j = 0; j < harmonics; j++) {
                row[(r * dIn + c) * harmonics + j] += harmonic(j, theta - phi);
                for (let rr = 0; rr < dOut; rr++) {
                  for (let cc = 0; cc < dIn; cc++) {
                    row[(rr * dIn + cc) * harmonics + j] -=
                      left[r * dOut + rr] * right[cc * dIn + c] * harmonic(j, theta);
                  }
                }
              }
              rows.push(row);
            }
          }
        }
        const basis = irrepKernelBasis(n, m);
        const nullDimension = nullity(rows, unknowns);
        expect(nullDimension, `${n}→${m}`).toBe(basis.length);
        if (n > 0 && m > 0) expect(nullDimension).not.toBe(2); // a "difference-only" basis would be incomplete

        // The basis kernels, as coefficient vectors in the same harmonics (exact DFT: F < samples / 2).
        const samples = 2 * harmonics;
        const coefficientVectors = basis.map((element: KernelBasisElement) => {
          const vector = new Array<number>(unknowns).fill(0);
          for (let k = 0; k < samples; k++) {
            const t = (2 * Math.PI * k) / samples;
            const K = element.evaluate(t);
            for (let e = 0; e < entries; e++) {
              for (let j = 0; j < harmonics; j++) {
                vector[e * harmonics + j] += (K[e] * harmonic(j, t) * (j === 0 ? 1 : 2)) / samples;
              }
            }
          }
          return vector;
        });
        // They solve the sampled constraint …
        const constraint = new Matrix(rows);
        for (const vector of coefficientVectors) {
          const residual =
            constraint.mmul(Matrix.columnVector(vector)).norm() / Matrix.columnVector(vector).norm();
          expect(residual).toBeLessThan(1e-10);
        }
        // … and are independent, so they span the whole null space.
        expect(rank(coefficientVectors)).toBe(basis.length);
      }
    }
  });

  test("band limit drops elements above the maximum frequency", () => {
    expect(irrepKernelBasis(2, 3, { maxFrequency: 4 }).map((e) => e.frequency)).toEqual([1, 1]);
    expect(irrepKernelBasis(2, 3, { maxFrequency: 5 }).length).toBe(4);
    expect(irrepKernelBasis(0, 3, { maxFrequency: 2 }).length).toBe(0);
    expect(() => irrepKernelBasis(1, 1, { maxFrequency: -1 })).toThrow(/maxFrequency/);
  });
});

describe("irrep-pair self-interaction basis", () => {
  test("one kernel for 0→0, two for n→n, none otherwise; they are the frequency-0 neighbour kernels", () => {
    for (let n = 0; n <= 4; n++) {
      for (let m = 0; m <= 4; m++) {
        const basis = irrepSelfInteractionBasis(n, m);
        expect(basis.length).toBe(n !== m ? 0 : n === 0 ? 1 : 2);
        expect(basis).toEqual(irrepKernelBasis(n, m).filter((e) => e.frequency === 0));
      }
    }
  });

  test("its kernels commute with the action, and they span all commuting kernels (SVD)", () => {
    const rng = new SeededRandom(34);
    for (let n = 0; n <= 4; n++) {
      for (let m = 0; m <= 4; m++) {
        const dIn = irrepDim(n);
        const dOut = irrepDim(m);
        for (const element of irrepSelfInteractionBasis(n, m)) {
          const phi = rng.angle();
          const lhs = mul(irrepMatrix(m, phi), dOut, dOut, element.W, dIn);
          const rhs = mul(element.W, dOut, dIn, irrepMatrix(n, phi), dIn);
          expect(relativeError(lhs, rhs)).toBeLessThan(1e-14);
          expect(relativeError(element.evaluate(rng.angle()), element.W)).toBeLessThan(1e-14);
        }
        // ρ_m(φ) K − K ρ_n(φ) = 0 sampled at random φ, with the entries of K as unknowns.
        const rows: number[][] = [];
        for (let sample = 0; sample < 8; sample++) {
          const phi = rng.angle();
          const left = irrepMatrix(m, phi);
          const right = irrepMatrix(n, phi);
          for (let r = 0; r < dOut; r++) {
            for (let c = 0; c < dIn; c++) {
              const row = new Array<number>(dOut * dIn).fill(0);
              for (let k = 0; k < dOut; k++) row[k * dIn + c] += left[r * dOut + k];
              for (let k = 0; k < dIn; k++) row[r * dIn + k] -= right[k * dIn + c];
              rows.push(row);
            }
          }
        }
        expect(nullity(rows, dOut * dIn), `${n}→${m}`).toBe(irrepSelfInteractionBasis(n, m).length);
      }
    }
  });
});

describe("kernel basis between field types", () => {
  const inType = FieldType.parse("2x0+3x1+1x2");
  const outType = FieldType.parse("1x0+2x1+2x3");

  test("lists blocks per (output term, input term) with weight counts, not one element per copy pair", () => {
    const basis = kernelBasis(inType, outType);
    expect(
      basis.blocks.map((b) => [b.outTerm, b.inTerm, b.elements.length, b.weightCount, b.weightOffset]),
    ).toEqual([
      [0, 0, 1, 1 * 2 * 1, 0],
      [0, 1, 2, 1 * 3 * 2, 2],
      [0, 2, 2, 1 * 1 * 2, 8],
      [1, 0, 2, 2 * 2 * 2, 10],
      [1, 1, 4, 2 * 3 * 4, 18],
      [1, 2, 4, 2 * 1 * 4, 42],
      [2, 0, 2, 2 * 2 * 2, 50],
      [2, 1, 4, 2 * 3 * 4, 58],
      [2, 2, 4, 2 * 1 * 4, 82],
    ]);
    expect(basis.nWeights).toBe(90);
    expect(basis.elementCount).toBe(25);
    expect(basis.blocks[4]).toMatchObject({ outStart: 1, inStart: 2, outOrder: 1, inOrder: 1 });
    const big = kernelBasis(FieldType.parse("16x1"), FieldType.parse("16x1"));
    expect([big.elementCount, big.nWeights]).toEqual([4, 1024]);
    expect(basis.weightIndex(4, 1, 2, 3)).toBe(18 + (1 * 3 + 2) * 4 + 3);
    expect(() => basis.weightIndex(4, 2, 0, 0)).toThrow(/no weight/);
  });

  test("assemble equals the sum of placed irrep kernels, the factored form, and solves the constraint", () => {
    const rng = new SeededRandom(35);
    const basis = kernelBasis(inType, outType);
    const weights = Float64Array.from({ length: basis.nWeights }, () => rng.gaussian());
    const dimIn = inType.dim;
    const dimOut = outType.dim;
    for (let trial = 0; trial < 5; trial++) {
      const theta = rng.angle();
      const K = basis.assemble(weights, theta);

      // Independent path: every (block, copy pair, element) evaluated on its own and placed.
      const reference = new Float64Array(dimOut * dimIn);
      basis.blocks.forEach((b, blockIndex) => {
        const dOut = irrepDim(b.outOrder);
        const dIn = irrepDim(b.inOrder);
        for (let i = 0; i < b.outMultiplicity; i++) {
          for (let j = 0; j < b.inMultiplicity; j++) {
            b.elements.forEach((element, e) => {
              const w = weights[basis.weightIndex(blockIndex, i, j, e)];
              const k = element.evaluate(theta);
              for (let r = 0; r < dOut; r++) {
                for (let c = 0; c < dIn; c++) {
                  reference[(b.outStart + i * dOut + r) * dimIn + b.inStart + j * dIn + c] +=
                    w * k[r * dIn + c];
                }
              }
            });
          }
        }
      });
      expect(relativeError(K, reference)).toBeLessThan(1e-14);

      // Factored form with the whole types' representation matrices.
      const W = basis.assembleW(weights);
      const factored = mul(
        mul(outType.representation(theta), dimOut, dimOut, W, dimIn),
        dimOut,
        dimIn,
        inType.representation(-theta),
        dimIn,
      );
      expect(relativeError(K, factored)).toBeLessThan(1e-14);

      // Kernel constraint for the whole types.
      const phi = rng.angle();
      const rhs = mul(
        mul(outType.representation(-phi), dimOut, dimOut, K, dimIn),
        dimOut,
        dimIn,
        inType.representation(phi),
        dimIn,
      );
      expect(relativeError(basis.assemble(weights, theta - phi), rhs)).toBeLessThan(1e-12);
      // Negative control: the same check on a kernel with one entry perturbed fails.
      const broken = basis.assemble(weights, theta - phi);
      broken[dimIn + 3] += 0.5;
      expect(relativeError(broken, rhs)).toBeGreaterThan(1e-3);
    }
  });

  test("band limit: bandLimited(f) equals kernelBasis(…, { maxFrequency: f }) and drops high frequencies", () => {
    const full = kernelBasis(inType, outType);
    const limited = full.bandLimited(2);
    expect(limited.maxFrequency).toBe(2);
    expect(limited.blocks).toEqual(kernelBasis(inType, outType, { maxFrequency: 2 }).blocks);
    const frequencies = limited.blocks.flatMap((b) => b.elements.map((e) => e.frequency));
    expect(Math.max(...frequencies)).toBe(2);
    expect(limited.nWeights).toBeLessThan(full.nWeights);
    // The 2→3 (frequencies 1 and 5) block keeps only its difference elements.
    const block = limited.blocks.find((b) => b.outOrder === 3 && b.inOrder === 2)!;
    expect(block.elements.map((e) => e.kind)).toEqual(["difference", "difference"]);
    expect(full.maxFrequency).toBe(Number.POSITIVE_INFINITY);
  });

  test("weightsAtRadius mixes per-ring weight vectors", () => {
    const basis = kernelBasis(FieldType.parse("1x0+1x1"), FieldType.parse("1x1"));
    const perRing = Float64Array.from({ length: 3 * basis.nWeights }, (_, i) => i);
    const mixed = basis.weightsAtRadius(perRing, [0.25, 0.75, 0]);
    for (let i = 0; i < basis.nWeights; i++)
      expect(mixed[i]).toBeCloseTo(0.25 * i + 0.75 * (basis.nWeights + i), 14);
    expect(() => basis.weightsAtRadius(perRing, [1, 0])).toThrow(/weightsPerRing/);
  });

  test("rejects a weight vector of the wrong length", () => {
    const basis = kernelBasis(inType, outType);
    expect(() => basis.assemble(new Float64Array(3), 0)).toThrow(/has 90 weights, got 3/);
    expect(() => basis.assemble(new Float64Array(90), Number.NaN)).toThrow(/theta/);
  });
});

describe("self-interaction basis between field types", () => {
  test("only equal orders couple; the assembled matrix commutes with the action", () => {
    const inType = FieldType.parse("2x0+3x1+1x2");
    const outType = FieldType.parse("1x0+2x1+2x3");
    const basis = selfInteractionBasis(inType, outType);
    expect(basis.blocks.map((b) => [b.outOrder, b.inOrder, b.elements.length, b.weightCount])).toEqual([
      [0, 0, 1, 2],
      [1, 1, 2, 12],
    ]);
    const rng = new SeededRandom(36);
    const weights = Float64Array.from({ length: basis.nWeights }, () => rng.gaussian());
    const K = basis.assemble(weights);
    const phi = rng.angle();
    const lhs = mul(outType.representation(phi), outType.dim, outType.dim, K, inType.dim);
    const rhs = mul(K, outType.dim, inType.dim, inType.representation(phi), inType.dim);
    expect(relativeError(lhs, rhs)).toBeLessThan(1e-14);
    // Negative control: a dense matrix without the structure does not commute.
    const dense = Float64Array.from(K, () => rng.gaussian());
    const lhsDense = mul(outType.representation(phi), outType.dim, outType.dim, dense, inType.dim);
    const rhsDense = mul(dense, outType.dim, inType.dim, inType.representation(phi), inType.dim);
    expect(relativeError(lhsDense, rhsDense)).toBeGreaterThan(0.1);
  });
});
