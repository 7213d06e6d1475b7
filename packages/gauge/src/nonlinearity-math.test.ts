import { describe, expect, test } from "vitest";
import {
  assertFieldMapEquivariant,
  checkFieldMapEquivariance,
  EQUIVARIANCE_TOLERANCE,
  EquivarianceError,
  type FieldMap,
  relativeError,
} from "./equivariance.js";
import { GaugeArgumentError, UnsupportedFieldTypeError } from "./errors.js";
import { FieldType } from "./field-type.js";
import {
  applyGatedNonlinearity,
  applyNormNonlinearity,
  applyPointwiseNonlinearity,
  applyRegularNonlinearity,
  measureRegularEquivarianceError,
  regularChannelOffsets,
  regularReconstructionMatrix,
  regularSamplingAngles,
  regularSamplingMatrix,
} from "./nonlinearity-math.js";
import { randomField, randomGaugeAngles, SeededRandom } from "./random.js";

const relu = (x: number) => Math.max(0, x);

describe("regular sampling (orthonormal real DFT)", () => {
  test("the sampling matrix has orthonormal columns and the reconstruction inverts it for N ≥ 2L + 1", () => {
    for (let L = 0; L <= 4; L++) {
      for (let N = 2 * L + 1; N <= 2 * L + 6; N++) {
        const A = regularSamplingMatrix(L, N);
        const B = regularReconstructionMatrix(L, N);
        const width = 2 * L + 1;
        for (let i = 0; i < width; i++) {
          for (let j = 0; j < width; j++) {
            let s = 0;
            for (let k = 0; k < N; k++) s += B[i * N + k] * A[k * width + j];
            expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-14);
          }
        }
      }
      if (L > 0) expect(() => regularSamplingMatrix(L, 2 * L)).toThrow(GaugeArgumentError);
    }
    expect(Array.from(regularSamplingAngles(4))).toEqual([0, Math.PI / 2, Math.PI, (3 * Math.PI) / 2]);
  });

  test("acting by 2πk/N shifts the samples cyclically by k", () => {
    const type = FieldType.regular(3);
    const N = 9;
    const A = regularSamplingMatrix(3, N);
    const x = randomField(type, 1, 7) as Float64Array;
    const sample = (v: Float64Array) =>
      Array.from({ length: N }, (_, k) => v.reduce((s, c, i) => s + A[k * type.dim + i] * c, 0));
    for (let shift = 0; shift < N; shift++) {
      const rotated = sample(type.actOnField(x, [(2 * Math.PI * shift) / N]));
      const original = sample(x);
      const shifted = original.map((_, k) => original[(k - shift + N) % N]);
      expect(relativeError(rotated, shifted)).toBeLessThan(1e-14);
    }
  });

  test("channels of c × regular(L) are copy j of every order", () => {
    expect(Array.from(regularChannelOffsets(FieldType.parse("2x0+2x1+2x2")))).toEqual([
      0, 2, 3, 6, 7, 1, 4, 5, 8, 9,
    ]);
    expect(() => regularChannelOffsets(FieldType.parse("2x0+1x1"))).toThrow(UnsupportedFieldTypeError);
  });
});

describe("regular nonlinearity", () => {
  const type = FieldType.parse("3x0+3x1+3x2");
  const nVertices = 40;

  test("identity and linear functions pass through; a constant gives the scalar √N", () => {
    const x = randomField(type, nVertices, 8) as Float64Array;
    expect(
      relativeError(
        applyRegularNonlinearity(x, type, (s) => s, 7),
        x,
      ),
    ).toBeLessThan(1e-14);
    expect(
      relativeError(
        applyRegularNonlinearity(x, type, (s) => -2 * s, 5),
        x.map((s) => -2 * s),
      ),
    ).toBeLessThan(1e-14);
    const constant = applyRegularNonlinearity(x, FieldType.regular(2, 3), () => 1, 6);
    expect(constant[0]).toBeCloseTo(Math.sqrt(6), 13);
    expect(constant[3]).toBeCloseTo(0, 13);
  });

  test("acts on each channel separately", () => {
    const x = randomField(type, nVertices, 9) as Float64Array;
    const out = applyRegularNonlinearity(x, type, relu, 7);
    const offsets = regularChannelOffsets(type);
    const single = FieldType.regular(2);
    for (let j = 0; j < 3; j++) {
      const channel = new Float64Array(nVertices * 5);
      for (let v = 0; v < nVertices; v++)
        for (let i = 0; i < 5; i++) channel[v * 5 + i] = x[v * type.dim + offsets[j * 5 + i]];
      const expected = applyRegularNonlinearity(channel, single, relu, 7);
      for (let v = 0; v < nVertices; v++) {
        for (let i = 0; i < 5; i++)
          expect(out[v * type.dim + offsets[j * 5 + i]]).toBeCloseTo(expected[v * 5 + i], 14);
      }
    }
  });

  test("is exactly equivariant for rotations by multiples of 2π/N, and only approximately otherwise", () => {
    const rng = new SeededRandom(10);
    for (const N of [5, 6, 8, 13]) {
      const map: FieldMap = (f) => applyRegularNonlinearity(f, type, relu, N);
      const angles = Float64Array.from(
        { length: nVertices },
        () => (2 * Math.PI * rng.int(N)) / N + 2 * Math.PI * (rng.int(3) - 1),
      );
      expect(assertFieldMapEquivariant(map, type, type, { angles, nVertices, seed: N })).toBeLessThan(1e-13);
      // float32: input and outputs rounded, arithmetic in float64.
      const input32 = randomField(type, nVertices, rng, "float32");
      assertFieldMapEquivariant(map, type, type, { angles, input: input32 });
      // Negative control: generic angles break exactness at small N.
      const generic = checkFieldMapEquivariance(map, type, type, { nVertices, seed: N });
      expect(generic.relativeError).toBeGreaterThan(1e-3);
      expect(() => assertFieldMapEquivariant(map, type, type, { nVertices, seed: N })).toThrow(
        EquivarianceError,
      );
    }
  });

  test("with ReLU at order 2 the error for random angles falls roughly as 1/N²", () => {
    const sampleCounts = [5, 7, 9, 11, 21, 101];
    const errors = sampleCounts.map((N) =>
      measureRegularEquivarianceError(2, N, relu, { nVertices: 1500, seed: 3 }),
    );
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(errors[i - 1]);
    // Least-squares slope of log(error) against log(N) over N ≥ 7 (N = 5 = 2L + 1 is pre-asymptotic).
    const xs = sampleCounts.slice(1).map(Math.log);
    const ys = errors.slice(1).map(Math.log);
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    const slope =
      xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    expect(slope).toBeGreaterThan(-2.4);
    expect(slope).toBeLessThan(-1.7);
    const scaled = errors.map((e, i) => e * sampleCounts[i] ** 2);
    expect(Math.max(...scaled) / Math.min(...scaled)).toBeLessThan(3);
    // Same order of magnitude as the GEM-CNN reference implementation (its input distribution
    // and error norm are not documented, so only a factor of 3 is asked for).
    const reference: [number, number][] = [
      [5, 0.18],
      [7, 0.054],
      [11, 0.019],
      [101, 1.9e-4],
    ];
    for (const [N, ref] of reference) {
      const ratio = errors[sampleCounts.indexOf(N)] / ref;
      expect(ratio).toBeGreaterThan(1 / 3);
      expect(ratio).toBeLessThan(3);
    }
  });

  test("rejects types that are not c copies of regular(L), and too few samples", () => {
    const x = new Float64Array(5);
    expect(() => applyRegularNonlinearity(x, FieldType.parse("1x0+2x1"), relu, 5)).toThrow(
      UnsupportedFieldTypeError,
    );
    expect(() => applyRegularNonlinearity(x, FieldType.parse("1x1+1x2+1x3"), relu, 9)).toThrow(
      /c copies of regular\(L\)/,
    );
    expect(() => applyRegularNonlinearity(x, FieldType.regular(2), relu, 4)).toThrow(/samples.*≥ 5/);
    expect(() => applyRegularNonlinearity(new Float64Array(7), FieldType.regular(2), relu, 5)).toThrow(
      /not a multiple of dim 5/,
    );
  });
});

describe("norm nonlinearity", () => {
  const type = FieldType.parse("2x0+2x1+1x3");
  const nVertices = 60;

  test("replaces each non-scalar norm by fn(norm + bias), keeps directions; scalars get fn(s + bias)", () => {
    const x = Float64Array.of(0.5, -2, 3, 4, 0, 0, -6, 8);
    const out = applyNormNonlinearity(x, type, relu, [0.25, 0.25, -1, -1, 2]);
    const expected = [0.75, 0, 3 * (4 / 5), 4 * (4 / 5), 0, 0, -6 * (12 / 10), 8 * (12 / 10)];
    expect(relativeError(out, expected)).toBeLessThan(1e-15);
    expect(() => applyNormNonlinearity(x, type, relu, [1, 2])).toThrow(/one per copy/);
  });

  test("is exactly equivariant for random inputs and non-zero biases (float64 and float32)", () => {
    const rng = new SeededRandom(12);
    const bias = Float64Array.from({ length: type.copies().length }, () => rng.gaussian());
    for (const fn of [relu, Math.tanh, (s: number) => s * s]) {
      const map: FieldMap = (f) => applyNormNonlinearity(f, type, fn, bias);
      expect(assertFieldMapEquivariant(map, type, type, { nVertices, seed: 13 })).toBeLessThan(1e-14);
      assertFieldMapEquivariant(map, type, type, { nVertices, seed: 14, dtype: "float32" });
    }
    // Negative control: ReLU on each component (not on the norm) is not equivariant.
    const componentwise: FieldMap = (f) => f.map(relu) as typeof f;
    expect(
      checkFieldMapEquivariance(componentwise, type, type, { nVertices, seed: 15 }).relativeError,
    ).toBeGreaterThan(0.1);
  });
});

describe("gated nonlinearity", () => {
  const type = FieldType.parse("1x0+2x1+1x2");
  const nVertices = 60;
  const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

  test("scales each non-scalar copy by fn(its gate) and leaves scalars (or applies scalarFn)", () => {
    const x = Float64Array.of(-1, 1, 2, 3, 4, 5, 6);
    const gates = [0, 1, -1];
    const out = applyGatedNonlinearity(x, type, gates, (g) => g + 2);
    expect(Array.from(out)).toEqual([-1, 2, 4, 9, 12, 5, 6]);
    expect(applyGatedNonlinearity(x, type, gates, sigmoid, { scalarFn: relu })[0]).toBe(0);
    expect(() => applyGatedNonlinearity(x, type, [1, 2], sigmoid)).toThrow(/3 gates, got 2/);
  });

  test("is exactly equivariant with random invariant gates; a gate that reads a vector component is not", () => {
    const gates = randomField(FieldType.scalars(type.nonScalarCount), nVertices, 16) as Float64Array;
    const map: FieldMap = (f) => applyGatedNonlinearity(f, type, gates, sigmoid, { scalarFn: relu });
    expect(assertFieldMapEquivariant(map, type, type, { nVertices, seed: 17 })).toBeLessThan(1e-14);
    assertFieldMapEquivariant(map, type, type, { nVertices, seed: 18, dtype: "float32" });
    // Negative control: gating by the cos-part of the first vector, which is not invariant.
    const leaky: FieldMap = (f) => {
      const g = new Float64Array(nVertices * type.nonScalarCount);
      for (let v = 0; v < nVertices; v++) for (let c = 0; c < 3; c++) g[v * 3 + c] = f[v * type.dim + 1];
      return applyGatedNonlinearity(f, type, g, sigmoid);
    };
    expect(
      checkFieldMapEquivariance(leaky, type, type, { nVertices, seed: 19 }).relativeError,
    ).toBeGreaterThan(0.01);
  });
});

describe("pointwise nonlinearity", () => {
  test("applies fn to scalars and refuses non-scalar types", () => {
    const scalars = FieldType.scalars(3);
    expect(Array.from(applyPointwiseNonlinearity(Float32Array.of(-1, 2, -3), scalars, relu))).toEqual([
      0, 2, 0,
    ]);
    expect(() => applyPointwiseNonlinearity(new Float64Array(2), FieldType.irreps(1), relu)).toThrow(
      UnsupportedFieldTypeError,
    );
    const gauge = randomGaugeAngles(4, 1);
    const field = randomField(scalars, 4, 2) as Float64Array;
    expect(relativeError(scalars.actOnField(field, gauge), field)).toBe(0);
    expect(EQUIVARIANCE_TOLERANCE.float64).toBeLessThan(EQUIVARIANCE_TOLERANCE.float32);
  });
});
