import { FieldTypeParseError, GaugeArgumentError } from "./errors.js";
import { FieldType, type IrrepCopy } from "./field-type.js";

/** A named field type as JSON: the type and one name per irrep copy (see `NamedFieldType.fromJSON`). */
export interface NamedFieldTypeJSON {
  readonly type: string;
  readonly names: readonly string[];
}

/** One irrep copy of a named field type: where it sits in a packed row, and its name. */
export interface NamedIrrepCopy extends IrrepCopy {
  readonly name: string;
}

/** A copy's name and order, to build a `NamedFieldType` from (`NamedFieldType.fromCopies`). */
export interface NamedOrder {
  readonly name: string;
  readonly order: number;
}

/**
 * What a name may be: letters, digits, `_`, `.` and `-`, at most this many characters. Names come
 * from file columns and go into command lines and the string form `"wind:1"`, so they carry no
 * spaces, `:`, `+` or quotes.
 */
export const MAX_FIELD_NAME_LENGTH = 64;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A user's field type: a `FieldType` with a name for every irrep copy, e.g. the scalars
 * `pressure`, `temperature` and the vector `wind` of `"2x0+1x1"`. `names[i]` belongs to copy `i`
 * of `type.copies()`, in packed (canonical) order; names are unique. Models carry one for their
 * input and output so that a saved model says what it expects and produces. Immutable.
 */
export class NamedFieldType {
  readonly type: FieldType;
  /** One name per irrep copy, in packed order. */
  readonly names: readonly string[];
  private readonly copyList: readonly NamedIrrepCopy[];
  private readonly byName: ReadonlyMap<string, NamedIrrepCopy>;

  private constructor(type: FieldType, names: readonly string[]) {
    this.type = type;
    this.names = Object.freeze([...names]);
    this.copyList = Object.freeze(type.copies().map((copy, i) => Object.freeze({ ...copy, name: names[i] })));
    this.byName = new Map(this.copyList.map((copy) => [copy.name, copy]));
  }

  /**
   * From a type and names. The names follow the irrep copies in the order `type` is written
   * (`"1x1+2x0"` with `["wind", "pressure", "temperature"]` names the vector `wind`); the result
   * is canonical, its copies sorted by order (stably, so equal orders keep the names' order).
   * Throws a `GaugeArgumentError` for a name count other than the number of copies, a repeated
   * name or a name that is not letters, digits, `_`, `.` and `-`.
   */
  static of(type: string | FieldType, names: readonly string[]): NamedFieldType {
    const written = typeof type === "string" ? writtenOrders(type) : type.copies().map((c) => c.order);
    if (!Array.isArray(names)) {
      throw new GaugeArgumentError("names", `expected an array of names, got ${describe(names)}`);
    }
    if (names.length !== written.length) {
      throw new GaugeArgumentError(
        "names",
        `the field type "${type}" has ${written.length} irrep cop${written.length === 1 ? "y" : "ies"}, but ${names.length} name${names.length === 1 ? " was" : "s were"} given (${names.map((n) => JSON.stringify(n)).join(", ")})`,
      );
    }
    return NamedFieldType.fromCopies(written.map((order, i) => ({ name: names[i], order })));
  }

  /**
   * From named copies in any order: canonical, sorted by order, copies of equal order in the
   * given order. Throws a `GaugeArgumentError` for an empty list, a bad or repeated name or a bad order.
   */
  static fromCopies(copies: readonly NamedOrder[]): NamedFieldType {
    if (!Array.isArray(copies) || copies.length === 0) {
      throw new GaugeArgumentError("copies", "a named field type needs at least one named copy");
    }
    const seen = new Set<string>();
    copies.forEach((copy, i) => {
      assertName(copy?.name, `names[${i}]`);
      if (seen.has(copy.name)) {
        throw new GaugeArgumentError(`names[${i}]`, `the name ${JSON.stringify(copy.name)} is used twice`);
      }
      seen.add(copy.name);
    });
    const type = FieldType.fromTerms(copies.map((c) => ({ order: c.order, multiplicity: 1 })));
    const sorted = copies
      .map((copy, i) => ({ copy, i }))
      .sort((a, b) => a.copy.order - b.copy.order || a.i - b.i)
      .map(({ copy }) => copy.name);
    return new NamedFieldType(type, sorted);
  }

  /**
   * From JSON `{ "type": "2x0+1x1", "names": ["pressure", "temperature", "wind"] }` (as
   * `toJSON` writes it, or with the names in the order the type is written; see `of`). Throws a
   * `GaugeArgumentError` naming what is wrong, `FieldTypeParseError` for a bad type string.
   */
  static fromJSON(value: unknown): NamedFieldType {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new GaugeArgumentError(
        "value",
        `a named field type is an object { "type": "2x0+1x1", "names": [...] }, got ${describe(value)}`,
      );
    }
    const { type, names } = value as { type?: unknown; names?: unknown };
    if (typeof type !== "string") {
      throw new GaugeArgumentError(
        "type",
        `expected a field type string such as "2x0+1x1", got ${describe(type)}`,
      );
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
      throw new GaugeArgumentError("names", `expected an array of strings, got ${describe(names)}`);
    }
    return NamedFieldType.of(type, names);
  }

  /**
   * Reads the string form `"pressure:0 + temperature:0 + wind:1"`: `name:order` copies joined by
   * `+` (whitespace around tokens ignored), canonicalised as by `fromCopies`. Throws a
   * `FieldTypeParseError` pointing at the bad part.
   */
  static parse(text: string): NamedFieldType {
    if (typeof text !== "string") {
      throw new GaugeArgumentError("text", `NamedFieldType.parse expects a string, got ${typeof text}`);
    }
    const copies: NamedOrder[] = [];
    let start = 0;
    for (const piece of text.split("+")) {
      const token = piece.trim();
      const position = start + piece.length - piece.trimStart().length;
      start += piece.length + 1;
      const fail = (offset: number, length: number, reason: string): never => {
        throw new FieldTypeParseError(text, position + offset, Math.max(1, length), reason);
      };
      if (token === "") fail(0, 1, 'expected "name:order", e.g. "wind:1"');
      const colon = token.indexOf(":");
      if (colon < 0) {
        fail(
          0,
          token.length,
          `${JSON.stringify(token)} needs an order: "${token}:0" for a scalar, "${token}:1" for a vector`,
        );
      }
      const name = token.slice(0, colon).trimEnd();
      const orderText = token.slice(colon + 1).trimStart();
      if (!NAME.test(name) || name.length > MAX_FIELD_NAME_LENGTH) {
        fail(0, name.length, `${JSON.stringify(name)} is not a name (${NAME_RULE})`);
      }
      if (!/^[0-9]+$/.test(orderText)) {
        fail(token.length - orderText.length, orderText.length, "an order must be a whole number ≥ 0");
      }
      if (copies.some((c) => c.name === name))
        fail(0, name.length, `the name ${JSON.stringify(name)} is used twice`);
      copies.push({ name, order: Number(orderText) });
    }
    try {
      return NamedFieldType.fromCopies(copies);
    } catch (error) {
      // An order the field type refuses (too large): the whole string is at fault.
      if (error instanceof GaugeArgumentError)
        throw new FieldTypeParseError(text, 0, text.length, error.message);
      throw error;
    }
  }

  /** Numbers per vertex. */
  get dim(): number {
    return this.type.dim;
  }

  /** Every copy in packed order, with its name. */
  copies(): readonly NamedIrrepCopy[] {
    return this.copyList;
  }

  /** Whether a copy is called `name`. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The copy called `name`; throws a `GaugeArgumentError` listing the names when there is none. */
  copy(name: string): NamedIrrepCopy {
    const copy = this.byName.get(name);
    if (copy === undefined) {
      throw new GaugeArgumentError(
        "name",
        `the field type ${this} has no copy named ${JSON.stringify(name)} (it has ${this.names.join(", ")})`,
      );
    }
    return copy;
  }

  /** Same type and the same name for every copy. */
  equals(other: NamedFieldType): boolean {
    return this.type.equals(other.type) && this.names.every((name, i) => name === other.names[i]);
  }

  /** `{ type, names }` with the canonical type and the names in packed order. */
  toJSON(): NamedFieldTypeJSON {
    return { type: this.type.toString(), names: [...this.names] };
  }

  /** The string form, `"pressure:0+temperature:0+wind:1"`, in packed order. */
  toString(): string {
    return this.copyList.map((c) => `${c.name}:${c.order}`).join("+");
  }
}

const NAME_RULE = `letters, digits, "_", "." and "-", not starting with "." or "-", at most ${MAX_FIELD_NAME_LENGTH} characters`;

function assertName(name: unknown, argument: string): asserts name is string {
  if (typeof name !== "string" || !NAME.test(name) || name.length > MAX_FIELD_NAME_LENGTH) {
    throw new GaugeArgumentError(argument, `${describe(name)} is not a name (${NAME_RULE})`);
  }
}

/** The order of every irrep copy of a type string, in the order it is written (not canonical). */
function writtenOrders(type: string): number[] {
  // Parsing the whole string first gives its errors with the caret; once it is valid, every
  // `+`-separated piece is one term.
  FieldType.parse(type);
  return type.split("+").flatMap((piece) => {
    const term = FieldType.parse(piece).terms[0];
    return Array.from({ length: term.multiplicity }, () => term.order);
  });
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
