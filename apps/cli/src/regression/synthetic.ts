import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FieldDeclaration } from "@gemcnn/features";
import { formatVertexFieldsJson, sphericalWindDataset, writePlyWithVertexProperties } from "@gemcnn/geometry";
import { writeFileAtomic } from "@gemcnn/geometry/node";

/**
 * The embedded regression default: nn's wind example as a dataset on disk. The wind on a sphere
 * from the pressure (geometry's `sphericalWindDataset`: vortices, pairs, dipoles and jets at
 * random rotations of the sphere, wind = n × ∇P), icosphere level 2 (162 vertices); training wind
 * with tangent noise 0.05 of the peak speed, test wind without (the relation itself is what the
 * model should recover), as in the example.
 */
export const SYNTHETIC_WIND = {
  level: 2,
  trainPerClass: 3,
  testPerClass: 2,
  trainNoise: 0.05,
  /** Seed of the first test sample (training samples start at 0), far from the training seeds. */
  testSeed: 1000,
} as const;

/** The declarations of the wind data: the pressure in, the wind out. */
export const SYNTHETIC_WIND_FIELDS: { input: FieldDeclaration[]; target: FieldDeclaration[] } = {
  input: [{ name: "pressure", kind: "scalar" }],
  target: [{ name: "wind", kind: "vector" }],
};

/**
 * Writes the wind dataset into `dir`: `train/` and `test/` with `<class>-<i>.ply` (the sphere,
 * float64 coordinates) and `<class>-<i>.fields.json` beside each (columns `pressure`, `wind_x`,
 * `wind_y`, `wind_z`), the layout `gemcnn train --task regression` reads. Returns a description.
 */
export async function writeSyntheticWindDataset(
  dir: string,
  options: { trainPerClass?: number; testPerClass?: number; seed?: number } = {},
): Promise<string> {
  const trainPerClass = options.trainPerClass ?? SYNTHETIC_WIND.trainPerClass;
  const testPerClass = options.testPerClass ?? SYNTHETIC_WIND.testPerClass;
  const seed = options.seed ?? 0;
  const parts = [
    {
      part: "train",
      samples: sphericalWindDataset({
        level: SYNTHETIC_WIND.level,
        samplesPerClass: trainPerClass,
        seed,
        noise: SYNTHETIC_WIND.trainNoise,
      }),
    },
    ...(testPerClass > 0
      ? [
          {
            part: "test",
            samples: sphericalWindDataset({
              level: SYNTHETIC_WIND.level,
              samplesPerClass: testPerClass,
              seed: seed + SYNTHETIC_WIND.testSeed,
              noise: 0,
            }),
          },
        ]
      : []),
  ];
  for (const { part, samples } of parts) {
    const folder = join(dir, part);
    await mkdir(folder, { recursive: true });
    for (const sample of samples) {
      const name = `${sample.windClass}-${sample.seed}`;
      const n = sample.pressure.length;
      const axis = (k: number) => Float64Array.from({ length: n }, (_, v) => sample.wind[3 * v + k]);
      const columns = new Map([
        ["pressure", sample.pressure],
        ["wind_x", axis(0)],
        ["wind_y", axis(1)],
        ["wind_z", axis(2)],
      ]);
      await writeFileAtomic(
        join(folder, `${name}.ply`),
        writePlyWithVertexProperties(sample.mesh, new Map()),
      );
      await writeFileAtomic(join(folder, `${name}.fields.json`), formatVertexFieldsJson(columns));
    }
  }
  const vertices = parts[0].samples[0].pressure.length;
  return `synthetic wind from pressure (seed ${seed}, ${trainPerClass}+${testPerClass} spheres per class × 6 classes, ${vertices} vertices)`;
}
