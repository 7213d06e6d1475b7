import { afterEach, describe, expect, it } from "vitest";
import type { EchoTask } from "./echo-worker.fixture.js";
import { InlineRunner, WorkerPool, WorkerTaskError } from "./pool.js";

const ECHO = new URL("./echo-worker.fixture.ts", import.meta.url);

describe("WorkerPool", () => {
  let pool: WorkerPool<EchoTask, { square: number; threadId: number; sum: number }> | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it("runs TypeScript tasks on several threads and returns results in order", async () => {
    pool = new WorkerPool(ECHO, 2);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((value) => pool!.run({ value })));
    expect(results.map((r) => r.square)).toEqual([1, 4, 9, 16, 25, 36]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
  });

  it("moves transferred buffers and reports task errors without losing the worker", async () => {
    pool = new WorkerPool(ECHO, 1);
    const buffer = Float64Array.from([1, 2, 3.5]);
    expect((await pool.run({ value: 0, buffer }, [buffer.buffer])).sum).toBe(6.5);
    expect(buffer.length).toBe(0); // detached: moved, not copied
    const error = await pool.run({ value: 7, fail: true }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect(error.originalName).toBe("RangeError");
    expect(error.message).toBe("value 7 refused");
    expect((await pool.run({ value: 3 })).square).toBe(9);
  });

  it("replaces a worker that dies and fails only its task", async () => {
    pool = new WorkerPool(ECHO, 1);
    await expect(pool.run({ value: 1, exit: true })).rejects.toThrow(/exited unexpectedly/);
    expect((await pool.run({ value: 4 })).square).toBe(16);
  });
});

describe("InlineRunner", () => {
  it("runs the handler on the calling thread", async () => {
    const runner = new InlineRunner((x: number) => x + 1);
    expect(runner.size).toBe(0);
    expect(await runner.run(41)).toBe(42);
  });
});
