import { GaugeArgumentError } from "./errors.js";
import type { FieldType } from "./field-type.js";
import { assertOrder, irrepDim } from "./irrep.js";

/**
 * How a basis kernel `ρ_n → ρ_m` couples its input to its output. Identify a 2-dimensional
 * irrep space with ℂ (`(cos-part, sin-part) ↦ x + iy`, so `ρ_n(φ)` multiplies by `e^{inφ}`):
 * - `"difference"` (n, m ≥ 1): `W` is complex-linear, `z ↦ c·z` (W ∈ span{I, J}, commutes with
 *   rotations), so `K(θ) = ρ_{m−n}(θ) W`, frequency `|m − n|`;
 * - `"sum"` (n, m ≥ 1): `W` is antilinear, `z ↦ c·z̄` (W ∈ span of the reflections
 *   [[1,0],[0,−1]] and [[0,1],[1,0]]), so `K(θ) = ρ_{m+n}(θ) W`, frequency `m + n`;
 * - `"scalar"`: one side is a scalar (n = 0 or m = 0, or both); the two cases coincide and the
 *   frequency is `n + m = |m − n|`.
 */
export type KernelKind = "scalar" | "difference" | "sum";

/**
 * Which of the two elements of a kind this is, reading `c` above (or the scalar's side) as a
 * complex number: `"real"` is `c = 1` (W = I, the reflection diag(1, −1), or picking/placing the
 * cos-part), `"imaginary"` is `c = i` (W = J = [[0,−1],[1,0]], [[0,1],[1,0]], or the sin-part).
 */
export type KernelPart = "real" | "imaginary";

/**
 * One analytic solution of the kernel constraint `K(θ − φ) = ρ_m(−φ) K(θ) ρ_n(φ)` for the irrep
 * pair `ρ_n → ρ_m`, in GEM-CNN's factored form `K(θ) = ρ_m(θ) W ρ_n(−θ)` with a constant `W`.
 */
export class KernelBasisElement {
  /** Input irrep order `n`. */
  readonly inOrder: number;
  /** Output irrep order `m`. */
  readonly outOrder: number;
  readonly dimIn: 1 | 2;
  readonly dimOut: 1 | 2;
  /** The angular frequency of `θ ↦ K(θ)`: every entry is a combination of `cos fθ` and `sin fθ`. */
  readonly frequency: number;
  readonly kind: KernelKind;
  readonly part: KernelPart;
  /** `K(0)`, the factored form's constant matrix: row-major `dimOut × dimIn`. */
  readonly W: Float64Array;
  /** Position among the elements of its irrep pair (0-based, in the order of `irrepKernelBasis`). */
  readonly index: number;

  constructor(
    inOrder: number,
    outOrder: number,
    kind: KernelKind,
    part: KernelPart,
    W: Float64Array,
    index: number,
  ) {
    this.inOrder = inOrder;
    this.outOrder = outOrder;
    this.dimIn = irrepDim(inOrder);
    this.dimOut = irrepDim(outOrder);
    this.kind = kind;
    this.part = part;
    this.frequency = kind === "difference" ? Math.abs(outOrder - inOrder) : outOrder + inOrder;
    this.W = W;
    this.index = index;
    Object.freeze(this);
  }

  /**
   * `K(θ) = ρ_m(θ) W ρ_n(−θ)`, row-major `dimOut × dimIn`, for the angle `θ` (radians) of the
   * neighbour in the receiving vertex's frame. Written into `out` when given.
   */
  evaluate(theta: number, out: Float64Array = new Float64Array(this.dimOut * this.dimIn)): Float64Array {
    out.set(this.W);
    rotateColumnsInPlace(out, this.dimOut, this.dimIn, 0, this.inOrder, -theta);
    rotateRowsInPlace(out, this.dimIn, 0, this.outOrder, theta);
    return out;
  }

  /** A short name such as `"1→2 sum imaginary (f=3)"`, for logs and test titles. */
  toString(): string {
    return `${this.inOrder}→${this.outOrder} ${this.kind} ${this.part} (f=${this.frequency})`;
  }
}

const I = [1, 0, 0, 1];
const J = [0, -1, 1, 0];
const REFLECT_X = [1, 0, 0, -1];
const REFLECT_DIAGONAL = [0, 1, 1, 0];

/**
 * Every solution of the kernel constraint for `ρ_n → ρ_m`, as a basis of `dimOut · dimIn`
 * elements: one for 0 → 0, two for n → 0 and 0 → m (frequency n or m), four for n → m with
 * n, m ≥ 1 (difference real/imaginary at frequency |m − n|, then sum real/imaginary at m + n).
 * With `maxFrequency`, elements of higher frequency are dropped (band limit).
 */
export function irrepKernelBasis(
  inOrder: number,
  outOrder: number,
  options: { maxFrequency?: number } = {},
): readonly KernelBasisElement[] {
  assertOrder(inOrder, "inOrder");
  assertOrder(outOrder, "outOrder");
  const specs: [KernelKind, KernelPart, number[]][] = [];
  if (inOrder === 0 && outOrder === 0) {
    specs.push(["scalar", "real", [1]]);
  } else if (outOrder === 0 || inOrder === 0) {
    // W is the 1×2 row or 2×1 column picking (placing) the cos-part or the sin-part.
    specs.push(["scalar", "real", [1, 0]], ["scalar", "imaginary", [0, 1]]);
  } else {
    specs.push(
      ["difference", "real", I],
      ["difference", "imaginary", J],
      ["sum", "real", REFLECT_X],
      ["sum", "imaginary", REFLECT_DIAGONAL],
    );
  }
  const all = specs.map(
    ([kind, part, w], index) =>
      new KernelBasisElement(inOrder, outOrder, kind, part, Float64Array.from(w), index),
  );
  const maxFrequency = checkMaxFrequency(options.maxFrequency);
  return Object.freeze(all.filter((e) => e.frequency <= maxFrequency));
}

/**
 * Kernels that commute with the action, `ρ_m(φ) K = K ρ_n(φ)` for all φ (used for the
 * self-interaction `q = p`): `[1]` for 0 → 0, `I` and `J` for n → n, none otherwise (Schur).
 * They are exactly the frequency-0 elements of `irrepKernelBasis(n, m)`, since a constant kernel
 * satisfies the kernel constraint if and only if it commutes with the action.
 */
export function irrepSelfInteractionBasis(inOrder: number, outOrder: number): readonly KernelBasisElement[] {
  return Object.freeze(irrepKernelBasis(inOrder, outOrder).filter((e) => e.frequency === 0));
}

/** The irrep-pair basis between term `inTerm` of the input type and term `outTerm` of the output type. */
export interface KernelBasisBlock {
  readonly outTerm: number;
  readonly inTerm: number;
  readonly outOrder: number;
  readonly inOrder: number;
  readonly outMultiplicity: number;
  readonly inMultiplicity: number;
  /** Offset of the output term's first number within a packed output row. */
  readonly outStart: number;
  /** Offset of the input term's first number within a packed input row. */
  readonly inStart: number;
  /** The irrep-pair basis, shared by every (output copy, input copy) pair of the two terms. */
  readonly elements: readonly KernelBasisElement[];
  /** Index of the block's first weight in the flat weight vector. */
  readonly weightOffset: number;
  /** `outMultiplicity × inMultiplicity × elements.length`. */
  readonly weightCount: number;
}

/**
 * A basis for linear maps between two field types, organised per (output term, input term) pair
 * so that multiplicities are handled by channel mixing rather than by one element per copy pair.
 *
 * Flat weight order: blocks by output term, then input term (blocks without elements are
 * omitted); within a block, weight `weightOffset + (outCopy · inMultiplicity + inCopy) ·
 * elements.length + element`, i.e. a row-major `[outMultiplicity × inMultiplicity × nElements]`
 * array. The kernel is `K = Σ w · (element placed at the copies' rows and columns)`.
 */
abstract class BlockKernelBasis {
  readonly inType: FieldType;
  readonly outType: FieldType;
  /** Non-empty (output term, input term) blocks, in weight order. */
  readonly blocks: readonly KernelBasisBlock[];
  /** Length of the flat weight vector. */
  readonly nWeights: number;

  protected constructor(
    inType: FieldType,
    outType: FieldType,
    elementsFor: (inOrder: number, outOrder: number) => readonly KernelBasisElement[],
  ) {
    this.inType = inType;
    this.outType = outType;
    const blocks: KernelBasisBlock[] = [];
    let weightOffset = 0;
    outType.terms.forEach((outTermSpec, outTerm) => {
      inType.terms.forEach((inTermSpec, inTerm) => {
        const elements = elementsFor(inTermSpec.order, outTermSpec.order);
        if (elements.length === 0) return;
        const weightCount = outTermSpec.multiplicity * inTermSpec.multiplicity * elements.length;
        blocks.push(
          Object.freeze({
            outTerm,
            inTerm,
            outOrder: outTermSpec.order,
            inOrder: inTermSpec.order,
            outMultiplicity: outTermSpec.multiplicity,
            inMultiplicity: inTermSpec.multiplicity,
            outStart: outType.slice(outTerm).start,
            inStart: inType.slice(inTerm).start,
            elements,
            weightOffset,
            weightCount,
          }),
        );
        weightOffset += weightCount;
      });
    });
    this.blocks = Object.freeze(blocks);
    this.nWeights = weightOffset;
  }

  /** Number of (output term, input term, element) triples, i.e. `Σ blocks[i].elements.length`. */
  get elementCount(): number {
    return this.blocks.reduce((sum, b) => sum + b.elements.length, 0);
  }

  /** Index in the flat weight vector of the weight of `element` between copy `outCopy` and copy `inCopy` of block `block`. */
  weightIndex(block: number, outCopy: number, inCopy: number, element: number): number {
    const b = this.blocks[block];
    if (
      !b ||
      !inRange(outCopy, b.outMultiplicity) ||
      !inRange(inCopy, b.inMultiplicity) ||
      !inRange(element, b.elements.length)
    ) {
      throw new GaugeArgumentError(
        "weightIndex",
        `no weight (block ${block}, outCopy ${outCopy}, inCopy ${inCopy}, element ${element}) in this basis`,
      );
    }
    return b.weightOffset + (outCopy * b.inMultiplicity + inCopy) * b.elements.length + element;
  }

  /**
   * The constant matrix of the factored form, `W = Σ w · W_element` placed blockwise: row-major
   * `outType.dim × inType.dim`, so that `K(θ) = ρ_out(θ) W ρ_in(−θ)`.
   */
  assembleW(weights: ArrayLike<number>): Float64Array {
    this.assertWeights(weights);
    const dimIn = this.inType.dim;
    const out = new Float64Array(this.outType.dim * dimIn);
    for (const b of this.blocks) {
      const dOut = irrepDim(b.outOrder);
      const dIn = irrepDim(b.inOrder);
      const nElements = b.elements.length;
      for (let i = 0; i < b.outMultiplicity; i++) {
        for (let j = 0; j < b.inMultiplicity; j++) {
          const w0 = b.weightOffset + (i * b.inMultiplicity + j) * nElements;
          const row0 = b.outStart + i * dOut;
          const col0 = b.inStart + j * dIn;
          for (let e = 0; e < nElements; e++) {
            const w = weights[w0 + e];
            const W = b.elements[e].W;
            for (let r = 0; r < dOut; r++) {
              for (let c = 0; c < dIn; c++) out[(row0 + r) * dimIn + col0 + c] += w * W[r * dIn + c];
            }
          }
        }
      }
    }
    return out;
  }

  protected assertWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.nWeights) {
      throw new GaugeArgumentError(
        "weights",
        `basis "${this.inType}" → "${this.outType}" has ${this.nWeights} weights, got ${weights.length}`,
      );
    }
  }
}

/**
 * Basis of neighbour kernels `K(θ)` from `inType` to `outType` satisfying the kernel constraint
 * `K(θ − φ) = ρ_out(−φ) K(θ) ρ_in(φ)`, possibly band-limited. Build with `kernelBasis`.
 */
export class KernelBasis extends BlockKernelBasis {
  /** Elements of higher frequency were dropped; `Infinity` when there is no band limit. */
  readonly maxFrequency: number;

  /** @internal Use `kernelBasis(inType, outType, options)`. */
  constructor(inType: FieldType, outType: FieldType, maxFrequency: number) {
    super(inType, outType, (n, m) => irrepKernelBasis(n, m, { maxFrequency }));
    this.maxFrequency = maxFrequency;
  }

  /** The same basis without elements of frequency above `maxFrequency` (weights re-indexed). */
  bandLimited(maxFrequency: number): KernelBasis {
    return new KernelBasis(
      this.inType,
      this.outType,
      Math.min(this.maxFrequency, checkMaxFrequency(maxFrequency)),
    );
  }

  /**
   * The dense kernel `K(θ) = ρ_out(θ) W ρ_in(−θ)` (row-major `outType.dim × inType.dim`) for
   * flat `weights` in the documented order, at the neighbour angle `theta` (radians, in the
   * receiving vertex's frame). A float64 reference for layer implementations.
   */
  assemble(weights: ArrayLike<number>, theta: number): Float64Array {
    if (!Number.isFinite(theta)) throw new GaugeArgumentError("theta", `must be finite, got ${theta}`);
    const out = this.assembleW(weights);
    const dimIn = this.inType.dim;
    for (const copy of this.inType.copies()) {
      if (copy.dim === 2) rotateColumnsInPlace(out, this.outType.dim, dimIn, copy.offset, copy.order, -theta);
    }
    for (const copy of this.outType.copies()) {
      if (copy.dim === 2) rotateRowsInPlace(out, dimIn, copy.offset, copy.order, theta);
    }
    return out;
  }

  /**
   * Flat weights at one radius: `Σ_k ringCoefficients[k] · weightsPerRing[k]`, where
   * `weightsPerRing` is row-major `[rings × nWeights]` and `ringCoefficients` a row of
   * `ringWeights` (or any radial profile) for that radius.
   */
  weightsAtRadius(weightsPerRing: ArrayLike<number>, ringCoefficients: ArrayLike<number>): Float64Array {
    const rings = ringCoefficients.length;
    if (weightsPerRing.length !== rings * this.nWeights) {
      throw new GaugeArgumentError(
        "weightsPerRing",
        `expected ${rings} rings × ${this.nWeights} weights = ${rings * this.nWeights} numbers, got ${weightsPerRing.length}`,
      );
    }
    const out = new Float64Array(this.nWeights);
    for (let k = 0; k < rings; k++) {
      const a = ringCoefficients[k];
      if (a === 0) continue;
      for (let i = 0; i < this.nWeights; i++) out[i] += a * weightsPerRing[k * this.nWeights + i];
    }
    return out;
  }
}

/**
 * Basis of self-interaction kernels from `inType` to `outType`: constant matrices with
 * `ρ_out(φ) K = K ρ_in(φ)` for every φ. Build with `selfInteractionBasis`.
 */
export class SelfInteractionBasis extends BlockKernelBasis {
  /** @internal Use `selfInteractionBasis(inType, outType)`. */
  constructor(inType: FieldType, outType: FieldType) {
    super(inType, outType, irrepSelfInteractionBasis);
  }

  /** The dense commuting matrix (row-major `outType.dim × inType.dim`) for flat `weights`. */
  assemble(weights: ArrayLike<number>): Float64Array {
    return this.assembleW(weights);
  }
}

/**
 * The neighbour-kernel basis between two field types. `maxFrequency` (default: none) drops
 * elements whose frequency exceeds it, GEM-CNN's band limit.
 */
export function kernelBasis(
  inType: FieldType,
  outType: FieldType,
  options: { maxFrequency?: number } = {},
): KernelBasis {
  return new KernelBasis(inType, outType, checkMaxFrequency(options.maxFrequency));
}

/** The self-interaction basis between two field types (kernels that commute with the action). */
export function selfInteractionBasis(inType: FieldType, outType: FieldType): SelfInteractionBasis {
  return new SelfInteractionBasis(inType, outType);
}

function checkMaxFrequency(maxFrequency: number | undefined): number {
  if (maxFrequency === undefined) return Number.POSITIVE_INFINITY;
  if (!(maxFrequency >= 0) || (Number.isFinite(maxFrequency) && !Number.isInteger(maxFrequency))) {
    throw new GaugeArgumentError(
      "maxFrequency",
      `must be a non-negative integer or Infinity, got ${maxFrequency}`,
    );
  }
  return maxFrequency;
}

function inRange(i: number, n: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < n;
}

/** Right-multiplies columns `col, col+1` of a row-major matrix by `ρ_order(angle)`. */
function rotateColumnsInPlace(
  matrix: Float64Array,
  rows: number,
  cols: number,
  col: number,
  order: number,
  angle: number,
): void {
  if (order === 0) return;
  const c = Math.cos(order * angle);
  const s = Math.sin(order * angle);
  for (let r = 0; r < rows; r++) {
    const p = r * cols + col;
    const a = matrix[p];
    const b = matrix[p + 1];
    // [a b] · [[c, −s], [s, c]] = [a c + b s, −a s + b c]
    matrix[p] = a * c + b * s;
    matrix[p + 1] = -a * s + b * c;
  }
}

/** Left-multiplies rows `row, row+1` of a row-major matrix by `ρ_order(angle)`. */
function rotateRowsInPlace(
  matrix: Float64Array,
  cols: number,
  row: number,
  order: number,
  angle: number,
): void {
  if (order === 0) return;
  const c = Math.cos(order * angle);
  const s = Math.sin(order * angle);
  const p = row * cols;
  const q = p + cols;
  for (let k = 0; k < cols; k++) {
    const a = matrix[p + k];
    const b = matrix[q + k];
    matrix[p + k] = c * a - s * b;
    matrix[q + k] = s * a + c * b;
  }
}
