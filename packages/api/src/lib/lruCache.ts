/**
 * A Map bounded to `capacity` entries that forgets the least recently used one first.
 * A Map iterates in insertion order, so re-inserting on read keeps the oldest first.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  /** @param capacity most entries kept; must be at least 1. */
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error("LruCache capacity must be at least 1");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Reads without marking the entry as used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
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
