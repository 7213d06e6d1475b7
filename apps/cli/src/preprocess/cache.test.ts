import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, PreprocessCache } from "./cache.js";

describe("PreprocessCache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gemcnn-cache-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keys on content and options, not on option order", () => {
    const a = new TextEncoder().encode("v 0 0 0");
    const b = new TextEncoder().encode("v 0 0 1");
    const k = PreprocessCache.key(a, { x: 1, y: [1, 2] });
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(PreprocessCache.key(a, { y: [1, 2], x: 1 })).toBe(k);
    expect(PreprocessCache.key(b, { x: 1, y: [1, 2] })).not.toBe(k);
    expect(PreprocessCache.key(a, { x: 2, y: [1, 2] })).not.toBe(k);
    expect(PreprocessCache.key(a, { x: 1, y: [2, 1] })).not.toBe(k);
  });

  it("stores and returns records, and treats a corrupt entry as a miss", async () => {
    const cache = new PreprocessCache(join(dir, "cache"));
    const key = PreprocessCache.key(new Uint8Array([1]), {});
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, { meta: { n: 3 }, arrays: { f: Float64Array.from([1, 2, 3]) } });
    const hit = await cache.get(key);
    expect(hit?.meta).toEqual({ n: 3 });
    expect(Array.from(hit!.arrays.f)).toEqual([1, 2, 3]);
    await writeFile(cache.pathOf(key), "garbage");
    expect(await cache.get(key)).toBeUndefined();
    expect(await readdir(join(dir, "cache", key.slice(0, 2)))).toEqual([]);
  });

  it("serialises nested options canonically", () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: [{ z: 1, y: 2 }] })).toBe(
      '{"a":[{"y":2,"z":1}],"b":{"c":2,"d":1}}',
    );
  });
});
