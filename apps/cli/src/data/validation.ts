import { mulberry32 } from "@gemcnn/geometry";

/** Which training samples are held out for validation, and which are kept for training. */
export interface HoldOut {
  /** Indices (into the given labels) that stay in the training set, in their original order. */
  readonly train: number[];
  /** Indices held out for validation, in their original order. */
  readonly val: number[];
}

/**
 * Holds out `fraction` of every class for validation, chosen by a seeded shuffle of that class's
 * samples, so the split depends only on the labels, the fraction and the seed (never on the
 * order of the other classes, nor on which meshes later fail to preprocess). A class gets
 * `round(fraction · n)` validation samples, at least one when it has two or more samples, and it
 * always keeps at least one for training.
 */
export function stratifiedHoldOut(labels: readonly number[], fraction: number, seed: number): HoldOut {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`fraction must be in [0, 1), got ${fraction}`);
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    let members = byClass.get(label);
    if (!members) {
      members = [];
      byClass.set(label, members);
    }
    members.push(i);
  });
  const held = new Set<number>();
  for (const [label, members] of byClass) {
    const n = members.length;
    const wanted = fraction > 0 && n >= 2 ? Math.max(1, Math.round(fraction * n)) : 0;
    const count = Math.min(wanted, n - 1);
    const random = mulberry32(Math.imul(seed + 1, 0x27d4eb2f) ^ Math.imul(label + 1, 0x165667b1));
    const order = [...members];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order.slice(0, count)) held.add(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  labels.forEach((_, i) => {
    (held.has(i) ? val : train).push(i);
  });
  return { train, val };
}
