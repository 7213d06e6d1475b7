import { NN_PLACEHOLDER } from "@gemcnn/nn";
import { expect, test } from "vitest";

test("workspace packages resolve from source", () => {
  expect(NN_PLACEHOLDER).toBe(38);
});
