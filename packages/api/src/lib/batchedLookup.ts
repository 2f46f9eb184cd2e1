interface Waiting<K, V> {
  key: K;
  answer: Promise<V | undefined>;
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/** What a `BatchedLookup` has done since it started. */
export interface BatchedLookupStats {
  /** Calls of the lookup function (queries). */
  lookups: number;
  /** Keys those calls were given. */
  keys: number;
}

/**
 * Looks keys up together: one lookup (a query) runs at a time, for up to `maxKeys` keys, and
 * every key asked for while it runs goes in the next one; a key already waiting is not asked
 * for twice. The first key of a quiet moment is looked up at once (from the next microtask,
 * so the keys of the same turn join it).
 *
 * A lookup that fails fails the keys asked for while it ran as well: they would meet the same
 * MySQL, and a key must not wait out one statement timeout behind a frozen MySQL and then a
 * second of its own. The next key asked for starts a new lookup.
 *
 * For what is read once per key and then held in memory: after a restart every client
 * reconnects at once and each of its first calls misses, and one query per miss queues
 * thousands of them on the pool, where the calls behind them wait past its acquire timeout.
 */
export class BatchedLookup<K, V> {
  /** Keys queued or being looked up. */
  private readonly waiting = new Map<K, Waiting<K, V>>();
  private queued: Waiting<K, V>[] = [];
  private running = false;
  private readonly counts: BatchedLookupStats = { lookups: 0, keys: 0 };

  /**
   * @param lookUp reads the given keys; a key absent from its answer is answered undefined.
   * @param maxKeys keys per lookup at most.
   */
  constructor(
    private readonly lookUp: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxKeys: number,
  ) {
    if (!(maxKeys >= 1)) throw new Error("BatchedLookup maxKeys must be at least 1");
  }

  /** The value of `key` from the next lookup that includes it; rejects with that lookup's error. */
  get(key: K): Promise<V | undefined> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting.answer;
    let resolve!: (value: V | undefined) => void;
    let reject!: (error: unknown) => void;
    const answer = new Promise<V | undefined>((resolveAnswer, rejectAnswer) => {
      resolve = resolveAnswer;
      reject = rejectAnswer;
    });
    const entry = { key, answer, resolve, reject };
    this.waiting.set(key, entry);
    this.queued.push(entry);
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.lookUpQueued());
    }
    return answer;
  }

  stats(): BatchedLookupStats {
    return { ...this.counts };
  }

  private async lookUpQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, this.maxKeys);
      this.counts.lookups++;
      this.counts.keys += batch.length;
      let found: ReadonlyMap<K, V> | undefined;
      let failure: unknown;
      try {
        found = await this.lookUp(batch.map((entry) => entry.key));
      } catch (error) {
        failure = error;
      }
      // Failed: so does every key queued meanwhile (see above).
      const answered = found ? batch : [...batch, ...this.queued.splice(0)];
      for (const entry of answered) {
        this.waiting.delete(entry.key);
        if (found) entry.resolve(found.get(entry.key));
        else entry.reject(failure);
      }
    }
    this.running = false;
  }
}
