/**
 * Binary min-heap of (key, value) pairs in typed arrays: float64 keys, int32 values. Dijkstra-like
 * searches use it with lazy deletion (a vertex may be pushed again with a smaller key; stale
 * entries are skipped when popped), which is simpler and, on meshes of bounded degree, as fast as
 * decrease-key. The arrays start with 64 entries and double when full.
 */
export class MinHeap {
  keys = new Float64Array(64);
  values = new Int32Array(64);
  /** The number of entries; `topKey` and `pop` need it to be positive. */
  size = 0;

  push(key: number, value: number): void {
    if (this.size === this.keys.length) {
      const keys = new Float64Array(2 * this.size);
      keys.set(this.keys);
      this.keys = keys;
      const values = new Int32Array(2 * this.size);
      values.set(this.values);
      this.values = values;
    }
    const { keys, values } = this;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** The smallest key. */
  topKey(): number {
    return this.keys[0];
  }

  /** Removes the entry with the smallest key and returns its value. */
  pop(): number {
    const { keys, values } = this;
    const top = values[0];
    const size = --this.size;
    if (size > 0) {
      const key = keys[size];
      const value = values[size];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && keys[child + 1] < keys[child]) child++;
        if (keys[child] >= key) break;
        keys[i] = keys[child];
        values[i] = values[child];
        i = child;
      }
      keys[i] = key;
      values[i] = value;
    }
    return top;
  }
}
