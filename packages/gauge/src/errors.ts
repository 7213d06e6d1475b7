/**
 * Thrown when an argument of a gauge-package function is unusable: wrong length, non-integer
 * order, non-finite angle. `argument` names the offending parameter so the message can be traced
 * to the call site without a stack dive.
 */
export class GaugeArgumentError extends Error {
  /** Name of the parameter that was rejected, e.g. `"field"` or `"angles"`. */
  readonly argument: string;

  constructor(argument: string, problem: string) {
    super(`${argument}: ${problem}`);
    this.name = "GaugeArgumentError";
    this.argument = argument;
  }
}

/**
 * Thrown by `FieldType.parse` for a string that is not a field type. The message quotes the input
 * and puts a caret under the part that could not be read.
 */
export class FieldTypeParseError extends Error {
  /** The string that failed to parse, exactly as given. */
  readonly input: string;
  /** Index (0-based, in UTF-16 code units) of the first character of the bad part. */
  readonly position: number;
  /** Length of the bad part (at least 1, so the caret is always visible). */
  readonly length: number;
  /** What is wrong, without the quoted input. */
  readonly reason: string;

  constructor(input: string, position: number, length: number, reason: string) {
    const shown = JSON.stringify(input);
    // The caret goes under a raw copy of the input (escapes in the quoted form would shift it);
    // tabs are copied so that it stays aligned however wide a tab is drawn.
    const pointer = `${input.slice(0, position).replace(/[^\t]/g, " ")}${"^".repeat(Math.max(1, length))}`;
    super(`invalid field type ${shown}: ${reason} (at column ${position + 1})\n  ${input}\n  ${pointer}`);
    this.name = "FieldTypeParseError";
    this.input = input;
    this.position = position;
    this.length = Math.max(1, length);
    this.reason = reason;
  }
}

/** The nonlinearities whose legality depends on the field type; see `FieldType.supportsNonlinearity`. */
export type NonlinearityKind = "pointwise" | "regular" | "norm" | "gated";

/**
 * Thrown when a nonlinearity is applied to a field type it is not equivariant for (for example a
 * pointwise function on vectors, or the regular nonlinearity on a type that is not `c` copies of
 * `regular(L)`).
 */
export class UnsupportedFieldTypeError extends Error {
  readonly nonlinearity: NonlinearityKind;
  /** Canonical string of the rejected field type. */
  readonly fieldType: string;

  constructor(nonlinearity: NonlinearityKind, fieldType: string, problem: string) {
    super(`the ${nonlinearity} nonlinearity cannot act on field type "${fieldType}": ${problem}`);
    this.name = "UnsupportedFieldTypeError";
    this.nonlinearity = nonlinearity;
    this.fieldType = fieldType;
  }
}
