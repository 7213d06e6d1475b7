import { describe, expect, it } from "vitest";
import { FieldTypeParseError, GaugeArgumentError } from "./errors.js";
import { FieldType } from "./field-type.js";
import { NamedFieldType } from "./named-field-type.js";

describe("NamedFieldType", () => {
  it("names every irrep copy in packed order and finds copies by name", () => {
    const named = NamedFieldType.of("2x0+1x1", ["pressure", "temperature", "wind"]);
    expect(named.type.toString()).toBe("2x0+1x1");
    expect(named.dim).toBe(4);
    expect(named.names).toEqual(["pressure", "temperature", "wind"]);
    expect(named.copy("wind")).toMatchObject({ name: "wind", order: 1, offset: 2, dim: 2, index: 2 });
    expect(named.copy("temperature")).toMatchObject({ order: 0, offset: 1, dim: 1 });
    expect(named.has("pressure")).toBe(true);
    expect(named.has("humidity")).toBe(false);
    expect(() => named.copy("humidity")).toThrowError(
      /has no copy named "humidity" \(it has pressure, temperature, wind\)/,
    );
    expect(named.copies().map((c) => [c.name, c.offset])).toEqual([
      ["pressure", 0],
      ["temperature", 1],
      ["wind", 2],
    ]);
  });

  it("takes the names in the order the type is written, and canonicalises stably", () => {
    const named = NamedFieldType.of("1x1 + 2x0 + 1x2 + 1x0", ["wind", "p", "t", "cross", "h"]);
    expect(named.toString()).toBe("p:0+t:0+h:0+wind:1+cross:2");
    expect(named.type.equals(FieldType.parse("3x0+1x1+1x2"))).toBe(true);
    const fromCopies = NamedFieldType.fromCopies([
      { name: "wind", order: 1 },
      { name: "p", order: 0 },
      { name: "gust", order: 1 },
    ]);
    expect(fromCopies.names).toEqual(["p", "wind", "gust"]);
    // A FieldType is already canonical: the names are in packed order.
    expect(NamedFieldType.of(FieldType.parse("1x1+1x0"), ["a", "b"]).names).toEqual(["a", "b"]);
    expect(NamedFieldType.of(FieldType.parse("1x1+1x0"), ["a", "b"]).copy("b").order).toBe(1);
  });

  it("round-trips through JSON and through its string form", () => {
    for (const named of [
      NamedFieldType.of("2x0+1x1", ["pressure", "temperature", "wind"]),
      NamedFieldType.of("1x2+1x1+3x0", ["cross", "flow", "a", "b_2", "c.3"]),
      NamedFieldType.of("1x0", ["x"]),
    ]) {
      const json = JSON.parse(JSON.stringify(named));
      expect(json).toEqual({ type: named.type.toString(), names: [...named.names] });
      const back = NamedFieldType.fromJSON(json);
      expect(back.equals(named)).toBe(true);
      expect(NamedFieldType.parse(named.toString()).equals(named)).toBe(true);
    }
    expect(NamedFieldType.parse(" wind : 1 +pressure:0").toString()).toBe("pressure:0+wind:1");
    // equals compares names too (negative control).
    const a = NamedFieldType.of("2x0", ["p", "t"]);
    expect(a.equals(NamedFieldType.of("2x0", ["t", "p"]))).toBe(false);
    expect(a.equals(NamedFieldType.of("2x0", ["p", "t"]))).toBe(true);
  });

  it("refuses name counts that do not match the copies, repeated names and bad names", () => {
    expect(() => NamedFieldType.of("2x0+1x1", ["p", "t"])).toThrowError(
      /the field type "2x0\+1x1" has 3 irrep copies, but 2 names were given \("p", "t"\)/,
    );
    expect(() => NamedFieldType.of("2x0", ["p", "p"])).toThrowError(/the name "p" is used twice/);
    for (const bad of ["", "wind speed", "a:b", "a+b", ".hidden", "-x", "x".repeat(65)]) {
      expect(() => NamedFieldType.of("1x0", [bad]), bad).toThrowError(GaugeArgumentError);
    }
    expect(() => NamedFieldType.of("2y0", ["p"])).toThrowError(FieldTypeParseError);
    expect(() => NamedFieldType.fromCopies([])).toThrowError(/at least one named copy/);
    expect(() => NamedFieldType.fromCopies([{ name: "p", order: -1 }])).toThrowError(GaugeArgumentError);
  });

  it("fromJSON says what is missing or of the wrong kind", () => {
    expect(() => NamedFieldType.fromJSON("2x0")).toThrowError(/a named field type is an object/);
    expect(() => NamedFieldType.fromJSON({ names: ["p"] })).toThrowError(
      /type: expected a field type string/,
    );
    expect(() => NamedFieldType.fromJSON({ type: "1x0", names: "p" })).toThrowError(
      /names: expected an array of strings, got "p"/,
    );
    expect(() => NamedFieldType.fromJSON({ type: "1x0", names: [3] })).toThrowError(
      /names: expected an array of strings/,
    );
  });

  it("parse points at the bad part of the string form", () => {
    const cases: [string, number, RegExp][] = [
      ["wind", 0, /"wind" needs an order: "wind:0" for a scalar, "wind:1" for a vector/],
      ["p:0+", 4, /expected "name:order"/],
      ["p:0 + wind:x", 11, /an order must be a whole number ≥ 0/],
      ["p:0+ bad name:1", 5, /"bad name" is not a name/],
      ["p:0+p:1", 4, /the name "p" is used twice/],
      [":1", 0, /"" is not a name/],
    ];
    for (const [text, position, reason] of cases) {
      let error: unknown;
      try {
        NamedFieldType.parse(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(FieldTypeParseError);
      expect((error as FieldTypeParseError).position, text).toBe(position);
      expect((error as Error).message, text).toMatch(reason);
    }
    expect(() => NamedFieldType.parse("p:99999999999999999999")).toThrowError(FieldTypeParseError);
  });
});
