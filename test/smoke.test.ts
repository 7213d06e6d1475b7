import { FieldType } from "@gemcnn/gauge";
import { BACKEND_NAMES } from "@gemcnn/nn";
import { expect, test } from "vitest";

test("workspace packages resolve from source", () => {
  expect(BACKEND_NAMES).toContain("wasm");
  expect(FieldType.parse("16x0+8x1").dim).toBe(32);
});
