import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { multiscaleClassifier } from "../examples/multiscale-classifier.js";

// Ten training steps, a save and a load and two invariance checks: about 3 s alone, more on a
// loaded 2-core machine, beyond vitest's default 5 s.
it("runs the README's multiscale classifier example", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "gemcnn-example-"));
  try {
    const { losses, logits, invariance, dir } = await multiscaleClassifier(join(root, "model"));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(logits).toEqual([2, 2]);
    expect(invariance.gauge).toBeLessThan(1e-5);
    expect(invariance.rigidMotion).toBeLessThan(1e-5);
    expect((await readdir(dir)).sort()).toEqual(["model.json", "weights.bin"]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
