/**
 * `items` cut into `parts` consecutive runs whose lengths differ by at most one (run `k` is
 * `items[⌊k·n/parts⌋ … ⌊(k+1)·n/parts⌋)`): a deterministic function of the list and the count,
 * so the same batch on the same number of replicas is always split the same way.
 */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  if (!Number.isSafeInteger(parts) || parts < 1)
    throw new RangeError(`splitEvenly: parts must be ≥ 1, got ${parts}`);
  const n = items.length;
  return Array.from({ length: parts }, (_, k) =>
    items.slice(Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)),
  );
}
