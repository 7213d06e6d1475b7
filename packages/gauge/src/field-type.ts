import {
  FieldTypeParseError,
  GaugeArgumentError,
  type NonlinearityKind,
  UnsupportedFieldTypeError,
} from "./errors.js";
import { assertOrder, irrepDim } from "./irrep.js";

/** One term `multiplicity x order` of a field type: `multiplicity` copies of `ρ_order`. */
export interface FieldTypeTerm {
  readonly order: number;
  readonly multiplicity: number;
}

/** One copy of an irrep inside a packed row: its order and where its numbers sit. */
export interface IrrepCopy {
  /** Position of this copy among all copies of the type (0-based, in packed order). */
  readonly index: number;
  readonly order: number;
  /** `irrepDim(order)`: 1 or 2. */
  readonly dim: 1 | 2;
  /** Offset of the copy's first number within a packed row. */
  readonly offset: number;
  /** Index of the term the copy belongs to in `FieldType.terms`. */
  readonly term: number;
  /** Which copy of its term this is (0-based). */
  readonly indexInTerm: number;
}

/** Where a term lives in a packed row: numbers `start` (inclusive) to `end` (exclusive). */
export interface TermSlice extends FieldTypeTerm {
  readonly term: number;
  /** Numbers per copy: `irrepDim(order)`. */
  readonly copyDim: 1 | 2;
  readonly start: number;
  readonly end: number;
}

/** Structure of a type made of `channels` copies of `regular(maxOrder)`; see `FieldType.regularStructure`. */
export interface RegularStructure {
  /** The band limit `L`: orders `0…L` are present. */
  readonly maxOrder: number;
  /** Multiplicity `c` shared by every order. */
  readonly channels: number;
}

/**
 * Largest irrep order a field type may hold. GEM-CNN networks use orders up to 2 or 3: a kernel
 * of angular frequency `n` is sampled only at a vertex's neighbours (6 to a few dozen), so orders
 * far above that alias onto lower ones and carry nothing new. 64 is well past any useful order
 * and keeps every size computed from orders small.
 */
export const MAX_FIELD_TYPE_ORDER = 64;

/**
 * Largest number of reals per vertex (`dim`) a field type may have, and so also its largest
 * multiplicity (65536 scalars). Real networks have tens to a few hundred (GEM-CNN's widest layers
 * are 64 channels of orders 0 to 2, dim 320); a field of dim 65536 on 10 000 vertices is already
 * 2.6 GB of float32. The limit turns a typo such as `"99999999999x0"` into an error that says
 * so, where layers would otherwise fail deep inside with a RangeError or exhaust memory.
 */
export const MAX_FIELD_TYPE_DIM = 65536;

/** A float array that can carry a packed field; the gauge package keeps the caller's precision. */
export type FloatArray = Float64Array | Float32Array;

/**
 * The data type of a feature field: a direct sum of SO(2) irreps with multiplicities, written
 * like `"16x0+8x1+4x2"` (16 scalars, 8 order-1 fields, 4 order-2 fields). Instances are immutable
 * and always canonical: terms sorted by increasing order, equal orders merged.
 *
 * Packed layout (docs/conventions.md): a field on `V` vertices is a row-major `[V × dim]` array;
 * within a row the terms follow each other in canonical order, each `m x n` term as `m`
 * consecutive copies of `irrepDim(n)` numbers, a 2-dimensional copy being `(cos-part, sin-part)`.
 */
export class FieldType {
  /** The terms in canonical order: strictly increasing orders, multiplicities ≥ 1. */
  readonly terms: readonly FieldTypeTerm[];
  /** Numbers per vertex: `Σ multiplicity · irrepDim(order)`. */
  readonly dim: number;
  /** Largest order present. */
  readonly maxOrder: number;
  private readonly termStarts: readonly number[];
  private copyList: readonly IrrepCopy[] | undefined;

  private constructor(canonicalTerms: readonly FieldTypeTerm[]) {
    this.terms = Object.freeze(
      canonicalTerms.map((t) => Object.freeze({ order: t.order, multiplicity: t.multiplicity })),
    );
    const starts: number[] = [];
    let dim = 0;
    for (const t of this.terms) {
      assertFieldOrder(t.order, "order");
      starts.push(dim);
      dim += t.multiplicity * irrepDim(t.order);
    }
    if (dim > MAX_FIELD_TYPE_DIM) {
      throw new GaugeArgumentError(
        "terms",
        `the field type "${canonicalTerms.map((t) => `${t.multiplicity}x${t.order}`).join("+")}" has dimension ${dim}, above the largest ${MAX_FIELD_TYPE_DIM} numbers per vertex`,
      );
    }
    this.termStarts = starts;
    this.dim = dim;
    this.maxOrder = this.terms[this.terms.length - 1].order;
  }

  /**
   * Reads a field type such as `"16x0+8x1+4x2"`. Each term is `MxN` (M ≥ 1 copies of order
   * N ≥ 0) or a bare order `N` (one copy); terms are joined by `+`; whitespace around tokens is
   * ignored; repeated orders are merged. Throws `FieldTypeParseError` pointing at the bad part.
   */
  static parse(input: string): FieldType {
    if (typeof input !== "string") {
      throw new GaugeArgumentError("input", `FieldType.parse expects a string, got ${typeof input}`);
    }
    return FieldType.fromTerms(parseTerms(input));
  }

  /**
   * A field type from terms in any order; equal orders are merged. Throws `GaugeArgumentError`
   * for an empty list, negative or non-integer orders, or multiplicities below 1.
   */
  static fromTerms(terms: readonly FieldTypeTerm[]): FieldType {
    if (terms.length === 0) throw new GaugeArgumentError("terms", "a field type needs at least one term");
    const byOrder = new Map<number, number>();
    terms.forEach((t, i) => {
      assertFieldOrder(t.order, `terms[${i}].order`);
      if (!Number.isSafeInteger(t.multiplicity) || t.multiplicity < 1) {
        throw new GaugeArgumentError(
          `terms[${i}].multiplicity`,
          `must be an integer ≥ 1, got ${t.multiplicity}`,
        );
      }
      byOrder.set(t.order, (byOrder.get(t.order) ?? 0) + t.multiplicity);
    });
    const merged = [...byOrder.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([order, multiplicity]) => ({ order, multiplicity }));
    return new FieldType(merged);
  }

  /** `channels` copies of the band-limited regular field `0+1+…+L`: `"cx0+cx1+…+cxL"`. */
  static regular(maxOrder: number, channels = 1): FieldType {
    assertFieldOrder(maxOrder, "maxOrder");
    assertCount(channels, "channels");
    return FieldType.fromTerms(
      Array.from({ length: maxOrder + 1 }, (_, order) => ({ order, multiplicity: channels })),
    );
  }

  /** `count` scalars: `"countx0"`. */
  static scalars(count: number): FieldType {
    assertCount(count, "count");
    return new FieldType([{ order: 0, multiplicity: count }]);
  }

  /** `multiplicity` copies of the order-`order` irrep: `"mxn"`. */
  static irreps(order: number, multiplicity = 1): FieldType {
    assertFieldOrder(order, "order");
    assertCount(multiplicity, "multiplicity");
    return new FieldType([{ order, multiplicity }]);
  }

  /** Direct sum of several types, in canonical form (equal orders merged, so not a concatenation). */
  static directSum(...types: readonly FieldType[]): FieldType {
    return FieldType.fromTerms(types.flatMap((t) => t.terms));
  }

  /**
   * Direct sum with `other`, in canonical form. The packed layout of the result is the canonical
   * one, so a row of the sum is in general not a row of `this` followed by a row of `other`.
   */
  directSum(other: FieldType): FieldType {
    return FieldType.directSum(this, other);
  }

  /** Canonical form, `"16x0+8x1+4x2"`; every term carries its multiplicity, even 1. */
  toString(): string {
    return this.terms.map((t) => `${t.multiplicity}x${t.order}`).join("+");
  }

  /** Serialises as the canonical string, so configs store `"16x0+8x1"`. */
  toJSON(): string {
    return this.toString();
  }

  /** Same terms (canonical forms are unique, so this is equality of the represented type). */
  equals(other: FieldType): boolean {
    if (this.terms.length !== other.terms.length) return false;
    return this.terms.every(
      (t, i) => t.order === other.terms[i].order && t.multiplicity === other.terms[i].multiplicity,
    );
  }

  /** Every irrep copy in packed order, with its order and offset in a row. */
  copies(): readonly IrrepCopy[] {
    if (!this.copyList) {
      const list: IrrepCopy[] = [];
      this.terms.forEach((t, term) => {
        const dim = irrepDim(t.order);
        for (let k = 0; k < t.multiplicity; k++) {
          list.push(
            Object.freeze({
              index: list.length,
              order: t.order,
              dim,
              offset: this.termStarts[term] + k * dim,
              term,
              indexInTerm: k,
            }),
          );
        }
      });
      this.copyList = Object.freeze(list);
    }
    return this.copyList;
  }

  /** The numbers of term `termIndex` within a packed row. */
  slice(termIndex: number): TermSlice {
    if (!Number.isInteger(termIndex) || termIndex < 0 || termIndex >= this.terms.length) {
      throw new GaugeArgumentError(
        "termIndex",
        `field type "${this}" has ${this.terms.length} term(s), got index ${termIndex}`,
      );
    }
    const t = this.terms[termIndex];
    const copyDim = irrepDim(t.order);
    const start = this.termStarts[termIndex];
    return {
      term: termIndex,
      order: t.order,
      multiplicity: t.multiplicity,
      copyDim,
      start,
      end: start + t.multiplicity * copyDim,
    };
  }

  /** Index in `terms` of the term of order `order`, or −1 when the type has none. */
  termIndexOfOrder(order: number): number {
    return this.terms.findIndex((t) => t.order === order);
  }

  /** Multiplicity of order `order` (0 when absent). */
  multiplicityOf(order: number): number {
    return this.terms.find((t) => t.order === order)?.multiplicity ?? 0;
  }

  /** Whether every term has order 0 (the type is invariant under gauge changes). */
  get isScalar(): boolean {
    return this.maxOrder === 0;
  }

  /** Number of scalar (order-0) copies. */
  get scalarCount(): number {
    return this.multiplicityOf(0);
  }

  /** Number of non-scalar copies: one gate each for the gated nonlinearity. */
  get nonScalarCount(): number {
    return this.copies().length - this.scalarCount;
  }

  /**
   * `{ maxOrder: L, channels: c }` when the type is exactly `c` copies of `regular(L)`, i.e.
   * `"cx0+cx1+…+cxL"` with every order `0…L` present with the same multiplicity; otherwise
   * `undefined`. Channel `j` is made of copy `j` of each order (see `regularChannelOffsets`).
   */
  regularStructure(): RegularStructure | undefined {
    const channels = this.terms[0].multiplicity;
    const consecutive = this.terms.every((t, i) => t.order === i && t.multiplicity === channels);
    return consecutive ? { maxOrder: this.maxOrder, channels } : undefined;
  }

  /** Whether the nonlinearity `kind` is exactly (or, for "regular", approximately) equivariant on this type. */
  supportsNonlinearity(kind: NonlinearityKind): boolean {
    return this.nonlinearityProblem(kind) === undefined;
  }

  /** The nonlinearities this type admits, a subset of `["pointwise", "regular", "norm", "gated"]`. */
  supportedNonlinearities(): NonlinearityKind[] {
    return (["pointwise", "regular", "norm", "gated"] as const).filter((k) => this.supportsNonlinearity(k));
  }

  /** Throws `UnsupportedFieldTypeError` when `supportsNonlinearity(kind)` is false. */
  assertSupportsNonlinearity(kind: NonlinearityKind): void {
    const problem = this.nonlinearityProblem(kind);
    if (problem !== undefined) throw new UnsupportedFieldTypeError(kind, this.toString(), problem);
  }

  /**
   * Why `kind` is illegal here, or `undefined` if it is legal. Pointwise functions commute with
   * the action only on scalars; the regular nonlinearity samples a band-limited function on the
   * circle, so it needs whole `regular(L)` blocks; norm and gated maps work for every type.
   */
  private nonlinearityProblem(kind: NonlinearityKind): string | undefined {
    switch (kind) {
      case "pointwise":
        return this.isScalar ? undefined : "a pointwise function is only equivariant on scalars (order 0)";
      case "regular":
        return this.regularStructure()
          ? undefined
          : 'it needs c copies of regular(L): every order 0…L with the same multiplicity c, like "4x0+4x1+4x2"';
      case "norm":
      case "gated":
        return undefined;
    }
  }

  /** `ρ(angle)`: the block-diagonal `dim × dim` representation matrix (row-major) at `angle` radians. */
  representation(angle: number): Float64Array {
    assertFiniteAngle(angle, "angle");
    const out = new Float64Array(this.dim * this.dim);
    const dim = this.dim;
    for (const copy of this.copies()) {
      const o = copy.offset;
      if (copy.dim === 1) {
        out[o * dim + o] = 1;
      } else {
        const c = Math.cos(copy.order * angle);
        const s = Math.sin(copy.order * angle);
        out[o * dim + o] = c;
        out[o * dim + o + 1] = -s;
        out[(o + 1) * dim + o] = s;
        out[(o + 1) * dim + o + 1] = c;
      }
    }
    return out;
  }

  /**
   * Applies `ρ(angles[v])` to row `v` of a packed `[V × dim]` field and returns a new array of
   * the same precision. With `angles = −φ` this is the gauge change of docs/conventions.md (see
   * `changeGauge`). Float32 input is rotated with float64 cosines and rounded once on output.
   */
  actOnField<T extends FloatArray>(field: T, angles: ArrayLike<number>): T {
    const nVertices = assertPackedField(field, this, angles.length, "field");
    const out = (
      field instanceof Float32Array ? new Float32Array(field.length) : new Float64Array(field.length)
    ) as T;
    const dim = this.dim;
    const orders = this.terms.map((t) => t.order);
    const cosines = new Float64Array(orders.length);
    const sines = new Float64Array(orders.length);
    for (let v = 0; v < nVertices; v++) {
      const angle = angles[v];
      assertFiniteAngle(angle, `angles[${v}]`);
      for (let i = 0; i < orders.length; i++) {
        cosines[i] = Math.cos(orders[i] * angle);
        sines[i] = Math.sin(orders[i] * angle);
      }
      const row = v * dim;
      for (let i = 0; i < orders.length; i++) {
        const t = this.terms[i];
        let p = row + this.termStarts[i];
        if (t.order === 0) {
          for (let k = 0; k < t.multiplicity; k++, p++) out[p] = field[p];
          continue;
        }
        const c = cosines[i];
        const s = sines[i];
        for (let k = 0; k < t.multiplicity; k++, p += 2) {
          const x = field[p];
          const y = field[p + 1];
          out[p] = c * x - s * y;
          out[p + 1] = s * x + c * y;
        }
      }
    }
    return out;
  }

  /**
   * Coefficients of the same field after every frame `v` is rotated counter-clockwise by
   * `frameAngles[v]`: applies `ρ(−frameAngles[v])`, the gauge-change law `x' = ρ(−φ) x`.
   */
  changeGauge<T extends FloatArray>(field: T, frameAngles: ArrayLike<number>): T {
    return this.actOnField(
      field,
      Float64Array.from(frameAngles, (a) => -a),
    );
  }
}

/**
 * Checks that `field` is a packed `[V × type.dim]` array with `V = nVertices` (or any `V` when
 * `nVertices` is undefined) and returns `V`.
 */
export function assertPackedField(
  field: ArrayLike<number>,
  type: FieldType,
  nVertices: number | undefined,
  argument: string,
): number {
  if (!(field instanceof Float64Array || field instanceof Float32Array)) {
    throw new GaugeArgumentError(argument, "expected a Float64Array or Float32Array");
  }
  if (nVertices === undefined) {
    if (field.length % type.dim !== 0) {
      throw new GaugeArgumentError(
        argument,
        `length ${field.length} is not a multiple of dim ${type.dim} of field type "${type}"`,
      );
    }
    return field.length / type.dim;
  }
  if (field.length !== nVertices * type.dim) {
    throw new GaugeArgumentError(
      argument,
      `expected ${nVertices} vertices × dim ${type.dim} of "${type}" = ${nVertices * type.dim} numbers, got ${field.length}`,
    );
  }
  return nVertices;
}

function assertFiniteAngle(angle: number, argument: string): void {
  if (!Number.isFinite(angle)) throw new GaugeArgumentError(argument, `angle must be finite, got ${angle}`);
}

/** `assertOrder`, and at most `MAX_FIELD_TYPE_ORDER`. */
function assertFieldOrder(order: number, argument: string): void {
  assertOrder(order, argument);
  if (order > MAX_FIELD_TYPE_ORDER) {
    throw new GaugeArgumentError(
      argument,
      `order ${order} is above the largest order ${MAX_FIELD_TYPE_ORDER}`,
    );
  }
}

function assertCount(count: number, argument: string): void {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new GaugeArgumentError(argument, `must be an integer ≥ 1, got ${count}`);
  }
}

/** Hand-written scanner: the grammar is four tokens, and positions are needed for the caret. */
function parseTerms(input: string): FieldTypeTerm[] {
  const terms: FieldTypeTerm[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < input.length && /\s/.test(input[i])) i++;
  };
  const fail = (position: number, length: number, reason: string): never => {
    throw new FieldTypeParseError(input, position, length, reason);
  };
  const readInteger = (what: string): { value: number; start: number; end: number } => {
    const start = i;
    if (input[i] === "-") {
      let j = i + 1;
      while (j < input.length && /[0-9]/.test(input[j])) j++;
      fail(start, j - start, `${what} must not be negative`);
    }
    while (i < input.length && /[0-9.eE]/.test(input[i])) i++;
    const token = input.slice(start, i);
    if (token === "") {
      fail(
        start,
        1,
        i >= input.length ? `expected ${what} (a number) at the end` : `expected ${what} (a number)`,
      );
    }
    if (!/^[0-9]+$/.test(token)) fail(start, token.length, `${what} must be a whole number, got "${token}"`);
    const value = Number(token);
    if (!Number.isSafeInteger(value)) fail(start, token.length, `${what} ${token} is too large`);
    return { value, start, end: i };
  };

  let dim = 0;
  skipSpace();
  if (i >= input.length) fail(0, 1, 'a field type needs at least one term, like "1x0"');
  for (;;) {
    skipSpace();
    const first = readInteger("a multiplicity or an order");
    skipSpace();
    let order = first;
    let multiplicity = 1;
    if (input[i] === "x" || input[i] === "X") {
      i++;
      skipSpace();
      order = readInteger("an order");
      multiplicity = first.value;
      if (multiplicity < 1) fail(first.start, first.end - first.start, "a multiplicity must be at least 1");
    }
    if (order.value > MAX_FIELD_TYPE_ORDER) {
      fail(
        order.start,
        order.end - order.start,
        `order ${order.value} is above the largest order ${MAX_FIELD_TYPE_ORDER}`,
      );
    }
    dim += multiplicity * (order.value === 0 ? 1 : 2);
    if (dim > MAX_FIELD_TYPE_DIM) {
      fail(
        first.start,
        order.end - first.start,
        `the field type's dimension reaches ${dim} here, above the largest ${MAX_FIELD_TYPE_DIM} numbers per vertex`,
      );
    }
    terms.push({ order: order.value, multiplicity });
    skipSpace();
    if (i >= input.length) break;
    if (input[i] !== "+") {
      fail(i, 1, `expected "+" or the end after "${input.slice(first.start, order.end)}", got "${input[i]}"`);
    }
    i++;
  }
  return terms;
}
