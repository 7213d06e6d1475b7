import { FieldType, testing } from "@gemcnn/gauge";
import { bumpySphere, MeshGeometry } from "@gemcnn/geometry";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { checkGaugeEquivariance } from "../testing.js";
import { FieldDropout } from "./field-dropout.js";

const geometry = MeshGeometry.fromData(bumpySphere({ level: 2 }));
const type = FieldType.parse("4x0+3x1+2x2");

describe("FieldDropout", () => {
  beforeAll(async () => {
    await initBackend({ backend: "wasm" });
  });

  it("is the identity at inference", () => {
    const layer = new FieldDropout({ fieldType: type, rate: 0.5 });
    const x = tf.randomNormal([20, type.dim]);
    for (const y of [layer.apply(x), layer.apply(x, { training: false })] as tf.Tensor[]) {
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    }
  });

  it("drops whole copies (both numbers of a 2-dimensional copy together) at about the rate, scaling the rest", () => {
    const layer = new FieldDropout({ fieldType: type, rate: 0.3, seed: 5 });
    const nVertices = 2000;
    const x = tf.ones([nVertices, type.dim]);
    const y = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    let dropped = 0;
    let mixed = 0;
    for (let v = 0; v < nVertices; v++) {
      for (const copy of type.copies()) {
        const values = Array.from(
          y.subarray(v * type.dim + copy.offset, v * type.dim + copy.offset + copy.dim),
        );
        const expected = values[0] === 0 ? 0 : 1 / 0.7;
        if (values.some((value) => Math.abs(value - expected) > 1e-6)) mixed++;
        if (values[0] === 0) dropped++;
      }
    }
    expect(mixed).toBe(0);
    const rate = dropped / (nVertices * type.copies().length);
    expect(rate).toBeGreaterThan(0.28);
    expect(rate).toBeLessThan(0.32);
    // A new mask each call.
    const again = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(testing.relativeError(again, y)).toBeGreaterThan(0.1);
  });

  it("is gauge equivariant in training: the same seeded mask commutes with every rotation", () => {
    const seeded = () => new FieldDropout({ fieldType: type, rate: 0.4, seed: 11 });
    let layer = seeded();
    // Each side of the check calls the layer once: a fresh layer per call repeats the mask.
    const { relativeError } = checkGaugeEquivariance(
      (x) => {
        const y = layer.apply(x, { training: true }) as tf.Tensor2D;
        layer = seeded();
        return y;
      },
      { geometry, inType: type, outType: type, seed: 3 },
    );
    expect(relativeError).toBeLessThan(1e-6);
    // Negative control: a mask drawn per number instead of per copy breaks equivariance.
    const { relativeError: perNumber } = checkGaugeEquivariance(
      (x) => tf.mul(x, tf.floor(tf.add(tf.randomUniform(x.shape, 0, 1, "float32", 11), 0.6))) as tf.Tensor2D,
      { geometry, inType: type, outType: type, seed: 3 },
    );
    expect(perNumber).toBeGreaterThan(1e-2);
  });

  it("round-trips its config and rejects a bad rate", () => {
    const layer = new FieldDropout({ fieldType: "2x1+1x0", rate: 0.25, seed: 3, name: "drop" });
    const config = layer.getConfig();
    expect(config).toMatchObject({ fieldType: "1x0+2x1", rate: 0.25, seed: 3, name: "drop" });
    expect(FieldDropout.fromConfig(FieldDropout, config).getConfig()).toEqual(config);
    expect(() => new FieldDropout({ fieldType: "1x0", rate: 1 })).toThrow(
      /rate must be a number in \[0, 1\)/,
    );
    expect(() => new FieldDropout({ fieldType: "1x0", rate: -0.1 })).toThrow(/rate/);
  });
});
