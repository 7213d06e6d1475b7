import { BACKEND_NAMES } from "@gemcnn/nn";
import { expect, test } from "vitest";

test("workspace packages resolve from source", () => {
  expect(BACKEND_NAMES).toContain("wasm");
});
