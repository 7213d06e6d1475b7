import { FieldType } from "@gemcnn/gauge";
import { NN_PLACEHOLDER } from "@gemcnn/nn";
import { expect, test } from "vitest";

test("workspace packages resolve from source", () => {
  expect(NN_PLACEHOLDER).toBe(38);
  expect(FieldType.parse("16x0+8x1").dim).toBe(32);
});
