import { describe, expect, it } from "vitest";
import { stratifiedHoldOut } from "./validation.js";

describe("stratifiedHoldOut", () => {
  // Classes of 10, 5, 2 and 1 samples, interleaved.
  const labels = [...Array.from({ length: 10 }, () => 0), ...Array.from({ length: 5 }, () => 1), 2, 2, 3].map(
    (label, i, all) => all[(i * 7) % all.length] ?? label,
  );

  it("holds out the fraction of every class (at least one, never all), seeded and in order", () => {
    const { train, val } = stratifiedHoldOut(labels, 0.2, 0);
    const count = (indices: number[], label: number) => indices.filter((i) => labels[i] === label).length;
    const sizes = [0, 1, 2, 3].map((c) => labels.filter((l) => l === c).length);
    expect(sizes).toEqual([10, 5, 2, 1]);
    expect([0, 1, 2, 3].map((c) => count(val, c))).toEqual([2, 1, 1, 0]);
    expect([...train, ...val].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(val).toEqual([...val].sort((a, b) => a - b));
    expect(stratifiedHoldOut(labels, 0.2, 0)).toEqual({ train, val });
    expect(stratifiedHoldOut(labels, 0.2, 1).val).not.toEqual(val);
    expect(stratifiedHoldOut(labels, 0, 0)).toEqual({ train: labels.map((_, i) => i), val: [] });
  });

  it("chooses a class's samples independently of the other classes", () => {
    const { val } = stratifiedHoldOut(labels, 0.3, 4);
    const onlyClass0 = labels.map((l, i) => [l, i] as const).filter(([l]) => l === 0);
    const alone = stratifiedHoldOut(
      onlyClass0.map(([l]) => l),
      0.3,
      4,
    ).val.map((k) => onlyClass0[k][1]);
    expect(val.filter((i) => labels[i] === 0)).toEqual(alone);
  });
});
