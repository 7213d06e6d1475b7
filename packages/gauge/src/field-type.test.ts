import { describe, expect, test } from "vitest";
import { relativeError } from "./equivariance.js";
import { FieldTypeParseError, GaugeArgumentError, UnsupportedFieldTypeError } from "./errors.js";
import { FieldType, type FieldTypeTerm, MAX_FIELD_TYPE_DIM, MAX_FIELD_TYPE_ORDER } from "./field-type.js";
import { irrepMatrix } from "./irrep.js";
import { randomField, randomGaugeAngles, SeededRandom } from "./random.js";

/** Row-major dense `[rows × cols] · vector`, the independent reference for the packed action. */
function matVec(matrix: ArrayLike<number>, vector: ArrayLike<number>, offset: number, n: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += matrix[r * n + c] * vector[offset + c];
    out.push(s);
  }
  return out;
}

describe("FieldType parsing and printing", () => {
  test("parses the canonical form and reports terms, dim and maxOrder", () => {
    const t = FieldType.parse("16x0+8x1+4x2");
    expect(t.terms).toEqual([
      { order: 0, multiplicity: 16 },
      { order: 1, multiplicity: 8 },
      { order: 2, multiplicity: 4 },
    ]);
    expect(t.dim).toBe(16 + 16 + 8);
    expect(t.maxOrder).toBe(2);
    expect(t.toString()).toBe("16x0+8x1+4x2");
    expect(JSON.stringify({ type: t })).toBe('{"type":"16x0+8x1+4x2"}');
  });

  test("accepts whitespace, bare orders, any term order, and merges equal orders", () => {
    expect(FieldType.parse(" 16 x 0 +\t8x1 ").toString()).toBe("16x0+8x1");
    expect(FieldType.parse("0").toString()).toBe("1x0");
    expect(FieldType.parse("2x1+0+3x1").toString()).toBe("1x0+5x1");
    expect(FieldType.parse("4x2+16x0").toString()).toBe("16x0+4x2");
    expect(FieldType.parse("1+2").equals(FieldType.parse("1x1+1x2"))).toBe(true);
  });

  const bad: [string, number, RegExp][] = [
    ["", 0, /at least one term/],
    ["   ", 0, /at least one term/],
    ["+", 0, /expected a multiplicity or an order/],
    ["1x0+", 4, /at the end/],
    ["2x", 2, /expected an order/],
    ["x1", 0, /expected a multiplicity or an order/],
    ["-1", 0, /must not be negative/],
    ["2x-1", 2, /order must not be negative/],
    ["0x1", 0, /multiplicity must be at least 1/],
    ["1.5x0", 0, /whole number, got "1.5"/],
    ["16x0+8x1e", 7, /whole number, got "1e"/],
    ["16x0 8x1", 5, /expected "\+" or the end after "16x0"/],
    ["16x0+8y1", 6, /expected "\+" or the end after "8"/],
    ["abc", 0, /expected a multiplicity or an order/],
    ["99999999999999999x1", 0, /too large/],
  ];
  test.each(bad)("rejects %j at column %i", (input, position, reason) => {
    let error: unknown;
    try {
      FieldType.parse(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FieldTypeParseError);
    const e = error as FieldTypeParseError;
    expect(e.input).toBe(input);
    expect(e.position).toBe(position);
    expect(e.message).toMatch(reason);
    expect(e.message).toContain(JSON.stringify(input));
    // The caret line sits under a raw copy of the input, both indented by two spaces.
    const [, inputLine, caretLine] = e.message.split("\n");
    expect(inputLine).toBe(`  ${input}`);
    expect(caretLine.indexOf("^")).toBe(2 + position);
  });

  test("refuses absurd sizes with the limit in the message, before anything is allocated", () => {
    const parseError = (input: string) => {
      try {
        FieldType.parse(input);
      } catch (e) {
        expect(e).toBeInstanceOf(FieldTypeParseError);
        return e as FieldTypeParseError;
      }
      throw new Error(`${input} parsed`);
    };
    const typo = parseError("99999999999x0");
    expect([typo.position, typo.length]).toEqual([0, 13]);
    expect(typo.reason).toBe(
      `the field type's dimension reaches 99999999999 here, above the largest ${MAX_FIELD_TYPE_DIM} numbers per vertex`,
    );
    // The sum counts: each term is fine, together they are not (order-1 copies have two numbers).
    const sum = parseError("30000x0+20000x1");
    expect([sum.position, sum.reason]).toEqual([8, expect.stringMatching(/reaches 70000 here/)]);
    const order = parseError("4x0+2x65");
    expect([order.position, order.reason]).toEqual([
      6,
      `order 65 is above the largest order ${MAX_FIELD_TYPE_ORDER}`,
    ]);
    // The largest legal sizes parse.
    expect(FieldType.parse(`${MAX_FIELD_TYPE_DIM}x0`).dim).toBe(MAX_FIELD_TYPE_DIM);
    expect(FieldType.parse(`1x${MAX_FIELD_TYPE_ORDER}`).maxOrder).toBe(MAX_FIELD_TYPE_ORDER);
    // The other constructors check the same limits, with the argument named.
    expect(() => FieldType.regular(1e9)).toThrow(
      /^maxOrder: order 1000000000 is above the largest order 64$/,
    );
    expect(() => FieldType.regular(2, 30000)).toThrow(/has dimension 150000, above the largest 65536/);
    expect(() => FieldType.scalars(MAX_FIELD_TYPE_DIM + 1)).toThrow(GaugeArgumentError);
    expect(() => FieldType.irreps(65)).toThrow(/^order: order 65 is above the largest order 64$/);
    expect(() =>
      FieldType.fromTerms([
        { order: 0, multiplicity: 40000 },
        { order: 0, multiplicity: 40000 },
      ]),
    ).toThrow(/has dimension 80000/);
    expect(() => FieldType.directSum(FieldType.scalars(40000), FieldType.scalars(40000))).toThrow(
      GaugeArgumentError,
    );
  });

  test("keeps the caret aligned under tabs", () => {
    expect(() => FieldType.parse("\t1x0 +\t2y1")).toThrow("\n  \t1x0 +\t2y1\n  \t     \t ^");
  });

  test("rejects non-strings with a typed error", () => {
    expect(() => FieldType.parse(3 as unknown as string)).toThrow(GaugeArgumentError);
  });

  test("random field types survive a print/parse round trip", () => {
    const rng = new SeededRandom(2024);
    for (let trial = 0; trial < 300; trial++) {
      const nTerms = 1 + rng.int(6);
      const terms: FieldTypeTerm[] = [];
      const pieces: string[] = [];
      for (let i = 0; i < nTerms; i++) {
        const order = rng.int(12);
        const multiplicity = 1 + rng.int(40);
        terms.push({ order, multiplicity });
        const space = () => [" ", "", "  ", "\t"][rng.int(4)];
        const body =
          multiplicity === 1 && rng.uniform() < 0.5
            ? `${order}`
            : `${multiplicity}${space()}x${space()}${order}`;
        pieces.push(`${space()}${body}${space()}`);
      }
      const written = pieces.join("+");
      const parsed = FieldType.parse(written);
      expect(parsed.equals(FieldType.fromTerms(terms))).toBe(true);
      const printed = parsed.toString();
      const reparsed = FieldType.parse(printed);
      expect(reparsed.equals(parsed)).toBe(true);
      expect(reparsed.toString()).toBe(printed);
      expect(reparsed.dim).toBe(terms.reduce((s, t) => s + t.multiplicity * (t.order === 0 ? 1 : 2), 0));
    }
  });
});

describe("FieldType structure", () => {
  const t = FieldType.parse("2x0+1x1+2x3");

  test("copies list every irrep copy with its packed offset", () => {
    expect(t.copies().map((c) => [c.order, c.offset, c.dim, c.term, c.indexInTerm])).toEqual([
      [0, 0, 1, 0, 0],
      [0, 1, 1, 0, 1],
      [1, 2, 2, 1, 0],
      [3, 4, 2, 2, 0],
      [3, 6, 2, 2, 1],
    ]);
    expect(t.nonScalarCount).toBe(3);
    expect(t.scalarCount).toBe(2);
  });

  test("slice gives each term's range in a row", () => {
    expect(t.slice(2)).toEqual({ term: 2, order: 3, multiplicity: 2, copyDim: 2, start: 4, end: 8 });
    expect(t.slice(0)).toMatchObject({ start: 0, end: 2 });
    expect(() => t.slice(3)).toThrow(/has 3 term/);
  });

  test("named constructors", () => {
    expect(FieldType.regular(3).toString()).toBe("1x0+1x1+1x2+1x3");
    expect(FieldType.regular(2, 4).toString()).toBe("4x0+4x1+4x2");
    expect(FieldType.regular(0).dim).toBe(1);
    expect(FieldType.scalars(5).toString()).toBe("5x0");
    expect(FieldType.irreps(2, 3).toString()).toBe("3x2");
    expect(() => FieldType.regular(-1)).toThrow(GaugeArgumentError);
    expect(() => FieldType.scalars(0)).toThrow(/≥ 1/);
    expect(() => FieldType.fromTerms([])).toThrow(/at least one term/);
    expect(() => FieldType.fromTerms([{ order: 1, multiplicity: 0 }])).toThrow(/terms\[0\]\.multiplicity/);
  });

  test("direct sum is canonical and equality compares types", () => {
    const sum = FieldType.parse("1x1+2x2").directSum(FieldType.parse("3x0+1x1"));
    expect(sum.toString()).toBe("3x0+2x1+2x2");
    expect(
      FieldType.directSum(FieldType.scalars(1), FieldType.irreps(1), FieldType.irreps(2)).equals(
        FieldType.regular(2),
      ),
    ).toBe(true);
    expect(FieldType.parse("1x0").equals(FieldType.parse("2x0"))).toBe(false);
    expect(FieldType.parse("1x0+1x1").equals(FieldType.parse("1x0+1x2"))).toBe(false);
  });

  test("legal nonlinearities are a property of the type", () => {
    expect(FieldType.parse("8x0").supportedNonlinearities()).toEqual([
      "pointwise",
      "regular",
      "norm",
      "gated",
    ]);
    expect(FieldType.parse("3x0+3x1+3x2").supportedNonlinearities()).toEqual(["regular", "norm", "gated"]);
    expect(FieldType.parse("3x0+3x1+3x2").regularStructure()).toEqual({ maxOrder: 2, channels: 3 });
    expect(FieldType.parse("3x0+2x1").supportedNonlinearities()).toEqual(["norm", "gated"]);
    expect(FieldType.parse("1x1+1x2").regularStructure()).toBeUndefined();
    expect(FieldType.parse("1x0+1x2").regularStructure()).toBeUndefined();
    expect(() => FieldType.parse("1x0+1x2").assertSupportsNonlinearity("regular")).toThrow(
      UnsupportedFieldTypeError,
    );
    expect(() => FieldType.parse("1x1").assertSupportsNonlinearity("pointwise")).toThrow(
      /only equivariant on scalars/,
    );
  });
});

describe("FieldType gauge action", () => {
  const type = FieldType.parse("2x0+3x1+1x2+2x4");
  const nVertices = 50;

  test("representation is block-diagonal in the irreps, in packed order", () => {
    const angle = 0.7;
    const rep = type.representation(angle);
    const dim = type.dim;
    for (const copy of type.copies()) {
      const block = irrepMatrix(copy.order, angle);
      for (let r = 0; r < copy.dim; r++) {
        for (let c = 0; c < copy.dim; c++)
          expect(rep[(copy.offset + r) * dim + copy.offset + c]).toBe(block[r * copy.dim + c]);
      }
    }
    // Nothing outside the blocks: total squared entries = number of ones in the identity.
    expect(rep.reduce((s, x) => s + x * x, 0)).toBeCloseTo(dim, 12);
  });

  test("actOnField applies ρ(angle_v) to each row, keeping the precision", () => {
    const field = randomField(type, nVertices, 3) as Float64Array;
    const angles = randomGaugeAngles(nVertices, 4);
    const acted = type.actOnField(field, angles);
    expect(acted).toBeInstanceOf(Float64Array);
    for (let v = 0; v < nVertices; v++) {
      const expected = matVec(type.representation(angles[v]), field, v * type.dim, type.dim);
      expect(relativeError(acted.subarray(v * type.dim, (v + 1) * type.dim), expected)).toBeLessThan(1e-14);
    }
    const field32 = Float32Array.from(field);
    const acted32 = type.actOnField(field32, angles);
    expect(acted32).toBeInstanceOf(Float32Array);
    // One float32 rounding of the input and one of the output: about 2 · 6e-8.
    expect(relativeError(acted32, acted)).toBeLessThan(3e-7);
  });

  test("the action is a group homomorphism: acting by φ then ψ equals acting by φ + ψ", () => {
    const rng = new SeededRandom(5);
    const field = randomField(type, nVertices, rng) as Float64Array;
    const phi = randomGaugeAngles(nVertices, rng);
    const psi = randomGaugeAngles(nVertices, rng);
    const sum = phi.map((a, v) => a + psi[v]);
    const twice = type.actOnField(type.actOnField(field, phi), psi);
    expect(relativeError(twice, type.actOnField(field, sum))).toBeLessThan(1e-14);
    // Negative control: φ − ψ is not the composition.
    const difference = phi.map((a, v) => a - psi[v]);
    expect(relativeError(twice, type.actOnField(field, difference))).toBeGreaterThan(0.1);
    // Acting by the inverse angles undoes the action.
    expect(
      relativeError(
        type.actOnField(
          type.actOnField(field, phi),
          phi.map((a) => -a),
        ),
        field,
      ),
    ).toBeLessThan(1e-14);
  });

  test("changeGauge gives the coefficients of a tangent vector in counter-clockwise rotated frames", () => {
    const vectorType = FieldType.irreps(1);
    const rng = new SeededRandom(6);
    for (let trial = 0; trial < 20; trial++) {
      // A vector v with coefficients c in the frame (e1, e2) = standard basis of the tangent plane.
      const c = Float64Array.of(rng.gaussian(), rng.gaussian());
      const phi = rng.angle();
      // The frame rotated counter-clockwise by φ (docs/conventions.md), and v's coefficients in it.
      const e1 = [Math.cos(phi), Math.sin(phi)];
      const e2 = [-Math.sin(phi), Math.cos(phi)];
      const inNewFrame = [c[0] * e1[0] + c[1] * e1[1], c[0] * e2[0] + c[1] * e2[1]];
      expect(relativeError(vectorType.changeGauge(c, [phi]), inNewFrame)).toBeLessThan(1e-14);
      // Negative control: acting by +φ is the wrong sign.
      expect(relativeError(vectorType.actOnField(c, [phi]), inNewFrame)).toBeGreaterThan(1e-3);
    }
  });

  test("rejects fields of the wrong length and non-finite angles", () => {
    const field = new Float64Array(type.dim * 3);
    expect(() => type.actOnField(field, [0, 0])).toThrow(/expected 2 vertices × dim 14/);
    expect(() => type.actOnField(field, [0, Number.NaN, 0])).toThrow(/angles\[1\]/);
    expect(() => type.actOnField([1, 2] as unknown as Float64Array, [0])).toThrow(
      /Float64Array or Float32Array/,
    );
  });
});
