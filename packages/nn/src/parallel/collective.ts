/**
 * Synchronous collectives (all-gather, all-reduce) among the replicas of one data-parallel step,
 * over a `SharedArrayBuffer`: each replica writes its vector into its own slot, then waits with
 * `Atomics.wait` until every replica of the step has written, then reads all slots. Synchronous
 * because the callers are layers in the middle of a tfjs forward or backward pass, which cannot
 * await. `Atomics.wait` is allowed in worker threads and on Node's main thread (not on a browser's).
 *
 * Layout: a control block of `Int32` words (arrival counter, abort code), then two banks (used in
 * turn, so that a replica that is one call ahead never overwrites a slot another is still reading)
 * of per-replica lengths and `capacity` float64 values.
 */

const ARRIVALS = 0;
const ABORTED = 1;
const CONTROL_BYTES = 16;

/** The step was stopped: another replica failed, or the pool aborted it. */
export class CollectiveAbortedError extends Error {
  override name = "CollectiveAbortedError";
}

/** Bytes of a collective buffer for `replicas` replicas and vectors of up to `capacity` numbers. */
export function collectiveBytes(replicas: number, capacity: number): number {
  return CONTROL_BYTES + 2 * replicas * 8 + 2 * replicas * capacity * 8;
}

/** A new shared buffer for `Collective`s of up to `replicas` replicas. */
export function createCollectiveBuffer(replicas: number, capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(collectiveBytes(replicas, capacity));
}

/**
 * Resets the buffer for a new step (arrivals and abort code to 0). Only while no replica is inside
 * a collective, i.e. between steps.
 */
export function resetCollective(buffer: SharedArrayBuffer): void {
  const control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
  Atomics.store(control, ARRIVALS, 0);
  Atomics.store(control, ABORTED, 0);
}

/**
 * Stops the current step: every replica waiting in (or later entering) a collective throws a
 * `CollectiveAbortedError`. `code` (non-zero) says who: replica `r` passes `r + 1`, the pool −1.
 */
export function abortCollective(buffer: SharedArrayBuffer, code: number): void {
  const control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
  Atomics.compareExchange(control, ABORTED, 0, code);
  Atomics.notify(control, ARRIVALS);
}

/** One replica's handle on a collective buffer for one step. */
export class Collective {
  readonly rank: number;
  readonly replicas: number;
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly lengths: Int32Array;
  private readonly data: Float64Array;
  private calls = 0;
  private readonly whileWaiting: (() => void) | undefined;
  /** Wall-clock ms spent so far waiting for the other replicas (for benchmarks). */
  waitMs = 0;

  /**
   * `replicas`: how many take part in this step (ranks `0 … replicas − 1`); `maxReplicas` and
   * `capacity`: what the buffer was created for. `whileWaiting` runs every 50 ms of a wait and
   * may throw to end it (the calling thread checks there that its workers are still alive).
   */
  constructor(
    buffer: SharedArrayBuffer,
    maxReplicas: number,
    capacity: number,
    rank: number,
    replicas: number,
    whileWaiting?: () => void,
  ) {
    if (!(replicas >= 1 && replicas <= maxReplicas && rank >= 0 && rank < replicas)) {
      throw new RangeError(`Collective: rank ${rank} of ${replicas} replicas (buffer for ${maxReplicas})`);
    }
    if (buffer.byteLength !== collectiveBytes(maxReplicas, capacity)) {
      throw new RangeError("Collective: the buffer does not have the size of its replicas and capacity");
    }
    this.rank = rank;
    this.replicas = replicas;
    this.whileWaiting = whileWaiting;
    this.capacity = capacity;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.lengths = new Int32Array(buffer, CONTROL_BYTES, 2 * maxReplicas);
    this.data = new Float64Array(buffer, CONTROL_BYTES + 2 * maxReplicas * 8, 2 * maxReplicas * capacity);
  }

  /** Every replica's `values`, in rank order (all replicas must pass vectors of one length). */
  allGather(values: ArrayLike<number>): Float64Array[] {
    if (this.replicas === 1) return [Float64Array.from(values)];
    if (values.length > this.capacity) {
      throw new RangeError(
        `Collective: a vector of ${values.length} numbers exceeds the buffer's capacity of ${this.capacity}`,
      );
    }
    this.calls++;
    const bank = this.calls & 1;
    const maxReplicas = this.lengths.length / 2;
    const slot = (rank: number) => (bank * maxReplicas + rank) * this.capacity;
    this.data.set(values, slot(this.rank));
    this.lengths[bank * maxReplicas + this.rank] = values.length;
    Atomics.add(this.control, ARRIVALS, 1);
    Atomics.notify(this.control, ARRIVALS);
    const target = this.calls * this.replicas;
    const waitStart = performance.now();
    for (;;) {
      const arrived = Atomics.load(this.control, ARRIVALS);
      if (arrived >= target) break;
      const aborted = Atomics.load(this.control, ABORTED);
      if (aborted !== 0) {
        throw new CollectiveAbortedError(
          aborted > 0 ? `stopped because replica ${aborted - 1} failed` : "stopped by the replica pool",
        );
      }
      // The timeout bounds the wait for an abort whose notification raced with this wait, and
      // for a replica that died without a word.
      if (Atomics.wait(this.control, ARRIVALS, arrived, 50) === "timed-out") this.whileWaiting?.();
    }
    this.waitMs += performance.now() - waitStart;
    const out: Float64Array[] = [];
    for (let r = 0; r < this.replicas; r++) {
      const length = this.lengths[bank * maxReplicas + r];
      if (length !== values.length) {
        throw new RangeError(
          `Collective: replica ${r} contributed ${length} numbers to call ${this.calls}, replica ${this.rank} ${values.length}; the replicas ran different computations`,
        );
      }
      out.push(this.data.slice(slot(r), slot(r) + length));
    }
    return out;
  }

  /** The sum of every replica's `values`, added in rank order in float64: the same on every replica. */
  allReduce(values: ArrayLike<number>): Float64Array {
    const all = this.allGather(values);
    const sum = all[0];
    for (let r = 1; r < all.length; r++) {
      const v = all[r];
      for (let i = 0; i < sum.length; i++) sum[i] += v[i];
    }
    return sum;
  }
}
