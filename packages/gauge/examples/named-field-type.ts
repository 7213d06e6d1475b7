import assert from "node:assert/strict";
import { FieldTypeParseError, GaugeArgumentError, NamedFieldType } from "@gemcnn/gauge";

// A user's fields: two scalars and a wind vector, named in the order the type is written.
const fields = NamedFieldType.of("1x1+2x0", ["wind", "pressure", "temperature"]);
assert.equal(fields.toString(), "pressure:0+temperature:0+wind:1"); // canonical, packed order
assert.equal(fields.type.toString(), "2x0+1x1");
assert.deepEqual(fields.copy("wind"), {
  index: 2,
  order: 1,
  dim: 2,
  offset: 2,
  term: 1,
  indexInTerm: 0,
  name: "wind",
});

// JSON as a saved model stores it, and the string form; both read back as the same type.
const json = JSON.stringify(fields); // {"type":"2x0+1x1","names":["pressure","temperature","wind"]}
assert.ok(NamedFieldType.fromJSON(JSON.parse(json)).equals(fields));
assert.ok(NamedFieldType.parse("pressure:0 + temperature:0 + wind:1").equals(fields));

// One name per irrep copy, each name once.
assert.throws(() => NamedFieldType.of("2x0+1x1", ["pressure", "wind"]), GaugeArgumentError);
assert.throws(() => NamedFieldType.parse("wind:1+wind:0"), FieldTypeParseError);
console.log("ok");
