interface Entry<V> {
  value: V;
  /** `LruCache.placed` when the entry was last put at the Map's end. */
  placed: number;
}

/**
 * A Map bounded to `capacity` entries that forgets the least recently used one first.
 * A Map iterates in insertion order, so re-inserting an entry keeps the oldest first.
 *
 * A read re-inserts its entry only once it has drifted into the older half (more than
 * `capacity / 2` entries placed after it): a hot entry is read many times for each move, and
 * a Map's delete-and-set is most of a read's cost. An entry read is therefore never evicted
 * before `capacity / 2` others have been placed after the read.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** Entries put at the Map's end, since creation. */
  private placed = 0;

  /** @param capacity most entries kept; must be at least 1. */
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error("LruCache capacity must be at least 1");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.placed - entry.placed > this.capacity / 2) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.placed = ++this.placed;
    }
    return entry.value;
  }

  /** Reads without marking the entry as used. */
  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, placed: ++this.placed });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
