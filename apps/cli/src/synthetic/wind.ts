import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_WIND_LEVEL,
  formatVertexFieldsJson,
  type SphericalWindSample,
  sphericalWindSample,
  WIND_CLASSES,
  writePlyWithVertexProperties,
} from "@gemcnn/geometry";
import { writeFileAtomic } from "@gemcnn/geometry/node";

// The spherical wind classes (issue 15 §4; geometry's `sphericalWindSample`) as a classification
// dataset on disk, in MeshCNN's layout with a field file beside every mesh: what `gemcnn train
// --input-fields wind:vector --features none` learns from, and, with `speed:scalar`, the control
// that sees only the wind's magnitude.

/** The columns of a wind sample's field file: the wind's ambient components, `|wind|`, the pressure. */
export function windSampleColumns(sample: SphericalWindSample): Map<string, Float64Array> {
  const n = sample.pressure.length;
  const axis = (k: number) => Float64Array.from({ length: n }, (_, v) => sample.wind[3 * v + k]);
  const speed = Float64Array.from({ length: n }, (_, v) =>
    Math.hypot(sample.wind[3 * v], sample.wind[3 * v + 1], sample.wind[3 * v + 2]),
  );
  return new Map([
    ["wind_x", axis(0)],
    ["wind_y", axis(1)],
    ["wind_z", axis(2)],
    ["speed", speed],
    ["pressure", sample.pressure],
  ]);
}

/**
 * Defaults of `gemcnn generate --dataset wind`: those of the library's experiment
 * (`pnpm experiment:spherical`: icosphere level 3, 642 vertices; 48 training and 32 test samples
 * per class; tangent noise 0.1 of the peak speed, each sample at its own random rotation).
 */
export const WIND_CLASSIFICATION = {
  level: DEFAULT_WIND_LEVEL,
  trainPerClass: 48,
  testPerClass: 32,
  noise: 0.1,
  /** Test sample seeds start here (training seeds at the dataset's seed), so the two never share a sample. */
  testSeedOffset: 100_000,
} as const;

export interface WindClassificationOptions {
  readonly seed?: number;
  readonly trainPerClass?: number;
  readonly testPerClass?: number;
  readonly level?: number;
  readonly noise?: number;
}

/**
 * Writes the six wind classes into `dir`: `<class>/{train,test}/<class>-<seed>.ply` (the
 * icosphere, float64 coordinates; the same mesh every time, the weather turned instead) and
 * `<class>-<seed>.fields.json` beside each, with columns `wind_x`, `wind_y`, `wind_z` (tangent,
 * in the mesh's coordinates), `speed` (`|wind|`) and `pressure`. Training sample `i` of every class
 * has seed `seed + i`, test sample `i` seed `seed + 100000 + i`; mirrored classes (cyclone and
 * anticyclone, the two pairs) of one seed are exact negatives, so their speeds are equal bit for
 * bit. Returns the number of meshes written.
 */
export async function writeWindClassificationDataset(
  dir: string,
  options: WindClassificationOptions = {},
): Promise<number> {
  const seed = options.seed ?? 0;
  const level = options.level ?? WIND_CLASSIFICATION.level;
  const noise = options.noise ?? WIND_CLASSIFICATION.noise;
  const parts = [
    { part: "train", count: options.trainPerClass ?? WIND_CLASSIFICATION.trainPerClass, first: seed },
    {
      part: "test",
      count: options.testPerClass ?? WIND_CLASSIFICATION.testPerClass,
      first: seed + WIND_CLASSIFICATION.testSeedOffset,
    },
  ];
  let written = 0;
  for (const windClass of WIND_CLASSES) {
    for (const { part, count, first } of parts) {
      if (count === 0) continue;
      const folder = join(dir, windClass, part);
      await mkdir(folder, { recursive: true });
      for (let i = 0; i < count; i++) {
        const sample = sphericalWindSample(windClass, first + i, { level, noise });
        const name = `${windClass}-${sample.seed}`;
        await writeFileAtomic(
          join(folder, `${name}.ply`),
          writePlyWithVertexProperties(sample.mesh, new Map()),
        );
        await writeFileAtomic(
          join(folder, `${name}.fields.json`),
          formatVertexFieldsJson(windSampleColumns(sample)),
        );
        written++;
      }
    }
  }
  return written;
}
