/**
 * Colours for labels and template points. A fixed categorical palette (the twelve colours of
 * ColorBrewer's "Paired" scheme, reordered so that neighbouring labels differ in hue) for part
 * labels, and a smooth map from template positions to colours for correspondences.
 */

type Rgb = readonly [number, number, number];

const hex = (value: number): Rgb => [
  ((value >> 16) & 255) / 255,
  ((value >> 8) & 255) / 255,
  (value & 255) / 255,
];

/** Part colours, by label modulo their count: dark ones first, then their light partners. */
export const CATEGORICAL_PALETTE: readonly Rgb[] = [
  0x1f78b4, 0xe31a1c, 0x33a02c, 0xff7f00, 0x6a3d9a, 0xb15928, 0xa6cee3, 0xfb9a99, 0xb2df8a, 0xfdbf6f,
  0xcab2d6, 0xffff99,
].map(hex);

/** The colour of an unknown label (−1: unlabelled, or dropped by the preprocessing). */
export const UNLABELLED_COLOR: Rgb = [0.35, 0.35, 0.38];

/** The colour of one label. */
export function labelColor(label: number): Rgb {
  if (!(Number.isInteger(label) && label >= 0)) return UNLABELLED_COLOR;
  return CATEGORICAL_PALETTE[label % CATEGORICAL_PALETTE.length];
}

/** RGB per vertex (three floats in [0, 1]) of per-vertex labels. */
export function labelColors(labels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(3 * labels.length);
  for (let v = 0; v < labels.length; v++) out.set(labelColor(labels[v]), 3 * v);
  return out;
}

/** CSS `rgb(…)` of a colour, for legends. */
export function cssColor(color: Rgb): string {
  return `rgb(${color.map((c) => Math.round(255 * c)).join(", ")})`;
}

/**
 * A smooth colour for every template vertex: its position normalised to the template's bounding
 * box, `(x, y, z) → (r, g, b)` in [0.1, 0.9] (away from black and white, which hide shading).
 * Nearby points get nearby colours, so a correct correspondence shows the template's gradient on
 * the mesh and an error shows as a patch of a colour from elsewhere.
 */
export function templateColors(positions: ArrayLike<number>): Float32Array {
  const n = positions.length / 3;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let v = 0; v < n; v++) {
    for (let k = 0; k < 3; k++) {
      min[k] = Math.min(min[k], positions[3 * v + k]);
      max[k] = Math.max(max[k], positions[3 * v + k]);
    }
  }
  const out = new Float32Array(3 * n);
  for (let v = 0; v < n; v++) {
    for (let k = 0; k < 3; k++) {
      const span = max[k] - min[k];
      out[3 * v + k] = 0.1 + 0.8 * (span > 0 ? (positions[3 * v + k] - min[k]) / span : 0.5);
    }
  }
  return out;
}

/**
 * Colours carried from the template to a mesh through a correspondence: vertex `v` gets the
 * colour of template vertex `indices[v]` (the unlabelled colour where that is −1 or out of range).
 */
export function carryColors(template: Float32Array, indices: ArrayLike<number>): Float32Array {
  const n = template.length / 3;
  const out = new Float32Array(3 * indices.length);
  for (let v = 0; v < indices.length; v++) {
    const k = indices[v];
    out.set(
      Number.isInteger(k) && k >= 0 && k < n ? template.subarray(3 * k, 3 * k + 3) : UNLABELLED_COLOR,
      3 * v,
    );
  }
  return out;
}
